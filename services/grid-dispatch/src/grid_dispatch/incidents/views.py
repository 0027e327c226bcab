"""HTTP routes of incidents: intake, the dispatcher queue, each lifecycle step, the timeline, routing simulation."""

import uuid
from collections.abc import Callable
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query, Request, Response

from grid_dispatch.grids.models import Grid
from grid_dispatch.incidents import service
from grid_dispatch.incidents.models import (
    API_SOURCES,
    ArrivalIn,
    CoordinationIn,
    CoordinationOut,
    DispatchIn,
    Incident,
    IncidentIn,
    IncidentOut,
    IncidentSource,
    NoteIn,
    ResultIn,
    ReturnIn,
    RulingIn,
    SimulationIn,
    SimulationOut,
    StepOut,
    SuperviseIn,
    VerifyIn,
)
from grid_dispatch.incidents.rules import Action, IncidentState
from grid_dispatch.rulesets.models import RoutingBody, RuleKind
from grid_dispatch.rulesets.service import parse_body
from jiading_shared.auth import Principal, Role, ensure_dept, ensure_town, require_roles, town_in_scope
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep
from jiading_shared.workdays import WorkdayCalendar

router = APIRouter(prefix="/incidents", tags=["incidents 工单"])
simulation_router = APIRouter(prefix="/rules/routing", tags=["rules 规则版本"])

TOWN_ROLES = (Role.DISPATCHER, Role.COMMANDER, Role.OPERATIONS_PATROL)
DEPARTMENT_ROLES = (Role.DUTY_OFFICER, Role.COMMUNITY_POLICE)

Reporter = Annotated[
    Principal,
    Depends(
        require_roles(Role.DISPATCHER, Role.COMMANDER, Role.OPERATIONS_PATROL, Role.DUTY_OFFICER, Role.EXTERNAL_SYSTEM)
    ),
]
Reader = Annotated[Principal, Depends(require_roles(*TOWN_ROLES, *DEPARTMENT_ROLES, Role.EXTERNAL_SYSTEM))]
Dispatcher = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER))]
Commander = Annotated[Principal, Depends(require_roles(Role.COMMANDER))]
Handler = Annotated[Principal, Depends(require_roles(*DEPARTMENT_ROLES))]
Verifier = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER, Role.OPERATIONS_PATROL))]


def _calendar(request: Request) -> WorkdayCalendar:
    return cast(WorkdayCalendar, request.app.state.calendar)


CalendarDep = Annotated[WorkdayCalendar, Depends(_calendar)]


def can_see(principal: Principal, incident: Incident) -> bool:
    """The 城运中心 sees its town; a department its own work orders; another system the cases it filed."""
    if principal.is_district_wide():
        return True
    if principal.has_role(*TOWN_ROLES) and town_in_scope(principal, incident.town):
        return True
    if (
        principal.has_role(*DEPARTMENT_ROLES)
        and principal.dept is not None
        and principal.dept == incident.department_code
    ):
        return True
    return principal.has_role(Role.EXTERNAL_SYSTEM) and incident.reported_by == principal.sub


def _visible(session: SessionDep, principal: Principal, incident_id: uuid.UUID, *, lock: bool = False) -> Incident:
    incident = service.lock_incident(session, incident_id) if lock else service.get_incident(session, incident_id)
    if incident is None or not can_see(principal, incident):
        raise ProblemError(404, "incident-not-found", f"no incident {incident_id}")
    return incident


@router.post("", status_code=201, summary="Report an incident (patrol finding, hotline, on-site call)")
def report_incident(
    body: IncidentIn, principal: Reporter, session: SessionDep, calendar: CalendarDep, response: Response
) -> IncidentOut:
    ensure_town(principal, body.town)
    if body.source not in API_SOURCES:
        raise field_error(422, "body.source", f"one of {', '.join(API_SOURCES)}")
    if body.grid is not None:
        grid = session.get(Grid, body.grid)
        if grid is None or grid.town != body.town:
            raise field_error(422, "body.grid", f"no grid {body.grid} in town {body.town}")
    incident = service.create_incident(session, calendar, service.NewIncident(**body.model_dump()), actor=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/incidents/{incident.id}"
    return service.incident_out(incident)


@router.get("", summary="Incidents in the caller's scope; `queue=true` is the dispatcher queue")
def list_incidents(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50)] = None,
    department_code: Annotated[str | None, Query(max_length=50)] = None,
    state: IncidentState | None = None,
    category: Annotated[str | None, Query(max_length=50)] = None,
    source: IncidentSource | None = None,
    source_ref: Annotated[str | None, Query(max_length=100)] = None,
    grid: Annotated[str | None, Query(max_length=50)] = None,
    queue: bool | None = None,
) -> list[IncidentOut]:
    reported_by = None
    if principal.is_district_wide():
        pass
    elif principal.has_role(*TOWN_ROLES):
        town = town or principal.town
        ensure_town(principal, town)
    elif principal.has_role(*DEPARTMENT_ROLES):
        department_code = department_code or principal.dept
        ensure_dept(principal, department_code)
    else:
        reported_by = principal.sub
    incidents = service.list_incidents(
        session,
        town=town,
        department_code=department_code,
        reported_by=reported_by,
        state=state,
        category=category,
        source=source,
        source_ref=source_ref,
        grid=grid,
        queue=queue,
        limit=page.fetch,
        offset=page.offset,
    )
    return [service.incident_out(incident) for incident in page.rows(incidents)]


@router.get("/{incident_id}", summary="One incident with its timeline")
def get_incident(incident_id: uuid.UUID, principal: Reader, session: SessionDep) -> IncidentOut:
    incident = _visible(session, principal, incident_id)
    return service.incident_out(incident, service.timeline(session, incident.id))


@router.get("/{incident_id}/timeline", summary="The immutable timeline: who, when, what, which rule")
def get_timeline(incident_id: uuid.UUID, principal: Reader, session: SessionDep, page: PageDep) -> list[StepOut]:
    incident = _visible(session, principal, incident_id)
    return page.slice(service.timeline(session, incident.id))


@router.post("/{incident_id}/dispatch", summary="派单 / 重新派单 (to a named department, or routed again)")
def dispatch(
    incident_id: uuid.UUID, body: DispatchIn, principal: Dispatcher, session: SessionDep, calendar: CalendarDep
) -> IncidentOut:
    incident = _visible(session, principal, incident_id, lock=True)
    service.dispatch(session, calendar, incident, body.department_code, actor=principal.sub, note=body.note)
    return service.incident_out(incident)


@router.post("/{incident_id}/rule", summary="Commander designates the department (DB 31114/Z 009-2025 4.3.2)")
def rule(
    incident_id: uuid.UUID, body: RulingIn, principal: Commander, session: SessionDep, calendar: CalendarDep
) -> IncidentOut:
    incident = _visible(session, principal, incident_id, lock=True)
    service.rule(
        session, calendar, incident, body.department_code, body.basis, actor=principal.sub, make_rule=body.make_rule
    )
    return service.incident_out(incident)


def _department_step(action: Action) -> Callable[..., IncidentOut]:
    def step(
        incident_id: uuid.UUID, body: NoteIn, principal: Handler, session: SessionDep, calendar: CalendarDep
    ) -> IncidentOut:
        incident = _visible(session, principal, incident_id, lock=True)
        ensure_dept(principal, incident.department_code)
        service.transition(session, calendar, incident, action, actor=principal.sub, note=body.note)
        return service.incident_out(incident)

    return step


router.post("/{incident_id}/accept", summary="签收 (starts the clock)")(_department_step(Action.ACCEPT))
router.post("/{incident_id}/start", summary="开始处置")(_department_step(Action.START))


@router.post("/{incident_id}/resolve", summary="处置完毕 (result required)")
def resolve(
    incident_id: uuid.UUID, body: ResultIn, principal: Handler, session: SessionDep, calendar: CalendarDep
) -> IncidentOut:
    incident = _visible(session, principal, incident_id, lock=True)
    ensure_dept(principal, incident.department_code)
    service.transition(session, calendar, incident, Action.RESOLVE, actor=principal.sub, note=body.note)
    return service.incident_out(incident)


@router.post("/{incident_id}/return", summary="退单 with a reason code and the basis")
def return_incident(
    incident_id: uuid.UUID, body: ReturnIn, principal: Handler, session: SessionDep, calendar: CalendarDep
) -> IncidentOut:
    incident = _visible(session, principal, incident_id, lock=True)
    ensure_dept(principal, incident.department_code)
    service.transition(
        session, calendar, incident, Action.RETURN, actor=principal.sub, note=body.basis, reason_code=body.reason_code
    )
    return service.incident_out(incident)


@router.post("/{incident_id}/verify", summary="核查: passed → verified; failed → reopened for the department")
def verify(
    incident_id: uuid.UUID, body: VerifyIn, principal: Verifier, session: SessionDep, calendar: CalendarDep
) -> IncidentOut:
    incident = _visible(session, principal, incident_id, lock=True)
    action = Action.VERIFY if body.passed else Action.REOPEN
    service.transition(session, calendar, incident, action, actor=principal.sub, note=body.note)
    return service.incident_out(incident)


@router.post("/{incident_id}/close", summary="结案")
def close(
    incident_id: uuid.UUID, body: NoteIn, principal: Dispatcher, session: SessionDep, calendar: CalendarDep
) -> IncidentOut:
    incident = _visible(session, principal, incident_id, lock=True)
    service.transition(session, calendar, incident, Action.CLOSE, actor=principal.sub, note=body.note)
    return service.incident_out(incident)


def _oversight_step(action: Action) -> Callable[..., IncidentOut]:
    def step(
        incident_id: uuid.UUID, body: SuperviseIn, principal: Dispatcher, session: SessionDep, calendar: CalendarDep
    ) -> IncidentOut:
        incident = _visible(session, principal, incident_id, lock=True)
        service.transition(session, calendar, incident, action, actor=principal.sub, note=body.note)
        return service.incident_out(incident)

    return step


router.post("/{incident_id}/supervise", summary="督办")(_oversight_step(Action.SUPERVISE))
router.post("/{incident_id}/remind", summary="催办")(_oversight_step(Action.REMIND))


@router.post(
    "/{incident_id}/coordination",
    status_code=201,
    summary="现场协调: log a call or radio contact with a department (DB 31114/Z 009-2025 4.3.1)",
)
def log_coordination(
    incident_id: uuid.UUID, body: CoordinationIn, principal: Dispatcher, session: SessionDep
) -> CoordinationOut:
    incident = _visible(session, principal, incident_id, lock=True)
    return service.log_coordination(session, incident, body, actor=principal.sub)


@router.get("/{incident_id}/coordination", summary="The on-site coordination log of an incident")
def coordination_log(
    incident_id: uuid.UUID, principal: Reader, session: SessionDep, page: PageDep
) -> list[CoordinationOut]:
    incident = _visible(session, principal, incident_id)
    return page.slice(service.coordination_log(session, incident.id))


@router.post("/{incident_id}/coordination/{entry_id}/arrival", summary="Record a contacted department's arrival")
def record_arrival(
    incident_id: uuid.UUID, entry_id: uuid.UUID, body: ArrivalIn, principal: Dispatcher, session: SessionDep
) -> CoordinationOut:
    incident = _visible(session, principal, incident_id, lock=True)
    entry = service.get_coordination(session, incident, entry_id)
    if entry is None:
        raise ProblemError(404, "coordination-not-found", f"no coordination entry {entry_id} on incident {incident_id}")
    return service.record_arrival(session, incident, entry, body, actor=principal.sub)


@simulation_router.post("/simulations", summary="Replay a draft routing table against the last N incidents")
def simulate(body: SimulationIn, principal: Dispatcher, session: SessionDep) -> SimulationOut:
    draft = cast(RoutingBody, parse_body(RuleKind.ROUTING, dict(body.body)))
    town = None if principal.is_district_wide() else principal.town
    return service.simulate_routing(session, draft, body.last, town=town)
