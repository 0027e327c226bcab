"""Events of the grid aggregate (topic `grid.grid`)."""

from datetime import datetime

from pydantic import BaseModel, Field

from grid_dispatch.grids.rules import GridLevel
from jiading_shared.events import define_event


class GridRegistered(BaseModel):
    code: str
    name: str
    level: GridLevel = Field(description="sector_grid 片区网格 / grid 村居(单元)网格")
    town: str = Field(description="街道/镇 code")
    parent_code: str | None = Field(description="sector grid of a unit grid")
    registered_by: str
    registered_at: datetime


GRID_REGISTERED = define_event(
    service="grid",
    aggregate="grid",
    name="registered",
    payload=GridRegistered,
    description="A sector grid (片区网格) or unit grid (村居网格) was registered.",
)
