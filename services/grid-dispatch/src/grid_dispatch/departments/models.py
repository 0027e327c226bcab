"""Tables and API schemas of departments."""

from datetime import datetime

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, String

from grid_dispatch.departments.rules import DutyKind, UnitType
from grid_dispatch.grids.models import CODE_LENGTH, CODE_PATTERN
from grid_dispatch.tables import GridTable
from jiading_shared.types import UtcDateTime


class Department(GridTable, table=True):
    __tablename__ = "department"

    code: str = sqlmodel.Field(primary_key=True, max_length=CODE_LENGTH)
    name: str = sqlmodel.Field(max_length=100)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    unit_type: UnitType = sqlmodel.Field(sa_type=String(40), index=True)
    # Grid codes (unit or sector) the department answers for; empty = the whole town.
    grids: list[str] = sqlmodel.Field(default_factory=list, sa_type=JSON)
    liaison_name: str = sqlmodel.Field(max_length=100)
    liaison_title: str | None = sqlmodel.Field(default=None, max_length=100)
    liaison_phone_ciphertext: str | None = sqlmodel.Field(default=None, max_length=500)
    registered_by: str = sqlmodel.Field(max_length=200)
    registered_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class LiaisonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    liaison_name: str = Field(
        min_length=1, max_length=100, description="专人 liaising with the 城运中心 (DB 31114/Z 010-2025 4.2.4.2)"
    )
    liaison_title: str | None = Field(default=None, max_length=100, description="e.g. 负责人 / 分管负责人")
    liaison_phone: str | None = Field(
        default=None, pattern=r"^[0-9+\- ]{7,20}$", description="phone (stored encrypted, returned masked)"
    )


class DepartmentIn(LiaisonIn):
    code: str = Field(
        min_length=1, max_length=CODE_LENGTH, pattern=CODE_PATTERN, description="department code (JWT dept)"
    )
    name: str = Field(min_length=1, max_length=100, description="部门名称, e.g. 安亭派出所")
    town: str = Field(min_length=1, max_length=CODE_LENGTH, description="街道/镇 code")
    unit_type: UnitType = Field(description="unit type of form B.1 (DB 31114/Z 009-2025 附录 B)")
    grids: list[str] = Field(
        default_factory=list, max_length=500, description="grids it answers for (unit or sector); empty = whole town"
    )


class LiaisonContactOut(BaseModel):
    code: str
    liaison_name: str
    liaison_phone: str | None = Field(description="unmasked; every read leaves an access record")


class DepartmentOut(BaseModel):
    code: str
    name: str
    town: str
    unit_type: UnitType
    unit_type_label: str
    duty_kind: DutyKind | None = Field(description="police / urban_management / market_regulation, else null")
    grids: list[str]
    liaison_name: str
    liaison_title: str | None
    liaison_phone_masked: str | None
    registered_by: str
    registered_at: UtcDateTime
    updated_at: UtcDateTime
