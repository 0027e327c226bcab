"""Staff, matters, policy, one-time notices, reviews, call-backs, equipment and the summary over HTTP (SQLite)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

from assist_desk.equipment.scheduled import scan_missed_checks
from assist_desk.equipment.service import local_today
from assist_desk.reviews.scheduled import draw_last_week, scan_rectifications
from assist_desk.testing import Desk
from assist_desk.tickets.models import Ticket
from assist_desk.tickets.scheduled import scan_time_limits
from jiading_shared.db import Database
from jiading_shared.testing.services import outbox_rows, query_rows


def event_types(desk: Desk) -> list[str]:
    return [row["event_type"] for row in outbox_rows(desk.settings)]


# --- institutions and people -----------------------------------------------------------------------------------------


def test_stationed_departments(desk: Desk) -> None:
    # DB31114/Z 022-2025 3.4 进驻部门.
    institution = desk.institution()
    url = f"/api/v1/institutions/{institution['id']}/departments"
    body = {"department_code": "market-reg", "name": "区市场监管局", "stationed_since": "2024-01-01"}

    desk.ok(desk.client.post(url, json=body, headers=desk.office), 201)
    again = desk.client.post(url, json=body, headers=desk.office)

    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "body.department_code"
    listed = desk.ok(desk.client.get(url, headers=desk.assistant))
    assert [d["department_code"] for d in listed] == ["market-reg"]


def test_staffing_rules_of_the_standard(desk: Desk) -> None:
    institution = desk.institution()
    url = f"/api/v1/institutions/{institution['id']}/staff"

    # DB31114/Z 022-2025 6.2.1 a) 专职人员从政务服务机构中指派.
    volunteer_full_time = {"name": "志愿者", "team": "volunteer", "employment": "full_time", "source": "volunteer"}
    # DB31114/Z 022-2025 4.2 c) 专业帮办 comes from an approval department.
    specialist = {"name": "专业", "team": "specialist", "employment": "part_time", "source": "department"}
    # DB31114/Z 022-2025 4.2 a) 领导帮办队伍由领导干部组成.
    leader = {"name": "领导", "team": "leader", "employment": "full_time", "source": "institution"}

    for body, field in (
        (volunteer_full_time, "body.employment"),
        (specialist, "body.department_code"),
        (leader, "body.source"),
    ):
        response = desk.client.post(url, json=body, headers=desk.assistant)
        assert response.status_code == 422, body
        assert field in [error["field"] for error in response.json()["errors"]]
    assert query_rows(desk.settings, "SELECT id FROM staff_member") == []


def test_team_composition_registration_and_training(desk: Desk) -> None:
    # DB31114/Z 022-2025 4.2 "1+2+X"; 6.2.2 登记备案; 6.1.3 岗前培训; 4.3 c) 日常培训.
    institution = desk.institution()
    general = desk.staff(institution["id"], "综合一")
    teams_url = f"/api/v1/institutions/{institution['id']}/teams"
    before = desk.ok(desk.client.get(teams_url, headers=desk.assistant))
    desk.staff(institution["id"], "领导一", team="leader", source="leadership")
    desk.staff(
        institution["id"],
        "专业一",
        team="specialist",
        source="department",
        department_code="tax",
        employment="part_time",
    )
    desk.staff(institution["id"], "志愿一", team="volunteer", source="volunteer", employment="part_time")

    after = desk.ok(desk.client.get(teams_url, headers=desk.assistant))
    registered = desk.ok(
        desk.client.put(
            f"/api/v1/staff/{general['id']}/registration",
            json={"registration_no": "JD-BB-2025-001", "registered_on": "2025-03-01"},
            headers=desk.assistant,
        )
    )
    routine = {"kind": "routine", "topic": "法规政策更新", "trained_on": "2025-04-10", "hours": 2}
    trained = desk.ok(
        desk.client.post(f"/api/v1/staff/{general['id']}/trainings", json=routine, headers=desk.assistant), 201
    )

    assert before["missing_core_teams"] == ["leader", "specialist"]
    assert not before["complete"]
    assert after["complete"]
    assert {t["team"]: (t["full_time"], t["part_time"]) for t in after["teams"]}["volunteer"] == (0, 1)
    assert registered["registration_no"] == "JD-BB-2025-001"
    assert [t["kind"] for t in trained["trainings"]] == ["pre_job", "routine"]
    assert trained["may_serve"]


def test_deactivated_staff_cannot_take_tickets(desk: Desk) -> None:
    institution, member = desk.setup()
    desk.ok(desk.client.put(f"/api/v1/staff/{member['id']}/active", json={"active": False}, headers=desk.assistant))

    response = desk.client.post("/api/v1/tickets", json=desk.ticket_body(institution, member), headers=desk.assistant)

    assert response.status_code == 422


# --- matters and policy as versioned data ----------------------------------------------------------------------------


def test_matter_versions_are_added_never_edited(desk: Desk) -> None:
    institution, member = desk.setup()
    old_ticket = desk.ticket(institution, member)
    version = {
        "name": "个体工商户设立登记",
        "department_code": "market-reg",
        "materials": [{"code": "id-card", "name": "经营者身份证明"}],
        "time_limits": {"accompanied": {"amount": 1, "unit": "working_days"}},
        "note": "材料精简通知",
    }

    added = desk.ok(desk.client.post("/api/v1/matters/BIZ-001/versions", json=version, headers=desk.office), 201)
    new_ticket = desk.ticket(institution, member)
    history = desk.ok(desk.client.get("/api/v1/matters/BIZ-001/versions", headers=desk.assistant))

    assert added["version"] == 2
    assert [v["version"] for v in history] == [1, 2]
    assert len(history[0]["materials"]) == 4  # version 1 unchanged
    # Every decision records the rule version it used.
    assert old_ticket["matter_version"] == 1
    assert new_ticket["matter_version"] == 2
    assert new_ticket["time_limit_rule"].startswith("matter BIZ-001 v2")


def test_future_matter_version_is_not_in_force_yet(desk: Desk) -> None:
    desk.matter()
    future = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    body = {"name": "新名称", "department_code": "market-reg", "effective_from": future}
    desk.ok(desk.client.post("/api/v1/matters/BIZ-001/versions", json=body, headers=desk.office), 201)

    current = desk.ok(desk.client.get("/api/v1/matters/BIZ-001", headers=desk.assistant))

    assert current["version"] == 1


def test_matter_validation(desk: Desk) -> None:
    desk.matter()
    duplicate = desk.client.post(
        "/api/v1/matters", json={"code": "BIZ-001", "name": "x", "department_code": "d"}, headers=desk.office
    )
    twice = desk.client.post(
        "/api/v1/matters",
        json={
            "code": "X-1",
            "name": "x",
            "department_code": "d",
            "materials": [{"code": "a", "name": "A"}, {"code": "a", "name": "B"}],
        },
        headers=desk.office,
    )
    bad_limit = desk.client.post(
        "/api/v1/matters",
        json={
            "code": "X-2",
            "name": "x",
            "department_code": "d",
            "time_limits": {"accompanied": {"amount": 0, "unit": "working_days"}},
        },
        headers=desk.office,
    )
    as_assistant = desk.client.post(
        "/api/v1/matters", json={"code": "X-3", "name": "x", "department_code": "d"}, headers=desk.assistant
    )

    assert duplicate.status_code == 409
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["field"] == "body.materials"
    assert bad_limit.status_code == 422
    assert bad_limit.json()["errors"][0]["field"].startswith("body.time_limits")
    assert as_assistant.status_code == 403
    unknown = desk.client.post(
        "/api/v1/matters/NOPE/versions", json={"name": "x", "department_code": "d"}, headers=desk.office
    )
    assert unknown.status_code == 404


def test_policy_is_seeded_and_changed_by_new_versions(desk: Desk) -> None:
    current = desk.ok(desk.client.get("/api/v1/policies/current", headers=desk.assistant))
    new = {
        **{
            k: current[k]
            for k in ("form_time_limits", "fallback_time_limits", "warning_lead_hours", "callback_share_percent")
        },
        "rectification_working_days": 3,
        "note": "区政务服务办公室通知 2025-7 号",
    }
    missing_type = {**new, "fallback_time_limits": {"consultation": {"amount": 1, "unit": "working_days"}}}

    added = desk.ok(desk.client.post("/api/v1/policies", json=new, headers=desk.office), 201)
    rejected = desk.client.post("/api/v1/policies", json=missing_type, headers=desk.office)
    history = desk.ok(desk.client.get("/api/v1/policies", headers=desk.office))

    # Issue 5 §6: rectification deadline configurable, default 5 working days.
    assert current["version"] == 1
    assert current["rectification_working_days"] == 5
    assert "7.4.4" in current["clauses"]["form_time_limits"]
    assert added["version"] == 2
    assert rejected.status_code == 422
    assert rejected.json()["errors"][0]["field"] == "body.fallback_time_limits"
    assert [p["rectification_working_days"] for p in history] == [5, 3]


# --- one-time notification -------------------------------------------------------------------------------------------


def test_first_notice_must_list_everything_missing(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.3.2.1 一次性告知: one notice names every missing material.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    url = f"/api/v1/tickets/{ticket['id']}/notices"
    partial = {"items": [{"material_code": "premises", "problem": "missing", "how_to_correct": "补交租赁合同"}]}

    response = desk.client.post(url, json=partial, headers=desk.assistant)

    assert response.status_code == 422
    assert "id-card" in response.json()["detail"]
    assert "application" in response.json()["detail"]
    assert "photo" not in response.json()["detail"]  # optional materials are not demanded
    assert query_rows(desk.settings, "SELECT id FROM one_time_notice") == []


def test_materials_completed_on_the_spot_and_a_complete_notice(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.3.2.2 当场补正 recorded; 7.3.2.1 the notice lists the rest, with how to correct.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    recorded = desk.act(ticket["id"], "materials", {"provided": ["id-card"], "completed_on_spot": ["application"]})

    notice = desk.ok(
        desk.client.post(
            f"/api/v1/tickets/{ticket['id']}/notices",
            json={"items": [{"material_code": "premises", "problem": "missing", "how_to_correct": "补交租赁合同"}]},
            headers=desk.assistant,
        ),
        201,
    )

    assert {(m["material_code"], m["status"]) for m in recorded["materials"]} == {
        ("application", "completed_on_spot"),
        ("id-card", "provided"),
    }
    assert notice["seq"] == 1
    assert notice["breach"] is False
    assert notice["items"][0]["material_name"] == "经营场所使用证明"


def test_a_later_notice_asking_for_what_was_missing_at_the_first_is_a_breach(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.3.2.1 一次性告知: asking later for something already missing at the first is a breach.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    url = f"/api/v1/tickets/{ticket['id']}/notices"
    # Staff wrongly record the premises proof as provided, then notify the rest.
    desk.act(ticket["id"], "materials", {"provided": ["premises"]})
    first = {
        "items": [
            {"material_code": "id-card", "problem": "missing", "how_to_correct": "携带身份证原件"},
            {"material_code": "application", "problem": "missing", "how_to_correct": "填写申请书并签字"},
        ]
    }
    desk.ok(desk.client.post(url, json=first, headers=desk.assistant), 201)
    reminder = {"items": [{"material_code": "id-card", "problem": "missing", "how_to_correct": "再次提醒"}]}
    second = {"items": [{"material_code": "premises", "problem": "not_in_legal_form", "how_to_correct": "需盖章"}]}

    reminded = desk.ok(desk.client.post(url, json=reminder, headers=desk.assistant), 201)
    breached = desk.ok(desk.client.post(url, json=second, headers=desk.assistant), 201)

    assert reminded["breach"] is False  # named in the first notice: a reminder
    assert breached["breach"] is True  # in hand at the first notice and its defect overlooked
    assert breached["breach_materials"] == ["premises"]
    summary = desk.ok(
        desk.client.get(
            f"/api/v1/institutions/{institution['id']}/summary",
            params={"from": local_today().isoformat(), "to": local_today().isoformat()},
            headers=desk.office,
        )
    )
    assert summary["notices_issued"] == 3
    assert summary["notice_breaches"] == 1


def test_notice_needs_a_matter_and_known_materials(desk: Desk) -> None:
    institution, member = desk.setup()
    without_matter = desk.ticket(institution, member, matter_code=None)
    ticket = desk.ticket(institution, member)

    no_checklist = desk.client.post(
        f"/api/v1/tickets/{without_matter['id']}/notices", json={"guidance": "x"}, headers=desk.assistant
    )
    unknown = desk.client.post(
        f"/api/v1/tickets/{ticket['id']}/notices",
        json={"items": [{"material_code": "moon-rock", "problem": "missing", "how_to_correct": "x"}]},
        headers=desk.assistant,
    )

    assert no_checklist.status_code == 409
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.items.0.material_code"


# --- satisfaction and call-backs -------------------------------------------------------------------------------------


def finished_ticket(desk: Desk) -> tuple[dict, dict]:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    desk.act(ticket["id"], "start")
    desk.act(ticket["id"], "complete")
    return institution, ticket


def test_good_review_opens_nothing(desk: Desk) -> None:
    _institution, ticket = finished_ticket(desk)

    review = desk.ok(
        desk.client.post(f"/api/v1/tickets/{ticket['id']}/review", json={"level": "satisfied"}, headers=desk.hotline),
        201,
    )
    again = desk.client.post(
        f"/api/v1/tickets/{ticket['id']}/review", json={"level": "satisfied"}, headers=desk.hotline
    )

    assert review["level_label"] == "满意"
    assert review["rectification"] is None
    assert again.status_code == 409


def test_bad_review_opens_a_rectification_case(desk: Desk) -> None:
    # Issue 5 §6 / DB31114/Z 022-2025 9.1.1, 9.2.3: 不满意 or worse opens a rectification case with a deadline
    # (policy: 5 working days), a call-back and an outcome.
    _institution, ticket = finished_ticket(desk)

    review = desk.ok(
        desk.client.post(
            f"/api/v1/tickets/{ticket['id']}/review",
            json={"level": "very_dissatisfied", "comment": "等太久"},
            headers=desk.assistant,
        ),
        201,
    )
    case = review["rectification"]
    close_url = f"/api/v1/rectifications/{case['id']}/close"
    too_early = desk.client.post(close_url, json={"outcome": "explained", "note": "x"}, headers=desk.assistant)
    desk.ok(
        desk.client.post(
            f"/api/v1/rectifications/{case['id']}/callback", json={"note": "已电话致歉"}, headers=desk.assistant
        )
    )
    closed = desk.ok(
        desk.client.post(
            close_url, json={"outcome": "rectified_at_once", "note": "增设取号引导"}, headers=desk.assistant
        )
    )

    assert case["state"] == "open"
    assert "5 working days" in case["due_explain"]
    assert too_early.status_code == 409
    assert closed["state"] == "closed"
    assert closed["outcome"] == "rectified_at_once"
    types = event_types(desk)
    assert "cn.jiading.assist.review.bad_received.v1" in types
    assert "cn.jiading.assist.rectification.closed.v1" in types


def test_rectification_overdue_scan(desk: Desk) -> None:
    _institution, ticket = finished_ticket(desk)
    desk.ok(
        desk.client.post(
            f"/api/v1/tickets/{ticket['id']}/review", json={"level": "dissatisfied"}, headers=desk.assistant
        ),
        201,
    )
    database = Database(desk.settings.database_url)
    try:
        assert scan_rectifications(database, datetime.now(UTC) + timedelta(days=30)) == 1
        assert scan_rectifications(database, datetime.now(UTC) + timedelta(days=30)) == 0
    finally:
        database.dispose()


def test_open_ticket_cannot_be_rated(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)

    response = desk.client.post(
        f"/api/v1/tickets/{ticket['id']}/review", json={"level": "satisfied"}, headers=desk.assistant
    )

    assert response.status_code == 409
    assert "received" in response.json()["detail"]


def draw_week_after(desk: Desk) -> int:
    """Run the weekly call-back job as it runs a week from now: it draws this week, which is over by then."""
    database = Database(desk.settings.database_url)
    try:
        return draw_last_week(database, datetime.now(UTC) + timedelta(days=7))
    finally:
        database.dispose()


def test_weekly_random_callbacks(desk: Desk) -> None:
    # DB31114/Z 022-2025 4.3 e) 随机抽取服务对象开展回访调查 (policy share 10%, at least one).
    institution, ticket = finished_ticket(desk)
    week = local_today().isoformat()

    drawn = draw_week_after(desk)
    listed = desk.ok(
        desk.client.get(
            "/api/v1/callback-lists", params={"institution_id": institution["id"], "week": week}, headers=desk.assistant
        )
    )
    draw_week_after(desk)
    redrawn = desk.ok(
        desk.client.get(
            "/api/v1/callback-lists", params={"institution_id": institution["id"], "week": week}, headers=desk.assistant
        )
    )
    result = desk.ok(
        desk.client.post(
            f"/api/v1/callbacks/{listed[0]['id']}/result",
            json={"reached": True, "level": "very_satisfied", "note": "满意"},
            headers=desk.assistant,
        )
    )

    assert drawn == 1
    assert [task["ticket_id"] for task in listed] == [ticket["id"]]
    assert [task["id"] for task in redrawn] == [task["id"] for task in listed]  # each ticket called back once
    assert result["level"] == "very_satisfied"


def test_current_week_cannot_be_drawn_before_it_ends(desk: Desk) -> None:
    # DB31114/Z 022-2025 4.3 e) 随机抽取: a draw before the week is over would leave out its later tickets, and a
    # drawn week is not drawn again; the 帮办 whose service is assessed does not draw (5.1: the office supervises).
    institution, _ticket = finished_ticket(desk)
    body = {"institution_id": institution["id"], "week_start": local_today().isoformat()}

    early = desk.client.post("/api/v1/callback-lists", json=body, headers=desk.office)
    by_assistant = desk.client.post("/api/v1/callback-lists", json=body, headers=desk.assistant)
    last_week = {"institution_id": institution["id"], "week_start": (local_today() - timedelta(days=7)).isoformat()}
    past = desk.client.post("/api/v1/callback-lists", json=last_week, headers=desk.office)

    assert early.status_code == 422
    assert early.headers["content-type"].startswith("application/problem+json")
    assert early.json()["errors"][0]["field"] == "body.week_start"
    assert by_assistant.status_code == 403
    assert past.status_code == 201
    assert past.json() == []
    assert query_rows(desk.settings, "SELECT id FROM callback_task") == []


def test_weekly_job_samples_the_whole_week(desk: Desk) -> None:
    # DB31114/Z 022-2025 4.3 e) 随机抽取: the policy's share (10%) of every ticket finished in the week.
    institution, member = desk.setup()
    for _ in range(16):
        ticket = desk.ticket(institution, member)
        desk.act(ticket["id"], "start")
        desk.act(ticket["id"], "complete")
        if _ == 0:  # an early draw is refused, so it cannot freeze the week's sample
            early = {"institution_id": institution["id"], "week_start": local_today().isoformat()}
            assert desk.client.post("/api/v1/callback-lists", json=early, headers=desk.office).status_code == 422

    drawn = draw_week_after(desk)
    tasks = desk.ok(
        desk.client.get(
            "/api/v1/callback-lists",
            params={"institution_id": institution["id"], "week": local_today().isoformat()},
            headers=desk.office,
        )
    )

    assert drawn == 2  # ceil(16 × 10 %)
    assert len({task["ticket_id"] for task in tasks}) == 2


# --- time limits ------------------------------------------------------------------------------------------------------


def test_overdue_scan_publishes_and_counts(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.4.4 限时办结: warning before, overdue event after.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member, form="self_service")  # policy: 1 working hour
    database = Database(desk.settings.database_url)
    due = datetime.fromisoformat(ticket["due_at"])
    try:
        warned, _ = scan_time_limits(database, due - timedelta(minutes=30))
        _, overdue = scan_time_limits(database, due + timedelta(minutes=1))
    finally:
        database.dispose()

    assert warned == 1
    assert overdue == 1
    [event] = [json.loads(r["payload"]) for r in outbox_rows(desk.settings) if r["event_type"].endswith("overdue.v1")]
    assert event["ticket_id"] == ticket["id"]
    assert event["time_limit_rule"].startswith("policy v1 · self_service")


def scan_at(desk: Desk, now: datetime) -> tuple[int, int]:
    database = Database(desk.settings.database_url)
    try:
        return scan_time_limits(database, now)
    finally:
        database.dispose()


def log_actions(desk: Desk, ticket_id: str) -> list[str]:
    log = desk.ok(desk.client.get(f"/api/v1/tickets/{ticket_id}/log", headers=desk.assistant))
    return [entry["action"] for entry in log]


def test_breach_before_escalation_stays_counted(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.4.4 限时办结: a 自助办 limit missed before escalating to 兜底办 stays a breach in the
    # institution and district summaries; 7.4.3 帮办日志: the overdue is recorded in the ticket's log.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member, form="self_service")  # policy: 1 working hour
    assert scan_at(desk, datetime.fromisoformat(ticket["due_at"]) + timedelta(minutes=1)) == (0, 1)

    escalated = desk.act(ticket["id"], "escalate", {"type": "consultation", "reason": "超出大厅服务范围"})
    resolved = desk.act(ticket["id"], "resolve", {"note": "已引导至区级窗口"})
    today = local_today().isoformat()
    summary = desk.ok(
        desk.client.get(
            f"/api/v1/institutions/{institution['id']}/summary",
            params={"from": today, "to": today},
            headers=desk.office,
        )
    )
    district = desk.ok(
        desk.client.get("/api/v1/reports/district-summary", params={"from": today, "to": today}, headers=desk.office)
    )
    events = {r["event_type"]: json.loads(r["payload"]) for r in outbox_rows(desk.settings)}
    log = desk.ok(desk.client.get(f"/api/v1/tickets/{ticket['id']}/log", headers=desk.assistant))

    assert escalated["overdue"] is False  # the 兜底办 limit is not passed
    assert escalated["form_breached_at"] is not None
    assert escalated["time_limit_breached"] is True
    assert resolved["time_limit_breached"] is True
    assert summary["time_limit_breaches"] == 1
    assert summary["time_limit_breaches_by_fallback_type"] == {}  # the 兜底办 limit itself was kept
    assert district["totals"]["time_limit_breaches"] == 1
    [completed] = [payload for kind, payload in events.items() if kind.endswith("ticket.completed.v1")]
    assert completed["within_time_limit"] is False
    assert [entry["action"] for entry in log] == ["receive", "overdue", "escalate", "resolve"]
    assert log[1]["actor_sub"].startswith("system:")
    assert "self_service" in log[1]["note"] or "自助办" in log[1]["note"]
    assert "时限已超" in log[2]["note"]


def test_escalating_after_the_limit_before_the_scan_is_still_a_breach(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.4.4 限时办结: a limit already passed when the ticket is escalated is a breach, even when
    # the minute scan has not marked it yet; it is logged (7.4.3) and `ticket.overdue` is published.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member, form="self_service")
    database = Database(desk.settings.database_url)
    try:
        with database.session() as session:
            row = session.get(Ticket, uuid.UUID(ticket["id"]))
            assert row is not None
            row.due_at = datetime.now(UTC) - timedelta(minutes=5)
            session.add(row)
    finally:
        database.dispose()

    escalated = desk.act(ticket["id"], "escalate", {"type": "complaint", "reason": "等候时间过长"})
    today = local_today().isoformat()
    summary = desk.ok(
        desk.client.get(
            f"/api/v1/institutions/{institution['id']}/summary",
            params={"from": today, "to": today},
            headers=desk.office,
        )
    )

    assert escalated["form_breached_at"] is not None
    assert escalated["overdue"] is False
    assert log_actions(desk, ticket["id"]) == ["receive", "overdue", "escalate"]
    assert any(kind.endswith("ticket.overdue.v1") for kind in event_types(desk))
    assert summary["time_limit_breaches"] == 1


def test_an_escalation_in_time_is_no_breach(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.4.4 限时办结: escalating before the limit passes leaves nothing missed.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member, form="self_service")

    escalated = desk.act(ticket["id"], "escalate", {"type": "consultation", "reason": "超出范围"})

    assert escalated["form_breached_at"] is None
    assert escalated["time_limit_breached"] is False
    assert log_actions(desk, ticket["id"]) == ["receive", "escalate"]


def test_warning_is_visible_on_the_ticket_and_in_the_list(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.4.4 限时办结 (issue 5 §5: a warning before the limit): the warning shows on the ticket,
    # in the list of tickets due soon, and in the 帮办日志 (7.4.3).
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member, form="self_service")
    other = desk.ticket(institution, member)  # 陪同办: 2 working days, not due soon
    due = datetime.fromisoformat(ticket["due_at"])

    assert scan_at(desk, due - timedelta(minutes=30)) == (1, 0)
    warned = desk.ok(desk.client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk.assistant))
    due_soon = desk.ok(desk.client.get("/api/v1/tickets", params={"due_soon": "true"}, headers=desk.assistant))
    everything = desk.ok(desk.client.get("/api/v1/tickets", headers=desk.assistant))
    actions = log_actions(desk, ticket["id"])
    scan_at(desk, due + timedelta(minutes=1))
    late = desk.ok(desk.client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk.assistant))

    assert warned["warned_at"] is not None
    assert warned["due_soon"] is True
    assert warned["overdue"] is False
    assert [t["id"] for t in due_soon] == [ticket["id"]]
    assert {t["id"] for t in everything} == {ticket["id"], other["id"]}
    assert actions == ["receive", "deadline_warning"]
    assert late["due_soon"] is False
    assert late["overdue"] is True


# --- equipment --------------------------------------------------------------------------------------------------------


def test_failed_self_service_terminal_puts_self_service_on_staff_assistance(desk: Desk) -> None:
    # Issue 5 §8 / DB31114/Z 022-2025 8.3 a) 每日服务结束后测试、检查.
    institution, member = desk.setup()
    device = desk.ok(
        desk.client.post(
            f"/api/v1/institutions/{institution['id']}/devices",
            json={"kind": "self_service_terminal", "label": "自助终端 A1", "in_service_since": "2025-01-01"},
            headers=desk.assistant,
        ),
        201,
    )
    today = local_today().isoformat()
    desk.ok(
        desk.client.post(
            f"/api/v1/devices/{device['id']}/checks",
            json={"kind": "daily", "checked_on": today, "result": "failed", "note": "读卡失败"},
            headers=desk.assistant,
        ),
        201,
    )
    affected = desk.ticket(institution, member, form="self_service")
    desk.ok(
        desk.client.post(
            f"/api/v1/devices/{device['id']}/checks",
            json={"kind": "daily", "checked_on": today, "result": "ok"},
            headers=desk.assistant,
        ),
        201,
    )
    repaired = desk.ticket(institution, member, form="self_service")
    future = desk.client.post(
        f"/api/v1/devices/{device['id']}/checks",
        json={"kind": "daily", "checked_on": (local_today() + timedelta(days=2)).isoformat(), "result": "ok"},
        headers=desk.assistant,
    )

    assert affected["needs_staff_assistance"] is True
    assert repaired["needs_staff_assistance"] is False
    assert future.status_code == 422


def test_missed_checks_are_counted(desk: Desk) -> None:
    # DB31114/Z 022-2025 8.3 a) daily check, b) monthly inspection: a missed one is overdue.
    institution = desk.institution()
    desk.ok(
        desk.client.post(
            f"/api/v1/institutions/{institution['id']}/devices",
            json={"kind": "printer", "label": "打印机 P2", "in_service_since": "2024-06-01"},
            headers=desk.assistant,
        ),
        201,
    )
    devices = desk.ok(desk.client.get(f"/api/v1/institutions/{institution['id']}/devices", headers=desk.assistant))
    database = Database(desk.settings.database_url)
    try:
        missed = scan_missed_checks(database)
    finally:
        database.dispose()

    assert devices[0]["monthly_inspection_missed"] is True
    assert devices[0]["daily_check_missed_on"] is not None
    assert missed == {"daily": 1, "monthly": 1}


def test_older_passing_inspection_does_not_clear_a_failed_terminal(desk: Desk) -> None:
    # Issue 5 §8 / DB31114/Z 022-2025 8.3 a) b): only a check dated on or after the failure clears it; a passing
    # monthly inspection entered late for an earlier day does not.
    institution, member = desk.setup()
    device = desk.ok(
        desk.client.post(
            f"/api/v1/institutions/{institution['id']}/devices",
            json={"kind": "self_service_terminal", "label": "自助终端 A1", "in_service_since": "2025-01-01"},
            headers=desk.assistant,
        ),
        201,
    )
    today = local_today()
    checks = f"/api/v1/devices/{device['id']}/checks"
    failed = {"kind": "daily", "checked_on": today.isoformat(), "result": "failed", "note": "读卡失败"}
    desk.ok(desk.client.post(checks, json=failed, headers=desk.assistant), 201)
    older = {"kind": "monthly", "checked_on": (today - timedelta(days=20)).isoformat(), "result": "ok"}
    desk.ok(desk.client.post(checks, json=older, headers=desk.assistant), 201)
    still_failed = desk.ticket(institution, member, form="self_service")
    [status] = desk.ok(desk.client.get(f"/api/v1/institutions/{institution['id']}/devices", headers=desk.assistant))
    repaired = {"kind": "monthly", "checked_on": today.isoformat(), "result": "ok", "note": "维修后调试"}
    desk.ok(desk.client.post(checks, json=repaired, headers=desk.assistant), 201)
    after_repair = desk.ticket(institution, member, form="self_service")

    assert still_failed["needs_staff_assistance"] is True
    assert status["status"] == "failed"
    assert status["last_monthly_inspection_on"] == older["checked_on"]  # the inspection itself is recorded
    assert after_repair["needs_staff_assistance"] is False


def test_a_device_put_in_service_today_has_missed_no_check(desk: Desk) -> None:
    # DB31114/Z 022-2025 8.3 a) 每日服务结束后检查, b) 每月 1 次: nothing is due before the device was in service.
    institution = desk.institution()
    desk.ok(
        desk.client.post(
            f"/api/v1/institutions/{institution['id']}/devices",
            json={"kind": "printer", "label": "打印机 P3", "in_service_since": local_today().isoformat()},
            headers=desk.assistant,
        ),
        201,
    )
    [device] = desk.ok(desk.client.get(f"/api/v1/institutions/{institution['id']}/devices", headers=desk.assistant))
    database = Database(desk.settings.database_url)
    try:
        missed = scan_missed_checks(database)
    finally:
        database.dispose()

    assert device["daily_check_missed_on"] is None
    assert device["monthly_inspection_missed"] is False
    assert missed == {"daily": 0, "monthly": 0}


# --- records and reports ----------------------------------------------------------------------------------------------


def test_institution_summary(desk: Desk) -> None:
    # DB31114/Z 022-2025 5.2.1.4 定期汇总, 7.3.3 归档记录: by form, channel, 兜底 type, breaches, satisfaction.
    institution, member = desk.setup()
    done = desk.ticket(institution, member)
    desk.act(done["id"], "start")
    desk.act(done["id"], "complete")
    desk.ok(
        desk.client.post(
            f"/api/v1/tickets/{done['id']}/review", json={"level": "dissatisfied"}, headers=desk.assistant
        ),
        201,
    )
    escalated = desk.ticket(institution, member, channel="hotline_12345")
    desk.act(escalated["id"], "escalate", {"type": "complaint", "reason": "态度问题"})
    desk.ticket(institution, member, form="video", channel="online_video")
    today = local_today().isoformat()

    summary = desk.ok(
        desk.client.get(
            f"/api/v1/institutions/{institution['id']}/summary",
            params={"from": today, "to": today},
            headers=desk.office,
        )
    )
    backwards = desk.client.get(
        f"/api/v1/institutions/{institution['id']}/summary",
        params={"from": today, "to": "2020-01-01"},
        headers=desk.office,
    )

    assert summary["tickets"] == 3
    assert summary["by_form"] == {"accompanied": 2, "video": 1}
    assert summary["by_channel"] == {"in_hall": 1, "hotline_12345": 1, "online_video": 1}
    assert summary["by_fallback_type"] == {"complaint": 1}
    assert summary["escalations"] == 1
    assert summary["satisfaction"] == {"dissatisfied": 1}
    assert summary["bad_reviews"] == 1
    assert summary["rectifications"] == {"open": 1}
    assert summary["time_limit_breaches"] == 0
    assert backwards.status_code == 422


def test_district_summary_for_the_service_office(desk: Desk) -> None:
    # DB31114/Z 022-2025 5.1 区政务服务办公室; 5.2.1.4 定期汇总政务服务机构帮办服务: every institution, totals.
    centre, member = desk.setup()
    station = desk.institution(name='=HYPERLINK("http://x")安亭站', forms=["self_service", "accompanied", "fallback"])
    station_member = desk.staff(station["id"], name="李帮办")
    elsewhere = desk.institution(name="南翔镇政务服务中心", town="jd-nanxiang")
    done = desk.ticket(centre, member)
    desk.act(done["id"], "start")
    desk.act(done["id"], "complete")
    desk.ok(
        desk.client.post(
            f"/api/v1/tickets/{done['id']}/review", json={"level": "very_dissatisfied"}, headers=desk.assistant
        ),
        201,
    )
    escalated = desk.ticket(station, station_member, channel="hotline_12345")
    desk.act(escalated["id"], "escalate", {"type": "consultation", "reason": "咨询"})
    desk.ticket(station, station_member, form="self_service")
    today = local_today().isoformat()
    period = {"from": today, "to": today}

    district = desk.ok(desk.client.get("/api/v1/reports/district-summary", params=period, headers=desk.office))
    town_view = desk.ok(desk.client.get("/api/v1/reports/district-summary", params=period, headers=desk.assistant))
    other_town = desk.client.get(
        "/api/v1/reports/district-summary", params={**period, "town": "jd-nanxiang"}, headers=desk.assistant
    )
    office_town = desk.ok(
        desk.client.get(
            "/api/v1/reports/district-summary", params={**period, "town": "jd-nanxiang"}, headers=desk.office
        )
    )
    backwards = desk.client.get(
        "/api/v1/reports/district-summary", params={"from": today, "to": "2020-01-01"}, headers=desk.office
    )

    by_name = {row["institution_name"]: row for row in district["institutions"]}
    assert set(by_name) == {centre["name"], station["name"], elsewhere["name"]}
    assert by_name[centre["name"]]["tickets"] == 1
    assert by_name[station["name"]]["by_form"] == {"accompanied": 1, "self_service": 1}
    assert by_name[elsewhere["name"]]["tickets"] == 0
    assert district["town"] is None
    assert district["totals"]["tickets"] == 3
    assert district["totals"]["by_channel"] == {"in_hall": 2, "hotline_12345": 1}
    assert district["totals"]["by_fallback_type"] == {"consultation": 1}
    assert district["totals"]["escalations"] == 1
    assert district["totals"]["satisfaction"] == {"very_dissatisfied": 1}
    assert district["totals"]["bad_reviews"] == 1
    assert district["totals"]["rectifications"] == {"open": 1}
    # Staff of a town see their own town's institutions only.
    assert town_view["town"] == "jd-anting"
    assert {row["institution_name"] for row in town_view["institutions"]} == {centre["name"], station["name"]}
    assert town_view["totals"]["tickets"] == 3
    assert other_town.status_code == 403
    assert [row["institution_name"] for row in office_town["institutions"]] == [elsewhere["name"]]
    assert backwards.status_code == 422


def test_district_summary_csv_export_is_safe_from_formula_injection(desk: Desk) -> None:
    # DB31114/Z 022-2025 5.2.1.4: the summary as a spreadsheet; a name starting with "=" must not run as a formula.
    centre, member = desk.setup()
    desk.institution(name='=HYPERLINK("http://x")站', forms=["self_service", "accompanied", "fallback"])
    desk.ticket(centre, member)
    today = local_today().isoformat()

    response = desk.client.get(
        "/api/v1/reports/district-summary.csv", params={"from": today, "to": today}, headers=desk.office
    )
    unauthenticated = desk.client.get("/api/v1/reports/district-summary.csv", params={"from": today, "to": today})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, *institutions, total = rows
    assert header[0] == "机构 institution"
    names = [row[0] for row in institutions]
    assert '\'=HYPERLINK("http://x")站' in names
    assert centre["name"] in names
    assert total[0] == "全区合计 district total"
    assert total[header.index("受理总数 tickets")] == "1"
    assert total[header.index("陪同办 accompanied")] == "1"
    assert unauthenticated.status_code == 401


def test_complaints_past_their_limit_are_counted(desk: Desk) -> None:
    # DB31114/Z 022-2025 9.2.1 及时处理投诉和建议, 7.4.4 投诉在规定的时限内处理: complaints past the limit are counted.
    institution, member = desk.setup()
    late = desk.ticket(institution, member)
    late = desk.act(late["id"], "escalate", {"type": "complaint", "reason": "等候时间过长"})
    on_time = desk.ticket(institution, member)
    desk.act(on_time["id"], "escalate", {"type": "complaint", "reason": "建议增加座椅"})
    desk.act(on_time["id"], "resolve", {"note": "已增加"})
    database = Database(desk.settings.database_url)
    try:
        scan_time_limits(database, datetime.fromisoformat(late["due_at"]) + timedelta(minutes=1))
    finally:
        database.dispose()
    today = local_today().isoformat()

    summary = desk.ok(
        desk.client.get(
            f"/api/v1/institutions/{institution['id']}/summary",
            params={"from": today, "to": today},
            headers=desk.office,
        )
    )

    assert summary["by_fallback_type"] == {"complaint": 2}
    assert summary["time_limit_breaches_by_fallback_type"] == {"complaint": 1}
    assert summary["time_limit_breaches"] == 1
