"""HTTP routes of the policy: the version in force, the history, a new version (never an edit)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from assist_desk.policy import service
from assist_desk.policy.models import PolicyIn, PolicyOut
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import SessionDep

router = APIRouter(prefix="/policies", tags=["policy 帮办规则"])

ServiceOffice = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN, Role.ASSISTANT))]


@router.get("/current", summary="The policy version in force now")
def current_policy(principal: Reader, session: SessionDep) -> PolicyOut:
    return service.policy_out(service.policy_in_force(session))


@router.get("", summary="Every policy version, oldest first")
def policy_versions(principal: ServiceOffice, session: SessionDep, page: PageDep) -> list[PolicyOut]:
    return page.slice(service.list_versions(session))


@router.post("", status_code=201, summary="Add a policy version (rules change by notice, never in place)")
def add_policy_version(body: PolicyIn, principal: ServiceOffice, session: SessionDep) -> PolicyOut:
    return service.add_version(session, body, created_by=principal.sub)
