"""HTTP routes of reports: coverage per area and town, for district staff, police and collectors (each their scope)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from collection.places.scope import read_scope
from collection.reports import service
from collection.reports.models import CoverageReport
from collection.visits.rules import local_date
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.service import SessionDep

router = APIRouter(tags=["reports 统计"])

ReportReader = Annotated[
    Principal,
    Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE, Role.COMMANDER)),
]


@router.get("/reports/coverage", summary="Coverage per area and town: rooms visited, collected, vacant, overdue, never")
def coverage_report(principal: ReportReader, session: SessionDep) -> CoverageReport:
    scope = read_scope(session, principal)
    return service.coverage(session, None if scope.everything else sorted(scope.codes), local_date(datetime.now(UTC)))
