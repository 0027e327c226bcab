"""Pure rules of visits: revisit deadlines, refusal reports, a room's derived status, the work-list order and the
overdue decision. No I/O: the caller passes the rule version, the calendar and the clock."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from collection.visits.models import RefusalGrounds, RoomState, VisitOutcome
from jiading_shared.workdays import WorkdayCalendar, add_months

# Deadlines are dates in Shanghai: a visit at 2026-09-30T23:30+08:00 counts from 30 September.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class VisitRules:
    """The values of one visit_rule_version row."""

    version: int
    occupied_absent_working_days: int
    vacant_months: int
    refusal_threshold: int
    refusal_window_days: int


@dataclass(frozen=True)
class RevisitDeadline:
    due: date
    provisional: bool
    explanation: str


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def revisit_deadline(
    outcome: VisitOutcome, visited_on: date, rules: VisitRules, calendar: WorkdayCalendar
) -> RevisitDeadline | None:
    """When the room must be visited again after this outcome, or None when the visit sets no deadline.

    DB 31114/Z 001-2025 6.2.4 and DB 31114/Z 002-2025 6.6/6.7: occupied but nobody home → again within 2 working days
    (State Council calendar with 调休); vacant → again after 1 calendar month."""
    if outcome is VisitOutcome.OCCUPIED_ABSENT:
        deadline = calendar.add_working_days(visited_on, rules.occupied_absent_working_days)
        return RevisitDeadline(deadline.due, deadline.provisional, deadline.explain())
    if outcome is VisitOutcome.VACANT:
        due = add_months(visited_on, rules.vacant_months)
        return RevisitDeadline(due, False, f"{visited_on} + {rules.vacant_months} calendar month(s) = {due}")
    return None


@dataclass(frozen=True)
class RefusalDecision:
    refusals_in_window: int
    report: bool
    grounds: RefusalGrounds | None  # why the refusal is reportable (None: not yet); set even when already flagged


def refusal_decision(
    earlier_refusals: Sequence[datetime],
    visited_at: datetime,
    rules: VisitRules,
    *,
    already_flagged: bool,
    owner_uncooperative: bool = False,
) -> RefusalDecision:
    """Count this refusal with the earlier ones inside the window and decide whether to report it to the 社区民警
    (第一时间向社区民警报告, DB 31114/Z 002-2025 6.5, DB 31114/Z 001-2025 6.2.10). Grounds:
    - 房主不配合采集 (owner_uncooperative): the first occurrence is reported;
    - 多次 … 拒不应答: the count reaches the rule version's threshold.
    The owner's non-cooperation wins when both hold: it is the more specific ground. Either way a flagged room is not
    reported again: it stays flagged (one open report) until it is collected, so a later refusal, with or without
    the owner's non-cooperation, does not open a second report."""
    window_start = visited_at - timedelta(days=rules.refusal_window_days)
    count = 1 + sum(1 for moment in earlier_refusals if window_start <= moment <= visited_at)
    grounds: RefusalGrounds | None = None
    if owner_uncooperative:
        grounds = RefusalGrounds.OWNER_UNCOOPERATIVE
    elif count >= rules.refusal_threshold:
        grounds = RefusalGrounds.REPEATED_REFUSAL
    return RefusalDecision(count, grounds is not None and not already_flagged, grounds)


def owner_uncooperative_allowed(outcome: VisitOutcome) -> bool:
    """房主不配合采集 is a kind of refusal (DB 31114/Z 002-2025 6.5): it goes with a `refused` visit only."""
    return outcome is VisitOutcome.REFUSED


@dataclass(frozen=True)
class StatusChange:
    state: RoomState
    next_visit_due: date | None
    due_provisional: bool
    clears_flag: bool


def status_after(
    outcome: VisitOutcome, deadline: RevisitDeadline | None, current_due: date | None, current_provisional: bool
) -> StatusChange:
    """The room's derived status after a visit. A no-answer or a refusal leaves an open deadline standing (the room
    is still to be collected); a collection closes it and clears the refusal flag."""
    if outcome is VisitOutcome.COLLECTED:
        return StatusChange(RoomState.COLLECTED, None, False, True)
    if deadline is not None:
        return StatusChange(RoomState(outcome.value), deadline.due, deadline.provisional, False)
    return StatusChange(RoomState(outcome.value), current_due, current_provisional, False)


def days_overdue(due: date | None, today: date) -> int:
    """Calendar days past the last day of the deadline (0 when not overdue)."""
    if due is None or today <= due:
        return 0
    return (today - due).days


def overdue_to_report(due: date | None, reported_due: date | None, today: date) -> bool:
    """Publish visit.overdue once per missed deadline: when the deadline has passed and was not reported yet."""
    return due is not None and today > due and reported_due != due


NEEDS_WORK = frozenset({RoomState.NEVER_VISITED, RoomState.NO_ANSWER, RoomState.REFUSED})


def work_list_rank(state: RoomState, due: date | None, today: date) -> tuple[int, date]:
    """Sort key, most urgent first: overdue (oldest deadline first), due today, rooms waiting without a deadline
    (never visited, no answer, refused), then deadlines still ahead (nearest first)."""
    if due is not None and due < today:
        return (0, due)
    if due is not None and due == today:
        return (1, due)
    if due is None:
        return (2, date.min)
    return (3, due)
