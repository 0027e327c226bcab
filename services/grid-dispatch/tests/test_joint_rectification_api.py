"""Joint rectification: form B.1 application, ordered sign-offs, clashes, 3-working-day notice, C.1 summary."""

import base64
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from grid_testkit import headers, seed_town

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
        "action_date": ACTION_DAY.isoformat(),
        "half_day": "pm",
        "hour": 2,
        "command_unit": "AT-CG",
        "command_leader": "李队长",
        "participants": [{"department_code": "AT-PS", "head_count": 4}, {"department_code": "AT-SJ", "head_count": 2}],
        "vehicles": [{"type": "pickup", "count": 2}, {"type": "excavator", "count": 1}],
        **overrides,
    }


def approve_all(client: TestClient, settings: GridSettings, rectification_id: str) -> dict:
    response = None
    for level, h in (
        ("applicant_leader", headers(settings, "duty_officer", dept="AT-CG")),
        ("centre_leader", headers(settings, "commander")),
        ("supervising_leader", headers(settings, "commander")),
    ):
        response = client.post(
            f"/api/v1/joint-rectifications/{rectification_id}/sign-offs",
            json={"level": level, "approve": True, "signer_name": level},
            headers=h,
        )
        assert response.status_code == 200, response.text
    assert response is not None
    return response.json()


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
    # DB 31114/Z 010-2025 4.2.1.1: 提前3个工作日告知公安派出所综合指挥室
    seed_town(client, settings)
    notified = (ACTION_DAY - timedelta(days=1)).isoformat()
    body = application(joint_duty_action=True, police_notified_on=notified)

    refused = client.post(
        "/api/v1/joint-rectifications", json=body, headers=headers(settings, "duty_officer", dept="AT-CG")
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
    assert refused.json()["errors"][0]["field"] == "body.police_notified_on"
    assert not_commander.status_code == 403
    assert overridden.status_code == 201
    assert overridden.json()["notice_rule_version"] == "duty_standard@1"


def test_unsolved_summary_opens_a_linked_special_rectification(client: TestClient, settings: GridSettings) -> None:
    # DB 31114/Z 009-2025 4.2.3 and 附录 C: summary; 突出问题未得到有效解决的要重新开展专项整治行动
    seed_town(client, settings)
    rid = client.post(
        "/api/v1/joint-rectifications", json=application(), headers=headers(settings, "commander")
    ).json()["id"]
    approve_all(client, settings, rid)

    summary = client.post(
        f"/api/v1/joint-rectifications/{rid}/summary",
        json={"results": "拆除违建3处，1处未拆", "solved": False, "before_photos": [PNG], "after_photos": [PNG]},
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
        settings, "SELECT reopened_from, state FROM joint_rectification WHERE reopened_from IS NOT NULL"
    )
    assert reopened == [{"reopened_from": rid.replace("-", ""), "state": "pending_applicant_leader"}]
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
