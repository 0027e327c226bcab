"""On-site coordination log (009 4.3.1) and per-department joint rectification tasks (009 4.2.2)."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from grid_testkit import TOWN, headers, seed_town
from sqlalchemy import create_engine, text
from test_joint_rectification_api import application, approve_all

from grid_dispatch.incidents.rules import coordination_problem
from grid_dispatch.joint_rectification.rules import TaskRole, task_units
from grid_dispatch.main import build_app
from grid_dispatch.settings import GridSettings
from jiading_shared.testing.services import api_fixtures

settings, client = api_fixtures(GridSettings, build_app)


def new_incident(client: TestClient, settings: GridSettings) -> dict:
    response = client.post(
        "/api/v1/incidents",
        json={"category": "street_vending", "town": TOWN, "grid": "AT-01-01", "title": "占道", "description": "占道"},
        headers=headers(settings, "operations_patrol"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_dispatcher_logs_calls_radio_contacts_and_arrival(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 4.3.1: 信息指挥员 通过电话、电台协调指挥相关部门到达现场，并保持与现场处置部门人员的沟通
    seed_town(client, settings)
    incident = new_incident(client, settings)
    base = f"/api/v1/incidents/{incident['id']}/coordination"
    contacted = datetime.now(UTC) - timedelta(minutes=1)
    h = headers(settings, "dispatcher", sub="disp-1")

    call = client.post(
        base,
        json={
            "department_code": "AT-CG",
            "method": "phone",
            "contact_person": "李队长",
            "contacted_at": contacted.isoformat(),
        },
        headers=h,
    )
    radio = client.post(
        base,
        json={
            "department_code": "AT-PS",
            "method": "radio",
            "contacted_at": contacted.isoformat(),
            "arrived_at": datetime.now(UTC).isoformat(),
            "outcome": "民警到场维持秩序",
        },
        headers=h,
    )
    arrival = client.post(
        f"{base}/{call.json()['id']}/arrival",
        json={"arrived_at": datetime.now(UTC).isoformat(), "outcome": "城管到场劝离摊贩"},
        headers=h,
    )
    twice = client.post(
        f"{base}/{call.json()['id']}/arrival", json={"arrived_at": datetime.now(UTC).isoformat()}, headers=h
    )
    log = client.get(base, headers=headers(settings, "commander")).json()
    timeline = client.get(f"/api/v1/incidents/{incident['id']}/timeline", headers=h).json()

    assert call.status_code == 201, call.text
    assert call.json()["method_label"] == "电话"
    assert call.json()["arrived_at"] is None
    assert radio.json()["method_label"] == "电台"
    assert radio.json()["minutes_to_arrive"] == 1
    assert arrival.status_code == 200
    assert arrival.json()["outcome"] == "城管到场劝离摊贩"
    assert twice.status_code == 409
    assert [entry["department_code"] for entry in log] == ["AT-CG", "AT-PS"]
    assert all(entry["arrived_at"] is not None for entry in log)
    coordination_steps = [step for step in timeline if step["action"] == "coordinate"]
    assert len(coordination_steps) == 3
    assert coordination_steps[0]["actor"] == "disp-1"
    assert "电话协调 AT-CG (李队长)" in coordination_steps[0]["note"]
    assert "到达现场" in coordination_steps[2]["note"]


def test_coordination_entries_are_validated(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 4.3.1: arrival after the contact, contacts after the report, a department of the town
    seed_town(client, settings)
    incident = new_incident(client, settings)
    base = f"/api/v1/incidents/{incident['id']}/coordination"
    now = datetime.now(UTC)
    h = headers(settings, "dispatcher")

    def post(**body: object):
        return client.post(base, json={"department_code": "AT-CG", "method": "radio", **body}, headers=h)

    before_contact = post(contacted_at=now.isoformat(), arrived_at=(now - timedelta(minutes=10)).isoformat())
    before_report = post(contacted_at=(now - timedelta(days=1)).isoformat())
    future = post(contacted_at=(now + timedelta(hours=1)).isoformat())
    unknown = client.post(
        base, json={"department_code": "NX-PS", "method": "phone", "contacted_at": now.isoformat()}, headers=h
    )
    bad_method = post(contacted_at=now.isoformat(), method="pigeon")
    patrol = client.post(
        base,
        json={"department_code": "AT-CG", "method": "phone", "contacted_at": now.isoformat()},
        headers=headers(settings, "operations_patrol"),
    )

    assert before_contact.json()["errors"][0]["field"] == "body.arrived_at"
    assert before_report.json()["errors"][0]["field"] == "body.contacted_at"
    assert future.json()["errors"][0]["field"] == "body.contacted_at"
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.department_code"
    assert bad_method.status_code == 422
    assert patrol.status_code == 403
    assert client.get(base, headers=h).json() == []  # nothing half-written


def test_coordination_rule_unit() -> None:
    # DB 31114/Z 009-2025 4.3.1: the times of a contact and an arrival must be possible
    reported = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
    now = datetime(2025, 3, 10, 3, 0, tzinfo=UTC)
    assert coordination_problem(reported, reported + timedelta(minutes=5), now, now) is None
    assert coordination_problem(reported, now, now - timedelta(minutes=1), now) == (
        "arrived_at",
        "before the department was contacted",
    )
    assert coordination_problem(reported, reported - timedelta(hours=1), None, now)[0] == "contacted_at"
    assert coordination_problem(reported, now, now + timedelta(hours=1), now)[0] == "arrived_at"


def test_approval_gives_each_department_its_task_which_it_closes(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 4.2.2 召集相关职能部门开展专项协调: on approval each participating department gets a task
    seed_town(client, settings)
    created = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "duty_officer", dept="AT-CG")
    ).json()
    pending = client.get("/api/v1/joint-rectifications/tasks", headers=headers(settings, "dispatcher")).json()
    approve_all(client, settings, created["id"])

    police_tasks = client.get(
        "/api/v1/joint-rectifications/tasks", headers=headers(settings, "duty_officer", dept="AT-PS")
    )
    all_tasks = client.get(
        f"/api/v1/joint-rectifications/tasks?rectification_id={created['id']}", headers=headers(settings, "commander")
    ).json()
    task_id = police_tasks.json()[0]["id"]
    too_early = client.post(
        f"/api/v1/joint-rectifications/tasks/{task_id}/complete",
        json={"report": "x"},
        headers=headers(settings, "duty_officer", dept="AT-PS"),
    )
    engine = create_engine(settings.database_url)
    with engine.begin() as connection:  # the action has taken place
        connection.execute(
            text("UPDATE rectification_task SET starts_at = :at"), {"at": datetime.now(UTC) - timedelta(hours=2)}
        )
    engine.dispose()
    by_other = client.post(
        f"/api/v1/joint-rectifications/tasks/{task_id}/complete",
        json={"report": "x"},
        headers=headers(settings, "duty_officer", dept="AT-SJ"),
    )
    done = client.post(
        f"/api/v1/joint-rectifications/tasks/{task_id}/complete",
        json={"report": "出警4人维持秩序", "deployed_head_count": 4},
        headers=headers(settings, "duty_officer", dept="AT-PS"),
    )
    open_tasks = client.get("/api/v1/joint-rectifications/tasks?state=assigned", headers=headers(settings, "commander"))

    assert pending == []
    assert [(t["department_code"], t["role"], t["head_count"]) for t in police_tasks.json()] == [
        ("AT-PS", "participant", 4)
    ]
    assert sorted((t["department_code"], t["role"]) for t in all_tasks) == [
        ("AT-CG", "command"),
        ("AT-PS", "participant"),
        ("AT-SJ", "participant"),
    ]
    assert too_early.status_code == 409
    assert by_other.status_code == 403
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "completed"
    assert done.json()["deployed_head_count"] == 4
    assert sorted(t["department_code"] for t in open_tasks.json()) == ["AT-CG", "AT-SJ"]


def test_task_units_rule() -> None:
    # DB 31114/Z 009-2025 附录 B: the command unit and every participating unit, one task each
    assert task_units("CG", [("PS", 4), ("SJ", 2), ("PS", 1), ("CG", 3)]) == [
        ("CG", TaskRole.COMMAND, 3),
        ("PS", TaskRole.PARTICIPANT, 5),
        ("SJ", TaskRole.PARTICIPANT, 2),
    ]
    assert task_units("CY", [("PS", 2)]) == [("CY", TaskRole.COMMAND, None), ("PS", TaskRole.PARTICIPANT, 2)]
