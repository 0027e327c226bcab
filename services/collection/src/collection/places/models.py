"""Tables and API schemas of the places hierarchy: 街镇 (town) → 居/村委 (committee) → 责任区 (area, with its grid,
派出所 and assigned 协管员) → buildings (实有房屋) → rooms (间)."""

import uuid
from datetime import datetime
from typing import Annotated

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKeyConstraint, Numeric, UniqueConstraint, Uuid

from collection.places.rules import HOUSE_CODE_PATTERN
from collection.tables import CollectionTable
from jiading_shared.types import UtcDateTime

CODE_LENGTH = 50
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$"


class Town(CollectionTable, table=True):
    """街镇 (街道 or 镇)."""

    __tablename__ = "town"

    code: str = sqlmodel.Field(primary_key=True, max_length=CODE_LENGTH)
    name: str = sqlmodel.Field(max_length=100)


class Committee(CollectionTable, table=True):
    """居委 / 村委: residents' or villagers' committee of a town."""

    __tablename__ = "committee"
    __table_args__ = (ForeignKeyConstraint(["town"], ["town.code"], name="fk_committee_town"),)

    code: str = sqlmodel.Field(primary_key=True, max_length=CODE_LENGTH)
    name: str = sqlmodel.Field(max_length=100)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)


class Area(CollectionTable, table=True):
    """责任区: the collectors' responsibility area inside a committee (DB 31114/Z 001-2025 6.2.1). It names the unit
    grid and the 派出所 whose 社区民警 supervise it: refusals and overdue revisits are reported to them."""

    __tablename__ = "area"
    __table_args__ = (ForeignKeyConstraint(["committee"], ["committee.code"], name="fk_area_committee"),)

    code: str = sqlmodel.Field(primary_key=True, max_length=CODE_LENGTH)
    name: str = sqlmodel.Field(max_length=100)
    committee: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    grid: str = sqlmodel.Field(max_length=CODE_LENGTH)
    police_station: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)


class AreaCollector(CollectionTable, table=True):
    """A 社区综合协管员 assigned to an area; an area may have several, a collector several areas."""

    __tablename__ = "area_collector"
    __table_args__ = (ForeignKeyConstraint(["area"], ["area.code"], name="fk_area_collector_area"),)

    area: str = sqlmodel.Field(primary_key=True, max_length=CODE_LENGTH)
    collector_sub: str = sqlmodel.Field(primary_key=True, max_length=200, index=True)
    collector_name: str = sqlmodel.Field(max_length=200)
    assigned_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class Building(CollectionTable, table=True):
    """实有房屋: every building in the area, legal or not (DB 31114/Z 002-2025 §5)."""

    __tablename__ = "building"
    __table_args__ = (ForeignKeyConstraint(["area"], ["area.code"], name="fk_building_area"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    district: str = sqlmodel.Field(max_length=CODE_LENGTH)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    committee: str = sqlmodel.Field(max_length=CODE_LENGTH)
    area: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    road: str = sqlmodel.Field(max_length=100)
    lane: str | None = sqlmodel.Field(default=None, max_length=20)
    number: str = sqlmodel.Field(max_length=20)
    is_legal: bool
    registered_by: str = sqlmodel.Field(max_length=200)
    registered_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    # 简易的房间分布示意图 (DB 31114/Z 002-2025 6.1): the file lives in the blob store, the row keeps its key.
    sketch_sha256: str | None = sqlmodel.Field(default=None, max_length=64)
    sketch_content_type: str | None = sqlmodel.Field(default=None, max_length=50)
    sketch_size: int | None = None
    sketch_uploaded_by: str | None = sqlmodel.Field(default=None, max_length=200)
    sketch_uploaded_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class Room(CollectionTable, table=True):
    """间: the unit of collection (DB 31114/Z 001-2025 6.2.1), identified district-wide by its house code."""

    __tablename__ = "room"
    __table_args__ = (
        ForeignKeyConstraint(["building_id"], ["building.id"], name="fk_room_building"),
        UniqueConstraint("house_code", name="uq_room_house_code"),
        UniqueConstraint("building_id", "room_no", name="uq_room_building_room_no"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    building_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    room_no: str = sqlmodel.Field(max_length=20)
    house_code: str = sqlmodel.Field(max_length=8)
    # 权证信息填写具体到间 (DB 31114/Z 002-2025 6.1).
    certificate_no: str | None = sqlmodel.Field(default=None, max_length=100)
    certificate_holder: str | None = sqlmodel.Field(default=None, max_length=100)
    floor_area_m2: float | None = sqlmodel.Field(default=None, sa_type=Numeric(10, 2, asdecimal=False))


# --- API schemas ----------------------------------------------------------------------------------------------------


class TownIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=CODE_PATTERN, description="街镇 code, e.g. jd-anting")
    name: str = Field(min_length=1, max_length=100, description="街镇名称, e.g. 安亭镇")


class CommitteeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=CODE_PATTERN, description="居/村委 code")
    name: str = Field(min_length=1, max_length=100, description="居/村委名称")
    town: str = Field(min_length=1, max_length=CODE_LENGTH, description="街镇 code")


class AreaIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=CODE_PATTERN, description="责任区 code")
    name: str = Field(min_length=1, max_length=100, description="责任区名称")
    committee: str = Field(min_length=1, max_length=CODE_LENGTH, description="居/村委 code")
    grid: str = Field(min_length=1, max_length=CODE_LENGTH, description="村居(单元)网格 code")
    police_station: str = Field(min_length=1, max_length=CODE_LENGTH, description="派出所 department code")


class CollectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sub: str = Field(min_length=1, max_length=200, description="subject (JWT sub) of the 社区综合协管员")
    name: str = Field(min_length=1, max_length=200, description="姓名")


class CollectorsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collectors: list[CollectorIn] = Field(max_length=50, description="the area's 社区综合协管员 (replaces the list)")


class TownOut(BaseModel):
    code: str
    name: str


class CommitteeOut(BaseModel):
    code: str
    name: str
    town: str


class CollectorOut(BaseModel):
    sub: str
    name: str


class AreaOut(BaseModel):
    code: str
    name: str
    committee: str
    town: str
    grid: str
    police_station: str
    collectors: list[CollectorOut]


# 权证信息 of a room (DB 31114/Z 002-2025 6.1, 6.3): the same checks at registration and on a later update.
CertificateNo = Annotated[str | None, Field(default=None, min_length=1, max_length=100, description="权证编号")]
CertificateHolder = Annotated[str | None, Field(default=None, min_length=1, max_length=100, description="权利人")]
FloorArea = Annotated[float | None, Field(default=None, gt=0, le=100_000, description="建筑面积 (m²)")]


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    room_no: str = Field(min_length=1, max_length=20, description="间 (房间号), e.g. 101")
    house_code: str = Field(pattern=HOUSE_CODE_PATTERN, description="房屋编码: exactly 8 digits")
    certificate_no: CertificateNo
    certificate_holder: CertificateHolder
    floor_area_m2: FloorArea


class RoomCertificateIn(BaseModel):
    """权证信息 of one room as the owner shows it on a later visit (DB 31114/Z 002-2025 6.3): only the fields sent
    change, null clears one. The room number and house code are not changed here."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    certificate_no: CertificateNo
    certificate_holder: CertificateHolder
    floor_area_m2: FloorArea


class BuildingIn(BaseModel):
    """A building to register, with its address down to the door number (门牌号, DB 31114/Z 002-2025 6.1)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    district: str = Field(min_length=1, max_length=CODE_LENGTH, description="区/县, e.g. 嘉定区")
    town: str | None = Field(default=None, min_length=1, max_length=CODE_LENGTH, description="街道/镇 code")
    committee: str | None = Field(
        default=None, min_length=1, max_length=CODE_LENGTH, description="居委/村委 code (must match the area's)"
    )
    area: str = Field(min_length=1, max_length=CODE_LENGTH, description="责任区 code")
    road: str = Field(min_length=1, max_length=100, description="路")
    lane: str | None = Field(default=None, min_length=1, max_length=20, description="弄 (optional)")
    number: str = Field(min_length=1, max_length=20, description="号")
    is_legal: bool = Field(description="合法建筑 (true) or 违法建筑 (false): both are collected")
    rooms: list[RoomIn] = Field(min_length=1, max_length=2000, description="间")


class RoomOut(BaseModel):
    id: uuid.UUID
    room_no: str
    house_code: str
    certificate_no: str | None = None
    certificate_holder: str | None = Field(default=None, description="权利人, masked")
    floor_area_m2: float | None = None


class SketchOut(BaseModel):
    sha256: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: UtcDateTime


class BuildingOut(BaseModel):
    id: uuid.UUID
    district: str
    town: str
    committee: str
    area: str
    road: str
    lane: str | None
    number: str
    is_legal: bool
    rooms: list[RoomOut]
    registered_by: str
    registered_at: UtcDateTime
    sketch: SketchOut | None = None
