"""Tables and API schemas of grids."""

from datetime import datetime

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKeyConstraint, String

from grid_dispatch.grids.rules import GridLevel
from grid_dispatch.tables import GridTable
from jiading_shared.types import UtcDateTime

CODE_LENGTH = 50
# Grid codes travel in URLs and the JWT `grids` claim.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class Grid(GridTable, table=True):
    __tablename__ = "grid"
    __table_args__ = (ForeignKeyConstraint(["parent_code"], ["grid.code"], name="fk_grid_parent"),)

    code: str = sqlmodel.Field(primary_key=True, max_length=CODE_LENGTH)
    name: str = sqlmodel.Field(max_length=100)
    level: GridLevel = sqlmodel.Field(sa_type=String(20))
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    parent_code: str | None = sqlmodel.Field(default=None, max_length=CODE_LENGTH, index=True)
    registered_by: str = sqlmodel.Field(max_length=200)
    registered_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class GridIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=CODE_LENGTH, pattern=CODE_PATTERN, description="grid code")
    name: str = Field(min_length=1, max_length=100, description="网格名称")
    level: GridLevel = Field(description="sector_grid 片区网格 / grid 村居(单元)网格")
    town: str = Field(min_length=1, max_length=CODE_LENGTH, description="街道/镇 code")
    parent_code: str | None = Field(
        default=None, max_length=CODE_LENGTH, description="code of the sector grid; required for a unit grid"
    )


class GridOut(BaseModel):
    code: str
    name: str
    level: GridLevel
    town: str
    parent_code: str | None
    registered_by: str
    registered_at: UtcDateTime
