"""HTTP routes of rule sets: read the versions, the one in force, and publish a new one."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid_dispatch.rulesets import service
from grid_dispatch.rulesets.models import RuleKind, RuleVersionIn, RuleVersionOut
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep

router = APIRouter(prefix="/rules", tags=["rules 规则版本"])

# Dispatchers publish routing versions (issue 4 item 4); commanders any kind. Every grid role may read them.
Publisher = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER))]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.DISPATCHER, Role.COMMANDER, Role.DUTY_OFFICER, Role.OPERATIONS_PATROL)),
]


@router.get("/{kind}/versions", summary="Every version of a rule set, oldest first")
def list_versions(kind: RuleKind, principal: Reader, session: SessionDep, page: PageDep) -> list[RuleVersionOut]:
    return page.slice(service.list_versions(session, kind))


@router.get("/{kind}/in-force", summary="The version in force (now, or at a given time)")
def in_force(
    kind: RuleKind,
    principal: Reader,
    session: SessionDep,
    at: Annotated[datetime | None, Query(description="ISO time; default now")] = None,
) -> RuleVersionOut:
    rule_set = service.in_force(session, kind, at)
    versions = {version.version: version for version in service.list_versions(session, kind)}
    return versions[rule_set.version]


@router.post("/{kind}/versions", status_code=201, summary="Publish a new version (never edits an old one)")
def publish(
    kind: RuleKind, body: RuleVersionIn, principal: Publisher, session: SessionDep, response: Response
) -> RuleVersionOut:
    if kind is not RuleKind.ROUTING and not principal.satisfies(Role.COMMANDER):
        raise ProblemError(403, "forbidden", f"only a commander publishes {kind} rules")
    published = service.publish(session, kind, body, published_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/rules/{kind}/versions/{published.version}"
    return published
