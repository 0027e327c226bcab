"""Publicity (DB 31114/Z 004-2025): activities with the fields of form A.1, forms (§6) and venues (§5), the 3-day
preparation of 集中 / 体验式 activities (7.3) and the monthly 集中 check with publicity.month_missed (7.5)."""

import base64
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from collection.main import build_app
from collection.publicity import rules, service
from collection.publicity.models import PublicityActivity, PublicityPreparation
from collection.publicity.scheduled import run_month_check
from collection.settings import CollectionSettings
from collection.testing import COMMITTEE, admin, collector, police, setup_places
from collection.visits.rules import LOCAL_ZONE
from jiading_shared.db import Database
from jiading_shared.migrations import upgrade
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows
from jiading_shared.types import assume_utc

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
    """表 A.1 of 004: 时间, 地点, 组织人员, 签到, 主题, 情况 (附照片). Filled in after the activity (7.3)."""
    return {
        "committee": COMMITTEE,
        "form": "door_to_door",
        "venue_type": "rented_housing",
        "held_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "place": "安亭村村委会",
        "organiser": "王警官",
        "participants": ["王警官", "李协管"],
        "theme": "居住证办理政策宣传",
        "description": "发放宣传册120份，解答咨询30人次",
        "photos": [{"content_base64": base64.b64encode(PNG).decode()}],
        **overrides,
    }


def post_preparation(client: TestClient, settings, planned_at: datetime | str, form: str = "centralised"):
    return client.post(
        "/api/v1/publicity/preparations",
        json={
            "committee": COMMITTEE,
            "form": form,
            "planned_at": planned_at if isinstance(planned_at, str) else planned_at.isoformat(),
            "place": "安亭村村委会",
            "materials": "宣传册200份、展板2块",
            "people": "民警1名、协管员3名",
        },
        headers=police(settings),
    )


def prepare(
    client: TestClient, settings, held: datetime, form: str = "centralised", recorded_days_before: int = 7
) -> str:
    """A preparation for an activity held at `held` (now or earlier), recorded `recorded_days_before` days ahead of
    it. The API only takes preparations for the future, so it is recorded for next week and then moved back."""
    response = post_preparation(client, settings, datetime.now(UTC) + timedelta(days=5), form)
    assert response.status_code == 201, response.text
    prepared = response.json()["id"]
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            row = session.get(PublicityPreparation, uuid.UUID(prepared))
            assert row is not None
            row.planned_at = held.astimezone(UTC)
            row.recorded_at = (held - timedelta(days=recorded_days_before)).astimezone(UTC)
    finally:
        db.dispose()
    return prepared


def centralised(held: datetime, prepared: str, **overrides: object) -> dict:
    return activity(
        form="centralised",
        venue_type="public_place",
        held_at=held.isoformat(),
        preparation_id=prepared,
        **overrides,
    )


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


def test_times_carry_an_offset_and_keep_their_instant(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 表 A.1 时间 and 7.3 活动时间: a time without an offset names no instant, so it is refused;
    # one given in Shanghai time is kept as the same instant (and so falls into the right 7.5 month).
    setup_places(client, settings)
    shanghai = (datetime.now(UTC) - timedelta(days=1)).astimezone(LOCAL_ZONE).replace(microsecond=0)

    naive_held = client.post(
        "/api/v1/publicity/activities",
        json=activity(held_at=shanghai.replace(tzinfo=None).isoformat()),
        headers=collector(settings),
    )
    naive_planned = post_preparation(
        client, settings, (datetime.now(UTC) + timedelta(days=5)).replace(tzinfo=None).isoformat()
    )
    with_offset = client.post(
        "/api/v1/publicity/activities", json=activity(held_at=shanghai.isoformat()), headers=collector(settings)
    )

    assert naive_held.status_code == 422
    assert [error["field"] for error in naive_held.json()["errors"]] == ["body.held_at"]
    assert naive_planned.status_code == 422
    assert [error["field"] for error in naive_planned.json()["errors"]] == ["body.planned_at"]
    assert with_offset.status_code == 201, with_offset.text
    assert datetime.fromisoformat(with_offset.json()["held_at"].replace("Z", "+00:00")) == shanghai
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            stored = session.get(PublicityActivity, uuid.UUID(with_offset.json()["id"]))
            assert stored is not None
            assert assume_utc(stored.held_at) == shanghai  # SQLite keeps no offset: the stored time must be UTC
    finally:
        db.dispose()


def test_held_at_may_not_lie_in_the_future() -> None:
    # DB 31114/Z 004-2025 7.3: 在活动后及时填写《情况表》 — a record of an activity not yet held is refused; a clock a
    # few minutes ahead is tolerated.
    now = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    assert rules.held_at_problem(now - timedelta(days=2), now) is None
    assert rules.held_at_problem(now + timedelta(minutes=4), now) is None
    problem = rules.held_at_problem(now + timedelta(minutes=6), now)
    assert problem is not None
    assert "7.3" in problem


def test_preparation_is_for_the_activity_day() -> None:
    # DB 31114/Z 004-2025 7.3: the preparation fixes the 活动时间 of the activity it prepares.
    assert rules.planned_date_problem(date(2026, 3, 10), date(2026, 3, 10)) is None
    problem = rules.planned_date_problem(date(2026, 3, 11), date(2026, 3, 10))
    assert problem is not None
    assert "2026-03-11" in problem


def test_future_activity_is_refused_and_does_not_count_for_the_month(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 7.3 (填写 活动后) and 7.5: an activity still to come is not recorded, so it cannot make up
    # the month's 集中宣传 in advance.
    setup_places(client, settings)
    coming = datetime.now(UTC) + timedelta(days=5)
    prepared = post_preparation(client, settings, coming)
    assert prepared.status_code == 201, prepared.text

    future = client.post(
        "/api/v1/publicity/activities", json=centralised(coming, prepared.json()["id"]), headers=police(settings)
    )
    just_ahead = client.post(
        "/api/v1/publicity/activities",
        json=activity(held_at=(datetime.now(UTC) + timedelta(minutes=2)).isoformat()),
        headers=collector(settings),
    )
    month = coming.astimezone(LOCAL_ZONE).date().replace(day=1)
    report = client.get(f"/api/v1/publicity/reports/monthly?month={month:%Y-%m}", headers=admin(settings))

    assert future.status_code == 422
    assert [error["field"] for error in future.json()["errors"]] == ["body.held_at"]
    assert just_ahead.status_code == 201, just_ahead.text  # clock skew, not the future
    assert [(line["centralised_activities"], line["missed"]) for line in report.json()["committees"]] == [(0, True)]


def test_centralised_activity_needs_a_preparation_three_days_before(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 7.3: 集中 / 体验式 need the preparation record at least 3 days before.
    setup_places(client, settings)
    held = datetime.now(UTC) - timedelta(hours=2)
    late = prepare(client, settings, held, recorded_days_before=1)
    in_time = prepare(client, settings, held, recorded_days_before=3)

    missing = client.post("/api/v1/publicity/activities", json=activity(form="centralised"), headers=police(settings))
    too_late = client.post("/api/v1/publicity/activities", json=centralised(held, late), headers=police(settings))
    accepted = client.post("/api/v1/publicity/activities", json=centralised(held, in_time), headers=police(settings))

    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.preparation_id"
    assert too_late.status_code == 422
    assert too_late.json()["errors"][0]["field"] == "body.preparation_id"
    assert "7.3" in too_late.json()["errors"][0]["message"]
    assert accepted.status_code == 201, accepted.text
    assert len(query_rows(settings, "SELECT id FROM publicity_activity")) == 1


def test_preparation_too_soon_is_refused_when_recorded(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 7.3: 应于活动开展三天前 做好前期准备 — a preparation for the day after tomorrow (or the
    # past) could never back its activity, so it is refused at once, naming the date.
    setup_places(client, settings)

    tomorrow = post_preparation(client, settings, datetime.now(UTC) + timedelta(days=1))
    past = post_preparation(client, settings, datetime.now(UTC) - timedelta(days=1))
    next_week = post_preparation(client, settings, datetime.now(UTC) + timedelta(days=7))

    for refused in (tomorrow, past):
        assert refused.status_code == 422
        assert [error["field"] for error in refused.json()["errors"]] == ["body.planned_at"]
        assert "7.3" in refused.json()["errors"][0]["message"]
    assert next_week.status_code == 201, next_week.text
    assert len(query_rows(settings, "SELECT id FROM publicity_preparation")) == 1


def test_preparation_belongs_to_one_activity_on_its_day(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 7.3: the preparation (活动时间、地点…) is made for one activity: it backs an activity on its
    # planned day (Shanghai time) only, and only one.
    setup_places(client, settings)
    held = (datetime.now(LOCAL_ZONE) - timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    prepared = prepare(client, settings, held)

    day_before = client.post(
        "/api/v1/publicity/activities", json=centralised(held - timedelta(days=1), prepared), headers=police(settings)
    )
    first = client.post("/api/v1/publicity/activities", json=centralised(held, prepared), headers=police(settings))
    again = client.post(
        "/api/v1/publicity/activities",
        json=centralised(held + timedelta(minutes=30), prepared, theme="第二场"),
        headers=police(settings),
    )

    assert day_before.status_code == 422
    assert [error["field"] for error in day_before.json()["errors"]] == ["body.preparation_id"]
    assert str(held.astimezone(LOCAL_ZONE).date()) in day_before.json()["errors"][0]["message"]
    assert first.status_code == 201, first.text
    assert again.status_code == 409
    assert [error["field"] for error in again.json()["errors"]] == ["body.preparation_id"]
    assert first.json()["id"] in again.json()["errors"][0]["message"]
    assert [row["theme"] for row in query_rows(settings, "SELECT theme FROM publicity_activity")] == [
        "居住证办理政策宣传"
    ]


def test_the_database_links_a_preparation_to_one_activity(client: TestClient, settings, monkeypatch) -> None:
    # DB 31114/Z 004-2025 7.3: the unique link (migration 0009) holds when two requests pass the check at once; the
    # loser gets the same 409, not a 500.
    setup_places(client, settings)
    held = datetime.now(UTC) - timedelta(days=1)
    prepared = prepare(client, settings, held)
    created = client.post("/api/v1/publicity/activities", json=centralised(held, prepared), headers=police(settings))
    assert created.status_code == 201, created.text
    looked_up = service._activity_of
    calls: list[uuid.UUID] = []

    def racing(session, preparation_id: uuid.UUID):  # the check runs before the other request has committed
        calls.append(preparation_id)
        return None if len(calls) == 1 else looked_up(session, preparation_id)

    monkeypatch.setattr(service, "_activity_of", racing)
    raced = client.post(
        "/api/v1/publicity/activities", json=centralised(held, prepared, theme="第二场"), headers=police(settings)
    )

    assert raced.status_code == 409, raced.text
    assert [error["field"] for error in raced.json()["errors"]] == ["body.preparation_id"]
    assert len(calls) == 2  # the pre-check, then the lookup after the unique violation
    assert len(query_rows(settings, "SELECT id FROM publicity_activity")) == 1


def test_centralised_and_experiential_activities_need_a_photo(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 附录 A 表 A.1: 宣传活动情况（附照片）, the record of a 集中 (7.3) or 体验式 activity.
    setup_places(client, settings)
    held = datetime.now(UTC) - timedelta(hours=3)
    for_centralised = prepare(client, settings, held)
    for_experiential = prepare(client, settings, held, form="experiential")

    no_photo = client.post(
        "/api/v1/publicity/activities", json=centralised(held, for_centralised, photos=[]), headers=police(settings)
    )
    experiential = client.post(
        "/api/v1/publicity/activities",
        json=activity(form="experiential", held_at=held.isoformat(), preparation_id=for_experiential, photos=[]),
        headers=police(settings),
    )
    door_to_door = client.post("/api/v1/publicity/activities", json=activity(photos=[]), headers=collector(settings))
    with_photo = client.post(
        "/api/v1/publicity/activities", json=centralised(held, for_centralised), headers=police(settings)
    )

    for refused in (no_photo, experiential):
        assert refused.status_code == 422
        assert [error["field"] for error in refused.json()["errors"]] == ["body.photos"]
    assert door_to_door.status_code == 201, door_to_door.text  # 上门宣传 has no form A.1 with photos
    assert with_photo.status_code == 201, with_photo.text
    assert sorted(row["form"] for row in query_rows(settings, "SELECT form FROM publicity_activity")) == [
        "centralised",
        "door_to_door",
    ]


def test_activity_input_is_checked(client: TestClient, settings) -> None:
    # DB 31114/Z 004-2025 §5 (场所), 表 A.1 (参与宣传人员签到, 附照片): bad values are refused and nothing is written.
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
    held = datetime.now(UTC) - timedelta(hours=1)
    prepared = prepare(client, settings, held)
    created = client.post("/api/v1/publicity/activities", json=centralised(held, prepared), headers=police(settings))
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


def test_migration_0009_stops_on_a_preparation_shared_by_activities(tmp_path) -> None:
    # DB 31114/Z 004-2025 7.3: earlier data may link several activities to one preparation; the upgrade that makes the
    # link unique names them instead of choosing which activity keeps it.
    url = f"sqlite:///{tmp_path}/collection.db"
    upgrade("collection", url, "0008")
    preparation = uuid.uuid4().hex
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO town VALUES ('t1', '安亭镇')"))
            connection.execute(text("INSERT INTO committee VALUES ('c1', '安亭村', 't1')"))
            connection.execute(
                text(
                    "INSERT INTO publicity_preparation VALUES "
                    "(:id, 'c1', 'centralised', '2026-03-10 02:00:00', 'p', 'm', 'x', 'u', '2026-03-01 02:00:00')"
                ),
                {"id": preparation},
            )
            for _ in range(2):
                connection.execute(
                    text(
                        "INSERT INTO publicity_activity VALUES (:id, 'c1', 'centralised', 'public_place', "
                        "'2026-03-10 02:00:00', 'p', 'o', '[]', 't', 'd', '[]', :prep, 1, 'u', '2026-03-10 09:00:00')"
                    ),
                    {"id": uuid.uuid4().hex, "prep": preparation},
                )

        with pytest.raises(RuntimeError, match="shared by several activities"):
            upgrade("collection", url, "0009")

        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE publicity_activity SET preparation_id = NULL "
                    "WHERE id = (SELECT MIN(id) FROM publicity_activity)"
                )
            )
        upgrade("collection", url, "0009")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
    finally:
        engine.dispose()
