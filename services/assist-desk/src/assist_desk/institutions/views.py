"""HTTP routes of service institutions: register one, read one."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from assist_desk.institutions import service
from assist_desk.institutions.models import InstitutionIn, InstitutionOut
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.service import API_PREFIX, SessionDep, found_or_404

router = APIRouter(prefix="/institutions", tags=["institutions 政务服务机构"])

# The 区政务服务办公室 coordinates "小嘉帮办" across all institutions (DB 31114/Z 022-2025 5.1).
ServiceOffice = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN))]


@router.post("", status_code=201, summary="Register a service institution with its assistance forms (3+X)")
def register_institution(
    body: InstitutionIn, principal: ServiceOffice, session: SessionDep, response: Response
) -> InstitutionOut:
    institution = service.register_institution(session, body, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/institutions/{institution.id}"
    return institution


@router.get("/{institution_id}", summary="One service institution")
def get_institution(institution_id: uuid.UUID, principal: ServiceOffice, session: SessionDep) -> InstitutionOut:
    institution = service.get_institution(session, institution_id)
    return found_or_404(institution, "institution-not-found", f"no institution {institution_id}")
