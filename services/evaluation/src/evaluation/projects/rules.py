"""Pure rules of projects: the measures the scoring model reads, computed from the bid and the actuals, and the
vetoes the records themselves prove (DB 31114/Z 017—2025 §5, 附录 A)."""

import calendar
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from evaluation.projects.models import (
    ADJUSTMENTS_IN_EFFECT,
    COUNTED_CHANNELS,
    SATISFACTION_ASPECTS,
    ActivityRecord,
    AdjustmentStatus,
    Article,
    BudgetAdjustment,
    Complaint,
    Mobilisation,
    PlannedActivity,
    Recognition,
    RecognitionLevel,
    SafetyIncident,
    SatisfactionSurvey,
    to_yuan,
)
from evaluation.scoring.models import MAX_RATIO, MAX_YUAN, MeasureInputs

# 5.2.4.2 "上半年": the first six months of the project's own year, counted from its start_date.
HALF_YEAR_MONTHS = 6


class DateRule(StrEnum):
    """Which days a record's date may take, relative to the project's period."""

    WITHIN_PERIOD = "within_period"  # start_date..end_date: the delivery itself (formula 1, 2; 项目周期内无事故)
    FROM_START = "from_start"  # start_date..today: may follow the end (5.2.5.4 通讯报道, 5.2.5.5 评价, 归档, 荣誉)


# Per kind of actual (its path under /projects/{id}/): the date field and its rule.
RECORD_DATES: dict[str, tuple[str, DateRule]] = {
    "activities": ("held_on", DateRule.WITHIN_PERIOD),
    "expenditures": ("spent_on", DateRule.WITHIN_PERIOD),
    "budget-adjustments": ("requested_on", DateRule.WITHIN_PERIOD),
    "articles": ("published_on", DateRule.FROM_START),
    "recognitions": ("received_on", DateRule.FROM_START),
    "complaints": ("received_on", DateRule.WITHIN_PERIOD),
    "satisfaction-surveys": ("surveyed_on", DateRule.FROM_START),
    "safety-incidents": ("occurred_on", DateRule.WITHIN_PERIOD),
    "archive-items": ("archived_on", DateRule.FROM_START),
    "mobilisations": ("mobilised_on", DateRule.WITHIN_PERIOD),
}


def record_date_problem(day: date, rule: DateRule, start: date, end: date, today: date) -> str | None:
    """Why a record dated `day` cannot belong to a project running start..end, or None when it can. Every record
    states something done, so none lies in the future."""
    if day > today:
        return f"{day.isoformat()} is in the future"
    if day < start:
        return f"{day.isoformat()} is before the project's start_date {start.isoformat()}"
    if rule == DateRule.WITHIN_PERIOD and day > end:
        return f"{day.isoformat()} is after the project's end_date {end.isoformat()}"
    return None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 August + 6 → end of February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ActivityTotals:
    persons_served: int
    sessions: int


def activity_totals(held: Iterable[ActivityRecord]) -> dict[uuid.UUID, ActivityTotals]:
    """Per planned activity, what was delivered (the database computes the same with GROUP BY)."""
    totals: dict[uuid.UUID, ActivityTotals] = {}
    for record in held:
        before = totals.get(record.planned_activity_id, ActivityTotals(0, 0))
        totals[record.planned_activity_id] = ActivityTotals(
            before.persons_served + record.persons_served, before.sessions + 1
        )
    return totals


@dataclass(frozen=True)
class ProjectRecords:
    """Everything recorded about one project that the measures read."""

    start_date: date
    end_date: date
    budget_planned_fen: int
    satisfied_planned: int
    planned_activities: Sequence[PlannedActivity]
    activity_totals: Mapping[uuid.UUID, ActivityTotals]  # per planned activity: persons served, sessions held
    expenditure_fen: int  # A of formula (1), in 分
    adjustments: Sequence[BudgetAdjustment]
    articles: Sequence[Article]
    recognitions: Sequence[Recognition]
    complaints: Sequence[Complaint]
    surveys: Sequence[SatisfactionSurvey]
    incidents: Sequence[SafetyIncident]
    mobilisations: Sequence[Mobilisation]


def output_counts(
    planned: Iterable[PlannedActivity], delivered: Mapping[uuid.UUID, ActivityTotals]
) -> tuple[int, int, int, int]:
    """(persons done, persons planned, frequencies done, frequencies planned) of formula (2). 5.4.1.1 asks that *each*
    activity reach its persons and frequency, so each activity counts at most its own plan: extra sessions of one
    activity do not hide a shortfall of another."""
    persons_done = persons_planned = frequencies_done = frequencies_planned = 0
    for activity in planned:
        totals = delivered.get(activity.id, ActivityTotals(0, 0))
        persons_done += min(totals.persons_served, activity.planned_persons)
        frequencies_done += min(totals.sessions, activity.planned_frequency)
        persons_planned += activity.planned_persons
        frequencies_planned += activity.planned_frequency
    return persons_done, persons_planned, frequencies_done, frequencies_planned


def lowest_aspect_satisfied(surveys: Sequence[SatisfactionSurvey]) -> int | None:
    """G of formula (3): 5.4.3 wants each of the six aspects at the rate ("均"), so the lowest aspect counts."""
    if not surveys:
        return None
    return min(sum(getattr(survey, aspect) for survey in surveys) for aspect in SATISFACTION_ASPECTS)


def in_project_year(day: date, start: date, end: date) -> bool:
    """5.2.4.2 "全年": the project's own year, its period start_date..end_date (a calendar year for most projects)."""
    return start <= day <= end


def in_first_half(day: date, start: date) -> bool:
    """5.2.4.2 "上半年": the first six months from the project's start_date (January–June for a calendar year)."""
    return start <= day < add_months(start, HALF_YEAR_MONTHS)


def measure_inputs(records: ProjectRecords) -> MeasureInputs:
    """The figures of the project for formulas (1)–(3) and the counts of 附录 A."""
    persons_done, persons_planned, frequencies_done, frequencies_planned = output_counts(
        records.planned_activities, records.activity_totals
    )
    satisfied = lowest_aspect_satisfied(records.surveys)
    adjusted_fen = sum(
        adjustment.amount_fen for adjustment in records.adjustments if adjustment.status in ADJUSTMENTS_IN_EFFECT
    )
    counted = [
        article
        for article in records.articles
        if article.channel in COUNTED_CHANNELS
        and in_project_year(article.published_on, records.start_date, records.end_date)
    ]
    valid_complaints = [complaint for complaint in records.complaints if complaint.valid]
    return MeasureInputs(
        # Clamped to the bounds of MeasureInputs: far beyond every band edge, and no record can make a 500 of it.
        budget_actual=min(float(to_yuan(records.expenditure_fen)), MAX_YUAN),
        budget_planned=float(to_yuan(records.budget_planned_fen)),
        persons_done=persons_done,
        persons_planned=persons_planned,
        frequencies_done=frequencies_done,
        frequencies_planned=frequencies_planned,
        satisfied=satisfied,
        satisfied_planned=records.satisfied_planned if satisfied is not None else None,
        budget_adjustment_ratio=min(adjusted_fen / records.budget_planned_fen, MAX_RATIO),
        mobilised_audiences=len({mobilisation.audience for mobilisation in records.mobilisations}),
        articles_in_year=len(counted),
        articles_in_first_half=sum(1 for article in counted if in_first_half(article.published_on, records.start_date)),
        district_recognitions=sum(1 for item in records.recognitions if item.level == RecognitionLevel.DISTRICT),
        above_district_recognitions=sum(
            1 for item in records.recognitions if item.level == RecognitionLevel.ABOVE_DISTRICT
        ),
        complaints_valid=len(valid_complaints),
        complaints_handled_in_time=sum(1 for complaint in valid_complaints if complaint.handled_in_time),
    )


def vetoes_from_records(records: ProjectRecords) -> set[str]:
    """Vetoes the records prove on their own: an accident (表 A.2 安全管理) and a budget adjusted without the
    procedure (表 A.3 预算管理, 5.3.4.2). The other two need the panel's finding."""
    found: set[str] = set()
    if any(incident.accident for incident in records.incidents):
        found.add("safety_accident")
    if any(adjustment.status == AdjustmentStatus.UNAPPROVED for adjustment in records.adjustments):
        found.add("unapproved_budget_adjustment")
    return found
