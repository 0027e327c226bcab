"""Database reads and writes of incidents: intake with routing, transitions with the timeline, SLA scans."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from grid_dispatch.departments.models import Department
from grid_dispatch.departments.rules import UnitType
from grid_dispatch.duty.service import on_duty_in_grid
from grid_dispatch.grids.models import Grid
from grid_dispatch.incidents.events import EVENT_OF_ACTION, INCIDENT_OVERDUE, IncidentStepEvent
from grid_dispatch.incidents.models import (
    ArrivalIn,
    CoordinationIn,
    CoordinationOut,
    Incident,
    IncidentOut,
    IncidentSource,
    IncidentStep,
    OnsiteCoordination,
    SimulatedChange,
    SimulationOut,
    StepOut,
)
from grid_dispatch.incidents.rules import (
    COORDINATION_METHOD_LABELS,
    STATE_LABELS,
    Action,
    CompiledRouting,
    CoordinationMethod,
    DepartmentEntry,
    IllegalTransition,
    IncidentState,
    RoutingDecision,
    RoutingInput,
    allowed_actions,
    coordination_problem,
    decide_route,
    differing_routes,
    minutes_between,
    next_state,
    pick_responder,
    sla_deadline,
    sla_status,
)
from grid_dispatch.rulesets import service as rulesets
from grid_dispatch.rulesets.models import Category, IncidentKind, RoutingBody, RoutingRule, RuleKind, RuleVersionIn
from grid_dispatch.rulesets.service import RuleSet
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.types import assume_utc
from jiading_shared.workdays import WorkdayCalendar

_COMPILED: dict[uuid.UUID, CompiledRouting] = {}

# States in which a time limit runs.
CLOCK_STATES = frozenset({IncidentState.DISPATCHED, IncidentState.ACCEPTED, IncidentState.IN_PROGRESS})


@dataclass(frozen=True)
class NewIncident:
    category: str
    town: str
    grid: str | None
    title: str
    description: str
    source: IncidentSource
    address: str | None = None
    lat: float | None = None
    long: float | None = None
    source_ref: str | None = None
    source_event_id: str | None = None
    named_department: str | None = None


def compiled_routing(rule_set: RuleSet[RoutingBody]) -> CompiledRouting:
    compiled = _COMPILED.get(rule_set.id)
    if compiled is None:
        compiled = _COMPILED[rule_set.id] = CompiledRouting(rule_set.body)
    return compiled


def department_entries(session: Session, town: str) -> dict[str, DepartmentEntry]:
    rows = session.exec(select(Department.code, Department.unit_type, Department.grids).where(Department.town == town))
    return {code: DepartmentEntry(code, UnitType(unit_type), tuple(grids or ())) for code, unit_type, grids in rows}


def _sector_of(session: Session, grid: str | None) -> str | None:
    if grid is None:
        return None
    row = session.get(Grid, grid)
    return row.parent_code if row is not None else None


def _category(catalog: RuleSet, code: str, field: str = "body.category") -> Category:
    for category in catalog.body.categories:
        if category.code == code:
            return category
    raise field_error(422, field, f"unknown category {code} (catalogue {catalog.label})")


# --- intake ---------------------------------------------------------------------------------------------------------


def create_incident(
    session: Session, calendar: WorkdayCalendar, data: NewIncident, *, actor: str, now: datetime | None = None
) -> Incident:
    """Store, route and (when a department is found) dispatch a new incident, all in the caller's transaction."""
    now = now or datetime.now(UTC)
    catalog = rulesets.catalog(session, now)
    category = _category(catalog, data.category)
    routing = rulesets.routing(session, now)
    decision = decide_route(
        compiled_routing(routing),
        RoutingInput(data.category, data.town, data.grid, _sector_of(session, data.grid), data.named_department),
        department_entries(session, data.town),
    )
    incident = Incident(
        kind=category.kind,
        category=data.category,
        source=data.source,
        source_ref=data.source_ref,
        source_event_id=data.source_event_id,
        named_department=data.named_department,
        town=data.town,
        grid=data.grid,
        title=data.title,
        description=data.description,
        address=data.address,
        lat=data.lat,
        long=data.long,
        state=IncidentState.REPORTED,
        routing_version=routing.label,
        routing_rule_id=decision.rule_id,
        routing_reason=decision.reason,
        sla_version=catalog.label,
        reported_by=actor,
        reported_at=now,
        updated_at=now,
    )
    # The incident is written once, already dispatched, and its two steps in one statement: fewer round trips per
    # creation (issue 4 performance). Each event payload is taken when its step happens.
    report = _new_step(
        incident,
        1,
        Action.REPORT,
        None,
        actor,
        now,
        rule_version=routing.label,
        rule_id=decision.rule_id,
        note=decision.reason,
    )
    steps = [(report, _event(incident, report))]
    if decision.department_code is not None:
        previous = _assign(session, calendar, incident, decision.department_code, Action.DISPATCH, now)
        dispatched = _new_step(
            incident,
            2,
            Action.DISPATCH,
            previous,
            actor,
            now,
            rule_version=routing.label,
            rule_id=decision.rule_id,
            note=decision.reason,
        )
        steps.append((dispatched, _event(incident, dispatched)))
    session.add(incident)
    session.flush()  # the incident row before its steps (foreign key)
    session.add_all([step for step, _payload in steps])
    for step, payload in steps:
        spec = EVENT_OF_ACTION.get(Action(step.action))
        if spec is not None:
            enqueue(session, spec, payload, key=str(incident.id))
    return incident


def _assign(
    session: Session,
    calendar: WorkdayCalendar,
    incident: Incident,
    department_code: str,
    action: Action,
    now: datetime,
) -> IncidentState:
    """Hand the incident to the department and its on-duty responder and start the accept clock; returns the state
    it was in."""
    previous = IncidentState(incident.state)
    incident.state = next_state(previous, action)
    incident.department_code = department_code
    incident.responder = pick_responder(on_duty_in_grid(session, incident.town, department_code, incident.grid, now))
    catalog = rulesets.catalog(session, now)
    category = _category(catalog, incident.category, "category")
    deadline = sla_deadline(
        now, category.accept_within, category.warn_at_fraction, calendar, catalog.body.working_window
    )
    _set_clock(incident, deadline.due_at, deadline.warn_at, f"签收时限 / accept by: {deadline.explanation}")
    incident.sla_version = catalog.label
    incident.updated_at = now
    return previous


def _dispatch_to(
    session: Session,
    calendar: WorkdayCalendar,
    incident: Incident,
    department_code: str,
    action: Action,
    actor: str,
    now: datetime,
    *,
    rule_version: str | None,
    rule_id: str | None = None,
    note: str | None = None,
) -> None:
    previous = _assign(session, calendar, incident, department_code, action, now)
    session.add(incident)
    _record(session, incident, action, previous, actor, now, rule_version=rule_version, rule_id=rule_id, note=note)


def _set_clock(incident: Incident, due_at: datetime | None, warn_at: datetime | None, explanation: str | None) -> None:
    incident.due_at = due_at
    incident.warn_at = warn_at
    incident.warned_at = None
    incident.overdue_at = None
    incident.sla_explanation = explanation


def _new_step(
    incident: Incident,
    seq: int,
    action: Action,
    from_state: IncidentState | None,
    actor: str,
    at: datetime,
    *,
    rule_version: str | None = None,
    rule_id: str | None = None,
    reason_code: str | None = None,
    note: str | None = None,
) -> IncidentStep:
    """A timeline step as the incident stands now (not yet added to the session)."""
    return IncidentStep(
        incident_id=incident.id,
        seq=seq,
        action=action,
        from_state=from_state,
        to_state=IncidentState(incident.state),
        actor=actor,
        at=at,
        department_code=incident.department_code,
        responder=incident.responder,
        rule_version=rule_version,
        rule_id=rule_id,
        reason_code=reason_code,
        note=note,
    )


def _record(
    session: Session,
    incident: Incident,
    action: Action,
    from_state: IncidentState | None,
    actor: str,
    at: datetime,
    *,
    rule_version: str | None = None,
    rule_id: str | None = None,
    reason_code: str | None = None,
    note: str | None = None,
) -> IncidentStep:
    """Append a step to the timeline of an existing incident (the incident row is locked by the caller) and queue its
    event."""
    last = session.exec(select(func.max(IncidentStep.seq)).where(IncidentStep.incident_id == incident.id)).one()
    step = _new_step(
        incident,
        (last or 0) + 1,
        action,
        from_state,
        actor,
        at,
        rule_version=rule_version,
        rule_id=rule_id,
        reason_code=reason_code,
        note=note,
    )
    session.add(step)
    spec = EVENT_OF_ACTION.get(action)
    if spec is not None:
        enqueue(session, spec, _event(incident, step), key=str(incident.id))
    else:
        session.flush()
    return step


def _event(incident: Incident, step: IncidentStep) -> IncidentStepEvent:
    return IncidentStepEvent(
        incident_id=incident.id,
        kind=IncidentKind(incident.kind),
        category=incident.category,
        town=incident.town,
        grid=incident.grid,
        state=IncidentState(incident.state),
        action=step.action,
        actor=step.actor,
        at=step.at,
        department_code=incident.department_code,
        responder=incident.responder,
        rule_version=step.rule_version,
        reason_code=step.reason_code,
        due_at=incident.due_at,
        source_ref=incident.source_ref,
    )


# --- transitions ----------------------------------------------------------------------------------------------------


def lock_incident(session: Session, incident_id: uuid.UUID) -> Incident | None:
    """The incident, row-locked for the rest of the transaction (PostgreSQL) so two steps never interleave."""
    return session.exec(select(Incident).where(Incident.id == incident_id).with_for_update()).first()


def _conflict(exc: IllegalTransition) -> ProblemError:
    return ProblemError(
        409, "illegal-transition", f"{exc}; current state: {exc.state}", title="Illegal state transition"
    )


def _require_department(session: Session, incident: Incident, code: str, field: str) -> Department:
    department = session.get(Department, code)
    if department is None or department.town != incident.town:
        raise field_error(422, field, f"no department {code} in town {incident.town}")
    return department


def dispatch(
    session: Session,
    calendar: WorkdayCalendar,
    incident: Incident,
    department_code: str | None,
    *,
    actor: str,
    note: str | None,
) -> Incident:
    """派单 / 重新派单 by the dispatcher: to the department named, or routed again by the table in force."""
    now = datetime.now(UTC)
    try:
        next_state(IncidentState(incident.state), Action.DISPATCH)
    except IllegalTransition as exc:
        raise _conflict(exc) from exc
    routing = rulesets.routing(session, now)
    if department_code is not None:
        _require_department(session, incident, department_code, "body.department_code")
        rule_id, reason = None, f"dispatcher chose {department_code}"
    else:
        decision = route_again(session, incident, routing)
        if decision.department_code is None:
            raise ProblemError(
                409, "no-route", f"{decision.reason}; name the department or ask a commander to rule (009 4.3.2)"
            )
        department_code, rule_id, reason = decision.department_code, decision.rule_id, decision.reason
    incident.routing_version, incident.routing_rule_id, incident.routing_reason = routing.label, rule_id, reason
    _dispatch_to(
        session,
        calendar,
        incident,
        department_code,
        Action.DISPATCH,
        actor,
        now,
        rule_version=routing.label,
        rule_id=rule_id,
        note=note or reason,
    )
    return incident


def route_again(session: Session, incident: Incident, routing: RuleSet[RoutingBody]) -> RoutingDecision:
    return decide_route(
        compiled_routing(routing),
        RoutingInput(
            incident.category,
            incident.town,
            incident.grid,
            _sector_of(session, incident.grid),
            incident.named_department,
        ),
        department_entries(session, incident.town),
    )


def rule(
    session: Session,
    calendar: WorkdayCalendar,
    incident: Incident,
    department_code: str,
    basis: str,
    *,
    actor: str,
    make_rule: bool,
) -> Incident:
    """A commander designates the department (DB 31114/Z 009-2025 4.3.2); optionally the ruling becomes a rule."""
    now = datetime.now(UTC)
    try:
        next_state(IncidentState(incident.state), Action.RULE)
    except IllegalTransition as exc:
        raise _conflict(exc) from exc
    _require_department(session, incident, department_code, "body.department_code")
    routing = rulesets.routing(session, now)
    rule_version, rule_id = routing.label, None
    if make_rule:
        rule_id = f"RULING-{str(incident.id)[:8]}"
        new_rule = RoutingRule(
            rule_id=rule_id,
            category=incident.category,
            towns=[incident.town],
            grids=[incident.grid] if incident.grid else [],
            department_code=department_code,
            clause="DB31114/Z 009-2025 4.3.2",
            note=f"ruling on incident {incident.id}: {basis}"[:300],
        )
        body = RoutingBody(rules=[new_rule, *routing.body.rules], fallback_unit_type=routing.body.fallback_unit_type)
        published = rulesets.publish(
            session,
            RuleKind.ROUTING,
            RuleVersionIn(note=f"ruling on incident {incident.id}"[:500], body=body.model_dump(mode="json")),
            published_by=actor,
        )
        rule_version = f"{RuleKind.ROUTING}@{published.version}"
    incident.routing_version, incident.routing_rule_id = rule_version, rule_id
    incident.routing_reason = f"commander ruling: {department_code}"
    _dispatch_to(
        session,
        calendar,
        incident,
        department_code,
        Action.RULE,
        actor,
        now,
        rule_version=rule_version,
        rule_id=rule_id,
        note=basis,
    )
    return incident


def transition(
    session: Session,
    calendar: WorkdayCalendar,
    incident: Incident,
    action: Action,
    *,
    actor: str,
    note: str | None = None,
    reason_code: str | None = None,
) -> Incident:
    """Any other step: accept, start, resolve, verify, reopen, close, return, supervise, remind."""
    now = datetime.now(UTC)
    previous = IncidentState(incident.state)
    try:
        incident.state = next_state(previous, action)
    except IllegalTransition as exc:
        raise _conflict(exc) from exc
    rule_version: str | None = None
    if action in (Action.ACCEPT, Action.REOPEN):
        # 签收 starts the clock of the time limit to resolve; a failed verification restarts it.
        catalog = rulesets.catalog(session, now)
        category = _category(catalog, incident.category, "category")
        deadline = sla_deadline(
            now, category.resolve_within, category.warn_at_fraction, calendar, catalog.body.working_window
        )
        _set_clock(incident, deadline.due_at, deadline.warn_at, f"处置时限 / resolve by: {deadline.explanation}")
        incident.expected_at = deadline.due_at
        incident.sla_version = rule_version = catalog.label
    elif action in (Action.RESOLVE, Action.RETURN):
        _set_clock(incident, None, None, None)
    if action is Action.RETURN:
        incident.return_count += 1
        incident.expected_at = None
    if action is Action.SUPERVISE:
        incident.supervised = True
    if action is Action.CLOSE:
        incident.closed_at = now
    if note and action in (Action.RESOLVE, Action.VERIFY, Action.REOPEN, Action.CLOSE, Action.RETURN):
        incident.status_notes = note[:500]
    incident.updated_at = now
    session.add(incident)
    _record(
        session, incident, action, previous, actor, now, rule_version=rule_version, reason_code=reason_code, note=note
    )
    return incident


# --- on-site coordination (DB 31114/Z 009-2025 4.3.1) ---------------------------------------------------------------


def _coordination_note(entry: OnsiteCoordination, arrived_only: bool = False) -> str:
    method = COORDINATION_METHOD_LABELS[CoordinationMethod(entry.method)]
    who = f"{entry.department_code}" + (f" ({entry.contact_person})" if entry.contact_person else "")
    parts = (
        [f"{who} 到达现场 / arrived {assume_utc(entry.arrived_at).isoformat()}"]
        if arrived_only and entry.arrived_at is not None
        else [f"{method}协调 {who} at {assume_utc(entry.contacted_at).isoformat()}"]
    )
    if not arrived_only and entry.arrived_at is not None:
        parts.append(f"arrived {assume_utc(entry.arrived_at).isoformat()}")
    if entry.outcome:
        parts.append(entry.outcome)
    return "; ".join(parts)


def log_coordination(session: Session, incident: Incident, data: CoordinationIn, *, actor: str) -> CoordinationOut:
    """A dispatcher's call or radio contact with a department (and its arrival), in the log and the timeline."""
    now = datetime.now(UTC)
    try:
        next_state(IncidentState(incident.state), Action.COORDINATE)
    except IllegalTransition as exc:
        raise _conflict(exc) from exc
    _require_department(session, incident, data.department_code, "body.department_code")
    contacted_at = assume_utc(data.contacted_at)
    arrived_at = assume_utc(data.arrived_at) if data.arrived_at else None
    problem = coordination_problem(assume_utc(incident.reported_at), contacted_at, arrived_at, now)
    if problem is not None:
        raise field_error(422, f"body.{problem[0]}", problem[1])
    entry = OnsiteCoordination(
        incident_id=incident.id,
        department_code=data.department_code,
        method=data.method,
        contact_person=data.contact_person,
        contacted_at=contacted_at,
        arrived_at=arrived_at,
        outcome=data.outcome,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(entry)
    incident.updated_at = now
    session.add(incident)
    state = IncidentState(incident.state)
    _record(session, incident, Action.COORDINATE, state, actor, now, note=_coordination_note(entry))
    return coordination_out(entry)


def record_arrival(
    session: Session, incident: Incident, entry: OnsiteCoordination, data: ArrivalIn, *, actor: str
) -> CoordinationOut:
    now = datetime.now(UTC)
    if entry.arrived_at is not None:
        raise ProblemError(
            409, "arrival-recorded", f"arrival of {entry.department_code} was recorded at {entry.arrived_at}"
        )
    try:
        next_state(IncidentState(incident.state), Action.COORDINATE)
    except IllegalTransition as exc:
        raise _conflict(exc) from exc
    arrived_at = assume_utc(data.arrived_at)
    problem = coordination_problem(assume_utc(incident.reported_at), assume_utc(entry.contacted_at), arrived_at, now)
    if problem is not None:
        raise field_error(422, f"body.{problem[0]}", problem[1])
    entry.arrived_at = arrived_at
    if data.outcome:
        entry.outcome = f"{entry.outcome}\n{data.outcome}" if entry.outcome else data.outcome
    session.add(entry)
    incident.updated_at = now
    session.add(incident)
    note = (
        _coordination_note(entry, arrived_only=True)
        if not data.outcome
        else (f"{entry.department_code} 到达现场 / arrived {arrived_at.isoformat()}; {data.outcome}")
    )
    _record(session, incident, Action.COORDINATE, IncidentState(incident.state), actor, now, note=note)
    return coordination_out(entry)


def coordination_log(session: Session, incident_id: uuid.UUID) -> list[CoordinationOut]:
    rows = session.exec(
        select(OnsiteCoordination)
        .where(OnsiteCoordination.incident_id == incident_id)
        .order_by(OnsiteCoordination.contacted_at, OnsiteCoordination.recorded_at)
    )
    return [coordination_out(row) for row in rows]


def get_coordination(session: Session, incident: Incident, entry_id: uuid.UUID) -> OnsiteCoordination | None:
    entry = session.get(OnsiteCoordination, entry_id)
    return entry if entry is not None and entry.incident_id == incident.id else None


def coordination_out(entry: OnsiteCoordination) -> CoordinationOut:
    method = CoordinationMethod(entry.method)
    contacted_at = assume_utc(entry.contacted_at)
    arrived_at = assume_utc(entry.arrived_at) if entry.arrived_at else None
    return CoordinationOut(
        id=entry.id,
        incident_id=entry.incident_id,
        department_code=entry.department_code,
        method=method,
        method_label=COORDINATION_METHOD_LABELS[method],
        contact_person=entry.contact_person,
        contacted_at=contacted_at,
        arrived_at=arrived_at,
        minutes_to_arrive=minutes_between(contacted_at, arrived_at),
        outcome=entry.outcome,
        recorded_by=entry.recorded_by,
        recorded_at=entry.recorded_at,
    )


# --- SLA scan -------------------------------------------------------------------------------------------------------


def scan_deadlines(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Warn incidents near their time limit and supervise (督办) those past it; returns (warned, overdue)."""
    now = now or datetime.now(UTC)
    open_with_clock = select(Incident).where(
        col(Incident.state).in_([state.value for state in CLOCK_STATES]), col(Incident.due_at).is_not(None)
    )
    overdue = session.exec(
        open_with_clock.where(Incident.due_at <= now, col(Incident.overdue_at).is_(None)).with_for_update()
    ).all()
    for incident in overdue:
        incident.overdue_at = now
        incident.warned_at = incident.warned_at or now
        incident.supervised = True
        session.add(incident)
        step = _record(
            session,
            incident,
            Action.SUPERVISE,
            IncidentState(incident.state),
            "system:sla",
            now,
            rule_version=incident.sla_version,
            note=f"超时督办 / overdue since {incident.due_at}",
        )
        enqueue(session, INCIDENT_OVERDUE, _event(incident, step), key=str(incident.id))
    warned = session.exec(
        open_with_clock.where(
            Incident.warn_at <= now, Incident.due_at > now, col(Incident.warned_at).is_(None)
        ).with_for_update()
    ).all()
    for incident in warned:
        incident.warned_at = now
        session.add(incident)
        _record(
            session,
            incident,
            Action.SLA_WARNING,
            IncidentState(incident.state),
            "system:sla",
            now,
            rule_version=incident.sla_version,
            note=f"临期预警 / due {incident.due_at}",
        )
    return len(warned), len(overdue)


# --- reads ----------------------------------------------------------------------------------------------------------


def get_incident(session: Session, incident_id: uuid.UUID) -> Incident | None:
    return session.get(Incident, incident_id)


def list_incidents(
    session: Session,
    *,
    town: str | None = None,
    department_code: str | None = None,
    reported_by: str | None = None,
    state: IncidentState | None = None,
    category: str | None = None,
    source: IncidentSource | None = None,
    source_ref: str | None = None,
    grid: str | None = None,
    queue: bool | None = None,
    ids: Collection[uuid.UUID] | None = None,
    closed: bool | None = None,
    reported_from: datetime | None = None,
    reported_to: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Incident]:
    query = select(Incident)
    if ids is not None:
        query = query.where(col(Incident.id).in_(list(ids)))
    if closed is not None:
        query = query.where(
            (Incident.state == IncidentState.CLOSED) if closed else (Incident.state != IncidentState.CLOSED)
        )
    if reported_from is not None:
        query = query.where(Incident.reported_at >= reported_from)
    if reported_to is not None:
        query = query.where(Incident.reported_at <= reported_to)
    for column, value in (
        (Incident.town, town),
        (Incident.department_code, department_code),
        (Incident.reported_by, reported_by),
        (Incident.state, state),
        (Incident.category, category),
        (Incident.source, source),
        (Incident.source_ref, source_ref),
        (Incident.grid, grid),
    ):
        if value is not None:
            query = query.where(column == value)
    if queue is True:
        query = query.where(col(Incident.department_code).is_(None), Incident.state != IncidentState.CLOSED)
    query = query.order_by(col(Incident.reported_at).desc(), col(Incident.id)).offset(offset).limit(limit)
    return list(session.exec(query).all())


def timeline(session: Session, incident_id: uuid.UUID) -> list[StepOut]:
    steps = session.exec(select(IncidentStep).where(IncidentStep.incident_id == incident_id).order_by(IncidentStep.seq))
    return [StepOut.model_validate(step, from_attributes=True) for step in steps]


def incident_out(incident: Incident, steps: list[StepOut] | None = None, now: datetime | None = None) -> IncidentOut:
    state = IncidentState(incident.state)
    due_at = assume_utc(incident.due_at) if incident.due_at else None
    warn_at = assume_utc(incident.warn_at) if incident.warn_at else None
    return IncidentOut(
        id=incident.id,
        kind=IncidentKind(incident.kind),
        category=incident.category,
        source=IncidentSource(incident.source),
        source_ref=incident.source_ref,
        town=incident.town,
        grid=incident.grid,
        title=incident.title,
        description=incident.description,
        address=incident.address,
        lat=incident.lat,
        long=incident.long,
        state=state,
        state_label=STATE_LABELS[state],
        department_code=incident.department_code,
        responder=incident.responder,
        in_dispatcher_queue=incident.department_code is None and state is not IncidentState.CLOSED,
        routing_version=incident.routing_version,
        routing_rule_id=incident.routing_rule_id,
        routing_reason=incident.routing_reason,
        sla_version=incident.sla_version,
        due_at=due_at,
        warn_at=warn_at,
        expected_at=incident.expected_at,
        sla_status=sla_status(now or datetime.now(UTC), due_at, warn_at),
        sla_explanation=incident.sla_explanation,
        supervised=incident.supervised,
        return_count=incident.return_count,
        reported_by=incident.reported_by,
        reported_at=incident.reported_at,
        updated_at=incident.updated_at,
        closed_at=incident.closed_at,
        allowed_actions=allowed_actions(state),
        timeline=steps,
    )


# --- simulation -----------------------------------------------------------------------------------------------------


def simulate_routing(session: Session, draft: RoutingBody, last: int, *, town: str | None) -> SimulationOut:
    """Replay a draft routing table against the last `last` incidents (of `town`, or all); list those it would route
    differently."""
    incidents = list_incidents(session, town=town, limit=last)
    sectors = dict(session.exec(select(Grid.code, Grid.parent_code)).all())
    towns = {incident.town for incident in incidents}
    departments = {town: department_entries(session, town) for town in towns}
    replay = [
        (
            str(incident.id),
            RoutingInput(
                incident.category,
                incident.town,
                incident.grid,
                sectors.get(incident.grid or ""),
                incident.named_department,
            ),
            incident.department_code,
        )
        for incident in incidents
    ]
    by_id = {str(incident.id): incident for incident in incidents}
    changes = differing_routes(replay, CompiledRouting(draft), departments)
    return SimulationOut(
        replayed=len(replay),
        changed=len(changes),
        changes=[
            SimulatedChange(
                incident_id=uuid.UUID(incident_id),
                category=by_id[incident_id].category,
                grid=by_id[incident_id].grid,
                routed_to=routed_to,
                draft_routes_to=decision.department_code,
                draft_rule_id=decision.rule_id,
                draft_reason=decision.reason,
            )
            for incident_id, routed_to, decision in changes
        ],
    )
