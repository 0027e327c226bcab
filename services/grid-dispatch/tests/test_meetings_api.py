"""Weekly meetings (form A.1): record, action items carried forward until closed, attendance, weekly compliance."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from grid_testkit import TOWN, headers, seed_town

from grid_dispatch.main import build_app
from grid_dispatch.meetings.rules import (
    ItemState,
    ItemStatus,
    MeetingKind,
    attendance,
    iso_week,
    item_status,
    meeting_compliance,
)
from grid_dispatch.settings import GridSettings
from jiading_shared.testing.services import api_fixtures

settings, client = api_fixtures(GridSettings, build_app)

TWO_WEEKS_AGO = datetime.now(UTC) - timedelta(days=14)
LAST_WEEK = datetime.now(UTC) - timedelta(days=7)


@pytest.fixture
def town(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)
    centre = {"code": "AT-CY", "name": "安亭城运中心", "unit_type": "operations_centre", "liaison_name": "周主任"}
    response = client.post("/api/v1/departments", json={**centre, "town": TOWN}, headers=headers(settings, "commander"))
    assert response.status_code == 201, response.text


def meeting(held_at: datetime, **overrides: object) -> dict:
    return {
        "kind": "sector_grid",
        "sector_grid": "AT-01",
        "theme": "墨玉路周边市容整治推进",
        "held_at": held_at.isoformat(),
        "place": "安亭镇城运中心会议室",
        "attendees": [
            {"department_code": "AT-CG", "people": ["李队长"]},
            {"department_code": "AT-SJ", "people": ["赵所长", "钱科员"]},
            {"department_code": "AT-CY", "people": ["周主任"]},
        ],
        "minutes": "讨论墨玉路占道经营反复问题，城管与市场监管联合执法。",
        "last_week_results": "上周部署的3处乱堆物已清理2处。",
        "targets": "本周完成墨玉路沿线占道经营整治。",
        **overrides,
    }


def record(client: TestClient, settings: GridSettings, body: dict, role: str = "dispatcher"):
    return client.post("/api/v1/meetings", json=body, headers=headers(settings, role))


def test_a1_record_with_every_field_and_action_items(client: TestClient, settings: GridSettings, town: None) -> None:
    # DB 31114/Z 009-2025 4.1.1, 附录 A 表 A.1: 主题, 时间, 地点, 出席部门及人员, 会议记录, 上周例会研究推进目标及成果
    incident = client.post(
        "/api/v1/incidents",
        json={"category": "street_vending", "town": TOWN, "grid": "AT-01-01", "title": "占道", "description": "占道"},
        headers=headers(settings, "operations_patrol"),
    ).json()
    due = (LAST_WEEK + timedelta(days=3)).date().isoformat()
    body = meeting(
        LAST_WEEK,
        incident_ids=[incident["id"]],
        action_items=[{"owner_department": "AT-CG", "description": "清理墨玉路占道摊位", "due_on": due}],
    )

    created = record(client, settings, body)
    read = client.get(created.headers["Location"], headers=headers(settings, "duty_officer", dept="AT-CG"))

    assert created.status_code == 201, created.text
    out = read.json()
    assert read.status_code == 200
    assert (out["theme"], out["place"], out["minutes"]) == (body["theme"], body["place"], body["minutes"])
    assert out["last_week_results"] == body["last_week_results"]
    assert out["targets"] == body["targets"]
    assert out["attendees"][1] == {"department_code": "AT-SJ", "people": ["赵所长", "钱科员"]}
    assert out["week"] == iso_week(LAST_WEEK)
    assert out["subject"] == "AT-01"
    assert out["kind_label"] == "片区网格每周工作例会"
    assert out["incident_ids"] == [incident["id"]]
    assert [(i["owner_department"], i["due_on"], i["state"]) for i in out["action_items"]] == [("AT-CG", due, "open")]
    assert out["rule_version"] == "duty_standard@1"


def test_open_action_items_are_carried_forward_until_closed(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    # DB 31114/Z 009-2025 4.1.1: 跟进上周协调处置工作推进情况及成效 — items stay on the agenda until closed
    items = [
        {
            "owner_department": "AT-CG",
            "description": "拆除违章搭建",
            "due_on": (TWO_WEEKS_AGO + timedelta(days=5)).date().isoformat(),
        },
        {
            "owner_department": "AT-SJ",
            "description": "无证经营排查",
            "due_on": (TWO_WEEKS_AGO + timedelta(days=5)).date().isoformat(),
        },
    ]
    first = record(client, settings, meeting(TWO_WEEKS_AGO, action_items=items, last_week_results=None)).json()
    demolition, licensing = (item["id"] for item in first["action_items"])

    second = record(
        client,
        settings,
        meeting(
            LAST_WEEK,
            item_reviews=[
                {"item_id": licensing, "done": True, "result": "排查12户，取缔2户"},
                {"item_id": demolition, "done": False, "result": "已拆除一半"},
            ],
        ),
    )
    closed_by_squad = client.post(
        f"/api/v1/meetings/action-items/{demolition}/close",
        json={"result": "全部拆除"},
        headers=headers(settings, "duty_officer", dept="AT-CG"),
    )
    again = client.post(
        f"/api/v1/meetings/action-items/{demolition}/close",
        json={"result": "x"},
        headers=headers(settings, "dispatcher"),
    )
    third = record(client, settings, meeting(datetime.now(UTC) - timedelta(minutes=1))).json()

    assert second.status_code == 201, second.text
    assert [item["id"] for item in second.json()["carried_items"]] == [demolition]
    assert second.json()["carried_items"][0]["carried_count"] == 1
    assert closed_by_squad.status_code == 200
    assert closed_by_squad.json()["state"] == "done"
    assert again.status_code == 409
    assert third["carried_items"] == []  # closed items leave the agenda


def test_item_review_must_name_an_open_item_of_the_same_grid(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    # DB 31114/Z 009-2025 4.1.1: the review follows up this grid's own items
    due = (TWO_WEEKS_AGO + timedelta(days=5)).date().isoformat()
    first = record(
        client,
        settings,
        meeting(TWO_WEEKS_AGO, action_items=[{"owner_department": "AT-CG", "description": "x", "due_on": due}]),
    ).json()
    other_grid = record(
        client,
        settings,
        meeting(
            LAST_WEEK,
            sector_grid="AT-02",
            item_reviews=[{"item_id": first["action_items"][0]["id"], "done": True, "result": "done"}],
        ),
    )

    assert other_grid.status_code == 422
    assert other_grid.json()["errors"][0]["field"] == "body.item_reviews.0.item_id"
    still_open = client.get("/api/v1/meetings/action-items?subject=AT-01", headers=headers(settings, "dispatcher"))
    assert [item["state"] for item in still_open.json()] == ["open"]


def test_one_meeting_per_grid_and_week_and_bad_fields_are_named(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    # DB 31114/Z 009-2025 4.1.1: 每周工作例会 — one record per sector grid and week
    assert record(client, settings, meeting(LAST_WEEK)).status_code == 201
    duplicate = record(client, settings, meeting(LAST_WEEK + timedelta(hours=1)))
    unit_grid = record(client, settings, meeting(TWO_WEEKS_AGO, sector_grid="AT-01-01"))
    stranger = record(
        client, settings, meeting(TWO_WEEKS_AGO, attendees=[{"department_code": "NX-PS", "people": ["x"]}])
    )
    future = record(client, settings, meeting(datetime.now(UTC) + timedelta(days=1)))
    late_due = record(
        client,
        settings,
        meeting(
            TWO_WEEKS_AGO,
            action_items=[
                {
                    "owner_department": "AT-CG",
                    "description": "x",
                    "due_on": (TWO_WEEKS_AGO - timedelta(days=2)).date().isoformat(),
                }
            ],
        ),
    )
    patrol = record(client, settings, meeting(TWO_WEEKS_AGO), role="operations_patrol")

    assert duplicate.status_code == 409
    assert iso_week(LAST_WEEK) in duplicate.json()["detail"]
    assert unit_grid.json()["errors"][0]["field"] == "body.sector_grid"
    assert stranger.json()["errors"][0]["field"] == "body.attendees.0.department_code"
    assert future.json()["errors"][0]["field"] == "body.held_at"
    assert late_due.json()["errors"][0]["field"] == "body.action_items.0.due_on"
    assert patrol.status_code == 403


def test_urban_management_and_market_regulation_attendance_is_checked(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    # DB 31114/Z 010-2025 4.2.2.3 (城管中队) and 4.2.3.3 (市场监管所) 参加片区网格召开的每周工作例会
    body = meeting(LAST_WEEK, attendees=[{"department_code": "AT-CG", "people": ["李队长"]}])

    out = record(client, settings, body).json()
    report = client.get(
        f"/api/v1/meetings/compliance?week={iso_week(LAST_WEEK)}", headers=headers(settings, "commander")
    ).json()

    assert out["required_attendees"] == ["AT-CG", "AT-SJ"]
    assert out["absent_departments"] == ["AT-SJ"]
    sector = next(s for s in report["subjects"] if s["subject"] == "AT-01")
    assert sector["held"]
    assert not sector["compliant"]
    assert sector["absent_departments"] == ["AT-SJ"]


def test_police_and_operations_centre_weekly_meeting(client: TestClient, settings: GridSettings, town: None) -> None:
    # DB 31114/Z 010-2025 4.2.1.2 派出所与街镇城运中心要建立每周例会制度; 4.2.1.3 会议工作记录
    body = meeting(
        LAST_WEEK,
        kind="police_liaison",
        sector_grid=None,
        police_department="AT-PS",
        attendees=[
            {"department_code": "AT-PS", "people": ["王警官"]},
            {"department_code": "AT-CY", "people": ["周主任"]},
        ],
    )
    not_police = record(client, settings, {**body, "police_department": "AT-CG"})

    created = record(client, settings, body)
    report = client.get(
        f"/api/v1/meetings/compliance?week={iso_week(LAST_WEEK)}", headers=headers(settings, "commander")
    ).json()

    assert not_police.status_code == 422
    assert not_police.json()["errors"][0]["field"] == "body.police_department"
    assert created.status_code == 201, created.text
    assert created.json()["kind_label"] == "派出所–城运中心每周例会"
    assert created.json()["required_attendees"] == ["AT-CY", "AT-PS"]
    assert created.json()["absent_departments"] == []
    police = next(s for s in report["subjects"] if s["kind"] == "police_liaison")
    assert police == {
        "kind": "police_liaison",
        "subject": "AT-PS",
        "held": True,
        "meeting_id": created.json()["id"],
        "absent_departments": [],
        "compliant": True,
    }


def test_compliance_lists_sector_grids_that_missed_their_meeting_and_sets_the_metric(
    client: TestClient, settings: GridSettings, town: None
) -> None:
    # DB 31114/Z 009-2025 4.1.1 每周工作例会: a sector grid without a meeting that week is listed (and counted)
    record(client, settings, meeting(LAST_WEEK))
    week = iso_week(LAST_WEEK)

    report = client.get(f"/api/v1/meetings/compliance?week={week}", headers=headers(settings, "dispatcher"))
    metrics = client.get("/metrics").text
    bad_week = client.get("/api/v1/meetings/compliance?week=2025-X1", headers=headers(settings, "dispatcher"))

    assert report.status_code == 200, report.text
    assert report.json()["missed"] == ["AT-02", "AT-PS"]
    assert report.json()["compliant"] is False
    assert f'grid_weekly_meetings_missed{{kind="sector_grid",town="{TOWN}"}} 1.0' in metrics
    assert f'grid_weekly_meetings_missed{{kind="police_liaison",town="{TOWN}"}} 1.0' in metrics
    assert bad_week.status_code == 422
    assert bad_week.json()["errors"][0]["field"] == "query.week"


def test_department_lists_its_own_overdue_items(client: TestClient, settings: GridSettings, town: None) -> None:
    # DB 31114/Z 009-2025 4.1.2 督促相关职能部门对已经发现的问题进行快速处置: overdue items are visible to their owner
    past_due = (TWO_WEEKS_AGO + timedelta(days=1)).date().isoformat()
    record(
        client,
        settings,
        meeting(
            TWO_WEEKS_AGO,
            action_items=[
                {"owner_department": "AT-CG", "description": "a", "due_on": past_due},
                {"owner_department": "AT-SJ", "description": "b", "due_on": past_due},
            ],
        ),
    )

    squad = client.get(
        "/api/v1/meetings/action-items?overdue=true", headers=headers(settings, "duty_officer", dept="AT-CG")
    )
    foreign = client.get(
        "/api/v1/meetings/action-items?department=AT-SJ", headers=headers(settings, "duty_officer", dept="AT-CG")
    )

    assert [(i["owner_department"], i["status"]) for i in squad.json()] == [("AT-CG", "overdue")]
    assert foreign.status_code == 403


# --- pure rules -----------------------------------------------------------------------------------------------------


def test_iso_week_counts_in_china_time() -> None:
    # DB 31114/Z 009-2025 4.1.1 每周: a Sunday 23:00 China time belongs to that week, not the next
    sunday_night_china = datetime(2025, 3, 9, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    monday_morning_china = datetime(2025, 3, 9, 16, 30, tzinfo=UTC)  # 00:30 Monday in Shanghai
    assert iso_week(sunday_night_china) == "2025-W10"
    assert iso_week(monday_morning_china) == "2025-W11"


def test_item_status_and_attendance() -> None:
    # DB 31114/Z 010-2025 4.2.2.3, 4.2.3.3: required attendees absent are named
    today = datetime(2025, 3, 10).date()
    assert item_status(ItemState.OPEN, datetime(2025, 3, 9).date(), today) is ItemStatus.OVERDUE
    assert item_status(ItemState.OPEN, today, today) is ItemStatus.OPEN
    assert item_status(ItemState.DONE, datetime(2025, 3, 1).date(), today) is ItemStatus.DONE
    assert attendance(["CG", "SJ", "CG"], ["CG", "PS"]).absent == ("SJ",)
    assert attendance([], ["CG"]).absent == ()


def test_meeting_compliance_rule() -> None:
    # DB 31114/Z 009-2025 4.1.1: missed meetings and incomplete attendance
    subjects = [(MeetingKind.SECTOR_GRID, "S1"), (MeetingKind.SECTOR_GRID, "S2"), (MeetingKind.POLICE_LIAISON, "PS")]
    report = meeting_compliance(
        subjects,
        {(MeetingKind.SECTOR_GRID, "S1"): ("m1", ["CG"]), (MeetingKind.POLICE_LIAISON, "PS"): ("m2", ["PS", "CY"])},
        {(MeetingKind.SECTOR_GRID, "S1"): ["CG", "SJ"], (MeetingKind.POLICE_LIAISON, "PS"): ["PS", "CY"]},
    )
    assert [(e.subject, e.held, e.absent, e.compliant) for e in report] == [
        ("S1", True, ("SJ",), False),
        ("S2", False, (), False),
        ("PS", True, (), True),
    ]
