"""Pure rules of the assist desk: state machine, deadlines, staffing, one-time notices, reviews, equipment."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from assist_desk.equipment.rules import daily_check_missed, monthly_inspection_missed
from assist_desk.notices.rules import MaterialState, Problem, breaches, unlisted_missing
from assist_desk.policy.rules import version_in_force
from assist_desk.reports.models import SummaryCounts
from assist_desk.reports.rules import combine
from assist_desk.reviews.rules import Level, Outcome, callback_sample, closing_problem, is_bad, week_is_over, week_start
from assist_desk.staff.rules import (
    Employment,
    StaffSource,
    Team,
    TrainingKind,
    may_serve,
    missing_core_teams,
    staffing_problems,
)
from assist_desk.tickets.rules import (
    OPEN_STATES,
    TRANSITIONS,
    Action,
    FallbackType,
    IllegalTransition,
    TicketState,
    escalation_problem,
    next_state,
)
from assist_desk.time_limits.rules import LOCAL_TZ, OpeningHours, TimeLimit, TimeUnit, compute_deadline
from jiading_shared.workdays import WorkdayCalendar

CALENDAR = WorkdayCalendar()
HOURS = OpeningHours(dt.time(9, 0), dt.time(17, 0))


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)


# --- state machine ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (TicketState.RECEIVED, Action.START, TicketState.IN_SERVICE),
        (TicketState.IN_SERVICE, Action.COMPLETE, TicketState.COMPLETED),
        (TicketState.RECEIVED, Action.ESCALATE, TicketState.ESCALATED),
        (TicketState.IN_SERVICE, Action.ESCALATE, TicketState.ESCALATED),
        (TicketState.ESCALATED, Action.COORDINATE, TicketState.COORDINATING),
        (TicketState.COORDINATING, Action.RESOLVE, TicketState.RESOLVED),
        (TicketState.COORDINATING, Action.NOT_ACCEPT, TicketState.NOT_ACCEPTED),
        (TicketState.ESCALATED, Action.NOT_ACCEPT, TicketState.NOT_ACCEPTED),
        (TicketState.COORDINATING, Action.END_EARLY, TicketState.ENDED_EARLY),  # DB31114/Z 022-2025 7.4.2
        (TicketState.RECEIVED, Action.GUIDE_TO_WINDOW, TicketState.GUIDED_TO_WINDOW),  # DB31114/Z 022-2025 7.3.1.3
        (TicketState.IN_SERVICE, Action.HAND_OVER, TicketState.IN_SERVICE),
    ],
)
def test_legal_transitions(state: TicketState, action: Action, expected: TicketState) -> None:
    assert next_state(state, action) is expected


def test_every_illegal_transition_names_the_current_state() -> None:
    checked = 0
    for state in TicketState:
        for action, (sources, _target) in TRANSITIONS.items():
            if state in sources:
                continue
            with pytest.raises(IllegalTransition) as caught:
                next_state(state, action)
            assert state.value in str(caught.value)
            checked += 1
    assert checked > 40


def test_finished_tickets_allow_nothing() -> None:
    for state in set(TicketState) - OPEN_STATES:
        assert "none (finished)" in str(IllegalTransition(state, Action.START))


def test_coordination_needs_a_department() -> None:
    # DB31114/Z 022-2025 7.2.1 c 2), 7.3.2.3.
    assert escalation_problem(FallbackType.COORDINATION, None) is not None
    assert escalation_problem(FallbackType.COORDINATION, "market-reg") is None
    for kind in (FallbackType.CONSULTATION, FallbackType.COMPLAINT, FallbackType.NOT_ACCEPTED):
        assert escalation_problem(kind, None) is None


# --- deadlines --------------------------------------------------------------------------------------------------------


def test_working_days_skip_the_national_day_holiday() -> None:
    # DB31114/Z 022-2025 7.4.4 限时办结 with the shared working-day calendar: 2025-09-30 + 2 working days skips
    # 国庆/中秋 (10-01..10-08) and ends on 10-10 (10-09 is the first working day), at closing time.
    decision = compute_deadline(
        local(2025, 9, 30, 10, 0), TimeLimit(amount=2, unit=TimeUnit.WORKING_DAYS), CALENDAR, HOURS, rule="t"
    )
    assert decision.due_at.astimezone(LOCAL_TZ) == local(2025, 10, 10, 17, 0)
    assert "National Day" in decision.explanation or "国庆" in decision.explanation
    assert decision.provisional is False


def test_make_up_workday_counts() -> None:
    # 2025-09-28 (Sunday) is a 调休 make-up working day.
    decision = compute_deadline(
        local(2025, 9, 26, 10, 0), TimeLimit(amount=1, unit=TimeUnit.WORKING_DAYS), CALENDAR, HOURS, rule="t"
    )
    assert decision.due_at.astimezone(LOCAL_TZ) == local(2025, 9, 28, 17, 0)


def test_working_hours_roll_over_closing_time_and_weekends() -> None:
    # Friday 16:00 + 2 working hours: 1 h on Friday, weekend skipped, 1 h on Monday from opening.
    decision = compute_deadline(
        local(2025, 6, 13, 16, 0), TimeLimit(amount=2, unit=TimeUnit.WORKING_HOURS), CALENDAR, HOURS, rule="t"
    )
    assert decision.due_at.astimezone(LOCAL_TZ) == local(2025, 6, 16, 10, 0)
    assert "2025-06-14" in decision.explanation


def test_working_hours_before_opening_start_at_opening() -> None:
    decision = compute_deadline(
        local(2025, 6, 10, 7, 30), TimeLimit(amount=1, unit=TimeUnit.WORKING_HOURS), CALENDAR, HOURS, rule="t"
    )
    assert decision.due_at.astimezone(LOCAL_TZ) == local(2025, 6, 10, 10, 0)


def test_working_hours_after_closing_start_next_working_day() -> None:
    decision = compute_deadline(
        local(2025, 6, 10, 18, 0), TimeLimit(amount=1, unit=TimeUnit.WORKING_HOURS), CALENDAR, HOURS, rule="t"
    )
    assert decision.due_at.astimezone(LOCAL_TZ) == local(2025, 6, 11, 10, 0)


def test_deadline_past_the_known_calendar_is_provisional() -> None:
    decision = compute_deadline(
        local(2030, 3, 1, 10, 0), TimeLimit(amount=3, unit=TimeUnit.WORKING_DAYS), CALENDAR, HOURS, rule="t"
    )
    assert decision.provisional is True
    assert "Provisional" in decision.explanation


def test_explanation_names_the_rule() -> None:
    decision = compute_deadline(
        local(2025, 6, 10, 10, 0),
        TimeLimit(amount=1, unit=TimeUnit.WORKING_DAYS),
        CALENDAR,
        HOURS,
        rule="matter BIZ-001 v2",
    )
    assert "matter BIZ-001 v2" in decision.explanation


def test_opening_hours_must_make_sense() -> None:
    with pytest.raises(ValueError, match="closing time"):
        OpeningHours(dt.time(17, 0), dt.time(9, 0))


@dataclass
class _Version:
    version: int
    effective_from: dt.datetime


def test_version_in_force_is_effective_dated() -> None:
    versions = [
        _Version(1, dt.datetime(2025, 3, 1, tzinfo=dt.UTC)),
        _Version(2, dt.datetime(2025, 7, 1, tzinfo=dt.UTC)),
        _Version(3, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
    ]
    assert version_in_force(versions, dt.datetime(2025, 8, 1, tzinfo=dt.UTC)).version == 2  # type: ignore[union-attr]
    assert version_in_force(versions, dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) is None


# --- staffing ---------------------------------------------------------------------------------------------------------


def test_staffing_rules() -> None:
    # DB31114/Z 022-2025 6.2.1 a) full-time from the institution; 4.2 a) leaders; 4.2 c) specialists; 4.2 d).
    assert staffing_problems(Team.GENERAL, Employment.FULL_TIME, StaffSource.INSTITUTION, None) == []
    assert staffing_problems(Team.GENERAL, Employment.FULL_TIME, StaffSource.VOLUNTEER, None)[0][0] == "body.employment"
    assert staffing_problems(Team.LEADER, Employment.FULL_TIME, StaffSource.INSTITUTION, None)[0][0] == "body.source"
    assert staffing_problems(Team.SPECIALIST, Employment.PART_TIME, StaffSource.DEPARTMENT, None)[0][0] == (
        "body.department_code"
    )
    assert staffing_problems(Team.VOLUNTEER, Employment.PART_TIME, StaffSource.INSTITUTION, None)[0][0] == "body.source"
    assert staffing_problems(Team.VOLUNTEER, Employment.PART_TIME, StaffSource.SECONDMENT, None) == []


def test_one_plus_two_plus_x() -> None:
    # DB31114/Z 022-2025 4.2 "1+2+X": volunteers are the optional X.
    assert missing_core_teams([Team.GENERAL, Team.VOLUNTEER]) == [Team.LEADER, Team.SPECIALIST]
    assert missing_core_teams([Team.LEADER, Team.GENERAL, Team.SPECIALIST]) == []


def test_pre_job_training_before_serving() -> None:
    # DB31114/Z 022-2025 6.1.3 服务人员应接受岗前培训.
    assert may_serve([TrainingKind.ROUTINE], active=True) is not None
    assert may_serve([TrainingKind.PRE_JOB], active=True) is None
    assert may_serve([TrainingKind.PRE_JOB], active=False) is not None


# --- one-time notification -------------------------------------------------------------------------------------------


def test_first_notice_must_name_every_missing_required_material() -> None:
    # DB31114/Z 022-2025 7.3.2.1 一次性告知.
    checklist = [
        MaterialState("a", required=True, in_hand=False),
        MaterialState("b", required=True, in_hand=True),
        MaterialState("c", required=False, in_hand=False),
        MaterialState("d", required=True, in_hand=False),
    ]
    assert unlisted_missing(checklist, ["a"]) == ["d"]
    assert unlisted_missing(checklist, ["a", "d"]) == []


def test_breach_cases() -> None:
    # DB31114/Z 022-2025 7.3.2.1: asking later for what was already missing (or overlooked) at the first is a breach.
    listed_first = ["a"]
    missing_at_first = ["a", "b"]
    in_hand_at_first = ["c"]
    later = {
        "a": Problem.MISSING,  # reminder of the first notice: fine
        "b": Problem.MISSING,  # missing then, not named: breach
        "c": Problem.NOT_IN_LEGAL_FORM,  # in hand then, defect overlooked: breach
        "e": Problem.NOT_IN_LEGAL_FORM,  # brought after the first notice: a new defect, fine
    }
    assert breaches(listed_first, missing_at_first, in_hand_at_first, later) == ["b", "c"]


# --- satisfaction -----------------------------------------------------------------------------------------------------


def test_bad_levels() -> None:
    assert [level for level in Level if is_bad(level)] == [Level.DISSATISFIED, Level.VERY_DISSATISFIED]


def test_closing_a_rectification() -> None:
    due = dt.datetime(2025, 6, 10, 9, tzinfo=dt.UTC)
    before, after = due - dt.timedelta(hours=1), due + dt.timedelta(hours=1)
    assert closing_problem(Outcome.EXPLAINED, has_callback=False, closed_at=before, due_at=due) is not None
    assert closing_problem(Outcome.RECTIFIED_BY_DEADLINE, has_callback=True, closed_at=after, due_at=due) is not None
    assert closing_problem(Outcome.RECTIFIED_BY_DEADLINE, has_callback=True, closed_at=before, due_at=due) is None
    assert closing_problem(Outcome.APPEALED, has_callback=True, closed_at=after, due_at=due) is None


def test_callback_sample_share_and_reproducibility() -> None:
    # DB31114/Z 022-2025 4.3 e) 随机抽取: a share of the week's tickets, the same on a rerun.
    ids = [uuid.UUID(int=i) for i in range(1, 101)]
    sample = callback_sample(ids, 10, "inst:2025-06-09")
    assert len(sample) == 10
    assert sample == callback_sample(list(reversed(ids)), 10, "inst:2025-06-09")
    assert sample != callback_sample(ids, 10, "inst:2025-06-16")
    assert len(callback_sample(ids[:3], 10, "s")) == 1
    assert callback_sample([], 10, "s") == []


def test_a_week_is_drawn_only_once_it_is_over() -> None:
    # DB31114/Z 022-2025 4.3 e) 随机抽取: the sample is drawn from all of a week's tickets, so only once it has ended.
    monday = dt.date(2025, 6, 9)
    assert week_is_over(monday, dt.date(2025, 6, 15)) is False  # Sunday: tickets may still be finished
    assert week_is_over(monday, dt.date(2025, 6, 16)) is True
    assert week_is_over(monday, dt.date(2025, 6, 9)) is False


def test_week_start_is_monday() -> None:
    assert week_start(dt.date(2025, 6, 15)) == dt.date(2025, 6, 9)
    assert week_start(dt.date(2025, 6, 9)) == dt.date(2025, 6, 9)


# --- equipment --------------------------------------------------------------------------------------------------------


def test_daily_check_is_due_after_each_service_day() -> None:
    # DB31114/Z 022-2025 8.3 a) 每日服务结束后检查: Monday looks back to Friday, not the weekend.
    monday = dt.date(2025, 6, 16)
    since = dt.date(2025, 1, 1)
    assert daily_check_missed(dt.date(2025, 6, 13), monday, CALENDAR, since) is None
    assert daily_check_missed(dt.date(2025, 6, 12), monday, CALENDAR, since) == dt.date(2025, 6, 13)
    assert daily_check_missed(None, monday, CALENDAR, since) == dt.date(2025, 6, 13)


def test_daily_check_is_not_due_before_the_device_was_in_service() -> None:
    # DB31114/Z 022-2025 8.3 a) 每日服务结束后检查: a device put in service today had no service day to check yet.
    tuesday = dt.date(2025, 6, 17)
    assert daily_check_missed(None, tuesday, CALENDAR, tuesday) is None
    # Put in service on Friday: Monday's check looks back to Friday, a day it served.
    assert daily_check_missed(None, dt.date(2025, 6, 16), CALENDAR, dt.date(2025, 6, 13)) == dt.date(2025, 6, 13)
    # Put in service on Saturday: no working day of service before Monday.
    assert daily_check_missed(None, dt.date(2025, 6, 16), CALENDAR, dt.date(2025, 6, 14)) is None


def test_monthly_inspection() -> None:
    # DB31114/Z 022-2025 8.3 b) 周期宜为每月 1 次.
    today = dt.date(2025, 7, 15)
    assert monthly_inspection_missed(dt.date(2025, 6, 20), today, dt.date(2024, 1, 1)) is False
    assert monthly_inspection_missed(dt.date(2025, 5, 31), today, dt.date(2024, 1, 1)) is True
    assert monthly_inspection_missed(None, today, dt.date(2025, 7, 2)) is False


def test_monthly_inspection_is_not_due_for_the_month_the_device_was_put_in_service() -> None:
    # DB31114/Z 022-2025 8.3 b) 每月 1 次: the first inspection is due in the first whole month of service.
    today = dt.date(2025, 7, 15)
    assert monthly_inspection_missed(None, today, dt.date(2025, 6, 30)) is False
    assert monthly_inspection_missed(None, today, dt.date(2025, 6, 2)) is False
    assert monthly_inspection_missed(None, today, dt.date(2025, 6, 1)) is True
    assert monthly_inspection_missed(None, dt.date(2025, 8, 1), dt.date(2025, 6, 30)) is True


def test_district_totals_add_every_count() -> None:
    # DB31114/Z 022-2025 5.2.1.4: the district's totals are the sums over its institutions.
    def counts(tickets: int, form: str, level: str | None) -> SummaryCounts:
        return SummaryCounts(
            tickets=tickets,
            by_form={form: tickets},
            by_channel={"in_hall": tickets},
            by_state={"completed": tickets},
            by_fallback_type={"complaint": 1},
            escalations=1,
            time_limit_breaches=1,
            time_limit_breaches_by_fallback_type={"complaint": 1},
            notices_issued=2,
            notice_breaches=0,
            satisfaction={level: 1} if level else {},
            bad_reviews=1 if level == "dissatisfied" else 0,
            rectifications={},
            callbacks={"drawn": 1},
        )

    total = combine(
        [counts(3, "accompanied", "dissatisfied"), counts(2, "video", "satisfied"), counts(1, "video", None)]
    )

    assert total.tickets == 6
    assert total.by_form == {"accompanied": 3, "video": 3}
    assert total.by_channel == {"in_hall": 6}
    assert total.satisfaction == {"dissatisfied": 1, "satisfied": 1}
    assert total.bad_reviews == 1
    assert total.time_limit_breaches == 3
    assert total.by_fallback_type == {"complaint": 3}
    assert total.time_limit_breaches_by_fallback_type == {"complaint": 3}
    assert total.notices_issued == 6
    assert total.callbacks == {"drawn": 3}
    assert combine([]).tickets == 0
