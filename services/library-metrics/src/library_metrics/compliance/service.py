"""Loading the facts the compliance engine reads, evaluating, and publishing breaches of closed periods."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from jiading_shared.events import enqueue
from jiading_shared.types import assume_utc
from jiading_shared.workdays import WorkdayCalendar
from library_metrics.compliance.events import (
    INDICATOR_BREACH_WITHDRAWN,
    INDICATOR_BREACHED,
    IndicatorBreached,
    IndicatorBreachWithdrawn,
)
from library_metrics.compliance.models import ComplianceResultOut, IndicatorBreach
from library_metrics.compliance.rules import (
    CHINA,
    AcquisitionFact,
    AnsweredFact,
    ClosureFact,
    CollectionFact,
    CommitteeFact,
    Context,
    EventFact,
    FacilityFacts,
    FacilityProfile,
    Pattern,
    Period,
    PeriodKind,
    RuleResult,
    ShelfCheckFact,
    ShelvingFact,
    StaffFact,
    Status,
    SurveyFact,
    TownFacts,
    TrainingFact,
    UsageFact,
    VolunteerFact,
    evaluate_facility,
    evaluate_town,
)
from library_metrics.facilities.models import Committee, Facility, Town
from library_metrics.indicators.rules import RulePeriod, RuleSet, parse_clock
from library_metrics.indicators.service import rule_set_in_force
from library_metrics.records import models as m

# Which failing rules a closing period publishes: each rule once, for the period it is stated for.
PUBLISHED_AT_CLOSE: dict[PeriodKind, frozenset[RulePeriod]] = {
    PeriodKind.WEEK: frozenset({RulePeriod.WEEK}),
    PeriodKind.MONTH: frozenset({RulePeriod.MONTH, RulePeriod.OCCURRENCE}),
    PeriodKind.YEAR: frozenset({RulePeriod.YEAR, RulePeriod.SNAPSHOT}),
}


class NoRulesInForce(LookupError):
    pass


class InGraceWindow(ValueError):
    """The period has ended but late records are still taken in: its breaches are not published yet."""


@dataclass(frozen=True)
class BreachRunResult:
    evaluated: int
    published: int
    withdrawn: int


@dataclass
class FacilityEvaluation:
    profile: FacilityProfile
    results: list[RuleResult]


def profile_of(facility: Facility) -> FacilityProfile:
    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return FacilityProfile(
        id=str(facility.id),
        tier=str(facility.tier),
        town=facility.town,
        name=facility.name,
        population_served=facility.population_served,
        floor_area_m2=number(facility.floor_area_m2),
        usable_area_m2=number(facility.usable_area_m2),
        public_service_area_m2=number(facility.public_service_area_m2),
        committee_code=facility.committee_code,
        seats=facility.seats,
        reader_computers=facility.reader_computers,
        free_wifi=facility.free_wifi,
        film_projection=facility.film_projection,
        citywide_borrow_return=facility.citywide_borrow_return,
        entrance_ramp=facility.entrance_ramp,
        accessible_toilet=facility.accessible_toilet,
        multi_storey=facility.multi_storey,
        lift=facility.lift,
        ground_floor_services=facility.ground_floor_services,
        free_service_items=tuple(facility.free_service_items or ()),
        suggestion_box=facility.suggestion_box,
        supervision_phone_published=facility.supervision_phone_published,
        online_complaint_channel=facility.online_complaint_channel,
        outdoor_plaza=facility.outdoor_plaza,
        plaza_lighting=facility.plaza_lighting,
        plaza_power_supply=facility.plaza_power_supply,
    )


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), CHINA).astimezone(UTC)


def _rows(
    session: Session, table: type[m._Record], ids: Sequence[uuid.UUID] | None, *where: ColumnElement[bool]
) -> Any:
    query = select(table)
    if ids is not None:
        query = query.where(col(table.facility_id).in_(ids))
    if where:
        query = query.where(and_(*where))
    return session.execute(query).scalars()


def load_facts(
    session: Session, facilities: Sequence[Facility], period: Period, *, all_facilities: bool
) -> dict[str, FacilityFacts]:
    """The facts of `facilities` for `period`: one query per kind of record (filtered by facility unless
    `all_facilities`, when every facility of the district is being evaluated)."""
    ids = None if all_facilities else [facility.id for facility in facilities]
    facts = {str(facility.id): FacilityFacts(profile_of(facility)) for facility in facilities}
    start, end = period.start, period.end
    start_at, end_at = _china_midnight(start), _china_midnight(end + timedelta(days=1))

    def add(facility_id: uuid.UUID, attribute: str, item: Any) -> None:
        target = facts.get(str(facility_id))
        if target is not None:
            getattr(target, attribute).append(item)

    for row in _rows(session, m.OpeningPattern, ids, col(m.OpeningPattern.effective_from) <= end):
        add(
            row.facility_id,
            "patterns",
            Pattern(
                row.effective_from,
                tuple((s["weekday"], parse_clock(s["opens"]), parse_clock(s["closes"])) for s in row.sessions),
            ),
        )
    for row in _rows(
        session,
        m.OpeningException,
        ids,
        col(m.OpeningException.on_date) >= start,
        col(m.OpeningException.on_date) <= end,
    ):
        target = facts.get(str(row.facility_id))
        if target is not None:
            target.exceptions[row.on_date] = tuple(
                (parse_clock(s["opens"]), parse_clock(s["closes"])) for s in row.sessions
            )
    for row in _rows(session, m.Closure, ids, col(m.Closure.ends_on) >= start, col(m.Closure.starts_on) <= end):
        add(
            row.facility_id,
            "closures",
            ClosureFact(
                row.starts_on, row.ends_on, row.announced_on, row.emergency, row.approved, row.reported_to_town
            ),
        )
    for row in session.execute(
        _filtered(
            select(m.Event.facility_id, m.Event.kind, m.Event.held_on),
            m.Event,
            ids,
            col(m.Event.held_on) >= start,
            col(m.Event.held_on) <= end,
        )
    ):
        add(row.facility_id, "events", EventFact(str(row.kind), row.held_on))
    for row in _rows(session, m.CollectionCount, ids, col(m.CollectionCount.as_of) <= end):
        add(
            row.facility_id,
            "collection",
            CollectionFact(
                row.as_of,
                row.books,
                row.newspaper_titles,
                row.magazine_titles,
                _float(row.digital_storage_local_tb),
                _float(row.digital_storage_self_built_tb),
                row.digital_resources_total,
                row.digital_resources_remote,
            ),
        )
    for row in _rows(
        session, m.Acquisition, ids, col(m.Acquisition.received_on) >= start, col(m.Acquisition.received_on) <= end
    ):
        add(row.facility_id, "acquisitions", AcquisitionFact(row.received_on, str(row.source), row.titles, row.volumes))
    for row in _rows(
        session,
        m.MonthlyUsage,
        ids,
        col(m.MonthlyUsage.month) >= start.strftime("%Y-%m"),
        col(m.MonthlyUsage.month) <= end.strftime("%Y-%m"),
    ):
        add(row.facility_id, "usage", UsageFact(row.month, row.loans, row.downloads))
    for row in _rows(session, m.Shelving, ids, col(m.Shelving.arrived_on) >= start, col(m.Shelving.arrived_on) <= end):
        add(row.facility_id, "shelving", ShelvingFact(str(row.item_type), row.arrived_on, row.shelved_on, row.items))
    for row in session.execute(
        _filtered(
            select(
                m.ShelfCheck.facility_id, m.ShelfCheck.checked_at, m.ShelfCheck.items_checked, m.ShelfCheck.misplaced
            ),
            m.ShelfCheck,
            ids,
            col(m.ShelfCheck.checked_at) >= start_at,
            col(m.ShelfCheck.checked_at) < end_at,
        )
    ):
        add(
            row.facility_id,
            "shelf_checks",
            ShelfCheckFact(assume_utc(row.checked_at), row.items_checked, row.misplaced),
        )
    for row in _rows(
        session,
        m.DocumentRequest,
        ids,
        col(m.DocumentRequest.requested_at) >= start_at,
        col(m.DocumentRequest.requested_at) < end_at,
    ):
        add(
            row.facility_id,
            "document_requests",
            AnsweredFact(assume_utc(row.requested_at), _utc(row.answered_at), held=row.held),
        )
    for row in _rows(
        session,
        m.ReferenceQuestion,
        ids,
        col(m.ReferenceQuestion.asked_at) >= start_at,
        col(m.ReferenceQuestion.asked_at) < end_at,
    ):
        add(
            row.facility_id,
            "reference_questions",
            AnsweredFact(
                assume_utc(row.asked_at), _utc(row.answered_at), channel=str(row.channel), professional=row.professional
            ),
        )
    for row in _rows(
        session, m.Complaint, ids, col(m.Complaint.received_at) >= start_at, col(m.Complaint.received_at) < end_at
    ):
        add(row.facility_id, "complaints", AnsweredFact(assume_utc(row.received_at), _utc(row.answered_at)))
    for row in _rows(session, m.Survey, ids, col(m.Survey.conducted_on) >= start, col(m.Survey.conducted_on) <= end):
        add(row.facility_id, "surveys", SurveyFact(row.conducted_on, row.distributed, row.returned, row.satisfied))
    for row in _rows(session, m.StaffMember, ids, col(m.StaffMember.joined_on) <= end):
        add(row.facility_id, "staff", StaffFact(row.staff_code, row.joined_on, row.left_on, row.full_time))
    for row in _rows(session, m.Training, ids, col(m.Training.started_on) >= start, col(m.Training.started_on) <= end):
        add(
            row.facility_id,
            "trainings",
            TrainingFact(row.staff_code, row.started_on, float(row.hours), float(row.days)),
        )
    for row in _rows(session, m.VolunteerRoster, ids, col(m.VolunteerRoster.year) == period.year):
        add(row.facility_id, "volunteers", VolunteerFact(row.year, row.active_teams, row.active_volunteers))
    return facts


def _filtered(query: Any, table: type[m._Record], ids: Sequence[uuid.UUID] | None, *where: ColumnElement[bool]) -> Any:
    if ids is not None:
        query = query.where(col(table.facility_id).in_(ids))
    return query.where(and_(*where))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else assume_utc(value)


def rules_for(session: Session, period: Period) -> RuleSet:
    """The rule version in force on the last day of the period (the day the period is judged)."""
    rule_set = rule_set_in_force(session, period.end)
    if rule_set is None:
        raise NoRulesInForce(f"no indicator rules in force on {period.end}")
    return rule_set


def evaluate_one(
    session: Session, facility: Facility, period: Period, calendar: WorkdayCalendar, as_of: datetime
) -> tuple[RuleSet, list[RuleResult]]:
    rule_set = rules_for(session, period)
    facts = load_facts(session, [facility], period, all_facilities=False)[str(facility.id)]
    return rule_set, evaluate_facility(rule_set.rules, facts, period, Context(calendar, as_of))


def evaluate_many(
    session: Session, period: Period, calendar: WorkdayCalendar, as_of: datetime, *, town: str | None = None
) -> tuple[RuleSet, list[FacilityEvaluation]]:
    """Every facility of the district (or of one town), facts loaded in one query per kind of record."""
    rule_set = rules_for(session, period)
    query = select(Facility).order_by(Facility.town, Facility.name)
    if town is not None:
        query = query.where(Facility.town == town)
    facilities = list(session.execute(query).scalars())
    facts = load_facts(session, facilities, period, all_facilities=town is None)
    ctx = Context(calendar, as_of)
    return rule_set, [
        FacilityEvaluation(facts[str(f.id)].profile, evaluate_facility(rule_set.rules, facts[str(f.id)], period, ctx))
        for f in facilities
    ]


def town_facts(session: Session, town_code: str) -> TownFacts:
    town = session.get(Town, town_code)
    facilities = session.execute(select(Facility).where(Facility.town == town_code)).scalars()
    committees = session.execute(select(Committee).where(Committee.town == town_code)).scalars()
    return TownFacts(
        code=town_code,
        residents=town.residents if town is not None else None,
        facilities=[profile_of(facility) for facility in facilities],
        committees=[CommitteeFact(c.code, c.name, c.running, c.residents, _float(c.area_km2)) for c in committees],
    )


def evaluate_town_layout(session: Session, town_code: str, period: Period) -> tuple[RuleSet, list[RuleResult]]:
    rule_set = rules_for(session, period)
    return rule_set, evaluate_town(rule_set.rules, town_facts(session, town_code), period)


def known_towns(session: Session) -> list[str]:
    registered = set(session.execute(select(Town.code)).scalars())
    with_facilities = set(session.execute(select(Facility.town).distinct()).scalars())
    return sorted(registered | with_facilities)


def result_out(result: RuleResult, period: Period, rule_version: int) -> ComplianceResultOut:
    return ComplianceResultOut(
        rule_id=result.rule_id,
        clause=result.clause,
        status=result.status.value,
        value=result.value,
        threshold=result.threshold,
        explanation=result.explanation,
        comparison=result.comparison.value,
        unit=result.unit,
        metric=result.metric,
        rule_period=result.period.value,
        period=period.key,
        rule_version=rule_version,
    )


def grace_ends(period: Period, grace_days: int) -> date:
    """The last day late records are taken in for `period`; breaches are published from the day after."""
    return period.end + timedelta(days=grace_days)


def publish_breaches(
    session: Session, period: Period, calendar: WorkdayCalendar, as_of: datetime, *, grace_days: int = 0
) -> BreachRunResult:
    """For a closed period whose grace window has ended: each failing rule stated for that kind of period, once per
    facility (or town), rule and period; and each breach published earlier that now passes is withdrawn (a breach
    withdrawn and failing again is published again)."""
    today = as_of.astimezone(CHINA).date()
    if not period.is_closed(today):
        raise ValueError(f"period {period.key} has not closed yet")
    if today <= grace_ends(period, grace_days):
        raise InGraceWindow(
            f"period {period.key} takes late records until {grace_ends(period, grace_days)} ({grace_days} days)"
        )
    rule_set, evaluations = evaluate_many(session, period, calendar, as_of)
    wanted = PUBLISHED_AT_CLOSE[period.kind]
    judged: list[tuple[str, uuid.UUID | None, str, str | None, RuleResult]] = []
    for evaluation in evaluations:
        profile = evaluation.profile
        for result in evaluation.results:
            if result.status in (Status.FAIL, Status.PASS) and result.period in wanted:
                judged.append((profile.id, uuid.UUID(profile.id), profile.town, profile.tier, result))
    for town in known_towns(session):
        for result in evaluate_town(rule_set.rules, town_facts(session, town), period):
            if result.status in (Status.FAIL, Status.PASS) and result.period in wanted:
                judged.append((f"town:{town}", None, town, None, result))
    published: dict[tuple[str, str], datetime | None] = {
        (subject, rule_id): withdrawn_at
        for subject, rule_id, withdrawn_at in session.execute(
            select(IndicatorBreach.subject, IndicatorBreach.rule_id, IndicatorBreach.withdrawn_at).where(
                IndicatorBreach.period_key == period.key
            )
        )
    }
    now = datetime.now(UTC)
    queued = withdrawn = 0
    for subject, facility_id, town, tier, result in judged:
        key = (subject, result.rule_id)
        key_of_event = str(facility_id) if facility_id else f"town:{town}"
        if result.status is Status.PASS:
            # A breach published earlier whose period now passes (late or corrected records): withdraw it once.
            if key in published and published[key] is None and _withdraw_once(session, subject, result, period, now):
                withdrawal = IndicatorBreachWithdrawn(
                    **_verdict_fields(facility_id, town, tier, result, period, rule_set.version),
                    status=result.status.value,
                    withdrawn_at=now,
                )
                enqueue(session, INDICATOR_BREACH_WITHDRAWN, withdrawal, key=key_of_event)
                withdrawn += 1
            continue
        if key in published:
            if published[key] is None or not _reinstate_once(session, subject, result, period, rule_set.version, now):
                continue  # still in force, or another run reinstated it a moment ago
        elif not _insert_breach_once(session, subject, facility_id, town, result, period, rule_set.version, now):
            continue  # another run published it a moment ago
        payload = IndicatorBreached(
            **_verdict_fields(facility_id, town, tier, result, period, rule_set.version), detected_at=now
        )
        enqueue(session, INDICATOR_BREACHED, payload, key=key_of_event)
        queued += 1
    return BreachRunResult(len(evaluations), queued, withdrawn)


def _verdict_fields(
    facility_id: uuid.UUID | None, town: str, tier: str | None, result: RuleResult, period: Period, rule_version: int
) -> dict[str, Any]:
    """What a breach and its withdrawal both say about the verdict."""
    return {
        "facility_id": facility_id,
        "town": town,
        "tier": tier,
        "rule_id": result.rule_id,
        "clause": result.clause,
        "period": period.key,
        "rule_version": rule_version,
        "value": result.value,
        "threshold": result.threshold,
        "comparison": result.comparison.value,
        "unit": result.unit,
        "explanation": result.explanation,
    }


def _breach_row(subject: str, rule_id: str, period: Period) -> ColumnElement[bool]:
    return and_(
        col(IndicatorBreach.subject) == subject,
        col(IndicatorBreach.rule_id) == rule_id,
        col(IndicatorBreach.period_key) == period.key,
    )


def _withdraw_once(session: Session, subject: str, result: RuleResult, period: Period, now: datetime) -> bool:
    """True when this call withdrew the breach (a conditional update: two runs at once withdraw it once)."""
    statement = (
        update(IndicatorBreach)
        .where(_breach_row(subject, result.rule_id, period), col(IndicatorBreach.withdrawn_at).is_(None))
        .values(withdrawn_at=now)
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _reinstate_once(
    session: Session, subject: str, result: RuleResult, period: Period, version: int, now: datetime
) -> bool:
    """True when this call put a withdrawn breach back in force (it fails again) and so publishes it again."""
    statement = (
        update(IndicatorBreach)
        .where(_breach_row(subject, result.rule_id, period), col(IndicatorBreach.withdrawn_at).is_not(None))
        .values(
            withdrawn_at=None,
            rule_version=version,
            value=result.value,
            status=result.status.value,
            explanation=result.explanation,
            detected_at=now,
        )
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _insert_breach_once(
    session: Session,
    subject: str,
    facility_id: uuid.UUID | None,
    town: str,
    result: RuleResult,
    period: Period,
    version: int,
    now: datetime,
) -> bool:
    """True when this call recorded the breach (and so publishes it)."""
    values = {
        "id": uuid.uuid4(),
        "subject": subject,
        "facility_id": facility_id,
        "town": town,
        "rule_id": result.rule_id,
        "clause": result.clause,
        "period_key": period.key,
        "rule_version": version,
        "value": result.value,
        "threshold": result.threshold,
        "status": result.status.value,
        "explanation": result.explanation,
        "detected_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Two runs closing the same period at once: the unique key keeps one row and only its writer publishes.
    statement = (
        insert(IndicatorBreach)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["subject", "rule_id", "period_key"])
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def closed_periods(today: date, grace_days: int = 0) -> list[Period]:
    """The week, month and year that most recently closed with their grace window ended before `today`: the periods
    the hourly job publishes (and re-checks for withdrawals until a later period of the same kind takes over)."""
    cutoff = today - timedelta(days=grace_days + 1)  # the latest last day whose grace has ended
    last_week_day = cutoff - timedelta(days=(cutoff.isoweekday() % 7))
    iso = last_week_day.isocalendar()
    last_month = cutoff if (cutoff + timedelta(days=1)).day == 1 else cutoff.replace(day=1) - timedelta(days=1)
    last_year = cutoff.year if (cutoff.month, cutoff.day) == (12, 31) else cutoff.year - 1
    return [
        Period.of(iso.year, week=iso.week),
        Period.of(last_month.year, month=last_month.month),
        Period.of(last_year),
    ]


def summarize(results: Iterable[RuleResult]) -> tuple[int, int, int, int]:
    """(passed, failed, insufficient_data, pending)."""
    counts: dict[Status, int] = defaultdict(int)
    for result in results:
        counts[result.status] += 1
    return counts[Status.PASS], counts[Status.FAIL], counts[Status.INSUFFICIENT_DATA], counts[Status.PENDING]


def pass_ratio(passed: int, failed: int, pending: int) -> float | None:
    """Share of rules not failing: (passed + pending) / (passed + pending + failed). A running yearly or monthly total
    short of its threshold (pending) is not a failure, and it stays in the denominator so that the ratio does not jump
    when the year turns and last year's totals start again from zero. insufficient_data is left out."""
    counted = passed + failed + pending
    return (passed + pending) / counted if counted else None
