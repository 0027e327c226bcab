"""Visits over HTTP: the contract `POST /api/v1/rooms/{room_id}/visits`, refusal reports, room status, the work list,
rule versions and the overdue scan (SQLite; the PostgreSQL and broker run is in test_end_to_end.py)."""

import json
from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import admin, auth, collector, police, register_building, setup_places
from collection.visits.rules import LOCAL_ZONE
from collection.visits.scheduled import OVERDUE_ROOMS, run_overdue_scan
from jiading_shared.db import Database
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows

settings, client = api_fixtures(CollectionSettings, build_app)

REFUSAL = "cn.jiading.collection.refusal.reported.v1"
OVERDUE = "cn.jiading.collection.visit.overdue.v1"


def a_room(client: TestClient, settings: CollectionSettings, *codes: str) -> list[str]:
    setup_places(client, settings)
    building = register_building(client, settings, *(codes or ("31011401",)))
    return [room["id"] for room in building["rooms"]]


def visit(client: TestClient, settings: CollectionSettings, room_id: str, outcome: str, at: str, **extra: object):
    body = {"visited_at": at, "outcome": outcome, **extra}
    return client.post(f"/api/v1/rooms/{room_id}/visits", json=body, headers=collector(settings))


def events(settings: CollectionSettings, event_type: str) -> list[dict]:
    return [json.loads(row["payload"]) for row in outbox_rows(settings) if row["event_type"] == event_type]


def refusal_event(room_id: str, *, refusals: int, at: str, grounds: str) -> dict:
    """The refusal.reported payload for the test room 31011401 in area a03 (contract fields of issue 3)."""
    return {
        "room_id": room_id,
        "house_code": "31011401",
        "town": "jd-anting",
        "area": "jd-anting-a03",
        "grid": "jd-anting-g03",
        "police_station": "ps-anting",
        "refusals": refusals,
        "last_visit_at": at,
        "grounds": grounds,
    }


def test_visit_contract_fields(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.2.4: occupied but nobody home → again within 2 working days (National Day 2026 skipped).
    [room_id] = a_room(client, settings)

    response = visit(client, settings, room_id, "occupied_absent", "2026-09-30T10:00:00+08:00", note="灯亮着")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["room_id"] == room_id
    assert body["outcome"] == "occupied_absent"
    assert body["next_visit_due"] == "2026-10-09"
    assert body["due_provisional"] is False
    assert body["rule_version"] == 1
    assert set(body) >= {"id", "room_id", "outcome", "next_visit_due", "due_provisional"}


def test_vacant_is_due_a_month_later_and_other_outcomes_have_no_due_date(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 001-2025 6.2.4, DB 31114/Z 002-2025 6.7: 空置房 1个月后再次上门核查.
    room_a, room_b = a_room(client, settings, "31011401", "31011402")

    vacant = visit(client, settings, room_a, "vacant", "2025-10-31T09:00:00+08:00").json()
    no_answer = visit(
        client, settings, room_b, "no_answer", "2025-11-03T09:00:00+08:00", neighbour_info="邻居说住着两名务工人员"
    ).json()

    assert vacant["next_visit_due"] == "2025-11-30"
    assert no_answer["next_visit_due"] is None
    assert no_answer["neighbour_info"] == "邻居说住着两名务工人员"  # DB 31114/Z 001-2025 6.2.3


def test_departure_intention_goes_with_any_visit(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.2.8: 离开意向 is noted in the ledger.
    [room_id] = a_room(client, settings)

    body = visit(
        client, settings, room_id, "collected", "2025-11-03T09:00:00+08:00", departure_intention="下月回老家"
    ).json()

    assert body["departure_intention"] == "下月回老家"
    assert visit(client, settings, room_id, "vacant", "2025-11-04T09:00:00+08:00").status_code == 201
    history = client.get(f"/api/v1/rooms/{room_id}/visits", headers=police(settings)).json()
    assert [v["outcome"] for v in history] == ["vacant", "collected"]


def test_second_refusal_within_90_days_reports_and_flags_the_room(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 001-2025 6.2.10, DB 31114/Z 002-2025 6.5: repeated refusal → reported to the 社区民警 at once.
    [room_id] = a_room(client, settings)

    first = visit(client, settings, room_id, "refused", "2025-09-01T10:00:00+08:00").json()
    assert events(settings, REFUSAL) == []
    second = visit(client, settings, room_id, "refused", "2025-11-20T10:00:00+08:00").json()
    third = visit(client, settings, room_id, "refused", "2025-11-21T10:00:00+08:00").json()

    assert (first["refusals_in_window"], first["refusal_reported"]) == (1, False)
    assert (second["refusals_in_window"], second["refusal_reported"]) == (2, True)
    assert third["refusal_reported"] is False  # the room is already flagged
    [event] = events(settings, REFUSAL)
    assert event == refusal_event(room_id, refusals=2, at="2025-11-20T10:00:00+08:00", grounds="repeated_refusal")
    status = client.get(f"/api/v1/rooms/{room_id}/status", headers=collector(settings)).json()
    assert (status["state"], status["refusal_flagged"]) == ("refused", True)


def test_owner_uncooperative_refusal_is_reported_at_once_and_flags_the_room(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 002-2025 6.5: 如果房主不配合采集 … 在工作台账上做好相应记录，并第一时间向社区民警报告 — the first
    # occurrence is reported, with its grounds, and the room is flagged.
    [room_id] = a_room(client, settings)

    response = visit(
        client, settings, room_id, "refused", "2025-11-20T10:00:00+08:00", owner_uncooperative=True, note="房主拒绝"
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["owner_uncooperative"], body["refusals_in_window"], body["refusal_reported"]) == (True, 1, True)
    [event] = events(settings, REFUSAL)
    assert event == refusal_event(room_id, refusals=1, at="2025-11-20T10:00:00+08:00", grounds="owner_uncooperative")
    status = client.get(f"/api/v1/rooms/{room_id}/status", headers=police(settings)).json()
    assert (status["state"], status["refusal_flagged"]) == ("refused", True)
    [ledger] = client.get(f"/api/v1/rooms/{room_id}/visits", headers=police(settings)).json()
    assert (ledger["owner_uncooperative"], ledger["note"]) == (True, "房主拒绝")  # 工作台账 record


def test_refusal_after_an_owner_report_does_not_report_the_flagged_room_again(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 002-2025 6.5, DB 31114/Z 001-2025 6.2.10: the 2nd refusal reaches the threshold (多次), but the room
    # is flagged since the owner's report: one open report per room until it is collected, as for repeated refusals.
    [room_id] = a_room(client, settings)
    visit(client, settings, room_id, "refused", "2025-11-19T10:00:00+08:00", owner_uncooperative=True)

    second = visit(client, settings, room_id, "refused", "2025-11-20T10:00:00+08:00").json()
    owner_again = visit(
        client, settings, room_id, "refused", "2025-11-21T10:00:00+08:00", owner_uncooperative=True
    ).json()

    assert (second["refusals_in_window"], second["refusal_reported"]) == (2, False)
    assert (owner_again["refusals_in_window"], owner_again["refusal_reported"]) == (3, False)
    assert [event["grounds"] for event in events(settings, REFUSAL)] == ["owner_uncooperative"]
    reported = query_rows(settings, "SELECT id FROM visit WHERE refusal_reported")
    assert len(reported) == 1  # visits marked reported ↔ events in the outbox (the reconciliation check)


def test_a_single_plain_refusal_is_recorded_not_reported(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.2.10, DB 31114/Z 002-2025 6.5: without the owner's non-cooperation one refusal is not 多次.
    [room_id] = a_room(client, settings)

    body = visit(client, settings, room_id, "refused", "2025-11-20T10:00:00+08:00").json()

    assert (body["owner_uncooperative"], body["refusals_in_window"], body["refusal_reported"]) == (False, 1, False)
    assert events(settings, REFUSAL) == []
    status = client.get(f"/api/v1/rooms/{room_id}/status", headers=collector(settings)).json()
    assert (status["state"], status["refusal_flagged"]) == ("refused", False)


def test_owner_uncooperative_with_another_outcome_is_rejected_naming_the_field(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 002-2025 6.5: 房主不配合采集 is a refusal; on any other outcome it is a contradiction, not stored.
    [room_id] = a_room(client, settings)

    for outcome in ("no_answer", "vacant", "occupied_absent", "collected"):
        response = visit(client, settings, room_id, outcome, "2025-11-20T10:00:00+08:00", owner_uncooperative=True)
        assert response.status_code == 422, (outcome, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == "body.owner_uncooperative"
    assert query_rows(settings, "SELECT id FROM visit") == []
    assert events(settings, REFUSAL) == []
    plain = visit(client, settings, room_id, "vacant", "2025-11-20T10:00:00+08:00", owner_uncooperative=False)
    assert (plain.status_code, plain.json()["owner_uncooperative"]) == (201, False)


def test_refusals_further_apart_than_the_window_are_not_reported(
    client: TestClient, settings: CollectionSettings
) -> None:
    [room_id] = a_room(client, settings)

    visit(client, settings, room_id, "refused", "2025-06-01T10:00:00+08:00")
    later = visit(client, settings, room_id, "refused", "2025-11-20T10:00:00+08:00").json()

    assert later["refusal_reported"] is False
    assert events(settings, REFUSAL) == []


def test_a_new_rule_version_changes_the_threshold_and_visits_record_it(
    client: TestClient, settings: CollectionSettings
) -> None:
    [room_id] = a_room(client, settings)
    rule = {
        "effective_from": "2025-10-01",
        "occupied_absent_working_days": 2,
        "vacant_months": 1,
        "refusal_threshold": 3,
        "refusal_window_days": 90,
        "clause": "DB 31114/Z 001-2025 6.2.10 (区人口办通知 2025-09)",
    }
    assert client.post("/api/v1/visit-rules", json=rule, headers=collector(settings)).status_code == 403
    created = client.post("/api/v1/visit-rules", json=rule, headers=admin(settings))
    assert created.status_code == 201
    assert created.json()["version"] == 2

    visit(client, settings, room_id, "refused", "2025-11-19T10:00:00+08:00")
    second = visit(client, settings, room_id, "refused", "2025-11-20T10:00:00+08:00").json()

    assert second["rule_version"] == 2
    assert second["refusal_reported"] is False
    versions = client.get("/api/v1/visit-rules", headers=police(settings)).json()
    assert [v["refusal_threshold"] for v in versions] == [2, 3]  # version 1 unchanged


def test_collection_clears_the_refusal_flag(client: TestClient, settings: CollectionSettings) -> None:
    [room_id] = a_room(client, settings)
    visit(client, settings, room_id, "refused", "2025-11-19T10:00:00+08:00")
    visit(client, settings, room_id, "refused", "2025-11-20T10:00:00+08:00")

    visit(client, settings, room_id, "collected", "2025-11-21T10:00:00+08:00")

    status = client.get(f"/api/v1/rooms/{room_id}/status", headers=collector(settings)).json()
    assert (status["state"], status["refusal_flagged"], status["next_visit_due"]) == ("collected", False, None)


def test_bad_visits_are_rejected_naming_the_field(client: TestClient, settings: CollectionSettings) -> None:
    [room_id] = a_room(client, settings)

    naive = visit(client, settings, room_id, "vacant", "2025-11-20T10:00:00")
    unknown = visit(client, settings, room_id, "gone", "2025-11-20T10:00:00+08:00")
    future = visit(client, settings, room_id, "vacant", "2099-01-01T10:00:00+08:00")

    assert [r.status_code for r in (naive, unknown, future)] == [422, 422, 422]
    assert naive.json()["errors"][0]["field"] == "body.visited_at"
    assert unknown.json()["errors"][0]["field"] == "body.outcome"
    assert future.json()["errors"][0]["field"] == "body.visited_at"
    assert query_rows(settings, "SELECT id FROM visit") == []


def test_visits_are_scoped_to_the_collectors_areas(client: TestClient, settings: CollectionSettings) -> None:
    # Issue 3 item 9: a collector writes only their areas; police read but do not record visits.
    [room_id] = a_room(client, settings)
    body = {"visited_at": "2025-11-20T10:00:00+08:00", "outcome": "vacant"}

    other = client.post(f"/api/v1/rooms/{room_id}/visits", json=body, headers=collector(settings, "collector-8"))
    by_police = client.post(f"/api/v1/rooms/{room_id}/visits", json=body, headers=police(settings))
    unknown = client.post(
        "/api/v1/rooms/7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00/visits", json=body, headers=collector(settings)
    )

    assert other.status_code == 404
    assert by_police.status_code == 403
    assert unknown.status_code == 404
    assert client.get(f"/api/v1/rooms/{room_id}/visits", headers=police(settings, "ps-huangdu")).status_code == 404


def test_work_list_holds_due_and_waiting_rooms_most_urgent_first(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 001-2025 6.1 不遗漏: never-visited rooms are on the list until someone goes there.
    overdue, waiting, vacant, done = a_room(client, settings, "31011401", "31011402", "31011403", "31011404")
    today = datetime.now(LOCAL_ZONE).date()
    visit(client, settings, overdue, "occupied_absent", f"{today - timedelta(days=20)}T10:00:00+08:00")
    visit(client, settings, vacant, "vacant", f"{today - timedelta(days=1)}T10:00:00+08:00")
    visit(client, settings, done, "collected", f"{today - timedelta(days=1)}T10:00:00+08:00")

    work = client.get("/api/v1/work-list", headers=collector(settings)).json()

    assert [room["room_id"] for room in work] == [overdue, waiting]
    assert work[0]["overdue"] is True
    assert work[0]["days_overdue"] > 0
    assert work[1]["state"] == "never_visited"
    assert client.get("/api/v1/work-list", headers=collector(settings, "collector-8")).json() == []
    assert client.get("/api/v1/work-list", headers=police(settings)).status_code == 403


def test_overdue_scan_publishes_once_per_missed_deadline_and_counts_per_area(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 001-2025 6.2.4 (deadline), DB 31114/Z 003-2025 4.1 (police supervise): one event per missed deadline.
    room_a, room_b = a_room(client, settings, "31011401", "31011402")
    visit(client, settings, room_a, "occupied_absent", "2025-11-24T10:00:00+08:00")  # due 2025-11-26
    visit(client, settings, room_b, "vacant", "2025-11-24T10:00:00+08:00")  # due 2025-12-24
    db = Database(settings.database_url)
    try:
        assert run_overdue_scan(db, today=date(2025, 11, 26)) == {}
        first = run_overdue_scan(db, today=date(2025, 11, 28))
        again = run_overdue_scan(db, today=date(2025, 11, 29))
    finally:
        db.dispose()

    assert first == {"jd-anting-a03": 1}
    assert again == {"jd-anting-a03": 1}
    [event] = events(settings, OVERDUE)
    assert event == {
        "room_id": room_a,
        "house_code": "31011401",
        "town": "jd-anting",
        "area": "jd-anting-a03",
        "grid": "jd-anting-g03",
        "collector": "collector-7",
        "due_date": "2025-11-26",
        "days_overdue": 2,
        "reason": "occupied_absent",
    }
    assert OVERDUE_ROOMS.labels("jd-anting-a03")._value.get() == 1


def test_a_new_missed_deadline_is_reported_again(client: TestClient, settings: CollectionSettings) -> None:
    [room_id] = a_room(client, settings)
    visit(client, settings, room_id, "occupied_absent", "2025-11-24T10:00:00+08:00")  # due 11-26
    db = Database(settings.database_url)
    try:
        run_overdue_scan(db, today=date(2025, 11, 28))
        visit(client, settings, room_id, "occupied_absent", "2025-11-28T10:00:00+08:00")  # due 12-02
        run_overdue_scan(db, today=date(2025, 12, 3))
    finally:
        db.dispose()

    assert [e["due_date"] for e in events(settings, OVERDUE)] == ["2025-11-26", "2025-12-02"]


def test_coverage_report_per_area_and_town(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.1: 不重复、不遗漏 — coverage per area and 街镇, for district staff.
    rooms = a_room(client, settings, "31011401", "31011402", "31011403", "31011404")
    visit(client, settings, rooms[0], "collected", "2025-11-20T10:00:00+08:00")
    visit(client, settings, rooms[1], "vacant", "2025-09-20T10:00:00+08:00")  # due 2025-10-20: overdue now
    visit(client, settings, rooms[2], "no_answer", "2025-11-20T10:00:00+08:00")
    district = auth(settings, "commander", sub="commander-1", town=None)

    report = client.get("/api/v1/reports/coverage", headers=district).json()
    station = client.get("/api/v1/reports/coverage", headers=police(settings, "ps-huangdu")).json()

    [area_a03, area_a04] = report["areas"]
    assert {k: area_a03[k] for k in ("rooms_total", "visited", "collected", "vacant", "overdue", "never_visited")} == {
        "rooms_total": 4,
        "visited": 3,
        "collected": 1,
        "vacant": 1,
        "overdue": 1,
        "never_visited": 1,
    }
    assert area_a04["rooms_total"] == 0
    assert report["towns"][0]["town"] == "jd-anting"
    assert report["towns"][0]["rooms_total"] == 4
    assert [a["area"] for a in station["areas"]] == ["jd-anting-a04"]
    assert client.get("/api/v1/reports/coverage", headers=auth(settings, "dispatcher")).status_code == 403
