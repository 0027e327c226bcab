"""Database reads and writes of grids."""

from datetime import UTC, datetime

from sqlmodel import Session, select

from grid_dispatch.grids.events import GRID_REGISTERED, GridRegistered
from grid_dispatch.grids.models import Grid, GridIn, GridOut
from grid_dispatch.grids.rules import GridLevel, GridRef, parent_problem
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue


def register_grid(session: Session, data: GridIn, *, registered_by: str) -> GridOut:
    """Store the grid and queue `grid.registered` in the caller's transaction."""
    parent = session.get(Grid, data.parent_code) if data.parent_code is not None else None
    parent_ref = GridRef(parent.code, GridLevel(parent.level), parent.town) if parent is not None else None
    problem = parent_problem(data.level, data.town, data.parent_code, parent_ref)
    if problem is not None:
        raise field_error(422, "body.parent_code", problem)
    grid = Grid(**data.model_dump(), registered_by=registered_by, registered_at=datetime.now(UTC))
    with conflict_on_unique_violation(session, lambda: _code_conflict(session, data)):
        session.add(grid)
        session.flush()
    result = GridOut.model_validate(grid, from_attributes=True)
    enqueue(session, GRID_REGISTERED, GridRegistered.model_validate(result.model_dump()), key=grid.code)
    return result


def get_grid(session: Session, code: str) -> GridOut | None:
    grid = session.get(Grid, code)
    return GridOut.model_validate(grid, from_attributes=True) if grid is not None else None


def list_grids(session: Session, *, town: str | None, level: GridLevel | None) -> list[GridOut]:
    query = select(Grid).order_by(Grid.code)
    if town is not None:
        query = query.where(Grid.town == town)
    if level is not None:
        query = query.where(Grid.level == level)
    return [GridOut.model_validate(grid, from_attributes=True) for grid in session.exec(query)]


def _code_conflict(session: Session, data: GridIn) -> ProblemError | None:
    if session.get(Grid, data.code) is None:
        return None
    return field_error(409, "body.code", f"grid {data.code} is already registered", slug="grid-code-taken")
