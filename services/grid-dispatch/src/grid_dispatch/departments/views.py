"""HTTP routes of departments: register, list a town's departments, read one, change the liaison."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from grid_dispatch.departments import service
from grid_dispatch.departments.models import DepartmentIn, DepartmentOut, LiaisonContactOut, LiaisonIn
from grid_dispatch.departments.rules import UnitType
from jiading_shared.auth import Principal, Role, ensure_town, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, PiiDep, SessionDep, found_in_town_or_404

router = APIRouter(prefix="/departments", tags=["departments 职能部门"])

Registrar = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER))]
Reader = Annotated[
    Principal,
    Depends(
        require_roles(Role.DISPATCHER, Role.COMMANDER, Role.DUTY_OFFICER, Role.OPERATIONS_PATROL, Role.COMMUNITY_POLICE)
    ),
]


@router.post("", status_code=201, summary="Register a department of a town with its liaison (专人)")
def register_department(
    body: DepartmentIn, principal: Registrar, session: SessionDep, vault: PiiDep, response: Response
) -> DepartmentOut:
    ensure_town(principal, body.town)
    department = service.register_department(session, vault, body, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/departments/{department.code}"
    return department


@router.get("", summary="Departments of a town (the caller's own town unless district-wide)")
def list_departments(
    principal: Reader,
    session: SessionDep,
    vault: PiiDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50, description="街道/镇 code")] = None,
    unit_type: Annotated[UnitType | None, Query(description="unit type of form B.1")] = None,
) -> list[DepartmentOut]:
    if town is None and not principal.is_district_wide():
        town = principal.town
    ensure_town(principal, town)
    return page.slice(service.list_departments(session, vault, town=town, unit_type=unit_type))


@router.get("/{code}", summary="One department")
def get_department(code: str, principal: Reader, session: SessionDep, vault: PiiDep) -> DepartmentOut:
    department = service.read_department(session, vault, code)
    return found_in_town_or_404(principal, department, "department-not-found", f"no department {code}")


@router.get(
    "/{code}/liaison-contact",
    summary="The liaison's phone unmasked, for the town's 城运中心 with a stated purpose (leaves an access record)",
)
def liaison_contact(
    code: str,
    principal: Registrar,
    session: SessionDep,
    vault: PiiDep,
    request: Request,
    purpose: Annotated[str, Query(min_length=2, max_length=500, description="why the unmasked value is needed")],
) -> LiaisonContactOut:
    department = found_in_town_or_404(
        principal, service.find_department(session, code), "department-not-found", f"no department {code}"
    )
    request_id = getattr(request.state, "request_id", None)
    return service.reveal_liaison(session, vault, department, principal, purpose, request_id)


@router.put("/{code}/liaison", summary="Name a new liaison (专人, DB 31114/Z 010-2025 4.2.4.2)")
def update_liaison(
    code: str, body: LiaisonIn, principal: Registrar, session: SessionDep, vault: PiiDep
) -> DepartmentOut:
    department = found_in_town_or_404(
        principal, service.find_department(session, code), "department-not-found", f"no department {code}"
    )
    return service.update_liaison(session, vault, department, body)
