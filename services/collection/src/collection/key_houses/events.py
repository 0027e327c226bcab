"""Events of key houses (topic `collection.key_house`). No personal information: counts only."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from jiading_shared.events import define_event


class KeyHouseVerified(BaseModel):
    task_id: uuid.UUID
    room_id: uuid.UUID
    house_code: str = Field(description="房屋编码 (8 digits)")
    area: str = Field(description="责任区 code")
    police_station: str = Field(description="派出所 that issued the list")
    house_type: str = Field(description="重点房类型 as in the list")
    verified_by: str = Field(description="subject of whoever recorded the check")
    verified_role: str = Field(
        description="role the check was recorded in: collector (社区综合协管员), community_police (社区民警), admin"
    )
    verified_at: datetime
    persons_confirmed: int
    persons_deregistered: int
    persons_registered: int


KEY_HOUSE_VERIFIED = define_event(
    service="collection",
    aggregate="key_house",
    name="verified",
    payload=KeyHouseVerified,
    description="A key house (重点房) was checked by the area's 协管员 or the station's 社区民警, its people updated "
    "(003 5.1.2, 5.1.4).",
)
