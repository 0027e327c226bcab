"""Database reads and writes of the roster and patrol logs, and the coverage and compliance reports."""

import uuid
from datetime import UTC, datetime, timedelta

from prometheus_client import Gauge
from sqlmodel import Session, col, select

from grid_dispatch.departments.models import Department
from grid_dispatch.departments.rules import DutyKind, UnitType, duty_kind, patrols_weekly
from grid_dispatch.duty.models import (
    AreaPatrolsOut,
    CoverageGap,
    CoverageOut,
    DutyAssignment,
    DutyAssignmentIn,
    DutyAssignmentOut,
    GridCoverageOut,
    PatrolComplianceOut,
    PatrolLog,
    PatrolLogIn,
    PatrolLogOut,
    PatrolMember,
)
from grid_dispatch.duty.rules import Shift, coverage, patrol_compliance, shift_problem, week_bounds
from grid_dispatch.grids.models import Grid
from grid_dispatch.grids.rules import GridLevel
from grid_dispatch.incidents.rules import CHINA
from grid_dispatch.rulesets import service as rulesets
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.types import assume_utc

COVERAGE_GAPS = Gauge(
    "grid_duty_coverage_gaps",
    "Unit grids without an on-duty responder of a duty kind (DB 31114/Z 010-2025 4.2), at the last check.",
    ["town", "duty_kind"],
)


def _department_in_town(session: Session, code: str, town: str | None, field: str) -> Department:
    department = session.get(Department, code)
    if department is None or (town is not None and department.town != town):
        raise field_error(422, field, f"no department {code}" + (f" in town {town}" if town else ""))
    return department


def _check_unit_grids(session: Session, town: str, grids: list[str], field: str, *, sector_ok: bool) -> list[Grid]:
    found = []
    for index, code in enumerate(grids):
        grid = session.get(Grid, code)
        if grid is None or grid.town != town:
            raise field_error(422, f"{field}.{index}", f"no grid {code} in town {town}")
        if not sector_ok and grid.level != GridLevel.GRID:
            raise field_error(422, f"{field}.{index}", f"{code} is a sector grid; list its unit grids")
        found.append(grid)
    return found


# --- roster ---------------------------------------------------------------------------------------------------------


def add_assignment(
    session: Session, data: DutyAssignmentIn, *, town_scope: str | None, created_by: str
) -> DutyAssignmentOut:
    department = _department_in_town(session, data.department_code, town_scope, "body.department_code")
    kind = duty_kind(UnitType(department.unit_type))
    if kind is None:
        raise field_error(
            422,
            "body.department_code",
            "only a 派出所, 城管中队 or 市场监管所 sinks staff into grids (DB 31114/Z 010-2025 4.2.1-4.2.3)",
        )
    starts_at, ends_at = assume_utc(data.starts_at), assume_utc(data.ends_at)
    problem = shift_problem(starts_at, ends_at)
    if problem is not None:
        raise field_error(422, "body.ends_at", problem)
    _check_unit_grids(session, department.town, data.grids, "body.grids", sector_ok=False)
    row = DutyAssignment(
        town=department.town,
        department_code=department.code,
        duty_kind=kind,
        officer_sub=data.officer_sub,
        officer_name=data.officer_name,
        grids=list(dict.fromkeys(data.grids)),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return assignment_out(row)


def cancel_assignment(session: Session, row: DutyAssignment, *, cancelled_by: str) -> DutyAssignmentOut:
    if row.cancelled_at is not None:
        raise ProblemError(409, "assignment-cancelled", f"roster entry {row.id} is already cancelled")
    row.cancelled_at = datetime.now(UTC)
    row.cancelled_by = cancelled_by
    session.add(row)
    session.flush()
    return assignment_out(row)


def get_assignment(session: Session, assignment_id: uuid.UUID) -> DutyAssignment | None:
    return session.get(DutyAssignment, assignment_id)


def list_assignments(
    session: Session, *, town: str | None, department_code: str | None, at: datetime | None, officer_sub: str | None
) -> list[DutyAssignmentOut]:
    query = select(DutyAssignment).where(col(DutyAssignment.cancelled_at).is_(None))
    if town is not None:
        query = query.where(DutyAssignment.town == town)
    if department_code is not None:
        query = query.where(DutyAssignment.department_code == department_code)
    if officer_sub is not None:
        query = query.where(DutyAssignment.officer_sub == officer_sub)
    if at is not None:
        query = query.where(DutyAssignment.starts_at <= at, DutyAssignment.ends_at > at)
    query = query.order_by(DutyAssignment.starts_at, DutyAssignment.officer_sub)
    return [assignment_out(row) for row in session.exec(query)]


def assignment_out(row: DutyAssignment) -> DutyAssignmentOut:
    return DutyAssignmentOut(
        id=row.id,
        town=row.town,
        department_code=row.department_code,
        duty_kind=DutyKind(row.duty_kind),
        officer_sub=row.officer_sub,
        officer_name=row.officer_name,
        grids=list(row.grids),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        commanded_by=[row.department_code, f"{row.town}:operations_centre"],
    )


def shifts_at(session: Session, town: str, at: datetime, department_code: str | None = None) -> list[Shift]:
    query = select(DutyAssignment).where(
        DutyAssignment.town == town,
        col(DutyAssignment.cancelled_at).is_(None),
        DutyAssignment.starts_at <= at,
        DutyAssignment.ends_at > at,
    )
    if department_code is not None:
        query = query.where(DutyAssignment.department_code == department_code)
    return [
        Shift(
            row.officer_sub,
            row.department_code,
            DutyKind(row.duty_kind),
            tuple(row.grids),
            assume_utc(row.starts_at),
            assume_utc(row.ends_at),
        )
        for row in session.exec(query)
    ]


def on_duty_in_grid(
    session: Session, town: str, department_code: str, grid: str | None, at: datetime
) -> list[tuple[str, datetime]]:
    """(officer, shift start) of the department's staff on duty in `grid` at `at`."""
    if grid is None:
        return []
    return [
        (shift.officer_sub, shift.starts_at)
        for shift in shifts_at(session, town, at, department_code)
        if grid in shift.grids
    ]


def coverage_report(session: Session, town: str, at: datetime) -> CoverageOut:
    standard = rulesets.duty_standard(session, at)
    grids = session.exec(
        select(Grid.code).where(Grid.town == town, Grid.level == GridLevel.GRID).order_by(Grid.code)
    ).all()
    required = list(standard.body.covered_duty_kinds)
    report = coverage(list(grids), shifts_at(session, town, at), at, required)
    gaps = [CoverageGap(grid=entry.grid, duty_kind=kind) for entry in report for kind in entry.missing]
    for kind in DutyKind:
        COVERAGE_GAPS.labels(town, kind.value).set(sum(1 for gap in gaps if gap.duty_kind is kind))
    return CoverageOut(
        town=town,
        at=at,
        rule_version=standard.label,
        grids=[GridCoverageOut(grid=e.grid, responders=e.responders, missing=e.missing) for e in report],
        gaps=gaps,
    )


def all_towns(session: Session) -> list[str]:
    return list(session.exec(select(Grid.town).distinct().order_by(Grid.town)).all())


# --- patrols --------------------------------------------------------------------------------------------------------


def log_patrol(session: Session, data: PatrolLogIn, *, town_scope: str | None, logged_by: str) -> PatrolLogOut:
    department = _department_in_town(session, data.department_code, town_scope, "body.department_code")
    started_at, ended_at = assume_utc(data.started_at), assume_utc(data.ended_at)
    if ended_at <= started_at:
        raise field_error(422, "body.ended_at", "ended_at must be after started_at")
    if started_at > datetime.now(UTC) + timedelta(minutes=5):
        raise field_error(422, "body.started_at", "a patrol is logged after it started")
    grids = _check_unit_grids(session, department.town, data.grids, "body.grids", sector_ok=True)
    areas = sorted(
        {grid.code if grid.level == GridLevel.SECTOR_GRID else grid.parent_code or grid.code for grid in grids}
    )
    row = PatrolLog(
        town=department.town,
        department_code=department.code,
        grids=list(dict.fromkeys(data.grids)),
        areas=areas,
        started_at=started_at,
        ended_at=ended_at,
        patrol_members=[member.model_dump() for member in data.patrol_members],
        findings=data.findings,
        logged_by=logged_by,
        logged_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return patrol_out(row)


def list_patrols(
    session: Session, *, town: str | None, department_code: str | None, since: datetime | None, until: datetime | None
) -> list[PatrolLogOut]:
    query = select(PatrolLog)
    if town is not None:
        query = query.where(PatrolLog.town == town)
    if department_code is not None:
        query = query.where(PatrolLog.department_code == department_code)
    if since is not None:
        query = query.where(PatrolLog.started_at >= since)
    if until is not None:
        query = query.where(PatrolLog.started_at < until)
    return [patrol_out(row) for row in session.exec(query.order_by(PatrolLog.started_at))]


def patrol_out(row: PatrolLog) -> PatrolLogOut:
    return PatrolLogOut(
        id=row.id,
        town=row.town,
        department_code=row.department_code,
        grids=list(row.grids),
        areas=list(row.areas),
        started_at=row.started_at,
        ended_at=row.ended_at,
        patrol_members=[PatrolMember(**member) for member in row.patrol_members],
        findings=row.findings,
        logged_by=row.logged_by,
        logged_at=row.logged_at,
    )


def compliance_report(session: Session, town: str, week: str) -> PatrolComplianceOut:
    try:
        monday, sunday = week_bounds(week)
    except ValueError as exc:
        raise field_error(422, "query.week", "an ISO week such as 2025-W07") from exc
    since = datetime.combine(monday, datetime.min.time(), tzinfo=CHINA).astimezone(UTC)
    until = since + timedelta(days=7)
    standard = rulesets.duty_standard(session, since)
    sectors = session.exec(select(Grid.code, Grid.parent_code).where(Grid.town == town)).all()
    sector_codes = sorted({code for code, parent in sectors if parent is None})
    sector_of = {code: parent or code for code, parent in sectors}
    areas_by_department: dict[str, list[str]] = {}
    for department in session.exec(select(Department).where(Department.town == town)):
        if not patrols_weekly(UnitType(department.unit_type)):
            continue
        listed = department.grids or []
        # 对应辖区: the sector grids of the grids it answers for; the whole town when it lists none.
        areas_by_department[department.code] = (
            sorted({sector_of.get(code, code) for code in listed}) if listed else sector_codes
        )
    patrols = session.exec(
        select(PatrolLog.department_code, PatrolLog.areas).where(
            PatrolLog.town == town, PatrolLog.started_at >= since, PatrolLog.started_at < until
        )
    ).all()
    body = standard.body
    report = patrol_compliance(
        areas_by_department,
        [(code, areas) for code, areas in patrols],
        body.patrol_min_per_week,
        body.patrol_max_per_week,
    )
    return PatrolComplianceOut(
        town=town,
        week=week,
        week_start=monday.isoformat(),
        week_end=sunday.isoformat(),
        rule_version=standard.label,
        minimum=body.patrol_min_per_week,
        maximum=body.patrol_max_per_week,
        areas=[
            AreaPatrolsOut(department_code=a.department_code, area=a.area, patrols=a.patrols, status=a.status)
            for a in report
        ],
        compliant=all(a.status != "missing" for a in report),
    )
