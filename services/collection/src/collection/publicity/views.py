"""HTTP routes of publicity (DB 31114/Z 004-2025): preparation records, activities (表 A.1), the monthly report and
the versioned rules. Organisers (§4): 社区民警 and 社区综合协管员 of the committee's areas."""

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session, col, select

from collection.places.models import Area
from collection.places.scope import AreaScope, collection_scope, read_scope, supervision_scope
from collection.publicity import service
from collection.publicity.models import (
    ActivityIn,
    ActivityOut,
    MonthlyReportOut,
    PreparationIn,
    PreparationOut,
    PublicityRuleIn,
    PublicityRuleOut,
    PublicityRuleVersion,
)
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.errors import field_error
from jiading_shared.pagination import PageDep
from jiading_shared.service import BlobsDep, SessionDep

router = APIRouter(tags=["publicity 实有人口宣传"])

Organiser = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE, Role.ADMIN))]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE, Role.COMMANDER)),
]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def committees_of(session: Session, *scopes: AreaScope) -> frozenset[str] | None:
    """The committees of the scopes' areas (None: everything)."""
    if any(scope.everything for scope in scopes):
        return None
    codes = sorted(set().union(*(scope.codes for scope in scopes)))
    return frozenset(session.exec(select(Area.committee).where(col(Area.code).in_(codes))).all())


def organiser_committees(session: Session, principal: Principal) -> frozenset[str] | None:
    return committees_of(session, collection_scope(session, principal), supervision_scope(session, principal))


@router.post(
    "/publicity/preparations", status_code=201, summary="Record the preparation of a 集中 / 体验式 activity (7.3)"
)
def record_preparation(body: PreparationIn, principal: Organiser, session: SessionDep) -> PreparationOut:
    row = service.record_preparation(session, body, allowed=organiser_committees(session, principal), by=principal.sub)
    return PreparationOut.model_validate(row, from_attributes=True)


@router.post("/publicity/activities", status_code=201, summary="Record a publicity activity (表 A.1, 004 §5–§7)")
def record_activity(body: ActivityIn, principal: Organiser, session: SessionDep, blobs: BlobsDep) -> ActivityOut:
    row = service.record_activity(
        session, blobs, body, allowed=organiser_committees(session, principal), by=principal.sub
    )
    return ActivityOut.model_validate(row, from_attributes=True)


@router.get(
    "/publicity/reports/monthly",
    summary="集中宣传 per committee in a calendar month; committees below the 7.5 minimum are marked missed",
)
def monthly_report(
    principal: Reader,
    session: SessionDep,
    month: Annotated[str, Query(description="YYYY-MM")],
) -> MonthlyReportOut:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise field_error(422, "query.month", "expected YYYY-MM")
    first = date(int(month[:4]), int(month[5:]), 1)
    committees = committees_of(session, read_scope(session, principal))
    return service.monthly_report(session, first, None if committees is None else sorted(committees))


@router.get("/publicity-rules", summary="Versions of the publicity rules (7.3 preparation days, 7.5 monthly minimum)")
def list_publicity_rules(_principal: Reader, session: SessionDep, page: PageDep) -> list[PublicityRuleOut]:
    rows = page.rows(
        session.exec(page.select(select(PublicityRuleVersion).order_by(col(PublicityRuleVersion.version)))).all()
    )
    return [PublicityRuleOut.model_validate(row, from_attributes=True) for row in rows]


@router.post("/publicity-rules", status_code=201, summary="Add a version of the publicity rules (by notice)")
def add_publicity_rules(body: PublicityRuleIn, principal: Admin, session: SessionDep) -> PublicityRuleOut:
    row = service.add_rule_version(session, body, created_by=principal.sub)
    return PublicityRuleOut.model_validate(row, from_attributes=True)
