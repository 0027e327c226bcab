"""Incidents over HTTP: intake and routing with the rule version, the lifecycle, returns and rulings, SLA scan."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from grid_testkit import TOWN, headers, seed_town
from sqlalchemy import create_engine, text

from grid_dispatch.incidents import service
from grid_dispatch.main import build_app
from grid_dispatch.settings import GridSettings
from jiading_shared.db import Database
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows

settings, client = api_fixtures(GridSettings, build_app)


@pytest.fixture
def town(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)
    now = datetime.now(UTC)
    body = {
        "department_code": "AT-CG",
        "officer_sub": "cg-1",
        "officer_name": "城管甲",
        "grids": ["AT-01-01"],
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=8)).isoformat(),
    }
    assert (
        client.post("/api/v1/duty/assignments", json=body, headers=headers(settings, "dispatcher")).status_code == 201
    )


def report(client: TestClient, settings: GridSettings, **overrides: object) -> dict:
    body = {
        "category": "street_vending",
        "town": TOWN,
        "grid": "AT-01-01",
        "title": "占道设摊",
        "description": "菜场门口占道经营",
        "source": "patrol_finding",
        **overrides,
    }
    response = client.post("/api/v1/incidents", json=body, headers=headers(settings, "operations_patrol"))
    assert response.status_code == 201, response.text
    return response.json()


def act(
    client: TestClient,
    settings: GridSettings,
    incident_id: str,
    action: str,
    body: dict,
    *roles: str,
    dept: str | None = None,
):
    return client.post(
        f"/api/v1/incidents/{incident_id}/{action}", json=body, headers=headers(settings, *roles, dept=dept)
    )


def test_routed_to_lead_department_and_its_on_duty_responder(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    incident = report(client, settings)

    assert incident["state"] == "dispatched"
    assert incident["department_code"] == "AT-CG"
    assert incident["responder"] == "cg-1"
    assert incident["routing_version"] == "routing@1"
    assert incident["routing_rule_id"] == "R010"
    assert incident["due_at"] is not None
    types = [row["event_type"] for row in outbox_rows(settings) if row["topic"] == "grid.incident"]
    assert types == ["cn.jiading.grid.incident.created.v1", "cn.jiading.grid.incident.dispatched.v1"]


def test_no_rule_goes_to_the_dispatcher_queue_and_a_commander_rules(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    # DB 31114/Z 009-2025 4.3.2: 一时难以确定责任主体 → 指挥协调管理人员指定相关部门
    incident = report(client, settings, category="other")
    queue = client.get("/api/v1/incidents", params={"queue": True}, headers=headers(settings, "dispatcher")).json()

    ruled = act(
        client,
        settings,
        incident["id"],
        "rule",
        {"department_code": "AT-FG", "basis": "经商定由房管办处置", "make_rule": True},
        "commander",
    )
    again = report(client, settings, category="other")

    assert incident["state"] == "reported"
    assert incident["in_dispatcher_queue"] is True
    assert [row["id"] for row in queue] == [incident["id"]]
    assert ruled.status_code == 200, ruled.text
    assert ruled.json()["department_code"] == "AT-FG"
    assert ruled.json()["routing_version"] == "routing@2"
    # The ruling became a rule: the next such incident in that grid routes there by itself.
    assert again["department_code"] == "AT-FG"
    assert again["routing_version"] == "routing@2"


def test_full_lifecycle_keeps_an_immutable_timeline(client: TestClient, settings: GridSettings, town: None) -> None:
    incident = report(client, settings)
    iid = incident["id"]

    steps = [
        act(client, settings, iid, "accept", {}, "duty_officer", dept="AT-CG"),
        act(client, settings, iid, "start", {"note": "到场"}, "duty_officer", dept="AT-CG"),
        act(client, settings, iid, "resolve", {"note": "已劝离"}, "duty_officer", dept="AT-CG"),
        act(client, settings, iid, "verify", {"passed": False, "note": "摊位仍在"}, "operations_patrol"),
        act(client, settings, iid, "resolve", {"note": "已取缔"}, "duty_officer", dept="AT-CG"),
        act(client, settings, iid, "verify", {"passed": True, "note": "核查通过"}, "dispatcher"),
        act(client, settings, iid, "close", {}, "dispatcher"),
    ]

    assert [response.status_code for response in steps] == [200] * 7
    final = client.get(f"/api/v1/incidents/{iid}", headers=headers(settings, "dispatcher")).json()
    assert final["state"] == "closed"
    assert [step["action"] for step in final["timeline"]] == [
        "report",
        "dispatch",
        "accept",
        "start",
        "resolve",
        "reopen",
        "resolve",
        "verify",
        "close",
    ]
    assert all(step["actor"] for step in final["timeline"])
    assert final["timeline"][1]["rule_version"] == "routing@1"
    assert final["timeline"][2]["rule_version"] == "service_catalog@1"  # 签收 starts the resolve clock
    assert "cn.jiading.grid.incident.closed.v1" in {row["event_type"] for row in outbox_rows(settings)}


def test_illegal_transition_is_409_naming_the_current_state(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    incident = report(client, settings)

    response = act(client, settings, incident["id"], "close", {}, "dispatcher")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "current state: dispatched" in response.json()["detail"]
    assert len(query_rows(settings, "SELECT id FROM incident_step")) == 2  # nothing written


def test_return_with_reason_code_then_redispatch(client: TestClient, settings: GridSettings, town: None) -> None:
    incident = report(client, settings)

    returned = act(
        client,
        settings,
        incident["id"],
        "return",
        {"reason_code": "overlapping_duties", "basis": "属市场监管职责"},
        "duty_officer",
        dept="AT-CG",
    )
    bad_code = act(
        client, settings, incident["id"], "return", {"reason_code": "bored", "basis": "x"}, "duty_officer", dept="AT-CG"
    )
    redispatched = act(client, settings, incident["id"], "dispatch", {"department_code": "AT-SJ"}, "dispatcher")

    assert returned.json()["state"] == "returned"
    assert returned.json()["return_count"] == 1
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"][0]["field"] == "body.reason_code"
    assert redispatched.json()["department_code"] == "AT-SJ"
    timeline = client.get(
        f"/api/v1/incidents/{incident['id']}/timeline", headers=headers(settings, "dispatcher")
    ).json()
    assert timeline[2]["reason_code"] == "overlapping_duties"
    assert timeline[2]["note"] == "属市场监管职责"


def test_other_department_cannot_accept_or_see(client: TestClient, settings: GridSettings, town: None) -> None:
    incident = report(client, settings)

    accept = act(client, settings, incident["id"], "accept", {}, "duty_officer", dept="AT-SJ")

    assert accept.status_code == 404


def test_unknown_category_and_grid_name_the_field(client: TestClient, settings: GridSettings, town: None) -> None:
    h = headers(settings, "dispatcher")
    base = {"category": "street_vending", "town": TOWN, "title": "t", "description": "d"}
    unknown_category = client.post("/api/v1/incidents", json={**base, "category": "dragons"}, headers=h)
    unknown_grid = client.post("/api/v1/incidents", json={**base, "grid": "ZZ-1"}, headers=h)

    assert unknown_category.status_code == 422
    assert unknown_category.json()["errors"][0]["field"] == "body.category"
    assert unknown_grid.json()["errors"][0]["field"] == "body.grid"
    assert query_rows(settings, "SELECT id FROM incident") == []


def test_sla_scan_warns_then_supervises_with_an_overdue_event(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    incident = report(client, settings)
    db = Database(settings.database_url)
    try:
        due = datetime.fromisoformat(incident["due_at"])
        with db.session() as session:
            assert service.scan_deadlines(session, due - timedelta(seconds=1)) == (1, 0)
        with db.session() as session:
            assert service.scan_deadlines(session, due + timedelta(seconds=1)) == (0, 1)
        with db.session() as session:
            assert service.scan_deadlines(session, due + timedelta(minutes=5)) == (0, 0)  # once only
    finally:
        db.dispose()

    final = client.get(f"/api/v1/incidents/{incident['id']}", headers=headers(settings, "dispatcher")).json()
    assert [step["action"] for step in final["timeline"]][-2:] == ["sla_warning", "supervise"]
    assert final["supervised"] is True
    assert "cn.jiading.grid.incident.overdue.v1" in {row["event_type"] for row in outbox_rows(settings)}


def test_routing_simulation_shows_incidents_that_would_move(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    report(client, settings)
    report(client, settings, category="group_rental")
    current = client.get("/api/v1/rules/routing/in-force", headers=headers(settings, "dispatcher")).json()["body"]
    draft = {
        **current,
        "rules": [
            r if r["rule_id"] != "R010" else {**r, "unit_type": "market_regulation_office"} for r in current["rules"]
        ],
    }

    simulation = client.post(
        "/api/v1/rules/routing/simulations", json={"body": draft, "last": 50}, headers=headers(settings, "dispatcher")
    ).json()
    published = client.post(
        "/api/v1/rules/routing/versions",
        json={"note": "占道经营改由市场监管所牵头", "body": draft},
        headers=headers(settings, "dispatcher"),
    )
    after = report(client, settings)

    assert simulation["replayed"] == 2
    assert [(c["routed_to"], c["draft_routes_to"]) for c in simulation["changes"]] == [("AT-CG", "AT-SJ")]
    assert published.status_code == 201
    assert published.json()["version"] == 2
    assert after["department_code"] == "AT-SJ"
    assert after["routing_version"] == "routing@2"
    versions = client.get("/api/v1/rules/routing/versions", headers=headers(settings, "dispatcher")).json()
    assert versions[0]["body"]["rules"][3]["unit_type"] == "enforcement_squad"  # version 1 unchanged


def test_rule_versions_are_validated_and_never_backdated(client: TestClient, settings: GridSettings) -> None:
    h = headers(settings, "commander")
    unknown_category = client.post(
        "/api/v1/rules/routing/versions",
        json={"note": "n", "body": {"rules": [{"rule_id": "X", "category": "dragons", "unit_type": "police_station"}]}},
        headers=h,
    )
    backdated = client.post(
        "/api/v1/rules/duty_standard/versions",
        json={
            "note": "n",
            "effective_from": "2024-01-01T00:00:00Z",
            "body": {
                "covered_duty_kinds": ["police"],
                "patrol_min_per_week": 1,
                "patrol_max_per_week": 2,
                "joint_action_notice_working_days": 3,
            },
        },
        headers=h,
    )
    inverted = client.post(
        "/api/v1/rules/duty_standard/versions",
        json={
            "note": "n",
            "body": {
                "covered_duty_kinds": ["police"],
                "patrol_min_per_week": 3,
                "patrol_max_per_week": 2,
                "joint_action_notice_working_days": 3,
            },
        },
        headers=h,
    )
    dispatcher_duty = client.post(
        "/api/v1/rules/duty_standard/versions", json={"note": "n", "body": {}}, headers=headers(settings, "dispatcher")
    )

    assert unknown_category.status_code == 422
    assert unknown_category.json()["errors"][0]["field"] == "body.body.rules.0.category"
    assert backdated.json()["errors"][0]["field"] == "body.effective_from"
    assert inverted.status_code == 422
    assert dispatcher_duty.status_code == 403
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM rule_version")).scalar() == 3
    engine.dispose()
