"""Pure rules of incidents: the state machine, routing decisions and SLA deadlines. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from grid_dispatch.departments.rules import UnitType, serves_grid
from grid_dispatch.rulesets.models import RoutingBody, RoutingRule, SlaDuration, SlaUnit, WorkingWindow
from jiading_shared.types import CLOCK_SKEW
from jiading_shared.workdays import WorkdayCalendar

CHINA = ZoneInfo("Asia/Shanghai")


# --- state machine --------------------------------------------------------------------------------------------------


class IncidentState(StrEnum):
    REPORTED = "reported"  # 上报 (in the dispatcher queue while no department is set)
    DISPATCHED = "dispatched"  # 派单
    ACCEPTED = "accepted"  # 签收 (starts the clock)
    IN_PROGRESS = "in_progress"  # 处置中
    RESOLVED = "resolved"  # 处置完毕, awaiting 核查
    VERIFIED = "verified"  # 核查通过
    CLOSED = "closed"  # 结案
    RETURNED = "returned"  # 退单, awaiting re-dispatch or a commander's ruling


STATE_LABELS: dict[IncidentState, str] = {
    IncidentState.REPORTED: "已上报",
    IncidentState.DISPATCHED: "已派单",
    IncidentState.ACCEPTED: "已签收",
    IncidentState.IN_PROGRESS: "处置中",
    IncidentState.RESOLVED: "已处置",
    IncidentState.VERIFIED: "已核查",
    IncidentState.CLOSED: "已结案",
    IncidentState.RETURNED: "已退单",
}


class Action(StrEnum):
    REPORT = "report"  # 上报
    DISPATCH = "dispatch"  # 派单 / 重新派单
    RULE = "rule"  # 指挥协调管理人员指定责任部门 (DB 31114/Z 009-2025 4.3.2)
    ACCEPT = "accept"  # 签收
    START = "start"  # 开始处置
    RESOLVE = "resolve"  # 处置完毕
    VERIFY = "verify"  # 核查通过
    REOPEN = "reopen"  # 核查不通过, back to the department
    CLOSE = "close"  # 结案
    RETURN = "return"  # 退单
    SUPERVISE = "supervise"  # 督办
    REMIND = "remind"  # 催办
    SLA_WARNING = "sla_warning"  # 临期预警
    COORDINATE = "coordinate"  # 现场协调 log entry


TRANSITIONS: dict[Action, tuple[frozenset[IncidentState], IncidentState]] = {
    Action.DISPATCH: (frozenset({IncidentState.REPORTED, IncidentState.RETURNED}), IncidentState.DISPATCHED),
    Action.RULE: (frozenset({IncidentState.REPORTED, IncidentState.RETURNED}), IncidentState.DISPATCHED),
    Action.ACCEPT: (frozenset({IncidentState.DISPATCHED}), IncidentState.ACCEPTED),
    Action.START: (frozenset({IncidentState.ACCEPTED}), IncidentState.IN_PROGRESS),
    Action.RESOLVE: (frozenset({IncidentState.ACCEPTED, IncidentState.IN_PROGRESS}), IncidentState.RESOLVED),
    Action.VERIFY: (frozenset({IncidentState.RESOLVED}), IncidentState.VERIFIED),
    Action.REOPEN: (frozenset({IncidentState.RESOLVED}), IncidentState.IN_PROGRESS),
    Action.CLOSE: (frozenset({IncidentState.VERIFIED}), IncidentState.CLOSED),
    Action.RETURN: (frozenset({IncidentState.DISPATCHED, IncidentState.ACCEPTED}), IncidentState.RETURNED),
}

OPEN_STATES: frozenset[IncidentState] = frozenset(set(IncidentState) - {IncidentState.CLOSED})
# 督办 / 催办 / coordination entries do not move the state; they are allowed while the incident is open.
NOTE_ACTIONS: frozenset[Action] = frozenset({Action.SUPERVISE, Action.REMIND, Action.SLA_WARNING, Action.COORDINATE})


class IllegalTransition(Exception):
    def __init__(self, action: Action, state: IncidentState) -> None:
        super().__init__(f"cannot {action} an incident that is {state} ({STATE_LABELS[state]})")
        self.action = action
        self.state = state


def next_state(state: IncidentState, action: Action) -> IncidentState:
    """The state after `action`, or IllegalTransition naming the current state."""
    if action in NOTE_ACTIONS:
        if state not in OPEN_STATES:
            raise IllegalTransition(action, state)
        return state
    allowed = TRANSITIONS.get(action)
    if allowed is None or state not in allowed[0]:
        raise IllegalTransition(action, state)
    return allowed[1]


def allowed_actions(state: IncidentState) -> list[Action]:
    actions = [action for action, (sources, _target) in TRANSITIONS.items() if state in sources]
    if state in OPEN_STATES:
        actions += sorted(NOTE_ACTIONS - {Action.SLA_WARNING})
    return actions


class ReturnReason(StrEnum):
    """退单 reason codes (glossary)."""

    WRONG_LOCALITY = "wrong_locality"  # 属地不符
    UNCLEAR_OWNERSHIP = "unclear_ownership"  # 权属不清
    OVERLAPPING_DUTIES = "overlapping_duties"  # 职能交叉
    OTHER = "other"  # 其他


RETURN_REASON_LABELS: dict[ReturnReason, str] = {
    ReturnReason.WRONG_LOCALITY: "属地不符",
    ReturnReason.UNCLEAR_OWNERSHIP: "权属不清",
    ReturnReason.OVERLAPPING_DUTIES: "职能交叉",
    ReturnReason.OTHER: "其他",
}


# --- on-site coordination (DB 31114/Z 009-2025 4.3.1) ---------------------------------------------------------------


class CoordinationMethod(StrEnum):
    PHONE = "phone"  # 电话
    RADIO = "radio"  # 电台
    ON_SITE = "on_site"  # 现场 (face to face on site)


COORDINATION_METHOD_LABELS: dict[CoordinationMethod, str] = {
    CoordinationMethod.PHONE: "电话",
    CoordinationMethod.RADIO: "电台",
    CoordinationMethod.ON_SITE: "现场",
}


def coordination_problem(
    reported_at: datetime, contacted_at: datetime, arrived_at: datetime | None, now: datetime
) -> tuple[str, str] | None:
    """(field, message) when the times of a coordination entry cannot be right, else None."""
    if contacted_at > now + CLOCK_SKEW:
        return "contacted_at", "a contact is logged after it happened"
    if contacted_at < reported_at - CLOCK_SKEW:
        return "contacted_at", "before the incident was reported"
    if arrived_at is not None:
        if arrived_at > now + CLOCK_SKEW:
            return "arrived_at", "an arrival is logged after it happened"
        if arrived_at < contacted_at:
            return "arrived_at", "before the department was contacted"
    return None


def minutes_between(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds() // 60)


# --- routing --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentEntry:
    code: str
    unit_type: UnitType
    grids: tuple[str, ...]


@dataclass(frozen=True)
class RoutingInput:
    category: str
    town: str
    grid: str | None
    sector_grid: str | None = None
    named_department: str | None = None  # a department the intake names (the event's 派出所, the ticket's dept)


@dataclass(frozen=True)
class RoutingDecision:
    department_code: str | None  # None: the dispatcher queue
    rule_id: str | None  # None: the fallback
    reason: str


class CompiledRouting:
    """A routing table compiled for fast decisions: rules grouped by category, order kept."""

    def __init__(self, body: RoutingBody) -> None:
        self.body = body
        self.by_category: dict[str, list[RoutingRule]] = {}
        for rule in body.rules:
            self.by_category.setdefault(rule.category, []).append(rule)

    def first_rule(self, data: RoutingInput) -> RoutingRule | None:
        for rule in self.by_category.get(data.category, ()):
            if rule.towns and data.town not in rule.towns:
                continue
            if rule.grids and data.grid not in rule.grids and data.sector_grid not in rule.grids:
                continue
            return rule
        return None


def decide_route(
    routing: CompiledRouting, data: RoutingInput, departments: Mapping[str, DepartmentEntry]
) -> RoutingDecision:
    """Lead department for an incident: the first matching rule (or the fallback), then the department of that unit
    type serving the grid. No rule, no such department, or more than one candidate (responsibility unclear) → the
    dispatcher queue, where a commander designates the department (DB 31114/Z 009-2025 4.3.2)."""
    rule = routing.first_rule(data)
    if rule is None:
        if routing.body.fallback_unit_type is None:
            return RoutingDecision(None, None, f"no rule for category {data.category}: dispatcher queue")
        return _by_unit_type(routing.body.fallback_unit_type, data, departments, None, "fallback")
    if rule.department_code is not None:
        fixed = departments.get(rule.department_code)
        if fixed is not None:
            return RoutingDecision(fixed.code, rule.rule_id, f"rule {rule.rule_id}: department {fixed.code}")
        return RoutingDecision(
            None, rule.rule_id, f"rule {rule.rule_id}: department {rule.department_code} is not in town {data.town}"
        )
    if rule.use_named_department and data.named_department is not None:
        named = departments.get(data.named_department)
        if named is not None and (rule.unit_type is None or named.unit_type == rule.unit_type):
            return RoutingDecision(named.code, rule.rule_id, f"rule {rule.rule_id}: department named by the intake")
        if rule.unit_type is None:
            return RoutingDecision(
                None, rule.rule_id, f"rule {rule.rule_id}: named department {data.named_department} is not registered"
            )
    if rule.unit_type is None:
        return RoutingDecision(None, rule.rule_id, f"rule {rule.rule_id}: the intake names no department")
    return _by_unit_type(rule.unit_type, data, departments, rule.rule_id, f"rule {rule.rule_id}")


def _by_unit_type(
    unit_type: UnitType,
    data: RoutingInput,
    departments: Mapping[str, DepartmentEntry],
    rule_id: str | None,
    why: str,
) -> RoutingDecision:
    candidates = [
        entry
        for entry in departments.values()
        if entry.unit_type == unit_type and serves_grid(entry.grids, data.grid, data.sector_grid)
    ]
    if len(candidates) == 1:
        return RoutingDecision(candidates[0].code, rule_id, f"{why}: {unit_type} serving grid {data.grid}")
    # Several departments of one type with overlapping grids: say which, instead of picking one silently.
    if len(candidates) > 1:
        specific = [entry for entry in candidates if entry.grids]
        if len(specific) == 1:
            return RoutingDecision(specific[0].code, rule_id, f"{why}: {unit_type} listing grid {data.grid}")
        codes = ", ".join(sorted(entry.code for entry in candidates))
        return RoutingDecision(None, rule_id, f"{why}: responsibility unclear between {codes}: dispatcher queue")
    return RoutingDecision(None, rule_id, f"{why}: no {unit_type} serves grid {data.grid}: dispatcher queue")


def pick_responder(on_duty: Sequence[tuple[str, datetime]]) -> str | None:
    """Of the department's staff on duty in the grid (subject, shift start), the one on duty longest: ties by subject,
    so the choice is reproducible."""
    if not on_duty:
        return None
    return min(on_duty, key=lambda item: (item[1], item[0]))[0]


# --- SLA ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaDeadline:
    due_at: datetime
    warn_at: datetime
    explanation: str
    provisional: bool


def _china(moment: datetime) -> datetime:
    return moment.astimezone(CHINA)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=CHINA)


def add_working_hours(start: datetime, hours: int, calendar: WorkdayCalendar, window: WorkingWindow) -> datetime:
    """`hours` working hours after `start`, counting only the working window of working days (China time)."""
    return add_working_time(start, timedelta(hours=hours), calendar, window)


def add_working_time(start: datetime, span: timedelta, calendar: WorkdayCalendar, window: WorkingWindow) -> datetime:
    """`span` of working time after `start`: only the working window of working days counts (China time)."""
    remaining = span
    local = _china(start)
    day = local.date()
    cursor = local
    while True:
        if calendar.is_working_day(day):
            opens, closes = _at(day, window.start), _at(day, window.end)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
        day += timedelta(days=1)
        cursor = _at(day, window.start)


def working_time_between(start: datetime, end: datetime, calendar: WorkdayCalendar, window: WorkingWindow) -> timedelta:
    """Working time (the window of working days, China time) between `start` and `end`."""
    total = timedelta()
    local_start, local_end = _china(start), _china(end)
    day = local_start.date()
    while day <= local_end.date():
        if calendar.is_working_day(day):
            begin = max(local_start, _at(day, window.start))
            finish = min(local_end, _at(day, window.end))
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return total


def sla_deadline(
    start: datetime, duration: SlaDuration, warn_at_fraction: float, calendar: WorkdayCalendar, window: WorkingWindow
) -> SlaDeadline:
    """When a time limit counted from `start` falls due, when to warn, and why."""
    provisional = False
    if duration.unit is SlaUnit.HOURS:
        due = start + timedelta(hours=duration.amount)
        explanation = f"{duration.amount} 小时 / hours after {start.isoformat()}"
        warn = start + (due - start) * warn_at_fraction
    elif duration.unit is SlaUnit.WORKING_HOURS:
        due = add_working_hours(start, duration.amount, calendar, window)
        explanation = (
            f"{duration.amount} 个工作时（{window.start:%H:%M}-{window.end:%H:%M}，工作日）/ working hours "
            f"after {start.isoformat()}"
        )
        provisional = not calendar.is_known_year(_china(due).year)
        # the warning is a fraction of the working time, like the limit: it falls in working time
        warn = add_working_time(start, timedelta(hours=duration.amount) * warn_at_fraction, calendar, window)
    else:
        deadline = calendar.add_working_days(_china(start).date(), duration.amount)
        due = _at(deadline.due, window.end).astimezone(UTC)
        explanation = deadline.explain()
        provisional = deadline.provisional
        warn = add_working_time(
            start, working_time_between(start, due, calendar, window) * warn_at_fraction, calendar, window
        )
    return SlaDeadline(due.astimezone(UTC), warn.astimezone(UTC), explanation, provisional)


def sla_status(now: datetime, due_at: datetime | None, warn_at: datetime | None) -> str:
    """on_time / warning / overdue / none."""
    if due_at is None:
        return "none"
    if now >= due_at:
        return "overdue"
    if warn_at is not None and now >= warn_at:
        return "warning"
    return "on_time"


def differing_routes(
    incidents: Iterable[tuple[str, RoutingInput, str | None]],
    draft: CompiledRouting,
    departments_by_town: Mapping[str, Mapping[str, DepartmentEntry]],
) -> list[tuple[str, str | None, RoutingDecision]]:
    """Simulation of a draft table: (incident id, department it was routed to, draft decision) where they differ."""
    changes = []
    for incident_id, data, routed_to in incidents:
        decision = decide_route(draft, data, departments_by_town.get(data.town, {}))
        if decision.department_code != routed_to:
            changes.append((incident_id, routed_to, decision))
    return changes


class RefusalGrounds(StrEnum):
    """Why collection reported a refusal to the 派出所 (DB 31114/Z 002-2025 6.5, 001-2025 6.2.10)."""

    OWNER_UNCOOPERATIVE = "owner_uncooperative"  # 房主不配合采集: reported on the first occurrence
    REPEATED_REFUSAL = "repeated_refusal"  # 多次出现屋内有人但拒不应答


def refusal_incident_text(
    *, house_code: str, area: str, refusals: int, last_visit_at: datetime, grounds: RefusalGrounds
) -> tuple[str, str]:
    """Title and description of the police incident for a reported refusal, in the words of its grounds."""
    last_visit = last_visit_at.isoformat()
    if grounds is RefusalGrounds.OWNER_UNCOOPERATIVE:
        return (
            f"房屋 {house_code} 房主不配合采集",
            f"责任区 {area} 房屋编码 {house_code} 房主不配合实有房屋信息采集，走访 {last_visit}，请社区民警处置。",
        )
    return (
        f"房屋 {house_code} 多次拒绝采集（{refusals} 次）",
        f"责任区 {area} 房屋编码 {house_code} 拒绝配合实有人口信息采集 {refusals} 次，最近一次走访 {last_visit}，"
        "请社区民警处置。",
    )
