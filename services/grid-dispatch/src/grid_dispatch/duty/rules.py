"""Pure rules of the duty standard: grid coverage at a time and weekly patrol compliance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from grid_dispatch.departments.rules import DutyKind


@dataclass(frozen=True)
class Shift:
    officer_sub: str
    department_code: str
    duty_kind: DutyKind
    grids: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime

    def on_duty_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass
class GridCoverage:
    grid: str
    responders: dict[DutyKind, list[str]] = field(default_factory=dict)
    missing: list[DutyKind] = field(default_factory=list)


def coverage(
    grids: Sequence[str], shifts: Iterable[Shift], at: datetime, required: Sequence[DutyKind]
) -> list[GridCoverage]:
    """For each grid, who of each required kind is on duty at `at` and which kinds are missing (DB 31114/Z 010-2025
    4.2.2.1, 4.2.3.1: 确保每个网格有人员能及时响应; 4.2.1.5 for the 派出所). One officer may cover several grids."""
    result = {grid: GridCoverage(grid, {kind: [] for kind in required}) for grid in grids}
    for shift in shifts:
        if not shift.on_duty_at(at) or shift.duty_kind not in required:
            continue
        for grid in shift.grids:
            entry = result.get(grid)
            if entry is not None and shift.officer_sub not in entry.responders[shift.duty_kind]:
                entry.responders[shift.duty_kind].append(shift.officer_sub)
    for entry in result.values():
        entry.missing = [kind for kind in required if not entry.responders[kind]]
    return [result[grid] for grid in grids]


def shift_problem(starts_at: datetime, ends_at: datetime, max_hours: int = 24 * 31) -> str | None:
    if ends_at <= starts_at:
        return "ends_at must be after starts_at"
    if ends_at - starts_at > timedelta(hours=max_hours):
        return f"a roster entry spans at most {max_hours} hours"
    return None


class PatrolStatus(StrEnum):
    MISSING = "missing"  # 未巡: below the weekly minimum
    COMPLIANT = "compliant"  # 1-2 次
    ABOVE = "above"  # more than the weekly maximum: compliant, reported so the load is visible


@dataclass(frozen=True)
class AreaPatrols:
    department_code: str
    area: str  # sector grid (片区网格) code
    patrols: int
    status: PatrolStatus


def week_bounds(iso_week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written `2025-W07`; ValueError when malformed."""
    year_text, _, week_text = iso_week.partition("-W")
    monday = date.fromisocalendar(int(year_text), int(week_text), 1)
    return monday, monday + timedelta(days=6)


def patrol_compliance(
    areas_by_department: Mapping[str, Sequence[str]],
    patrol_areas: Iterable[tuple[str, Iterable[str]]],
    minimum: int,
    maximum: int,
) -> list[AreaPatrols]:
    """DB 31114/Z 010-2025 4.2.4.1: each department other than 公安, 城管执法 and 市场监管 patrols each of its areas
    1-2 times a week. `patrol_areas` holds (department, sector grids the patrol went through) for the week."""
    counts: dict[tuple[str, str], int] = {}
    for department, areas in patrol_areas:
        for area in set(areas):
            counts[(department, area)] = counts.get((department, area), 0) + 1
    report = []
    for department, areas in sorted(areas_by_department.items()):
        for area in sorted(areas):
            patrols = counts.get((department, area), 0)
            status = (
                PatrolStatus.MISSING
                if patrols < minimum
                else PatrolStatus.ABOVE
                if patrols > maximum
                else PatrolStatus.COMPLIANT
            )
            report.append(AreaPatrols(department, area, patrols, status))
    return report
