"""HTTP routes of service institutions: register one, read one, their stationed departments (进驻部门)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from assist_desk.institutions import service
from assist_desk.institutions.models import (
    InstitutionIn,
    InstitutionOut,
    StationedDepartmentIn,
    StationedDepartmentOut,
)
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep, found_in_town_or_404, found_or_404

router = APIRouter(prefix="/institutions", tags=["institutions 政务服务机构"])

# The 区政务服务办公室 coordinates "小嘉帮办" across all institutions (DB 31114/Z 022-2025 5.1).
ServiceOffice = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN, Role.ASSISTANT))]


def institution_in_scope(session: SessionDep, principal: Principal, institution_id: uuid.UUID) -> InstitutionOut:
    """The institution when the caller may see its town; the same 404 as an unknown one otherwise."""
    institution = service.get_institution(session, institution_id)
    return found_in_town_or_404(principal, institution, "institution-not-found", f"no institution {institution_id}")


@router.post("", status_code=201, summary="Register a service institution with its assistance forms (3+X)")
def register_institution(
    body: InstitutionIn, principal: ServiceOffice, session: SessionDep, response: Response
) -> InstitutionOut:
    institution = service.register_institution(session, body, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/institutions/{institution.id}"
    return institution


@router.get("/{institution_id}", summary="One service institution")
def get_institution(institution_id: uuid.UUID, principal: Reader, session: SessionDep) -> InstitutionOut:
    return institution_in_scope(session, principal, institution_id)


@router.post("/{institution_id}/departments", status_code=201, summary="Record a stationed department (进驻部门)")
def add_stationed_department(
    institution_id: uuid.UUID, body: StationedDepartmentIn, principal: ServiceOffice, session: SessionDep
) -> StationedDepartmentOut:
    institution = found_or_404(
        service.get_institution(session, institution_id), "institution-not-found", f"no institution {institution_id}"
    )
    return service.add_stationed_department(session, institution, body, recorded_by=principal.sub)


@router.get("/{institution_id}/departments", summary="The stationed departments of an institution")
def list_stationed_departments(
    institution_id: uuid.UUID, principal: Reader, session: SessionDep, page: PageDep
) -> list[StationedDepartmentOut]:
    institution_in_scope(session, principal, institution_id)
    return page.slice(service.stationed_departments(session, institution_id))
