"""HTTP routes of matters: register, add a version, read the version in force and the history."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from assist_desk.matters import service
from assist_desk.matters.models import MatterIn, MatterOut, MatterVersionIn
from assist_desk.matters.rules import CODE_PATTERN
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep, found_or_404

router = APIRouter(prefix="/matters", tags=["matters 事项"])

ServiceOffice = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN, Role.ASSISTANT))]
MatterCode = Annotated[str, Path(pattern=CODE_PATTERN)]


@router.post("", status_code=201, summary="Register a matter (version 1)")
def register_matter(body: MatterIn, principal: ServiceOffice, session: SessionDep, response: Response) -> MatterOut:
    matter = service.register_matter(session, body, created_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/matters/{matter.code}"
    return matter


@router.get("", summary="Every matter, as the version in force now")
def list_matters(principal: Reader, session: SessionDep, page: PageDep) -> list[MatterOut]:
    return page.slice(service.list_in_force(session))


@router.post("/{code}/versions", status_code=201, summary="Add a version of a matter (never an edit)")
def add_matter_version(
    code: MatterCode, body: MatterVersionIn, principal: ServiceOffice, session: SessionDep
) -> MatterOut:
    return service.add_version(session, code, body, created_by=principal.sub)


@router.get("/{code}", summary="The version of a matter in force now")
def get_matter(code: MatterCode, principal: Reader, session: SessionDep) -> MatterOut:
    row = found_or_404(service.matter_in_force(session, code), "matter-not-found", f"no matter {code} in force")
    return service.matter_out(row)


@router.get("/{code}/versions", summary="Every version of a matter, oldest first")
def matter_versions(code: MatterCode, principal: Reader, session: SessionDep, page: PageDep) -> list[MatterOut]:
    rows = service.versions_of(session, code)
    found_or_404(rows or None, "matter-not-found", f"no matter {code}")
    return [service.matter_out(row) for row in page.slice(rows)]
