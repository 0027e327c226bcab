"""HTTP routes of the duty standard: roster, coverage, patrol logs, weekly patrol compliance."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid_dispatch.duty import service
from grid_dispatch.duty.models import (
    CoverageOut,
    DutyAssignmentIn,
    DutyAssignmentOut,
    PatrolComplianceOut,
    PatrolLogIn,
    PatrolLogOut,
)
from jiading_shared.auth import Principal, Role, ensure_dept, ensure_town, require_roles
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep
from jiading_shared.types import assume_utc

router = APIRouter(prefix="/duty", tags=["duty 参勤"])

# The 城运中心 and the departments both keep the roster: staff are under dual command (010 4.2.2.5, 4.2.3.5).
RosterKeeper = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER, Role.DUTY_OFFICER))]
Reader = Annotated[
    Principal,
    Depends(
        require_roles(Role.DISPATCHER, Role.COMMANDER, Role.DUTY_OFFICER, Role.OPERATIONS_PATROL, Role.COMMUNITY_POLICE)
    ),
]
PatrolLogger = Annotated[
    Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER, Role.DUTY_OFFICER, Role.OPERATIONS_PATROL))
]
Commanding = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER))]


def _town_of(principal: Principal, town: str | None) -> str:
    town = town or principal.town
    if town is None:
        raise ProblemError(422, "validation-error", "query.town: required for a district-wide caller")
    ensure_town(principal, town)
    return town


def _department_staff(principal: Principal) -> bool:
    """A caller acting for a department (not the 城运中心) sees and keeps only its own department's entries."""
    return not principal.is_admin and not principal.has_role(Role.DISPATCHER, Role.COMMANDER)


@router.post("/assignments", status_code=201, summary="Put an officer on duty in grids (参勤 roster entry)")
def add_assignment(
    body: DutyAssignmentIn, principal: RosterKeeper, session: SessionDep, response: Response
) -> DutyAssignmentOut:
    if _department_staff(principal):
        ensure_dept(principal, body.department_code)
    town = None if principal.is_district_wide() else principal.town
    created = service.add_assignment(session, body, town_scope=town, created_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/duty/assignments/{created.id}"
    return created


@router.get("/assignments", summary="Roster: the 城运中心 sees its town, a department its own staff")
def list_assignments(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50)] = None,
    department_code: Annotated[str | None, Query(max_length=50)] = None,
    officer_sub: Annotated[str | None, Query(max_length=200)] = None,
    at: Annotated[datetime | None, Query(description="only entries on duty at this time")] = None,
) -> list[DutyAssignmentOut]:
    town = _town_of(principal, town)
    if _department_staff(principal):
        department_code = principal.dept
        ensure_dept(principal, department_code)
    return page.slice(
        service.list_assignments(
            session,
            town=town,
            department_code=department_code,
            at=assume_utc(at) if at else None,
            officer_sub=officer_sub,
        )
    )


@router.delete("/assignments/{assignment_id}", summary="Cancel a roster entry (kept, marked cancelled)")
def cancel_assignment(assignment_id: uuid.UUID, principal: RosterKeeper, session: SessionDep) -> DutyAssignmentOut:
    row = service.get_assignment(session, assignment_id)
    if row is None or not (principal.is_district_wide() or principal.town == row.town):
        raise ProblemError(404, "assignment-not-found", f"no roster entry {assignment_id}")
    if _department_staff(principal):
        ensure_dept(principal, row.department_code)
    return service.cancel_assignment(session, row, cancelled_by=principal.sub)


@router.get("/coverage", summary="Coverage check: every unit grid has 公安, 城管 and 市场监管 on duty; gaps listed")
def coverage(
    principal: Commanding,
    session: SessionDep,
    town: Annotated[str | None, Query(max_length=50)] = None,
    at: Annotated[datetime | None, Query(description="default now")] = None,
) -> CoverageOut:
    town = _town_of(principal, town)
    return service.coverage_report(session, town, assume_utc(at) if at else datetime.now(UTC))


@router.post("/patrols", status_code=201, summary="Log a patrol (巡防巡管) with the 城运队员 who joined")
def log_patrol(body: PatrolLogIn, principal: PatrolLogger, session: SessionDep, response: Response) -> PatrolLogOut:
    if (
        principal.has_role(Role.DUTY_OFFICER)
        and _department_staff(principal)
        and not principal.has_role(Role.OPERATIONS_PATROL)
    ):
        ensure_dept(principal, body.department_code)
    town = None if principal.is_district_wide() else principal.town
    logged = service.log_patrol(session, body, town_scope=town, logged_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/duty/patrols/{logged.id}"
    return logged


@router.get("/patrols", summary="Patrol logs of a town")
def list_patrols(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50)] = None,
    department_code: Annotated[str | None, Query(max_length=50)] = None,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
) -> list[PatrolLogOut]:
    town = _town_of(principal, town)
    return page.slice(
        service.list_patrols(
            session,
            town=town,
            department_code=department_code,
            since=assume_utc(since) if since else None,
            until=assume_utc(until) if until else None,
        )
    )


@router.get("/patrol-compliance", summary="Weekly 1-2 patrols per area of each other department (010 4.2.4.1)")
def patrol_compliance(
    principal: Commanding,
    session: SessionDep,
    week: Annotated[str, Query(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2025-W07")],
    town: Annotated[str | None, Query(max_length=50)] = None,
) -> PatrolComplianceOut:
    town = _town_of(principal, town)
    return service.compliance_report(session, town, week)
