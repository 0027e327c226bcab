"""Publicity (DB 31114/Z 004-2025): activities with the fields of form A.1, forms (§6) and venues (§5), the 3-day
preparation of 集中 / 体验式 activities (7.3) and the monthly 集中 check with publicity.month_missed (7.5)."""

import base64
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from collection.main import build_app
from collection.publicity import rules
from collection.publicity.scheduled import run_month_check
from collection.settings import CollectionSettings
from collection.testing import COMMITTEE, admin, collector, police, setup_places
from collection.visits.rules import LOCAL_ZONE
from jiading_shared.db import Database
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows

settings, client = api_fixtures(CollectionSettings, build_app)

RULES = rules.PublicityRules(version=1, preparation_days_before=3, monthly_centralised_minimum=1)
MISSED = "cn.jiading.collection.publicity.month_missed.v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_preparation_three_days_before_is_in_time() -> None:
    # DB 31114/Z 004-2025 7.3: 活动开展三天前 做好前期准备.
    assert rules.preparation_problem(date(2026, 3, 7), date(2026, 3, 10), RULES) is None
    assert rules.preparation_problem(date(2026, 3, 1), date(2026, 3, 10), RULES) is None
    problem = rules.preparation_problem(date(2026, 3, 8), date(2026, 3, 10), RULES)
    assert problem is not None
    assert "2026-03-07" in problem


def test_committees_below_the_monthly_minimum() -> None:
    # DB 31114/Z 004-2025 7.5: 每月组织不少于1次的集中宣传.
    assert rules.committees_below_minimum(["c1", "c2", "c3"], {"c1": 1, "c2": 0}, RULES) == ["c2", "c3"]


def test_months() -> None:
    assert rules.previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert rules.month_bounds(date(2026, 2, 1)) == (date(2026, 2, 1), date(2026, 3, 1))


def test_forms_and_venues_of_the_standard() -> None:
    # DB 31114/Z 004-2025 §5.1–5.6 and §6.1–6.5.
    assert list(rules.FORM_LABELS.values()) == ["上门", "集中", "体验式", "定点", "线上"]
    assert len(rules.VENUE_LABELS) == 6


def activity(**overrides: object) -> dict:
    """表 A.1 of 004: 时间, 地点, 组织人员, 签到, 主题, 情况 (附照片)."""
    return {
        "committee": COMMITTEE,
        "form": "door_to_door",
        "venue_type": "rented_housing",
        "held_at": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
        "place": "安亭村村委会",
        "organiser": "王警官",
        "participants": ["王警官", "李协管"],
        "theme": "居住证办理政策宣传",
        "description": "发放宣传册120份，解答咨询30人次",
        "photos": [{"content_base64": base64.b64encode(PNG).decode()}],
        **overrides,
    }


def prepare(client: TestClient, settings, form: str = "centralised") -> str:
    response = client.post(
        "/api/v1/publicity/preparations",
        json={
            "committee": COMMITTEE,
            "form": form,
            "planned_at": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
            "place": "安亭村村委会",
            "materials": "宣传册200份、展板2块",
            "people": "民警1名、协管员3名",
        },
        headers=police(settings),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_activity_keeps_the_form_a1_fields_and_photos(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 附录 A 表 A.1.
    setup_places(client, settings)

    response = client.post("/api/v1/publicity/activities", json=activity(), headers=collector(settings))

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["form"], body["venue_type"], body["participants"], body["rule_version"]) == (
        "door_to_door",
        "rented_housing",
        ["王警官", "李协管"],
        1,
    )
    assert body["photos"][0]["content_type"] == "image/png"


def test_centralised_activity_needs_a_preparation_three_days_before(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 7.3: 集中 / 体验式 need the preparation record at least 3 days before.
    setup_places(client, settings)
    prepared = prepare(client, settings)
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    missing = client.post("/api/v1/publicity/activities", json=activity(form="centralised"), headers=police(settings))
    too_late = client.post(
        "/api/v1/publicity/activities",
        json=activity(form="centralised", held_at=soon, preparation_id=prepared),
        headers=police(settings),
    )
    in_time = client.post(
        "/api/v1/publicity/activities",
        json=activity(form="centralised", venue_type="public_place", preparation_id=prepared),
        headers=police(settings),
    )

    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.preparation_id"
    assert too_late.status_code == 422
    assert "7.3" in too_late.json()["errors"][0]["message"]
    assert in_time.status_code == 201, in_time.text
    assert len(query_rows(settings, "SELECT id FROM publicity_activity")) == 1


def test_activity_input_is_checked(client: TestClient, settings) -> None:
    setup_places(client, settings)

    bad_venue = client.post("/api/v1/publicity/activities", json=activity(venue_type="x"), headers=collector(settings))
    no_sign_in = client.post(
        "/api/v1/publicity/activities", json=activity(participants=[]), headers=collector(settings)
    )
    not_image = client.post(
        "/api/v1/publicity/activities",
        json=activity(photos=[{"content_base64": base64.b64encode(b"%PDF-1.4 x").decode()}]),
        headers=collector(settings),
    )
    other_committee = client.post(
        "/api/v1/publicity/activities", json=activity(committee="nowhere"), headers=collector(settings)
    )

    assert bad_venue.status_code == 422
    assert bad_venue.json()["errors"][0]["field"] == "body.venue_type"
    assert no_sign_in.status_code == 422
    assert no_sign_in.json()["errors"][0]["field"] == "body.participants"
    assert not_image.status_code == 415
    assert other_committee.status_code == 422
    assert query_rows(settings, "SELECT id FROM publicity_activity") == []


def test_monthly_report_and_month_missed_event_once_per_committee_month(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 7.5: each 居/村委 holds at least one 集中 activity per calendar month.
    setup_places(client, settings)
    assert (
        client.post(
            "/api/v1/committees",
            json={"code": "jd-anting-c02", "name": "新丰村", "town": "jd-anting"},
            headers=admin(settings),
        ).status_code
        == 201
    )
    prepared = prepare(client, settings)
    held = datetime.now(UTC) + timedelta(days=5)
    created = client.post(
        "/api/v1/publicity/activities",
        json=activity(form="centralised", held_at=held.isoformat(), preparation_id=prepared),
        headers=police(settings),
    )
    assert created.status_code == 201, created.text
    month = held.astimezone(LOCAL_ZONE).date().replace(day=1)

    report = client.get(f"/api/v1/publicity/reports/monthly?month={month:%Y-%m}", headers=admin(settings))
    bad_month = client.get("/api/v1/publicity/reports/monthly?month=2026-13", headers=admin(settings))

    assert report.status_code == 200, report.text
    lines = {
        line["committee"]: (line["centralised_activities"], line["missed"]) for line in report.json()["committees"]
    }
    assert lines == {COMMITTEE: (1, False), "jd-anting-c02": (0, True)}
    assert bad_month.status_code == 422
    db = Database(settings.database_url)
    try:
        next_month = rules.month_bounds(month)[1]
        assert run_month_check(db, today=next_month + timedelta(days=2)) == 1
        assert run_month_check(db, today=next_month + timedelta(days=3)) == 0  # not on every run
    finally:
        db.dispose()
    events = [row for row in outbox_rows(settings) if row["event_type"] == MISSED]
    assert len(events) == 1
    assert '"committee":"jd-anting-c02"' in events[0]["payload"].replace(" ", "")
