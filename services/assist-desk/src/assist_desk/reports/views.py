"""HTTP routes of the summaries for the 区政务服务办公室: one institution, or the whole district (JSON or CSV)."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from assist_desk.institutions.models import ServiceInstitution
from assist_desk.reports import service
from assist_desk.reports.models import DistrictSummary, InstitutionSummary
from assist_desk.reports.rules import district_csv
from jiading_shared.auth import Principal, Role, ensure_town, require_roles, town_in_scope
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.service import SessionDep

router = APIRouter(tags=["reports 汇总"])

Supervisor = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN, Role.ASSISTANT))]
MAX_PERIOD_DAYS = 366
# The days a summary can cover: converting 0001-01-01 in Asia/Shanghai to UTC overflows datetime (a 500).
PERIOD_LIMITS = (date(2000, 1, 1), date(2099, 12, 31))
PeriodFrom = Annotated[date, Query(alias="from", description="first day (Asia/Shanghai)")]
PeriodTo = Annotated[date, Query(alias="to", description="last day, inclusive")]
TownFilter = Annotated[
    str | None, Query(max_length=50, description="limit to one town; staff of a town always get their own")
]


def checked_period(period_from: date, period_to: date) -> tuple[date, date]:
    for field, day in (("query.from", period_from), ("query.to", period_to)):
        if not PERIOD_LIMITS[0] <= day <= PERIOD_LIMITS[1]:
            raise field_error(422, field, f"must be between {PERIOD_LIMITS[0]} and {PERIOD_LIMITS[1]}")
    if period_to < period_from:
        raise field_error(422, "query.to", "the period ends before it starts")
    if (period_to - period_from).days >= MAX_PERIOD_DAYS:
        raise field_error(422, "query.to", f"a summary covers at most {MAX_PERIOD_DAYS} days")
    return period_from, period_to


@router.get("/institutions/{institution_id}/summary", summary="Periodic summary of an institution (5.2.1.4, 7.3.3)")
def institution_summary(
    institution_id: uuid.UUID,
    principal: Supervisor,
    session: SessionDep,
    period_from: PeriodFrom,
    period_to: PeriodTo,
) -> InstitutionSummary:
    first, last = checked_period(period_from, period_to)
    institution = session.get(ServiceInstitution, institution_id)
    if institution is None or not town_in_scope(principal, institution.town):
        raise ProblemError(404, "institution-not-found", f"no institution {institution_id}")
    return service.institution_summary(session, institution, first, last)


def _district(
    principal: Principal, session: SessionDep, period_from: date, period_to: date, town: str | None
) -> DistrictSummary:
    first, last = checked_period(period_from, period_to)
    if not principal.is_district_wide():
        # A town's staff see their town's institutions only (403 for another town, or when they have no town).
        town = town or principal.town
        ensure_town(principal, town)
    return service.district_summary(session, town, first, last)


@router.get(
    "/reports/district-summary",
    summary="Summary of every institution in the district and the district's totals (5.2.1.4)",
)
def district_summary(
    principal: Supervisor, session: SessionDep, period_from: PeriodFrom, period_to: PeriodTo, town: TownFilter = None
) -> DistrictSummary:
    return _district(principal, session, period_from, period_to, town)


@router.get(
    "/reports/district-summary.csv",
    summary="The district summary as a spreadsheet (CSV, UTF-8 with BOM; cells safe from formula injection)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def district_summary_csv(
    principal: Supervisor, session: SessionDep, period_from: PeriodFrom, period_to: PeriodTo, town: TownFilter = None
) -> Response:
    summary = _district(principal, session, period_from, period_to, town)
    filename = f"assist-district-summary-{summary.period_from}-{summary.period_to}.csv"
    return Response(
        content=district_csv(summary),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
