"""HTTP routes of the indicator rule table: read the rules in force, list versions, publish a new version."""

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.errors import field_error
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep, found_or_404
from jiading_shared.types import VersionPath
from library_metrics.indicators import service
from library_metrics.indicators.models import RuleVersionIn, RuleVersionOut, RuleVersionSummary
from library_metrics.indicators.rules import COMMON_PARAMS, METRIC_PARAMS, METRIC_SPECS, TOWN_METRICS, Metric

router = APIRouter(tags=["indicator rules 指标规则"])

CHINA = ZoneInfo("Asia/Shanghai")
Reader = Annotated[Principal, Depends(require_roles(Role.CULTURE_BUREAU, Role.FACILITY_STAFF))]
# The rule table changes by the bureau's notice only.
Bureau = Annotated[Principal, Depends(require_roles(Role.CULTURE_BUREAU))]


class MetricOut(BaseModel):
    metric: Metric
    scope: str
    required_params: list[str]
    optional_params: list[str]
    value_kind: str = Field(description="count | ratio (0–1) | yes_no (1 = yes) | quantity | weekly_hours")
    periods: list[str] = Field(description="rule periods the metric can be stated for")
    cumulative: bool = Field(description="a total over its period: below threshold is pending until the period ends")


@router.get("/indicator-rules", summary="The indicator rules in force on a day (default today)")
def rules_in_force(
    principal: Reader, session: SessionDep, on: Annotated[date | None, Query(description="日期")] = None
) -> RuleVersionOut:
    day = on or datetime.now(CHINA).date()
    return found_or_404(service.version_out_in_force(session, day), "no-rules-in-force", f"no rules in force on {day}")


@router.get("/indicator-rule-versions", summary="Every version of the rule table, oldest first")
def list_versions(principal: Reader, session: SessionDep, page: PageDep) -> list[RuleVersionSummary]:
    return page.slice(service.list_versions(session))


@router.get("/indicator-rule-versions/{version}", summary="One version with all its rules")
def get_version(version: VersionPath, principal: Reader, session: SessionDep) -> RuleVersionOut:
    return found_or_404(service.get_version(session, version), "rule-version-not-found", f"no version {version}")


@router.post(
    "/indicator-rule-versions",
    status_code=201,
    summary="Publish a new version: rules added, changed or retired from a date (never edits a version in place)",
)
def create_version(body: RuleVersionIn, principal: Bureau, session: SessionDep, response: Response) -> RuleVersionOut:
    # A version may not take effect in the past: results already published keep the rules they were judged by.
    if body.effective_from < datetime.now(CHINA).date():
        raise field_error(422, "body.effective_from", "must be today or later (past results keep their rules)")
    version = service.create_version(session, body, created_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/indicator-rule-versions/{version.version}"
    return version


@router.get("/indicator-metrics", summary="The metrics a rule may name, with their parameters")
def list_metrics(principal: Reader, page: PageDep) -> list[MetricOut]:
    return page.slice(
        [
            MetricOut(
                metric=metric,
                scope="town" if metric in TOWN_METRICS else "facility",
                required_params=sorted(METRIC_PARAMS[metric].required) if metric in METRIC_PARAMS else [],
                optional_params=sorted(
                    (METRIC_PARAMS[metric].optional if metric in METRIC_PARAMS else frozenset()) | COMMON_PARAMS
                ),
                value_kind=METRIC_SPECS[metric].kind.value,
                periods=sorted(METRIC_SPECS[metric].periods),
                cumulative=METRIC_SPECS[metric].cumulative,
            )
            for metric in Metric
        ]
    )
