"""Events of residence registrations (topic `collection.registration`). No personal information travels in them:
consumers that need a person's details ask the API with a purpose."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from jiading_shared.events import define_event


class RegistrationRegistered(BaseModel):
    registration_id: uuid.UUID
    room_id: uuid.UUID
    house_code: str = Field(description="房屋编码 (8 digits)")
    town: str
    area: str = Field(description="责任区 code")
    person_category: str = Field(description="non_local 来沪人员 / local 本市户籍")
    channel: str = Field(description="visit / self_declaration / import")
    registered_at: datetime


class RegistrationDeregistered(BaseModel):
    registration_id: uuid.UUID
    room_id: uuid.UUID
    house_code: str
    town: str
    area: str
    reason: str
    superseded_by: uuid.UUID | None = Field(description="the registration at the new address, when the person moved")
    deregistered_at: datetime


REGISTRATION_REGISTERED = define_event(
    service="collection",
    aggregate="registration",
    name="registered",
    payload=RegistrationRegistered,
    description="A person was registered as living in a room (实有人口居住登记).",
)

REGISTRATION_DEREGISTERED = define_event(
    service="collection",
    aggregate="registration",
    name="deregistered",
    payload=RegistrationDeregistered,
    description="A residence registration was ended (注销), e.g. because the person registered at a new address.",
)
