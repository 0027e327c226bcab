"""Tables and API schemas of buildings and rooms."""

import uuid
from datetime import datetime

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKeyConstraint, UniqueConstraint, Uuid

from collection.places.rules import HOUSE_CODE_PATTERN
from collection.tables import CollectionTable
from jiading_shared.types import UtcDateTime

CODE_LENGTH = 50


class Building(CollectionTable, table=True):
    """实有房屋: every building in the area, legal or not (DB 31114/Z 002-2025 §5)."""

    __tablename__ = "building"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    district: str = sqlmodel.Field(max_length=CODE_LENGTH)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    committee: str = sqlmodel.Field(max_length=CODE_LENGTH)
    area: str = sqlmodel.Field(max_length=CODE_LENGTH)
    road: str = sqlmodel.Field(max_length=100)
    lane: str | None = sqlmodel.Field(default=None, max_length=20)
    number: str = sqlmodel.Field(max_length=20)
    is_legal: bool
    registered_by: str = sqlmodel.Field(max_length=200)
    registered_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


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


# --- API schemas ----------------------------------------------------------------------------------------------------


class RoomIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    room_no: str = Field(min_length=1, max_length=20, description="间 (房间号), e.g. 101")
    house_code: str = Field(pattern=HOUSE_CODE_PATTERN, description="房屋编码: exactly 8 digits")


class BuildingIn(BaseModel):
    """A building to register, with its address down to the door number (门牌号, DB 31114/Z 002-2025 6.1)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    district: str = Field(min_length=1, max_length=CODE_LENGTH, description="区/县, e.g. 嘉定区")
    town: str = Field(min_length=1, max_length=CODE_LENGTH, description="街道/镇 code")
    committee: str = Field(min_length=1, max_length=CODE_LENGTH, description="居委/村委 code")
    area: str = Field(min_length=1, max_length=CODE_LENGTH, description="责任区 code")
    road: str = Field(min_length=1, max_length=100, description="路")
    lane: str | None = Field(default=None, min_length=1, max_length=20, description="弄 (optional)")
    number: str = Field(min_length=1, max_length=20, description="号")
    is_legal: bool = Field(description="合法建筑 (true) or 违法建筑 (false): both are collected")
    rooms: list[RoomIn] = Field(min_length=1, max_length=2000, description="间")


class RoomOut(BaseModel):
    room_no: str
    house_code: str


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
