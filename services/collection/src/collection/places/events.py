"""Events of the building aggregate (topic `collection.building`)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from jiading_shared.events import define_event


class RegisteredRoom(BaseModel):
    room_no: str = Field(description="间")
    house_code: str = Field(description="房屋编码 (8 digits)")


class BuildingRegistered(BaseModel):
    building_id: uuid.UUID
    district: str = Field(description="区/县")
    town: str = Field(description="街道/镇 code")
    committee: str = Field(description="居委/村委 code")
    area: str = Field(description="责任区 code")
    road: str
    lane: str | None
    number: str
    is_legal: bool = Field(description="合法建筑 / 违法建筑")
    rooms: list[RegisteredRoom]
    registered_by: str = Field(description="subject of the collector or police officer who registered it")
    registered_at: datetime


BUILDING_REGISTERED = define_event(
    service="collection",
    aggregate="building",
    name="registered",
    payload=BuildingRegistered,
    description="A building (实有房屋) and its rooms with their house codes were registered.",
)


class RoomCertificateUpdated(BaseModel):
    """No personal information: which fields changed, not their values."""

    building_id: uuid.UUID
    room_id: uuid.UUID
    room_no: str = Field(description="间")
    house_code: str = Field(description="房屋编码 (8 digits)")
    area: str = Field(description="责任区 code")
    changed: list[str] = Field(description="fields changed: certificate_no, certificate_holder, floor_area_m2")
    updated_by: str = Field(description="subject of the collector who recorded it")
    updated_at: datetime


ROOM_CERTIFICATE_UPDATED = define_event(
    service="collection",
    aggregate="building",
    name="room_certificate_updated",
    payload=RoomCertificateUpdated,
    description="The ownership certificate data (权证信息) of a room of a building was updated (002 6.3).",
)
