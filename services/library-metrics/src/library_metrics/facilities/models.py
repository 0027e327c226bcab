"""Tables and API schemas of facilities."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKeyConstraint, Numeric, String, UniqueConstraint, Uuid

from jiading_shared.types import UtcDateTime
from library_metrics.facilities.rules import FacilityTier
from library_metrics.tables import LibraryTable

CODE_LENGTH = 50

SquareMetres = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class Facility(LibraryTable, table=True):
    __tablename__ = "facility"
    __table_args__ = (
        ForeignKeyConstraint(["parent_id"], ["facility.id"], name="fk_facility_parent"),
        UniqueConstraint("town", "name", name="uq_facility_town_name"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    tier: FacilityTier = sqlmodel.Field(sa_type=String(40))
    name: str = sqlmodel.Field(max_length=200)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    parent_id: uuid.UUID | None = sqlmodel.Field(default=None, sa_type=Uuid, index=True)
    population_served: int | None = None
    floor_area_m2: Decimal | None = sqlmodel.Field(default=None, sa_type=Numeric(12, 2))
    usable_area_m2: Decimal | None = sqlmodel.Field(default=None, sa_type=Numeric(12, 2))
    public_service_area_m2: Decimal | None = sqlmodel.Field(default=None, sa_type=Numeric(12, 2))
    registered_by: str = sqlmodel.Field(max_length=200)
    registered_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class FacilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    tier: FacilityTier = Field(description="设施层级, e.g. town_library 镇（街道）图书馆, home_study 我嘉书房")
    name: str = Field(min_length=1, max_length=200, description="名称")
    town: str = Field(min_length=1, max_length=CODE_LENGTH, description="街道/镇 code")
    parent_id: uuid.UUID | None = Field(default=None, description="上级馆 (总分馆): the facility this one belongs to")
    population_served: int | None = Field(default=None, ge=0, description="服务人口")
    floor_area_m2: SquareMetres | None = Field(default=None, description="建筑面积 (m²)")
    usable_area_m2: SquareMetres | None = Field(default=None, description="使用面积 (m²)")
    public_service_area_m2: SquareMetres | None = Field(
        default=None, description="公益性服务面积 / 向公众开放面积 (m²)"
    )


class FacilityOut(BaseModel):
    id: uuid.UUID
    tier: FacilityTier
    name: str
    town: str
    parent_id: uuid.UUID | None
    population_served: int | None
    floor_area_m2: float | None
    usable_area_m2: float | None
    public_service_area_m2: float | None
    registered_by: str
    registered_at: UtcDateTime
