"""Pure rules about the grid hierarchy."""

from dataclasses import dataclass
from enum import StrEnum


class GridLevel(StrEnum):
    SECTOR_GRID = "sector_grid"  # 片区网格: holds the weekly meeting (DB 31114/Z 009-2025 4.1.1)
    GRID = "grid"  # 村居(单元)网格: the unit grid, JWT claim `grids`


GRID_LEVEL_LABELS: dict[GridLevel, str] = {GridLevel.SECTOR_GRID: "片区网格", GridLevel.GRID: "村居(单元)网格"}


@dataclass(frozen=True)
class GridRef:
    code: str
    level: GridLevel
    town: str


def parent_problem(level: GridLevel, town: str, parent_code: str | None, parent: GridRef | None) -> str | None:
    """Why `parent_code` cannot be the parent of a new grid (None when it can). `parent` is the grid found under
    `parent_code`, None when there is none. A sector grid sits directly under its town; a unit grid sits in a sector
    grid of the same town."""
    if level is GridLevel.SECTOR_GRID:
        return "a sector grid has no parent grid" if parent_code is not None else None
    if parent_code is None:
        return "a unit grid needs the code of its sector grid"
    if parent is None:
        return f"no grid {parent_code}"
    if parent.level is not GridLevel.SECTOR_GRID:
        return f"grid {parent_code} is not a sector grid"
    if parent.town != town:
        return f"sector grid {parent_code} belongs to town {parent.town}"
    return None
