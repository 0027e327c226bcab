"""Pure rules: the incident state machine, routing decisions, SLA deadlines on the working-day calendar, coverage."""

from datetime import UTC, datetime, timedelta

import pytest

from grid_dispatch.departments.rules import DutyKind, UnitType, patrols_weekly
from grid_dispatch.duty.rules import Shift, coverage, patrol_compliance, week_bounds
from grid_dispatch.incidents import rules
from grid_dispatch.incidents.rules import (
    Action,
    CompiledRouting,
    DepartmentEntry,
    IllegalTransition,
    IncidentState,
    RoutingInput,
    add_working_hours,
    decide_route,
    next_state,
    pick_responder,
    sla_deadline,
)
from grid_dispatch.rulesets.models import RoutingBody, RoutingRule, SlaDuration, SlaUnit, WorkingWindow
from grid_dispatch.rulesets.rules import version_in_force
from jiading_shared.workdays import WorkdayCalendar

CALENDAR = WorkdayCalendar()
WINDOW = WorkingWindow()
S = IncidentState


@pytest.mark.parametrize(
    ("state", "action", "target"),
    [
        (S.REPORTED, Action.DISPATCH, S.DISPATCHED),
        (S.RETURNED, Action.RULE, S.DISPATCHED),
        (S.DISPATCHED, Action.ACCEPT, S.ACCEPTED),
        (S.ACCEPTED, Action.RESOLVE, S.RESOLVED),
        (S.RESOLVED, Action.REOPEN, S.IN_PROGRESS),
        (S.VERIFIED, Action.CLOSE, S.CLOSED),
        (S.ACCEPTED, Action.RETURN, S.RETURNED),
        (S.IN_PROGRESS, Action.SUPERVISE, S.IN_PROGRESS),
    ],
)
def test_legal_transitions(state: S, action: Action, target: S) -> None:
    assert next_state(state, action) is target


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.REPORTED, Action.ACCEPT),
        (S.DISPATCHED, Action.CLOSE),
        (S.IN_PROGRESS, Action.RETURN),
        (S.CLOSED, Action.SUPERVISE),
        (S.CLOSED, Action.REOPEN),
        (S.RESOLVED, Action.CLOSE),  # 核查 comes before 结案
    ],
)
def test_illegal_transitions_name_the_state(state: S, action: Action) -> None:
    with pytest.raises(IllegalTransition, match=state.value):
        next_state(state, action)


DEPARTMENTS = {
    "PS-1": DepartmentEntry("PS-1", UnitType.POLICE_STATION, ("G1", "G2")),
    "PS-2": DepartmentEntry("PS-2", UnitType.POLICE_STATION, ("SECTOR-B",)),
    "CG": DepartmentEntry("CG", UnitType.ENFORCEMENT_SQUAD, ()),
    "SJ-1": DepartmentEntry("SJ-1", UnitType.MARKET_REGULATION_OFFICE, ()),
    "SJ-2": DepartmentEntry("SJ-2", UnitType.MARKET_REGULATION_OFFICE, ()),
}
TABLE = CompiledRouting(
    RoutingBody(
        rules=[
            RoutingRule(rule_id="narrow", category="vending", grids=["G9"], unit_type=UnitType.POLICE_STATION),
            RoutingRule(rule_id="wide", category="vending", unit_type=UnitType.ENFORCEMENT_SQUAD),
            RoutingRule(rule_id="police", category="order", unit_type=UnitType.POLICE_STATION),
            RoutingRule(rule_id="food", category="food", unit_type=UnitType.MARKET_REGULATION_OFFICE),
            RoutingRule(
                rule_id="named", category="refusal", unit_type=UnitType.POLICE_STATION, use_named_department=True
            ),
        ]
    )
)


@pytest.mark.parametrize(
    ("data", "department", "rule_id"),
    [
        (RoutingInput("vending", "t", "G1"), "CG", "wide"),  # first matching rule in order
        (RoutingInput("order", "t", "G2"), "PS-1", "police"),  # the 派出所 listing the grid
        (RoutingInput("order", "t", "G7", "SECTOR-B"), "PS-2", "police"),  # a listed sector grid covers its grids
        (RoutingInput("order", "t", "G7", "SECTOR-C"), None, "police"),  # no 派出所 serves it: queue
        (RoutingInput("food", "t", "G1"), None, "food"),  # two 市场监管所 for the town: responsibility unclear
        (RoutingInput("refusal", "t", "G1", named_department="PS-2"), "PS-2", "named"),
        (RoutingInput("refusal", "t", "G1", named_department="CG"), "PS-1", "named"),  # named but wrong type
        (RoutingInput("dragons", "t", "G1"), None, None),  # no rule, no fallback: the dispatcher queue
    ],
)
def test_routing_decisions(data: RoutingInput, department: str | None, rule_id: str | None) -> None:
    # DB 31114/Z 009-2025 4.3.2: unclear responsibility goes to the commander (dispatcher queue)
    decision = decide_route(TABLE, data, DEPARTMENTS)

    assert (decision.department_code, decision.rule_id) == (department, rule_id)
    assert decision.reason


def test_fallback_unit_type_when_no_rule() -> None:
    table = CompiledRouting(RoutingBody(rules=[], fallback_unit_type=UnitType.ENFORCEMENT_SQUAD))

    assert decide_route(table, RoutingInput("x", "t", "G1"), DEPARTMENTS).department_code == "CG"


def test_responder_is_the_longest_on_shift() -> None:
    start = datetime(2025, 3, 3, tzinfo=UTC)
    assert pick_responder([("b", start), ("a", start + timedelta(hours=1))]) == "b"
    assert pick_responder([("b", start), ("a", start)]) == "a"
    assert pick_responder([]) is None


def test_working_hours_skip_the_night_and_the_weekend() -> None:
    friday_1600 = datetime(2025, 3, 7, 8, 0, tzinfo=UTC)  # 16:00 China time
    due = add_working_hours(friday_1600, 3, CALENDAR, WINDOW)
    assert due == datetime(2025, 3, 10, 2, 0, tzinfo=UTC)  # Monday 10:00 China time (1.5 h Fri + 1.5 h Mon)


def test_working_days_skip_national_day_and_end_at_close_of_business() -> None:
    sept_30 = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)
    deadline = sla_deadline(sept_30, SlaDuration(amount=1, unit=SlaUnit.WORKING_DAYS), 0.8, CALENDAR, WINDOW)
    assert deadline.due_at == datetime(2025, 10, 9, 9, 30, tzinfo=UTC)  # 10-09 17:30 China time
    assert "10-01" in deadline.explanation or "国庆" in deadline.explanation
    assert sept_30 < deadline.warn_at < deadline.due_at


@pytest.mark.parametrize(
    ("duration", "due_china", "warn_china"),
    [
        # 2 working hours from Fri 17:00: 0.5 h Fri + 1.5 h Mon → Mon 10:00; 80 % = 1.6 h → Mon 09:36
        (SlaDuration(amount=2, unit=SlaUnit.WORKING_HOURS), (2025, 3, 10, 10, 0), (2025, 3, 10, 9, 36)),
        # 1 working day from Fri 17:00 → Mon 17:30; working time 0.5 h + 9 h, 80 % = 7.6 h → Mon 15:36
        (SlaDuration(amount=1, unit=SlaUnit.WORKING_DAYS), (2025, 3, 10, 17, 30), (2025, 3, 10, 15, 36)),
        # clock hours stay clock hours: 10 h from Fri 17:00 → Sat 03:00, warning at 8 h → Sat 01:00
        (SlaDuration(amount=10, unit=SlaUnit.HOURS), (2025, 3, 8, 3, 0), (2025, 3, 8, 1, 0)),
    ],
)
def test_warning_falls_in_working_time(
    duration: SlaDuration, due_china: tuple[int, ...], warn_china: tuple[int, ...]
) -> None:
    # DB 31114/Z 009-2025 4.1.2 督促快速处置: the 临期预警 is the same share of the limit, counted on the same
    # working calendar and window as the limit itself, not on the wall clock (Sun 21:00 / Mon 03:00 before)
    friday_1700 = datetime(2025, 3, 7, 17, 0, tzinfo=rules.CHINA)
    deadline = sla_deadline(friday_1700.astimezone(UTC), duration, 0.8, CALENDAR, WorkingWindow())
    assert deadline.due_at == datetime(*due_china, tzinfo=rules.CHINA)
    assert deadline.warn_at == datetime(*warn_china, tzinfo=rules.CHINA)


def test_working_time_between_counts_only_the_window_of_working_days() -> None:
    friday_1700 = datetime(2025, 3, 7, 17, 0, tzinfo=rules.CHINA)
    monday_1000 = datetime(2025, 3, 10, 10, 0, tzinfo=rules.CHINA)
    assert rules.working_time_between(friday_1700, monday_1000, CALENDAR, WINDOW) == timedelta(hours=2)
    assert rules.working_time_between(monday_1000, friday_1700, CALENDAR, WINDOW) == timedelta()


def test_version_in_force_is_the_latest_effective() -> None:
    t = datetime(2025, 3, 1, tzinfo=UTC)
    versions = [(1, t), (2, t + timedelta(days=10)), (3, t + timedelta(days=5))]
    assert version_in_force(versions, t + timedelta(days=1)) == 1
    assert version_in_force(versions, t + timedelta(days=6)) == 3
    assert version_in_force(versions, t + timedelta(days=11)) == 3  # published later: the newer decision
    assert version_in_force(versions, t - timedelta(days=1)) is None


def test_coverage_counts_one_officer_for_several_grids() -> None:
    # DB 31114/Z 010-2025 4.2.2.1: 确保每个网格有人员能及时响应
    at = datetime(2025, 3, 3, 2, tzinfo=UTC)
    shifts = [
        Shift("p1", "PS", DutyKind.POLICE, ("G1", "G2"), at - timedelta(hours=1), at + timedelta(hours=1)),
        Shift("c1", "CG", DutyKind.URBAN_MANAGEMENT, ("G1",), at, at + timedelta(hours=1)),
        Shift("c2", "CG", DutyKind.URBAN_MANAGEMENT, ("G2",), at + timedelta(hours=1), at + timedelta(hours=2)),
    ]
    report = coverage(["G1", "G2"], shifts, at, [DutyKind.POLICE, DutyKind.URBAN_MANAGEMENT])
    assert [entry.missing for entry in report] == [[], [DutyKind.URBAN_MANAGEMENT]]


def test_patrol_compliance_bands() -> None:
    # DB 31114/Z 010-2025 4.2.4.1: 每周1-2次
    report = patrol_compliance({"SW": ["A", "B", "C"]}, [("SW", ["A"]), ("SW", ["A", "B"]), ("SW", ["A"])], 1, 2)
    assert [(row.area, row.patrols, row.status) for row in report] == [
        ("A", 3, "above"),
        ("B", 1, "compliant"),
        ("C", 0, "missing"),
    ]
    assert patrols_weekly(UnitType.WATER_AFFAIRS_OFFICE)
    assert not patrols_weekly(UnitType.POLICE_STATION)
    assert not patrols_weekly(UnitType.OPERATIONS_CENTRE)
    assert [day.isoformat() for day in week_bounds("2025-W10")] == ["2025-03-03", "2025-03-09"]


def test_refusal_incident_names_the_grounds_collection_reported() -> None:
    # DB 31114/Z 002-2025 6.5: 房主不配合采集 is reported at once (one visit), a repeated refusal after several; the
    # 派出所 reads which of the two it is, not "多次拒绝（1 次）".
    at = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
    owner_title, owner_text = rules.refusal_incident_text(
        house_code="12345678",
        area="AT-A-07",
        refusals=1,
        last_visit_at=at,
        grounds=rules.RefusalGrounds.OWNER_UNCOOPERATIVE,
    )
    repeated_title, repeated_text = rules.refusal_incident_text(
        house_code="12345678",
        area="AT-A-07",
        refusals=2,
        last_visit_at=at,
        grounds=rules.RefusalGrounds.REPEATED_REFUSAL,
    )

    assert owner_title == "房屋 12345678 房主不配合采集"
    assert "多次" not in owner_text
    assert "AT-A-07" in owner_text
    assert repeated_title == "房屋 12345678 多次拒绝采集（2 次）"
    assert "2 次" in repeated_text
    assert "2025-03-04T02:00:00+00:00" in repeated_text
