"""Joint rectification: form B.1 application, ordered sign-offs, clashes, 3-working-day notice, C.1 summary."""

import base64
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from grid_testkit import OTHER_TOWN, headers, seed_town
from sqlalchemy import create_engine, update

from grid_dispatch.incidents.rules import CHINA
from grid_dispatch.joint_rectification.models import JointRectification
from grid_dispatch.joint_rectification.rules import HalfDay, notice_short_by, sign_off_problem, start_of
from grid_dispatch.joint_rectification.rules import RectificationState as S
from grid_dispatch.joint_rectification.rules import SignOffLevel as L
from grid_dispatch.main import build_app
from grid_dispatch.settings import GridSettings
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows
from jiading_shared.workdays import WorkdayCalendar

settings, client = api_fixtures(GridSettings, build_app)

PNG = base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 16
).decode()
ACTION_DAY = (datetime.now() + timedelta(days=21)).date()


def application(**overrides: object) -> dict:
    return {
        "applicant_department": "AT-CG",
        "contact_name": "李队长",
        "contact_phone": "13900001111",
        "content": "墨玉路沿线违法搭建集中拆除",
        "plan": "城管中队牵头，派出所维持秩序，市场监管所核查经营户证照；挖机拆除，当日清运。",
        "action_date": ACTION_DAY.isoformat(),
        "half_day": "pm",
        "hour": 2,
        "command_unit": "AT-CG",
        "command_leader": "李队长",
        "participants": [{"department_code": "AT-PS", "head_count": 4}, {"department_code": "AT-SJ", "head_count": 2}],
        "vehicles": [{"type": "pickup", "count": 2}, {"type": "excavator", "count": 1}],
        **overrides,
    }


def approve_all(client: TestClient, settings: GridSettings, rectification_id: str, applicant: str = "AT-CG") -> dict:
    """Three sign-offs by three people: the applicant's leader, the 城运中心 leader, the 分管 leader."""
    response = None
    for level, h in (
        ("applicant_leader", headers(settings, "duty_officer", sub="leader-applicant", dept=applicant)),
        ("centre_leader", headers(settings, "commander", sub="leader-centre")),
        ("supervising_leader", headers(settings, "commander", sub="leader-supervising")),
    ):
        response = client.post(
            f"/api/v1/joint-rectifications/{rectification_id}/sign-offs",
            json={"level": level, "approve": True, "signer_name": level},
            headers=h,
        )
        assert response.status_code == 200, response.text
    assert response is not None
    return response.json()


def move_to_past(settings: GridSettings, rectification_id: str, *, days: int = 1) -> None:
    """The action took place `days` ago (the API refuses past dates, so the test moves it)."""
    table = JointRectification.__table__  # type: ignore[attr-defined]
    starts = datetime.now(UTC) - timedelta(days=days, hours=3)
    engine = create_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id == uuid.UUID(rectification_id))
            .values(action_date=starts.date(), starts_at=starts, ends_at=starts + timedelta(hours=2))
        )
    engine.dispose()


SUMMARY = {"results": "拆除违建3处", "solved": True, "before_photos": [PNG], "after_photos": [PNG]}


def test_b1_application_signed_in_order_then_approved(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 4.2.1 and 附录 B: 申请单位领导 → 城运中心领导 → 分管领导
    seed_town(client, settings)
    created = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "duty_officer", dept="AT-CG")
    )
    rid = created.json()["id"]
    out_of_order = client.post(
        f"/api/v1/joint-rectifications/{rid}/sign-offs",
        json={"level": "centre_leader", "approve": True, "signer_name": "x"},
        headers=headers(settings, "commander"),
    )

    approved = approve_all(client, settings, rid)

    assert created.status_code == 201, created.text
    assert created.json()["contact_phone_masked"] == "139****1111"
    assert created.json()["starts_at"].startswith(f"{ACTION_DAY.isoformat()}T06:00")  # 下午2时 China time
    assert out_of_order.status_code == 409
    assert "current state: pending_applicant_leader" in out_of_order.json()["detail"]
    assert approved["state"] == "approved"
    assert [entry["level"] for entry in approved["sign_offs"]] == [
        "applicant_leader",
        "centre_leader",
        "supervising_leader",
    ]
    types = [row["event_type"] for row in outbox_rows(settings) if row["topic"] == "grid.joint_rectification"]
    assert types == [
        "cn.jiading.grid.joint_rectification.requested.v1",
        "cn.jiading.grid.joint_rectification.approved.v1",
    ]
    tasks = client.get(
        "/api/v1/joint-rectifications",
        params={"department": "AT-SJ"},
        headers=headers(settings, "duty_officer", dept="AT-SJ"),
    )
    assert [row["id"] for row in tasks.json()] == [rid]


def test_rejection_needs_a_reason(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)
    rid = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "commander")
    ).json()["id"]
    url = f"/api/v1/joint-rectifications/{rid}/sign-offs"
    h = headers(settings, "duty_officer", dept="AT-CG")

    no_reason = client.post(url, json={"level": "applicant_leader", "approve": False, "signer_name": "x"}, headers=h)
    rejected = client.post(
        url, json={"level": "applicant_leader", "approve": False, "signer_name": "x", "reason": "方案不完整"}, headers=h
    )

    assert no_reason.json()["errors"][0]["field"] == "body.reason"
    assert rejected.json()["state"] == "rejected"
    assert "cn.jiading.grid.joint_rectification.rejected.v1" in {row["event_type"] for row in outbox_rows(settings)}


def test_clash_with_an_approved_action_is_409_naming_it(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 附录 B 注2: 整治时间须与城运中心事先协调确定，以免引起工作时间冲突
    seed_town(client, settings)
    first = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "commander")
    ).json()["id"]
    approve_all(client, settings, first)

    clash = client.post(
        "/api/v1/joint-rectifications",
        json=application(
            applicant_department="AT-SW",
            command_unit="AT-SW",
            participants=[{"department_code": "AT-PS", "head_count": 1}],
            hour=3,
        ),
        headers=headers(settings, "commander"),
    )
    other_day = client.post(
        "/api/v1/joint-rectifications",
        json=application(action_date=(ACTION_DAY + timedelta(days=1)).isoformat()),
        headers=headers(settings, "commander"),
    )

    assert clash.status_code == 409
    assert first in clash.json()["detail"]
    assert "AT-PS" in clash.json()["detail"]
    assert other_day.status_code == 201


def test_joint_duty_action_needs_3_working_days_notice_to_the_police(
    client: TestClient, settings: GridSettings
) -> None:
    # DB 31114/Z 010-2025 4.2.1.1: 提前3个工作日告知公安派出所综合指挥室 — the notice leaves when the action is
    # filed, so an action tomorrow is short whatever date a client would declare
    seed_town(client, settings)
    tomorrow = (datetime.now(CHINA) + timedelta(days=1)).date().isoformat()
    body = application(joint_duty_action=True, action_date=tomorrow)

    refused = client.post(
        "/api/v1/joint-rectifications", json=body, headers=headers(settings, "duty_officer", dept="AT-CG")
    )
    declared = client.post(
        "/api/v1/joint-rectifications",
        json={**body, "police_notified_on": "2020-01-01"},
        headers=headers(settings, "duty_officer", dept="AT-CG"),
    )
    not_commander = client.post(
        "/api/v1/joint-rectifications",
        json={**body, "notice_override_reason": "紧急"},
        headers=headers(settings, "duty_officer", dept="AT-CG"),
    )
    overridden = client.post(
        "/api/v1/joint-rectifications",
        json={**body, "notice_override_reason": "台风过境后紧急清障"},
        headers=headers(settings, "commander"),
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.action_date"
    assert declared.status_code == 422  # a self-declared notice date is no longer taken
    assert [error["field"] for error in declared.json()["errors"]] == ["body.police_notified_on"]
    assert not_commander.status_code == 403
    assert overridden.status_code == 201
    assert overridden.json()["notice_rule_version"] == "duty_standard@1"
    assert overridden.json()["police_notified_on"] == datetime.now(CHINA).date().isoformat()


def test_joint_duty_action_notifies_the_police_station(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 010-2025 4.2.1.1: 街镇城运中心应将确定好时间…的联勤联动专项行动…告知公安派出所综合指挥室 — the town's
    # 派出所 gets the notice (a task it signs for, and an event) when the action is filed, dated that day
    seed_town(client, settings)
    police = headers(settings, "duty_officer", sub="ps-duty", dept="AT-PS")
    body = application(joint_duty_action=True, participants=[{"department_code": "AT-SJ", "head_count": 2}])

    created = client.post("/api/v1/joint-rectifications", json=body, headers=headers(settings, "commander"))
    rid = created.json()["id"]
    notices = client.get("/api/v1/joint-rectifications/tasks", headers=police).json()
    signed = client.post(
        f"/api/v1/joint-rectifications/tasks/{notices[0]['id']}/complete", json={"report": "已收悉"}, headers=police
    )
    plain = client.post(
        "/api/v1/joint-rectifications",
        json=application(action_date=(ACTION_DAY + timedelta(days=2)).isoformat()),
        headers=headers(settings, "commander"),
    )

    assert created.status_code == 201, created.text
    assert created.json()["police_notified_on"] == datetime.now(CHINA).date().isoformat()
    assert [(t["rectification_id"], t["department_code"], t["role"]) for t in notices] == [
        (rid, "AT-PS", "police_notice")
    ]
    assert notices[0]["starts_at"] == created.json()["starts_at"]
    assert signed.status_code == 200, signed.text  # 签收 before the action: the notice is for before it
    assert signed.json()["state"] == "completed"
    assert plain.json()["police_notified_on"] is None  # not a 联勤联动 action: nothing to tell the police
    [notified] = [
        json.loads(row["payload"])
        for row in outbox_rows(settings)
        if row["event_type"] == "cn.jiading.grid.joint_rectification.police_notified.v1"
    ]
    assert (notified["rectification_id"], notified["notified_departments"]) == (rid, ["AT-PS"])


def test_police_notice_and_participation_are_two_tasks_and_rejection_withdraws_the_notice(
    client: TestClient, settings: GridSettings
) -> None:
    # DB 31114/Z 010-2025 4.2.1.1 (notice) and 009-2025 4.2.2 (tasks on approval): a 派出所 that also takes part has
    # both; a rejected application will not take place, so its notice is withdrawn
    seed_town(client, settings)
    approved = client.post(
        "/api/v1/joint-rectifications", json=application(joint_duty_action=True), headers=headers(settings, "commander")
    ).json()["id"]
    approve_all(client, settings, approved)
    rejected = client.post(
        "/api/v1/joint-rectifications",
        json=application(joint_duty_action=True, action_date=(ACTION_DAY + timedelta(days=3)).isoformat()),
        headers=headers(settings, "commander"),
    ).json()["id"]
    client.post(
        f"/api/v1/joint-rectifications/{rejected}/sign-offs",
        json={"level": "applicant_leader", "approve": False, "signer_name": "x", "reason": "另行安排"},
        headers=headers(settings, "duty_officer", dept="AT-CG"),
    )
    police = headers(settings, "duty_officer", dept="AT-PS")

    tasks = client.get("/api/v1/joint-rectifications/tasks", headers=police).json()
    withdrawn = next(t for t in tasks if t["rectification_id"] == rejected)
    sign_withdrawn = client.post(
        f"/api/v1/joint-rectifications/tasks/{withdrawn['id']}/complete", json={"report": "x"}, headers=police
    )

    assert sorted((t["rectification_id"], t["role"], t["state"]) for t in tasks) == sorted(
        [
            (approved, "police_notice", "assigned"),
            (approved, "participant", "assigned"),
            (rejected, "police_notice", "cancelled"),
        ]
    )
    assert sign_withdrawn.status_code == 409


def test_joint_duty_action_in_a_town_without_a_police_station_is_refused(
    client: TestClient, settings: GridSettings
) -> None:
    # DB 31114/Z 010-2025 4.2.1.1: with no 派出所 registered the notice cannot be given
    h = headers(settings, "commander", town=OTHER_TOWN)
    made = client.post(
        "/api/v1/departments",
        json={"code": "NX-CG", "name": "南翔城管中队", "unit_type": "enforcement_squad", "liaison_name": "周队长"}
        | {"town": OTHER_TOWN},
        headers=headers(settings, "dispatcher", town=OTHER_TOWN),
    )
    body = application(
        applicant_department="NX-CG",
        command_unit="NX-CG",
        participants=[{"department_code": "NX-CG", "head_count": 5}],
        joint_duty_action=True,
    )

    refused = client.post("/api/v1/joint-rectifications", json=body, headers=h)

    assert made.status_code == 201, made.text
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["body.joint_duty_action"]
    assert query_rows(settings, "SELECT id FROM joint_rectification") == []


def test_unsolved_summary_opens_a_linked_special_rectification(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 4.2.3 and 附录 C: summary; 突出问题未得到有效解决的要重新开展专项整治行动
    seed_town(client, settings)
    rid = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "commander")
    ).json()["id"]
    approve_all(client, settings, rid)
    move_to_past(settings, rid)

    summary = client.post(
        f"/api/v1/joint-rectifications/{rid}/summary",
        json={
            "results": "拆除违建3处，1处未拆",
            "solved": False,
            "before_photos": [PNG],
            "after_photos": [PNG],
            "next_action": {"action_date": ACTION_DAY.isoformat(), "half_day": "am", "hour": 9},
        },
        headers=headers(settings, "duty_officer", dept="AT-CG"),
    )
    bad_photo = client.post(
        f"/api/v1/joint-rectifications/{rid}/summary",
        json={"results": "x", "solved": True, "before_photos": ["@@"], "after_photos": [PNG]},
        headers=headers(settings, "duty_officer", dept="AT-CG"),
    )

    assert summary.status_code == 200, summary.text
    assert summary.json()["state"] == "completed"
    assert summary.json()["summary"]["before_photos"][0]["content_type"] == "image/png"
    reopened = query_rows(
        settings, "SELECT id, reopened_from, state FROM joint_rectification WHERE reopened_from IS NOT NULL"
    )
    assert [(row["reopened_from"], row["state"]) for row in reopened] == [
        (rid.replace("-", ""), "pending_applicant_leader")
    ]
    assert summary.json()["summary"]["reopened_as"].replace("-", "") == str(reopened[0]["id"]).replace("-", "")
    assert bad_photo.status_code == 409  # already completed: nothing more is filed
    types = [row["event_type"] for row in outbox_rows(settings)]
    assert "cn.jiading.grid.joint_rectification.completed.v1" in types
    assert "cn.jiading.grid.joint_rectification.reopened.v1" in types


@pytest.mark.parametrize(
    ("state", "level", "ok"),
    [
        (S.PENDING_APPLICANT_LEADER, L.APPLICANT_LEADER, True),
        (S.PENDING_APPLICANT_LEADER, L.SUPERVISING_LEADER, False),
        (S.PENDING_CENTRE_LEADER, L.CENTRE_LEADER, True),
        (S.PENDING_SUPERVISING_LEADER, L.SUPERVISING_LEADER, True),
        (S.APPROVED, L.SUPERVISING_LEADER, False),
        (S.REJECTED, L.APPLICANT_LEADER, False),
    ],
)
def test_sign_off_order(state: S, level: L, ok: bool) -> None:
    assert (sign_off_problem(state, level) is None) is ok


def test_notice_counts_working_days() -> None:
    # DB 31114/Z 010-2025 4.2.1.1: Friday 2025-03-07 to Wednesday 2025-03-12 is 3 working days (Mon, Tue, Wed)
    calendar = WorkdayCalendar()
    assert notice_short_by(calendar, date(2025, 3, 7), date(2025, 3, 12), 3) == 0
    assert notice_short_by(calendar, date(2025, 3, 7), date(2025, 3, 11), 3) == 1
    # National Day: notified 2025-09-29 for 2025-10-09 — only 09-30 and 10-09 are working days (10-01..08 off)
    assert notice_short_by(calendar, date(2025, 9, 29), date(2025, 10, 9), 3) == 1


def test_b1_time_reads_am_and_pm_hours() -> None:
    assert start_of(ACTION_DAY, HalfDay.AM, 9).hour == 9
    assert start_of(ACTION_DAY, HalfDay.PM, 2).hour == 14
    assert start_of(ACTION_DAY, HalfDay.PM, 12).hour == 12


def test_summary_photos_are_checked_by_content_and_size(client: TestClient, settings: GridSettings) -> None:
    # Issue 9 §4: a photo is what its bytes say, not what the client claims; oversize photos get 413.
    from grid_dispatch.joint_rectification.service import PHOTO_MAX_BYTES

    seed_town(client, settings)
    rid = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "commander")
    ).json()["id"]
    approve_all(client, settings, rid)
    move_to_past(settings, rid)
    url = f"/api/v1/joint-rectifications/{rid}/summary"
    duty = headers(settings, "duty_officer", dept="AT-CG")
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>').decode()
    pdf = base64.b64encode(b"%PDF-1.4\n" + b"x" * 32).decode()
    big = base64.b64encode(base64.b64decode(PNG) + b"\x00" * PHOTO_MAX_BYTES).decode()

    disguised = client.post(
        url, json={"results": "x", "solved": True, "before_photos": [svg], "after_photos": [PNG]}, headers=duty
    )
    document = client.post(
        url, json={"results": "x", "solved": True, "before_photos": [PNG], "after_photos": [pdf]}, headers=duty
    )
    too_big = client.post(
        url, json={"results": "x", "solved": True, "before_photos": [PNG], "after_photos": [big]}, headers=duty
    )

    for response, status, field in (
        (disguised, 415, "body.before_photos.0"),
        (document, 415, "body.after_photos.0"),
        (too_big, 413, "body.after_photos.0"),
    ):
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [error["field"] for error in response.json()["errors"]] == [field]
    assert query_rows(settings, "SELECT state FROM joint_rectification") == [{"state": "approved"}]


def test_summary_is_filed_after_the_action(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 附录 C 注: 本表由申请单位在联合整治结束后，如实填写并报送至镇（街道）城运中心
    seed_town(client, settings)
    rid = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "commander")
    ).json()["id"]
    approve_all(client, settings, rid)
    duty = headers(settings, "duty_officer", dept="AT-CG")

    early = client.post(f"/api/v1/joint-rectifications/{rid}/summary", json=SUMMARY, headers=duty)
    state_after_early = client.get(f"/api/v1/joint-rectifications/{rid}", headers=duty).json()["state"]
    move_to_past(settings, rid)
    after = client.post(f"/api/v1/joint-rectifications/{rid}/summary", json=SUMMARY, headers=duty)

    assert early.status_code == 409
    assert early.json()["type"].endswith("rectification-not-finished")
    assert [error["field"] for error in early.json()["errors"]] == ["ends_at"]
    assert state_after_early == "approved"
    assert after.status_code == 200, after.text
    assert after.json()["state"] == "completed"


def test_clash_counts_completed_actions(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 附录 B 注2: a summarised action still holds its time; only approved/summarised ones do
    seed_town(client, settings)
    first = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "commander")
    ).json()["id"]
    approve_all(client, settings, first)
    table = JointRectification.__table__  # type: ignore[attr-defined]
    engine = create_engine(settings.database_url)
    with engine.begin() as connection:  # as if summarised (the API only allows it after the action)
        connection.execute(update(table).where(table.c.id == uuid.UUID(first)).values(state="completed"))
    engine.dispose()

    clash = client.post(
        "/api/v1/joint-rectifications", json=application(content="同一时段"), headers=headers(settings, "commander")
    )

    assert clash.status_code == 409
    assert first in clash.json()["detail"]


def test_each_sign_off_is_a_different_person_of_the_right_body(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 附录 B 表 B.1: 申请单位领导意见, 城运中心领导意见, 分管领导意见 — three signatures of
    # three people; the first is the applying department's own leader
    seed_town(client, settings)
    rid = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "duty_officer", dept="AT-CG")
    ).json()["id"]
    url = f"/api/v1/joint-rectifications/{rid}/sign-offs"

    def sign(level: str, h: dict[str, str]) -> object:
        return client.post(url, json={"level": level, "approve": True, "signer_name": "张三"}, headers=h)

    commander_as_applicant = sign("applicant_leader", headers(settings, "commander", sub="cmd-1"))
    other_department = sign("applicant_leader", headers(settings, "duty_officer", sub="sj-1", dept="AT-SJ"))
    applicant = sign("applicant_leader", headers(settings, "duty_officer", sub="cg-lead", dept="AT-CG"))
    same_as_applicant = sign("centre_leader", headers(settings, "commander", sub="cg-lead"))
    centre = sign("centre_leader", headers(settings, "commander", sub="cmd-1"))
    same_as_centre = sign("supervising_leader", headers(settings, "commander", sub="cmd-1"))
    supervising = sign("supervising_leader", headers(settings, "commander", sub="cmd-2"))

    assert commander_as_applicant.status_code == 403  # type: ignore[attr-defined]
    assert other_department.status_code == 403  # type: ignore[attr-defined]
    assert applicant.status_code == 200  # type: ignore[attr-defined]
    for refused in (same_as_applicant, same_as_centre):
        assert refused.status_code == 409  # type: ignore[attr-defined]
        assert [e["field"] for e in refused.json()["errors"]] == ["body.signer_name"]  # type: ignore[attr-defined]
    assert centre.status_code == 200  # type: ignore[attr-defined]
    assert supervising.json()["state"] == "approved"  # type: ignore[attr-defined]
    assert [entry["signer"] for entry in supervising.json()["sign_offs"]] == [  # type: ignore[attr-defined]
        "cg-lead",
        "cmd-1",
        "cmd-2",
    ]


def test_application_needs_a_rectification_plan(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 4.2.1 拟定整治方案; 附录 B 注1: 牵头单位须制定相应的整治方案，经领导审批后…协调实施
    seed_town(client, settings)
    body = application()
    del body["plan"]

    missing = client.post("/api/v1/joint-rectifications", json=body, headers=headers(settings, "commander"))
    blank = client.post(
        "/api/v1/joint-rectifications", json={**body, "plan": "  "}, headers=headers(settings, "commander")
    )
    created = client.post("/api/v1/joint-rectifications", json=application(), headers=headers(settings, "commander"))

    assert missing.status_code == 422
    assert [error["field"] for error in missing.json()["errors"]] == ["body.plan"]
    assert blank.status_code == 422
    assert created.json()["plan"] == application()["plan"]


def test_reopened_rectification_is_scheduled_and_notified_afresh(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 4.2.3 对突出问题未得到有效解决的要重新开展专项整治行动 — at a time the applicant gives
    # (B.1 注2), checked like an application; DB 31114/Z 010-2025 4.2.1.1: its own notice to the 派出所
    seed_town(client, settings)
    rid = client.post(
        "/api/v1/joint-rectifications", json=application(joint_duty_action=True), headers=headers(settings, "commander")
    ).json()["id"]
    approve_all(client, settings, rid)
    move_to_past(settings, rid, days=10)
    url = f"/api/v1/joint-rectifications/{rid}/summary"
    duty = headers(settings, "duty_officer", dept="AT-CG")
    unsolved = {**SUMMARY, "solved": False}
    today = datetime.now(CHINA).date()

    def next_on(day: date) -> dict:
        return {**unsolved, "next_action": {"action_date": day.isoformat(), "half_day": "am", "hour": 9}}

    no_time = client.post(url, json=unsolved, headers=duty)
    in_the_past = client.post(url, json=next_on(today - timedelta(days=3)), headers=duty)
    too_soon = client.post(url, json=next_on(today + timedelta(days=1)), headers=duty)
    solved_with_next = client.post(url, json={**next_on(ACTION_DAY), "solved": True}, headers=duty)
    state_before = client.get(f"/api/v1/joint-rectifications/{rid}", headers=duty).json()["state"]
    filed = client.post(url, json=next_on(ACTION_DAY), headers=duty)

    assert [r.json()["errors"][0]["field"] for r in (no_time, in_the_past, too_soon, solved_with_next)] == [
        "body.next_action",
        "body.next_action.action_date",
        "body.next_action.action_date",
        "body.next_action",
    ]
    assert state_before == "approved"  # nothing written by the refused summaries
    assert filed.status_code == 200, filed.text
    new_id = filed.json()["summary"]["reopened_as"]
    new = client.get(f"/api/v1/joint-rectifications/{new_id}", headers=duty).json()
    assert new["reopened_from"] == rid
    assert new["action_date"] == ACTION_DAY.isoformat()
    assert new["starts_at"].startswith(f"{ACTION_DAY.isoformat()}T01:00")  # 上午9时 China time
    assert new["police_notified_on"] == today.isoformat()
    assert new["notice_override_reason"] is None
    assert new["state"] == "pending_applicant_leader"
    notices = client.get(
        f"/api/v1/joint-rectifications/tasks?rectification_id={new_id}", headers=headers(settings, "commander")
    ).json()
    assert [(t["department_code"], t["role"]) for t in notices] == [("AT-PS", "police_notice")]


@pytest.mark.parametrize("dept", ["AT-PS", "AT-CG", "AT-SJ"])
def test_police_urban_management_and_market_regulation_file_b1_to_the_centre(
    client: TestClient, settings: GridSettings, dept: str
) -> None:
    # DB 31114/Z 010-2025 4.2.1.6 / 4.2.2.4 / 4.2.3.4: 派出所, 综合行政执法队（城管中队）and 市场监管所 each fill in
    # 《联合整治行动申请表》 and submit it to the 街镇城运中心, which sees it in its list and signs it off
    seed_town(client, settings)
    body = application(
        applicant_department=dept,
        command_unit=dept,
        participants=[{"department_code": "AT-SW", "head_count": 2}],
    )

    filed = client.post("/api/v1/joint-rectifications", json=body, headers=headers(settings, "duty_officer", dept=dept))
    seen = client.get("/api/v1/joint-rectifications", headers=headers(settings, "dispatcher")).json()
    approved = approve_all(client, settings, filed.json()["id"], applicant=dept)

    assert filed.status_code == 201, filed.text
    assert [(row["id"], row["applicant_department"]) for row in seen] == [(filed.json()["id"], dept)]
    assert approved["state"] == "approved"
