"""HTTP route of the institution summary for the 区政务服务办公室."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assist_desk.institutions.models import ServiceInstitution
from assist_desk.reports import service
from assist_desk.reports.models import InstitutionSummary
from jiading_shared.auth import Principal, Role, require_roles, town_in_scope
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.service import SessionDep

router = APIRouter(tags=["reports 汇总"])

Supervisor = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN, Role.ASSISTANT))]
MAX_PERIOD_DAYS = 366


@router.get("/institutions/{institution_id}/summary", summary="Periodic summary of an institution (5.2.1.4, 7.3.3)")
def institution_summary(
    institution_id: uuid.UUID,
    principal: Supervisor,
    session: SessionDep,
    period_from: Annotated[date, Query(alias="from", description="first day (Asia/Shanghai)")],
    period_to: Annotated[date, Query(alias="to", description="last day, inclusive")],
) -> InstitutionSummary:
    if period_to < period_from:
        raise field_error(422, "query.to", "the period ends before it starts")
    if (period_to - period_from).days >= MAX_PERIOD_DAYS:
        raise field_error(422, "query.to", f"a summary covers at most {MAX_PERIOD_DAYS} days")
    institution = session.get(ServiceInstitution, institution_id)
    if institution is None or not town_in_scope(principal, institution.town):
        raise ProblemError(404, "institution-not-found", f"no institution {institution_id}")
    return service.institution_summary(session, institution, period_from, period_to)
