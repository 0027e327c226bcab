"""Events of the visit aggregate (topic `collection.visit`), declared ahead of the visit endpoints because
grid-dispatch builds on them: a refusal opens an incident for the grid's 派出所, an overdue revisit a supervision task
for the grid's 社区民警."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from jiading_shared.events import define_event


class RevisitReason(StrEnum):
    """Why a room must be visited again (DB 31114/Z 001-2025 6.2.4)."""

    OCCUPIED_ABSENT = "occupied_absent"  # 有人居住但无人在家: again within 2 working days
    VACANT = "vacant"  # 空置: again after 1 month


class VisitedRoom(BaseModel):
    building_id: uuid.UUID
    room_no: str = Field(description="间")
    house_code: str = Field(description="房屋编码 (8 digits)")
    town: str = Field(description="街道/镇 code")
    committee: str = Field(description="居委/村委 code")
    grid_code: str = Field(description="村居(单元)网格 code")


class RefusalReported(BaseModel):
    """DB 31114/Z 001-2025 6.2.10, DB 31114/Z 002-2025 6.5: repeated refusal, reported to the 社区民警 at once."""

    visit_id: uuid.UUID
    room: VisitedRoom
    visited_on: date = Field(description="date of the visit that recorded the refusal")
    refusals: int = Field(ge=1, description="refused visits recorded for this room so far")
    collector: str = Field(description="subject of the 社区综合协管员")
    reported_at: datetime


class VisitOverdue(BaseModel):
    """A revisit was not made by its deadline (DB 31114/Z 001-2025 6.2.4; supervised per DB 31114/Z 003-2025 4.1)."""

    visit_id: uuid.UUID
    room: VisitedRoom
    reason: RevisitReason
    visited_on: date = Field(description="date of the visit that asked for the revisit")
    revisit_due: date = Field(description="last day of the revisit deadline")
    collector: str = Field(description="subject of the 社区综合协管员")
    detected_at: datetime


REFUSAL_REPORTED = define_event(
    service="collection",
    aggregate="visit",
    name="refusal_reported",
    payload=RefusalReported,
    description="Occupants repeatedly refused to answer; grid-dispatch opens an incident for the grid's 派出所.",
)

VISIT_OVERDUE = define_event(
    service="collection",
    aggregate="visit",
    name="overdue",
    payload=VisitOverdue,
    description="A revisit deadline passed; grid-dispatch opens a supervision task for the grid's 社区民警.",
)
