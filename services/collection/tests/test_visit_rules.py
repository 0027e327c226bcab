"""Pure rules of visits: revisit deadlines on the statutory calendar, refusal counting, derived status, work-list
order and the once-per-deadline overdue decision."""

from datetime import UTC, date, datetime, timedelta

import pytest

from collection.visits.models import RefusalGrounds, RoomState, VisitOutcome
from collection.visits.rules import (
    VisitRules,
    days_overdue,
    local_date,
    overdue_to_report,
    owner_uncooperative_allowed,
    refusal_decision,
    revisit_deadline,
    status_after,
    work_list_rank,
)
from jiading_shared.workdays import WorkdayCalendar

RULES = VisitRules(
    version=1, occupied_absent_working_days=2, vacant_months=1, refusal_threshold=2, refusal_window_days=90
)
CALENDAR = WorkdayCalendar()


def test_occupied_absent_before_national_day_is_due_after_the_holiday() -> None:
    # DB 31114/Z 001-2025 6.2.4, DB 31114/Z 002-2025 6.6: 2个工作日内再次上门; 1-8 October 2026 are not working days.
    deadline = revisit_deadline(VisitOutcome.OCCUPIED_ABSENT, date(2026, 9, 30), RULES, CALENDAR)

    assert deadline is not None
    assert deadline.due == date(2026, 10, 9)
    assert deadline.provisional is False
    assert "2026-10-0" in deadline.explanation


@pytest.mark.parametrize(
    ("visited", "due"),
    [
        (date(2025, 11, 24), date(2025, 11, 26)),  # Monday → Wednesday
        (date(2025, 11, 27), date(2025, 12, 1)),  # Thursday → Monday (weekend skipped)
        (date(2025, 11, 29), date(2025, 12, 2)),  # Saturday → Tuesday
    ],
)
def test_occupied_absent_counts_working_days(visited: date, due: date) -> None:
    # DB 31114/Z 001-2025 6.2.4: 2个工作日内.
    deadline = revisit_deadline(VisitOutcome.OCCUPIED_ABSENT, visited, RULES, CALENDAR)

    assert deadline is not None
    assert deadline.due == due


def test_occupied_absent_past_the_known_calendar_is_provisional() -> None:
    # Past the published holiday notices the deadline counts weekends only and says so.
    deadline = revisit_deadline(VisitOutcome.OCCUPIED_ABSENT, date(2031, 3, 3), RULES, CALENDAR)

    assert deadline is not None
    assert deadline.provisional is True


@pytest.mark.parametrize(
    ("visited", "due"),
    [
        (date(2025, 11, 20), date(2025, 12, 20)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
    ],
)
def test_vacant_is_due_one_calendar_month_later(visited: date, due: date) -> None:
    # DB 31114/Z 001-2025 6.2.4, DB 31114/Z 002-2025 6.7: 空置房 1个月后再次上门核查.
    deadline = revisit_deadline(VisitOutcome.VACANT, visited, RULES, CALENDAR)

    assert deadline is not None
    assert deadline.due == due
    assert deadline.provisional is False


@pytest.mark.parametrize("outcome", [VisitOutcome.NO_ANSWER, VisitOutcome.REFUSED, VisitOutcome.COLLECTED])
def test_other_outcomes_set_no_deadline(outcome: VisitOutcome) -> None:
    assert revisit_deadline(outcome, date(2025, 11, 20), RULES, CALENDAR) is None


def test_rule_version_values_drive_the_deadline() -> None:
    longer = VisitRules(
        version=2, occupied_absent_working_days=3, vacant_months=2, refusal_threshold=3, refusal_window_days=30
    )

    occupied = revisit_deadline(VisitOutcome.OCCUPIED_ABSENT, date(2025, 11, 24), longer, CALENDAR)
    vacant = revisit_deadline(VisitOutcome.VACANT, date(2025, 11, 24), longer, CALENDAR)

    assert occupied is not None
    assert occupied.due == date(2025, 11, 27)
    assert vacant is not None
    assert vacant.due == date(2026, 1, 24)


def test_visit_date_is_the_shanghai_date() -> None:
    assert local_date(datetime(2026, 9, 30, 16, 30, tzinfo=UTC)) == date(2026, 10, 1)
    assert local_date(datetime(2026, 9, 30, 15, 59, tzinfo=UTC)) == date(2026, 9, 30)


NOW = datetime(2025, 11, 20, 10, 0, tzinfo=UTC)


def test_first_refusal_is_recorded_not_reported() -> None:
    # DB 31114/Z 001-2025 6.2.10: only repeated refusal (多次) is reported.
    decision = refusal_decision([], NOW, RULES, already_flagged=False)

    assert (decision.refusals_in_window, decision.report) == (1, False)


def test_second_refusal_within_90_days_is_reported() -> None:
    # DB 31114/Z 001-2025 6.2.10, DB 31114/Z 002-2025 6.5: 第一时间向社区民警报告 (default: 2nd within 90 days).
    decision = refusal_decision([NOW - timedelta(days=89)], NOW, RULES, already_flagged=False)

    assert (decision.refusals_in_window, decision.report) == (2, True)


def test_refusal_outside_the_window_does_not_count() -> None:
    decision = refusal_decision([NOW - timedelta(days=91)], NOW, RULES, already_flagged=False)

    assert (decision.refusals_in_window, decision.report) == (1, False)


def test_flagged_room_is_not_reported_twice() -> None:
    decision = refusal_decision([NOW - timedelta(days=2), NOW - timedelta(days=1)], NOW, RULES, already_flagged=True)

    assert (decision.refusals_in_window, decision.report) == (3, False)


def test_owner_uncooperative_is_reported_on_the_first_refusal() -> None:
    # DB 31114/Z 002-2025 6.5: 如果房主不配合采集 … 第一时间向社区民警报告 — no second refusal is waited for.
    decision = refusal_decision([], NOW, RULES, already_flagged=False, owner_uncooperative=True)

    assert (decision.refusals_in_window, decision.report, decision.grounds) == (
        1,
        True,
        RefusalGrounds.OWNER_UNCOOPERATIVE,
    )


def test_a_single_plain_refusal_has_no_grounds_to_report() -> None:
    # DB 31114/Z 001-2025 6.2.10, DB 31114/Z 002-2025 6.5: without the owner's non-cooperation only 多次 is reported.
    decision = refusal_decision([], NOW, RULES, already_flagged=False, owner_uncooperative=False)

    assert (decision.report, decision.grounds) == (False, None)


def test_repeated_refusal_names_its_grounds_and_the_owner_ground_wins_when_both_hold() -> None:
    # DB 31114/Z 002-2025 6.5: the two grounds of the clause, told apart in the report.
    repeated = refusal_decision([NOW - timedelta(days=1)], NOW, RULES, already_flagged=False)
    both = refusal_decision([NOW - timedelta(days=1)], NOW, RULES, already_flagged=False, owner_uncooperative=True)

    assert (repeated.report, repeated.grounds) == (True, RefusalGrounds.REPEATED_REFUSAL)
    assert (both.refusals_in_window, both.report, both.grounds) == (2, True, RefusalGrounds.OWNER_UNCOOPERATIVE)


def test_flagged_room_is_not_reported_again_on_either_ground() -> None:
    # DB 31114/Z 002-2025 6.5: one open report per room until it is collected (the flag), whatever the ground.
    after_owner = refusal_decision([NOW - timedelta(days=1)], NOW, RULES, already_flagged=True)
    owner_again = refusal_decision([], NOW, RULES, already_flagged=True, owner_uncooperative=True)

    assert (after_owner.refusals_in_window, after_owner.report, after_owner.grounds) == (
        2,
        False,
        RefusalGrounds.REPEATED_REFUSAL,
    )
    assert (owner_again.report, owner_again.grounds) == (False, RefusalGrounds.OWNER_UNCOOPERATIVE)


@pytest.mark.parametrize("outcome", list(VisitOutcome))
def test_owner_uncooperative_goes_with_a_refusal_only(outcome: VisitOutcome) -> None:
    # DB 31114/Z 002-2025 6.5: 房主不配合采集 is a refusal; the other outcomes cannot carry it.
    assert owner_uncooperative_allowed(outcome) is (outcome is VisitOutcome.REFUSED)


def test_threshold_comes_from_the_rule_version() -> None:
    strict = VisitRules(
        version=2, occupied_absent_working_days=2, vacant_months=1, refusal_threshold=3, refusal_window_days=90
    )

    assert refusal_decision([NOW - timedelta(days=1)], NOW, strict, already_flagged=False).report is False
    assert refusal_decision(
        [NOW - timedelta(days=2), NOW - timedelta(days=1)], NOW, strict, already_flagged=False
    ).report


def test_no_answer_keeps_an_open_deadline_and_collection_closes_it() -> None:
    open_due = date(2025, 11, 26)

    after_no_answer = status_after(VisitOutcome.NO_ANSWER, None, open_due, False)
    after_collected = status_after(VisitOutcome.COLLECTED, None, open_due, False)

    assert (after_no_answer.state, after_no_answer.next_visit_due) == (RoomState.NO_ANSWER, open_due)
    assert (after_collected.state, after_collected.next_visit_due, after_collected.clears_flag) == (
        RoomState.COLLECTED,
        None,
        True,
    )


def test_days_overdue_counts_calendar_days_after_the_last_day() -> None:
    assert days_overdue(date(2025, 11, 26), date(2025, 11, 26)) == 0
    assert days_overdue(date(2025, 11, 26), date(2025, 11, 29)) == 3
    assert days_overdue(None, date(2025, 11, 29)) == 0


def test_overdue_is_reported_once_per_missed_deadline() -> None:
    due = date(2025, 11, 26)

    assert overdue_to_report(due, None, date(2025, 11, 27)) is True
    assert overdue_to_report(due, due, date(2025, 11, 28)) is False  # the next scan: already reported
    assert overdue_to_report(date(2025, 12, 1), due, date(2025, 12, 2)) is True  # a new deadline missed
    assert overdue_to_report(due, None, due) is False  # the last day itself is not overdue


def test_work_list_puts_overdue_first_then_today_then_waiting_then_ahead() -> None:
    today = date(2025, 11, 26)
    rooms = {
        "ahead": (RoomState.VACANT, date(2025, 12, 20)),
        "never": (RoomState.NEVER_VISITED, None),
        "today": (RoomState.OCCUPIED_ABSENT, today),
        "old": (RoomState.OCCUPIED_ABSENT, date(2025, 11, 20)),
        "recent": (RoomState.VACANT, date(2025, 11, 25)),
    }

    order = sorted(rooms, key=lambda name: work_list_rank(*rooms[name], today))

    assert order == ["old", "recent", "today", "never", "ahead"]
