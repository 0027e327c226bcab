"""HTTP routes of compliance: a facility's results (the contract), a town's layout, reports and CSV exports."""

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from jiading_shared.auth import Principal, Role, ensure_town, require_roles
from jiading_shared.csv_export import csv_response
from jiading_shared.errors import FieldError, ProblemError, field_error
from jiading_shared.pagination import PageDep
from jiading_shared.service import SessionDep, found_in_town_or_404
from jiading_shared.workdays import WorkdayCalendar
from library_metrics.compliance import service
from library_metrics.compliance.models import (
    BreachRun,
    ComplianceResultOut,
    DistrictReport,
    FacilitySummary,
    GroupSummary,
    TownReport,
)
from library_metrics.compliance.rules import CHINA, Period, RuleResult, Status
from library_metrics.facilities.models import CODE_LENGTH, Facility

router = APIRouter(tags=["compliance 达标评估"])

Keeper = Annotated[Principal, Depends(require_roles(Role.CULTURE_BUREAU, Role.FACILITY_STAFF))]
Bureau = Annotated[Principal, Depends(require_roles(Role.CULTURE_BUREAU))]


def period_query(
    year: Annotated[int, Query(ge=2000, le=2100, description="年份")],
    month: Annotated[int | None, Query(ge=1, le=12, description="月份 (optional)")] = None,
    week: Annotated[int | None, Query(ge=1, le=53, description="ISO 周 (optional)")] = None,
) -> Period:
    if month is not None and week is not None:
        raise ProblemError(
            422,
            "validation-error",
            "give month or week, not both",
            errors=[FieldError(field="query.week", message="give month or week, not both")],
        )
    try:
        return Period.of(year, month=month, week=week)
    except ValueError as exc:
        raise field_error(422, "query.week", str(exc)) from exc


PeriodDep = Annotated[Period, Depends(period_query)]


def _calendar(request: Request) -> WorkdayCalendar:
    calendar: WorkdayCalendar = request.app.state.calendar
    return calendar


def _now() -> datetime:
    return datetime.now(UTC)


def _rules_or_422(error: service.NoRulesInForce) -> ProblemError:
    return field_error(422, "query.year", str(error), slug="no-rules-in-force")


@router.get(
    "/facilities/{facility_id}/compliance",
    summary="Every rule for the facility's tier, evaluated for a year, month or ISO week",
)
def facility_compliance(
    facility_id: uuid.UUID,
    period: PeriodDep,
    principal: Keeper,
    session: SessionDep,
    request: Request,
    response: Response,
    page: PageDep,
) -> list[ComplianceResultOut]:
    facility = found_in_town_or_404(
        principal, session.get(Facility, facility_id), "facility-not-found", f"no facility {facility_id}"
    )
    try:
        rule_set, results = service.evaluate_one(session, facility, period, _calendar(request), _now())
    except service.NoRulesInForce as exc:
        raise _rules_or_422(exc) from exc
    response.headers["X-Rule-Version"] = str(rule_set.version)
    return page.slice([service.result_out(result, period, rule_set.version) for result in results])


TownCode = Annotated[str, Query(min_length=1, max_length=CODE_LENGTH)]


@router.get("/towns/{town}/compliance", summary="The layout rules of DB 31114/Z 006-2025 5.2 for one 街镇")
def town_compliance(
    town: str, period: PeriodDep, principal: Keeper, session: SessionDep, response: Response, page: PageDep
) -> list[ComplianceResultOut]:
    ensure_town(principal, town)
    try:
        rule_set, results = service.evaluate_town_layout(session, town, period)
    except service.NoRulesInForce as exc:
        raise _rules_or_422(exc) from exc
    response.headers["X-Rule-Version"] = str(rule_set.version)
    return page.slice([service.result_out(result, period, rule_set.version) for result in results])


def _summary(evaluation: service.FacilityEvaluation) -> FacilitySummary:
    passed, failed, insufficient, pending = service.summarize(evaluation.results)
    return FacilitySummary(
        facility_id=uuid.UUID(evaluation.profile.id),
        name=evaluation.profile.name,
        tier=evaluation.profile.tier,
        town=evaluation.profile.town,
        passed=passed,
        failed=failed,
        insufficient_data=insufficient,
        pending=pending,
        failing_rules=[r.rule_id for r in evaluation.results if r.status is Status.FAIL],
    )


def _ratio(passed: int, failed: int, pending: int) -> float | None:
    ratio = service.pass_ratio(passed, failed, pending)
    return None if ratio is None else round(ratio, 4)


@router.get("/reports/towns/{town}", summary="A 街镇's report: layout rules and every facility's results")
def town_report(town: str, period: PeriodDep, principal: Keeper, session: SessionDep, request: Request) -> TownReport:
    ensure_town(principal, town)
    try:
        rule_set, evaluations = service.evaluate_many(session, period, _calendar(request), _now(), town=town)
        _same, layout = service.evaluate_town_layout(session, town, period)
    except service.NoRulesInForce as exc:
        raise _rules_or_422(exc) from exc
    summaries = [_summary(evaluation) for evaluation in evaluations]
    passed, failed, insufficient, pending = service.summarize([r for e in evaluations for r in e.results] + layout)
    return TownReport(
        town=town,
        period=period.key,
        rule_version=rule_set.version,
        layout=[service.result_out(result, period, rule_set.version) for result in layout],
        facilities=summaries,
        passed=passed,
        failed=failed,
        insufficient_data=insufficient,
        pending=pending,
        pass_ratio=_ratio(passed, failed, pending),
    )


def _groups(evaluations: list[service.FacilityEvaluation], key: str) -> list[GroupSummary]:
    grouped: dict[str, list[service.FacilityEvaluation]] = defaultdict(list)
    for evaluation in evaluations:
        grouped[getattr(evaluation.profile, key)].append(evaluation)
    groups = []
    for name, members in sorted(grouped.items()):
        passed, failed, insufficient, pending = service.summarize(r for e in members for r in e.results)
        groups.append(
            GroupSummary(
                key=name,
                facilities=len(members),
                passed=passed,
                failed=failed,
                insufficient_data=insufficient,
                pending=pending,
                pass_ratio=_ratio(passed, failed, pending),
            )
        )
    return groups


@router.get("/reports/district", summary="District summary: by 街镇, by tier, failing rules by clause")
def district_report(period: PeriodDep, principal: Bureau, session: SessionDep, request: Request) -> DistrictReport:
    try:
        rule_set, evaluations = service.evaluate_many(session, period, _calendar(request), _now())
    except service.NoRulesInForce as exc:
        raise _rules_or_422(exc) from exc
    layout_failures: list[ComplianceResultOut] = []
    for town in service.known_towns(session):
        for result in service.evaluate_town(rule_set.rules, service.town_facts(session, town), period):
            if result.status is Status.FAIL:
                out = service.result_out(result, period, rule_set.version)
                layout_failures.append(out.model_copy(update={"explanation": f"[{town}] {out.explanation}"}))
    failing: dict[str, int] = defaultdict(int)
    for evaluation in evaluations:
        for result in evaluation.results:
            if result.status is Status.FAIL:
                failing[result.clause] += 1
    passed, failed, insufficient, pending = service.summarize(r for e in evaluations for r in e.results)
    return DistrictReport(
        period=period.key,
        rule_version=rule_set.version,
        facilities=len(evaluations),
        passed=passed,
        failed=failed,
        insufficient_data=insufficient,
        pending=pending,
        pass_ratio=_ratio(passed, failed, pending),
        by_town=_groups(evaluations, "town"),
        by_tier=_groups(evaluations, "tier"),
        failing_by_clause=dict(sorted(failing.items())),
        failing_layout_rules=layout_failures,
    )


CSV_COLUMNS = [
    "period",
    "rule_version",
    "town",
    "facility_id",
    "facility",
    "tier",
    "rule_id",
    "clause",
    "status",
    "value",
    "threshold",
    "unit",
    "explanation",
]


def _csv_response(rows: list[list[object]], filename: str) -> Response:
    return csv_response(CSV_COLUMNS, rows, filename)


def _csv_rows(
    period: Period, version: int, town: str, facility: tuple[str, str, str], results: list[RuleResult]
) -> list[list[object]]:
    facility_id, name, tier = facility
    return [
        [
            period.key,
            version,
            town,
            facility_id,
            name,
            tier,
            r.rule_id,
            r.clause,
            r.status.value,
            "" if r.value is None else r.value,
            r.threshold,
            r.unit,
            r.explanation,
        ]
        for r in results
    ]


@router.get(
    "/reports/district/export.csv",
    summary="Every facility's and 街镇's results as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def district_csv(period: PeriodDep, principal: Bureau, session: SessionDep, request: Request) -> Response:
    return _export(session, request, period, town=None)


@router.get(
    "/reports/towns/{town}/export.csv",
    summary="A 街镇's results as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def town_csv(town: str, period: PeriodDep, principal: Keeper, session: SessionDep, request: Request) -> Response:
    ensure_town(principal, town)
    return _export(session, request, period, town=town)


def _export(session: SessionDep, request: Request, period: Period, *, town: str | None) -> Response:
    try:
        rule_set, evaluations = service.evaluate_many(session, period, _calendar(request), _now(), town=town)
    except service.NoRulesInForce as exc:
        raise _rules_or_422(exc) from exc
    rows: list[list[object]] = []
    for code in [town] if town is not None else service.known_towns(session):
        layout = service.evaluate_town(rule_set.rules, service.town_facts(session, code), period)
        rows += _csv_rows(period, rule_set.version, code, ("", "", ""), layout)
    for e in evaluations:
        rows += _csv_rows(
            period, rule_set.version, e.profile.town, (e.profile.id, e.profile.name, e.profile.tier), e.results
        )
    name = f"library-compliance-{town or 'district'}-{period.key}.csv"
    return _csv_response(rows, name)


@router.post(
    "/compliance/breaches",
    summary="Close a period now (without waiting for its grace window): publish indicator.breached for each failing "
    "rule not yet published, and indicator.breach_withdrawn for each earlier breach that now passes",
)
def close_period(period: PeriodDep, principal: Bureau, session: SessionDep, request: Request) -> BreachRun:
    now = _now()
    if not period.is_closed(now.astimezone(CHINA).date()):
        raise field_error(422, "query.year", f"period {period.key} has not closed yet", slug="period-open")
    try:
        # The bureau closing a period is the decision that its records are in: no grace window.
        run = service.publish_breaches(session, period, _calendar(request), now, grace_days=0)
    except service.NoRulesInForce as exc:
        raise _rules_or_422(exc) from exc
    return BreachRun(
        period=period.key, evaluated_facilities=run.evaluated, published=run.published, withdrawn=run.withdrawn
    )
