"""Publicity: preparation records, activities (form A.1) with the 7.3 check, the monthly 7.5 report and the
once-per-committee-month `publicity.month_missed` event."""

import base64
import binascii
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from collection.places.models import Committee
from collection.publicity import rules
from collection.publicity.events import PUBLICITY_MONTH_MISSED, PublicityMonthMissedPayload
from collection.publicity.models import (
    MAX_PHOTO_BYTES,
    PHOTO_TYPES,
    ActivityIn,
    CommitteeMonthOut,
    MonthlyReportOut,
    PreparationIn,
    PublicityActivity,
    PublicityMonthMissed,
    PublicityPreparation,
    PublicityRuleIn,
    PublicityRuleVersion,
)
from collection.visits.rules import LOCAL_ZONE, local_date
from jiading_shared.blobs import BlobStore
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.types import assume_utc


def rules_in_force(session: Session, on: date) -> PublicityRuleVersion:
    row = session.exec(
        select(PublicityRuleVersion)
        .where(PublicityRuleVersion.effective_from <= on)
        .order_by(col(PublicityRuleVersion.effective_from).desc(), col(PublicityRuleVersion.version).desc())
    ).first()
    if row is None:
        raise ProblemError(409, "no-publicity-rules", f"no publicity rule version is in force on {on}")
    return row


def as_rules(row: PublicityRuleVersion) -> rules.PublicityRules:
    return rules.PublicityRules(row.version, row.preparation_days_before, row.monthly_centralised_minimum)


def add_rule_version(session: Session, data: PublicityRuleIn, *, created_by: str) -> PublicityRuleVersion:
    latest = session.exec(select(func.max(PublicityRuleVersion.version))).one() or 0
    row = PublicityRuleVersion(
        version=latest + 1, **data.model_dump(), created_by=created_by, created_at=datetime.now(UTC)
    )
    session.add(row)
    session.flush()
    return row


def committee_or_422(session: Session, code: str, allowed: frozenset[str] | None) -> Committee:
    committee = session.get(Committee, code)
    if committee is None:
        raise field_error(422, "body.committee", f"no committee {code}")
    if allowed is not None and code not in allowed:
        raise field_error(403, "body.committee", "the committee lies outside your areas")
    return committee


def record_preparation(
    session: Session,
    data: PreparationIn,
    *,
    allowed: frozenset[str] | None,
    by: str,
    now: datetime | None = None,
) -> PublicityPreparation:
    now = now or datetime.now(UTC)
    committee_or_422(session, data.committee, allowed)
    if data.form not in rules.NEEDS_PREPARATION:
        raise field_error(422, "body.form", "preparation records are for 集中 and 体验式 activities (7.3)")
    # A preparation recorded later than 7.3 allows could never back its activity: say so now, not after the event.
    planned_on = local_date(data.planned_at)
    problem = rules.preparation_problem(local_date(now), planned_on, as_rules(rules_in_force(session, planned_on)))
    if problem:
        raise field_error(422, "body.planned_at", problem, slug="preparation-too-late")
    row = PublicityPreparation(
        committee=data.committee,
        form=data.form.value,
        planned_at=data.planned_at.astimezone(UTC),  # SQLite keeps no offset: every stored time is UTC
        place=data.place,
        materials=data.materials,
        people=data.people,
        recorded_by=by,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _preparation_for(
    session: Session, data: ActivityIn, activity_on: date, version: PublicityRuleVersion
) -> PublicityPreparation:
    """The activity's own preparation (7.3): same committee and form, planned for its day, in time, not yet used."""
    if data.preparation_id is None:
        raise field_error(422, "body.preparation_id", "a 集中 or 体验式 activity needs its preparation record (7.3)")
    # Locked: two activities naming the same preparation at once are serialised, and the second gets the 409.
    preparation = session.get(PublicityPreparation, data.preparation_id, with_for_update=True)
    if preparation is None or preparation.committee != data.committee or preparation.form != data.form.value:
        raise field_error(422, "body.preparation_id", "no preparation of this committee for this form")
    problem = rules.planned_date_problem(local_date(assume_utc(preparation.planned_at)), activity_on)
    if problem:
        raise field_error(422, "body.preparation_id", problem, slug="preparation-other-day")
    problem = rules.preparation_problem(local_date(assume_utc(preparation.recorded_at)), activity_on, as_rules(version))
    if problem:
        raise field_error(422, "body.preparation_id", problem, slug="preparation-too-late")
    used = _activity_of(session, preparation.id)
    if used is not None:
        raise used
    return preparation


def _activity_of(session: Session, preparation_id: uuid.UUID) -> ProblemError | None:
    """The 409 for a preparation that already backs an activity (None: it backs none)."""
    other = session.exec(select(PublicityActivity.id).where(PublicityActivity.preparation_id == preparation_id)).first()
    if other is None:
        return None
    return field_error(
        409,
        "body.preparation_id",
        f"the preparation already belongs to activity {other}; each activity has its own (7.3)",
        slug="preparation-used",
    )


def record_activity(
    session: Session,
    blobs: BlobStore,
    data: ActivityIn,
    *,
    allowed: frozenset[str] | None,
    by: str,
    now: datetime | None = None,
) -> PublicityActivity:
    now = now or datetime.now(UTC)
    committee_or_422(session, data.committee, allowed)
    problem = rules.held_at_problem(data.held_at, now)
    if problem:
        raise field_error(422, "body.held_at", problem)
    if data.form in rules.NEEDS_PHOTOS and not data.photos:
        raise field_error(422, "body.photos", "a 集中 or 体验式 activity is recorded with photos (表 A.1 附照片)")
    activity_on = local_date(data.held_at)
    version = rules_in_force(session, activity_on)
    preparation = (
        _preparation_for(session, data, activity_on, version) if data.form in rules.NEEDS_PREPARATION else None
    )
    # The checks above come first: a refused record stores no photo.
    photos = []
    for position, photo in enumerate(data.photos):
        field = f"body.photos.{position}.content_base64"
        try:
            content = base64.b64decode(photo.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise field_error(422, field, "not valid base64") from None
        stored = blobs.put(content, field=field, allowed_types=PHOTO_TYPES, max_bytes=MAX_PHOTO_BYTES)
        photos.append({"sha256": stored.key, "content_type": stored.content_type, "size": stored.size})
    row = PublicityActivity(
        committee=data.committee,
        form=data.form.value,
        venue_type=data.venue_type.value,
        held_at=data.held_at.astimezone(UTC),  # SQLite keeps no offset: every stored time is UTC
        place=data.place,
        organiser=data.organiser,
        participants=data.participants,
        theme=data.theme,
        description=data.description,
        photos=photos,
        preparation_id=None if preparation is None else preparation.id,
        rule_version=version.version,
        recorded_by=by,
        recorded_at=now,
    )
    # The unique link is the backstop when the lock is not enough (SQLite has no row locks; it serialises writers).
    with conflict_on_unique_violation(
        session, lambda: None if preparation is None else _activity_of(session, preparation.id)
    ):
        session.add(row)
        session.flush()
    return row


def _month_window(month: date) -> tuple[datetime, datetime]:
    start, following = rules.month_bounds(month)
    return (
        datetime.combine(start, time.min, tzinfo=LOCAL_ZONE).astimezone(UTC),
        datetime.combine(following, time.min, tzinfo=LOCAL_ZONE).astimezone(UTC),
    )


def monthly_report(session: Session, month: date, committees: Sequence[str] | None) -> MonthlyReportOut:
    """Per committee: the 集中 activities held in the calendar month (Shanghai time) and whether 7.5 was missed."""
    start, end = _month_window(month)
    version = rules_in_force(session, rules.month_bounds(month)[1] - timedelta(days=1))  # in force at month end
    counts = dict(
        session.exec(
            select(PublicityActivity.committee, func.count())
            .where(PublicityActivity.form == rules.PublicityForm.CENTRALISED.value)
            .where(col(PublicityActivity.held_at) >= start)
            .where(col(PublicityActivity.held_at) < end)
            .group_by(col(PublicityActivity.committee))
        ).all()
    )
    query = select(Committee).order_by(col(Committee.code))
    if committees is not None:
        query = query.where(col(Committee.code).in_(list(committees)))
    listed = session.exec(query).all()
    missed = set(rules.committees_below_minimum([c.code for c in listed], counts, as_rules(version)))
    return MonthlyReportOut(
        month=month.strftime("%Y-%m"),
        rule_version=version.version,
        required_centralised=version.monthly_centralised_minimum,
        committees=[
            CommitteeMonthOut(
                committee=c.code,
                committee_name=c.name,
                town=c.town,
                centralised_activities=counts.get(c.code, 0),
                missed=c.code in missed,
            )
            for c in listed
        ],
    )


def report_missed_month(session: Session, month: date) -> int:
    """Publish `publicity.month_missed` for each committee that missed the month, once per committee-month."""
    report = monthly_report(session, month, None)
    already = set(session.exec(select(PublicityMonthMissed.committee).where(PublicityMonthMissed.month == month)).all())
    published = 0
    for line in report.committees:
        if not line.missed or line.committee in already:
            continue
        session.add(
            PublicityMonthMissed(
                committee=line.committee,
                month=month,
                centralised_activities=line.centralised_activities,
                rule_version=report.rule_version,
                reported_at=datetime.now(UTC),
            )
        )
        enqueue(
            session,
            PUBLICITY_MONTH_MISSED,
            PublicityMonthMissedPayload(
                committee=line.committee,
                committee_name=line.committee_name,
                town=line.town,
                month=report.month,
                month_start=month,
                centralised_activities=line.centralised_activities,
                required=report.required_centralised,
                rule_version=report.rule_version,
            ),
            key=line.committee,
        )
        published += 1
    session.flush()
    return published
