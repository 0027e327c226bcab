"""Departments with liaisons, the duty roster, the coverage check and weekly patrol compliance, over HTTP."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from grid_testkit import TOWN, headers, seed_town

from grid_dispatch.main import build_app
from grid_dispatch.settings import GridSettings
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows

settings, client = api_fixtures(GridSettings, build_app)

NOW = datetime.now(UTC).replace(microsecond=0)


def shift(department: str, officer: str, grids: list[str], hours: tuple[int, int] = (-1, 8)) -> dict[str, object]:
    return {
        "department_code": department,
        "officer_sub": officer,
        "officer_name": officer,
        "grids": grids,
        "starts_at": (NOW + timedelta(hours=hours[0])).isoformat(),
        "ends_at": (NOW + timedelta(hours=hours[1])).isoformat(),
    }


def test_department_has_a_b1_unit_type_and_a_named_liaison(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 附录 B (form B.1 unit types); DB 31114/Z 010-2025 4.2.4.2 (专人对接)
    seed_town(client, settings)

    water = client.get("/api/v1/departments/AT-SW", headers=headers(settings, "dispatcher")).json()
    missing_liaison = client.post(
        "/api/v1/departments",
        json={"code": "AT-X", "name": "x", "town": TOWN, "unit_type": "land_office"},
        headers=headers(settings, "dispatcher"),
    )
    bad_type = client.post(
        "/api/v1/departments",
        json={"code": "AT-Y", "name": "y", "town": TOWN, "unit_type": "zoo", "liaison_name": "a"},
        headers=headers(settings, "dispatcher"),
    )

    assert water["unit_type_label"] == "水务所"
    assert water["duty_kind"] is None
    assert water["liaison_name"] == "钱所长"
    assert water["liaison_phone_masked"] == "138****5678"
    assert "13812345678" not in str(query_rows(settings, "SELECT * FROM department WHERE code = 'AT-SW'"))
    assert missing_liaison.status_code == 422
    assert missing_liaison.json()["errors"][0]["field"] == "body.liaison_name"
    assert bad_type.json()["errors"][0]["field"] == "body.unit_type"
    assert "cn.jiading.grid.department.registered.v1" in {row["event_type"] for row in outbox_rows(settings)}


def test_liaison_can_be_replaced(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)

    response = client.put(
        "/api/v1/departments/AT-FG/liaison",
        json={"liaison_name": "周副主任", "liaison_title": "分管负责人"},
        headers=headers(settings, "commander"),
    )

    assert response.status_code == 200
    assert response.json()["liaison_name"] == "周副主任"


def test_coverage_lists_each_grid_missing_a_duty_kind(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 010-2025 4.2.1.5, 4.2.2.1, 4.2.3.1: every grid has a 公安, 城管 and 市场监管 responder
    seed_town(client, settings)
    h = headers(settings, "dispatcher")
    # One 城管 officer covers two grids (一人多格); the 派出所 covers every grid; 市场监管 only AT-01-01.
    for body in (
        shift("AT-PS", "police-1", ["AT-01-01", "AT-01-02", "AT-02-01"]),
        shift("AT-CG", "cg-1", ["AT-01-01", "AT-01-02"]),
        shift("AT-SJ", "sj-1", ["AT-01-01"]),
        shift("AT-CG", "cg-later", ["AT-02-01"], hours=(2, 10)),  # not on duty yet
    ):
        assert client.post("/api/v1/duty/assignments", json=body, headers=h).status_code == 201

    report = client.get("/api/v1/duty/coverage", params={"at": NOW.isoformat()}, headers=h).json()
    metrics = client.get("/metrics").text

    gaps = {(gap["grid"], gap["duty_kind"]) for gap in report["gaps"]}
    assert gaps == {
        ("AT-01-02", "market_regulation"),
        ("AT-02-01", "market_regulation"),
        ("AT-02-01", "urban_management"),
    }
    by_grid = {entry["grid"]: entry for entry in report["grids"]}
    assert by_grid["AT-01-01"]["responders"]["urban_management"] == ["cg-1"]
    assert by_grid["AT-01-02"]["responders"]["urban_management"] == ["cg-1"]
    assert report["rule_version"] == "duty_standard@1"
    assert 'grid_duty_coverage_gaps{duty_kind="market_regulation",town="jd-anting"} 2.0' in metrics


def test_only_police_urban_management_and_market_regulation_sink_staff(
    client: TestClient, settings: GridSettings
) -> None:
    seed_town(client, settings)

    response = client.post(
        "/api/v1/duty/assignments", json=shift("AT-SW", "sw-1", ["AT-01-01"]), headers=headers(settings, "dispatcher")
    )
    sector = client.post(
        "/api/v1/duty/assignments", json=shift("AT-PS", "p", ["AT-01"]), headers=headers(settings, "dispatcher")
    )
    backwards = client.post(
        "/api/v1/duty/assignments",
        json=shift("AT-PS", "p", ["AT-01-01"], hours=(5, 1)),
        headers=headers(settings, "dispatcher"),
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.department_code"
    assert sector.json()["errors"][0]["field"] == "body.grids.0"
    assert backwards.json()["errors"][0]["field"] == "body.ends_at"
    assert query_rows(settings, "SELECT id FROM duty_assignment") == []


def test_dual_command_staff_visible_to_department_and_operations_centre(
    client: TestClient, settings: GridSettings
) -> None:
    # DB 31114/Z 010-2025 4.2.2.5, 4.2.3.5: 双重指挥调度 by the department and the 城运中心
    seed_town(client, settings)
    client.post(
        "/api/v1/duty/assignments", json=shift("AT-CG", "cg-1", ["AT-01-01"]), headers=headers(settings, "dispatcher")
    )
    client.post(
        "/api/v1/duty/assignments", json=shift("AT-SJ", "sj-1", ["AT-01-01"]), headers=headers(settings, "dispatcher")
    )

    centre = client.get("/api/v1/duty/assignments", headers=headers(settings, "dispatcher")).json()
    squad = client.get("/api/v1/duty/assignments", headers=headers(settings, "duty_officer", dept="AT-CG")).json()
    other_dept = client.post(
        "/api/v1/duty/assignments",
        json=shift("AT-SJ", "sj-2", ["AT-01-01"]),
        headers=headers(settings, "duty_officer", dept="AT-CG"),
    )

    assert {entry["officer_sub"] for entry in centre} == {"cg-1", "sj-1"}
    assert [entry["officer_sub"] for entry in squad] == ["cg-1"]
    assert squad[0]["commanded_by"] == ["AT-CG", "jd-anting:operations_centre"]
    assert other_dept.status_code == 403


def test_weekly_patrol_compliance_per_department_and_area(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 010-2025 4.2.4.1: other departments patrol each area 1-2 times a week
    seed_town(client, settings)
    h = headers(settings, "operations_patrol", sub="patrol-7")
    monday = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 2025-W10, 09:00 China time
    for day, grids in ((0, ["AT-01-01"]), (2, ["AT-01-02"]), (4, ["AT-01"]), (1, ["AT-02-01"])):
        body = {
            "department_code": "AT-SW",
            "grids": grids,
            "started_at": (monday + timedelta(days=day)).isoformat(),
            "ended_at": (monday + timedelta(days=day, hours=2)).isoformat(),
            "patrol_members": [{"sub": "patrol-7", "name": "城运队员甲"}],
            "findings": "河道垃圾",
        }
        assert client.post("/api/v1/duty/patrols", json=body, headers=h).status_code == 201

    report = client.get(
        "/api/v1/duty/patrol-compliance", params={"week": "2025-W10"}, headers=headers(settings, "dispatcher")
    ).json()
    next_week = client.get(
        "/api/v1/duty/patrol-compliance", params={"week": "2025-W11"}, headers=headers(settings, "dispatcher")
    ).json()

    statuses = {(row["department_code"], row["area"]): (row["patrols"], row["status"]) for row in report["areas"]}
    assert statuses[("AT-SW", "AT-01")] == (3, "above")
    assert statuses[("AT-SW", "AT-02")] == (1, "compliant")
    assert statuses[("AT-FG", "AT-01")] == (0, "missing")
    assert not any(code in {"AT-PS", "AT-CG", "AT-SJ"} for code, _area in statuses)  # they sink staff instead
    assert report["compliant"] is False
    assert (report["minimum"], report["maximum"]) == (1, 2)
    assert all(row["status"] == "missing" for row in next_week["areas"])


def test_bad_week_names_the_query_field(client: TestClient, settings: GridSettings) -> None:
    response = client.get(
        "/api/v1/duty/patrol-compliance", params={"week": "2025-W99"}, headers=headers(settings, "dispatcher")
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.week"
