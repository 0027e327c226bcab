"""Tables and API schemas of facilities, towns (街镇) and their residents' / villagers' committees (居委 / 村委)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, ForeignKeyConstraint, Numeric, String, UniqueConstraint, Uuid

from jiading_shared.types import UtcDateTime
from library_metrics.facilities.rules import CommitteeKind, FacilityTier
from library_metrics.tables import LibraryTable

CODE_LENGTH = 50

SquareMetres = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
ServiceItem = Annotated[str, Field(min_length=1, max_length=100)]


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
    # Added by revision 0002: the 居委/村委 a room serves, accessibility, equipment and free service items.
    committee_code: str | None = sqlmodel.Field(default=None, max_length=CODE_LENGTH)
    seats: int | None = None
    reader_computers: int | None = None
    free_wifi: bool | None = None
    film_projection: bool | None = None
    citywide_borrow_return: bool | None = None
    entrance_ramp: bool | None = None
    accessible_toilet: bool | None = None
    multi_storey: bool | None = None
    lift: bool | None = None
    ground_floor_services: bool | None = None
    free_service_items: list[str] = sqlmodel.Field(default_factory=list, sa_type=JSON)
    # Added by revision 0005: supervision channels (DB 31114/Z 005-2025 8.1) and the outdoor plaza (006-2025 6.3).
    suggestion_box: bool | None = None
    supervision_phone_published: bool | None = None
    online_complaint_channel: bool | None = None
    outdoor_plaza: bool | None = None
    plaza_lighting: bool | None = None
    plaza_power_supply: bool | None = None
    updated_by: str | None = sqlmodel.Field(default=None, max_length=200)
    updated_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class Town(LibraryTable, table=True):
    """A 街镇 with the figures the layout rules of DB 31114/Z 006-2025 5.2 read."""

    __tablename__ = "town"

    code: str = sqlmodel.Field(primary_key=True, max_length=CODE_LENGTH)
    name: str = sqlmodel.Field(max_length=100)
    residents: int | None = None
    area_km2: Decimal | None = sqlmodel.Field(default=None, sa_type=Numeric(10, 2))
    updated_by: str = sqlmodel.Field(max_length=200)
    updated_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class Committee(LibraryTable, table=True):
    """A 居委 (community) or 村委 (administrative village); DB 31114/Z 006-2025 5.2.3 wants an activity room in
    each running one."""

    __tablename__ = "committee"
    __table_args__ = (
        ForeignKeyConstraint(["town"], ["town.code"], name="fk_committee_town"),
        UniqueConstraint("town", "code", name="uq_committee_town_code"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    code: str = sqlmodel.Field(max_length=CODE_LENGTH)
    name: str = sqlmodel.Field(max_length=100)
    kind: CommitteeKind = sqlmodel.Field(sa_type=String(20))
    running: bool = True
    residents: int | None = None
    area_km2: Decimal | None = sqlmodel.Field(default=None, sa_type=Numeric(10, 2))
    updated_by: str = sqlmodel.Field(max_length=200)
    updated_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class FacilityFlags(BaseModel):
    """The facility's yes/no registry entries the rules read; None = not reported yet."""

    free_wifi: bool | None = Field(default=None, description="免费无线网络")
    film_projection: bool | None = Field(default=None, description="（农村）电影放映设施")
    citywide_borrow_return: bool | None = Field(default=None, description="全市通借通还功能")
    entrance_ramp: bool | None = Field(default=None, description="室外进出坡道")
    accessible_toilet: bool | None = Field(default=None, description="公厕无障碍卫生设备")
    multi_storey: bool | None = Field(default=None, description="多层建筑")
    lift: bool | None = Field(default=None, description="室内电梯")
    ground_floor_services: bool | None = Field(default=None, description="主要服务项目安排在建筑底层")
    suggestion_box: bool | None = Field(default=None, description="在明显位置设置意见箱")
    supervision_phone_published: bool | None = Field(default=None, description="公开监督电话")
    online_complaint_channel: bool | None = Field(default=None, description="开设网上投诉通道")
    outdoor_plaza: bool | None = Field(default=None, description="有室外广场")
    plaza_lighting: bool | None = Field(default=None, description="室外广场配置照明灯光")
    plaza_power_supply: bool | None = Field(default=None, description="室外广场配置外接电源")


class FacilityFeatures(FacilityFlags):
    """What a facility offers; None = not reported yet (the rules that read it say 'insufficient data')."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    population_served: int | None = Field(default=None, ge=0, le=100_000_000, description="服务人口")
    floor_area_m2: SquareMetres | None = Field(default=None, description="建筑面积 (m²)")
    usable_area_m2: SquareMetres | None = Field(default=None, description="使用面积 (m²)")
    public_service_area_m2: SquareMetres | None = Field(
        default=None, description="公益性服务面积 / 向公众开放用于公共文化服务的面积 (m²)"
    )
    committee_code: str | None = Field(
        default=None, min_length=1, max_length=CODE_LENGTH, description="所在居委/村委 code (居村图书室、活动室)"
    )
    seats: int | None = Field(default=None, ge=0, le=100_000, description="阅览座位数")
    reader_computers: int | None = Field(default=None, ge=0, le=100_000, description="读者使用计算机台数")
    free_service_items: list[ServiceItem] = Field(default_factory=list, max_length=100, description="免费服务项目")


class FacilityIn(FacilityFeatures):
    tier: FacilityTier = Field(description="设施层级, e.g. town_library 镇（街道）图书馆, home_study 我嘉书房")
    name: str = Field(min_length=1, max_length=200, description="名称")
    town: str = Field(min_length=1, max_length=CODE_LENGTH, description="街道/镇 code")
    parent_id: uuid.UUID | None = Field(default=None, description="上级馆 (总分馆): the facility this one belongs to")


class FacilityPatch(FacilityFlags):
    """Changed fields only; a field sent as null clears it. Tier and town do not change (register anew)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None
    population_served: int | None = Field(default=None, ge=0, le=100_000_000)
    floor_area_m2: SquareMetres | None = None
    usable_area_m2: SquareMetres | None = None
    public_service_area_m2: SquareMetres | None = None
    committee_code: str | None = Field(default=None, min_length=1, max_length=CODE_LENGTH)
    seats: int | None = Field(default=None, ge=0, le=100_000)
    reader_computers: int | None = Field(default=None, ge=0, le=100_000)
    free_service_items: list[ServiceItem] | None = Field(default=None, max_length=100)


class FacilityOut(FacilityFlags):
    id: uuid.UUID
    tier: FacilityTier
    name: str
    town: str
    parent_id: uuid.UUID | None
    population_served: int | None
    floor_area_m2: float | None
    usable_area_m2: float | None
    public_service_area_m2: float | None
    committee_code: str | None = None
    seats: int | None = None
    reader_computers: int | None = None
    free_service_items: list[str] = Field(default_factory=list)
    registered_by: str
    registered_at: UtcDateTime
    updated_at: UtcDateTime | None = None


class TownIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="街镇名称")
    residents: int | None = Field(default=None, ge=0, le=100_000_000, description="常住人口")
    area_km2: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2, description="行政面积 (km²)")


class TownOut(BaseModel):
    code: str
    name: str
    residents: int | None
    area_km2: float | None
    updated_at: UtcDateTime


class CommitteeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="居委/村委名称")
    kind: CommitteeKind = Field(description="community 居委 (社区) / village 村委 (行政村)")
    running: bool = Field(default=True, description="实际运行")
    residents: int | None = Field(default=None, ge=0, le=100_000_000, description="常住人口")
    area_km2: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2, description="行政面积 (km²)")


class CommitteeOut(BaseModel):
    town: str
    code: str
    name: str
    kind: CommitteeKind
    running: bool
    residents: int | None
    area_km2: float | None
    updated_at: UtcDateTime


def facility_out(facility: Facility) -> FacilityOut:
    return FacilityOut.model_validate(facility, from_attributes=True)
