"""HTTP routes of reports: coverage per area and town, for district staff, police and collectors (each their scope)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session, col, select

from collection.places.models import Area
from collection.places.scope import AreaScope, read_scope
from collection.reports import service
from collection.reports.models import CoverageReport
from collection.visits.rules import local_date
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.service import SessionDep

router = APIRouter(tags=["reports 统计"])

# District staff (指挥协调管理人员) read the coverage of the district, or of their 街镇 when the token names one. The
# other district-wide roles of the suite (政务服务办, 文旅局, 残联) have no part in population collection: 403.
REPORT_ROLES = (Role.COLLECTOR, Role.COMMUNITY_POLICE, Role.COMMANDER)
ReportReader = Annotated[Principal, Depends(require_roles(*REPORT_ROLES))]


def report_scope(session: Session, principal: Principal) -> AreaScope:
    """The areas whose coverage the caller reads (issue 3 item 9): a collector their areas, the police their
    station's, district staff the whole district, or all areas of their 街镇 when the token carries a `town`."""
    scope = read_scope(session, principal)
    if scope.everything or principal.town is None or not principal.has_role(Role.COMMANDER):
        return scope
    town_areas = session.exec(select(Area.code).where(col(Area.town) == principal.town)).all()
    return AreaScope(everything=False, codes=scope.codes | frozenset(town_areas))


@router.get(
    "/reports/coverage",
    summary="Coverage per area and town: rooms visited, collected, vacant, overdue, never; duplicates found, resolved",
)
def coverage_report(principal: ReportReader, session: SessionDep) -> CoverageReport:
    scope = report_scope(session, principal)
    return service.coverage(session, None if scope.everything else sorted(scope.codes), local_date(datetime.now(UTC)))
