"""Events of door-to-door visits, declared ahead of the visit endpoints because grid-dispatch builds on them: a
reported refusal opens an incident for the grid's 派出所, an overdue revisit a supervision task for the grid's
社区民警. Field names follow the contract of issue 3 (keep exactly); the Kafka key is the room id."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from collection.visits.models import RefusalGrounds
from jiading_shared.events import define_event


class RevisitReason(StrEnum):
    """Why a room must be visited again (DB 31114/Z 001-2025 6.2.4)."""

    OCCUPIED_ABSENT = "occupied_absent"  # 有人居住但无人在家: again within 2 working days
    VACANT = "vacant"  # 空置: again after 1 month


class RefusalReported(BaseModel):
    """DB 31114/Z 002-2025 6.5, 001-2025 6.2.10: 房主不配合采集 or repeated refusal, reported to 社区民警 at once."""

    room_id: uuid.UUID
    house_code: str = Field(description="房屋编码 (8 digits)")
    town: str = Field(description="街道/镇 code")
    area: str = Field(description="责任区 code")
    grid: str = Field(description="村居(单元)网格 code")
    police_station: str = Field(description="派出所 department code")
    refusals: int = Field(ge=1, description="refused visits recorded for this room in the counting window")
    last_visit_at: datetime = Field(description="time of the visit that recorded the latest refusal")
    # Added after the first release: events without it were all repeated refusals, hence the default.
    grounds: RefusalGrounds = Field(
        default=RefusalGrounds.REPEATED_REFUSAL,
        description="报告依据 grounds of the report: `owner_uncooperative` = 房主不配合采集, reported on the first "
        "occurrence (DB 31114/Z 002-2025 6.5); `repeated_refusal` = 多次出现屋内有人但拒不应答, reported when the "
        "refusals in the window reach the rule version's threshold (DB 31114/Z 001-2025 6.2.10, 002-2025 6.5)",
    )


class VisitOverdue(BaseModel):
    """A revisit was not made by its deadline (DB 31114/Z 001-2025 6.2.4; supervised per DB 31114/Z 003-2025 4.1)."""

    room_id: uuid.UUID
    house_code: str = Field(description="房屋编码 (8 digits)")
    town: str = Field(description="街道/镇 code")
    area: str = Field(description="责任区 code")
    grid: str = Field(description="村居(单元)网格 code, for the grid's 社区民警")
    collector: str = Field(description="subject of the 社区综合协管员 responsible for the area")
    due_date: date = Field(description="last day of the revisit deadline")
    days_overdue: int = Field(ge=1, description="calendar days past due_date when detected")
    reason: RevisitReason | None = Field(default=None, description="why the revisit was due")


REFUSAL_REPORTED = define_event(
    service="collection",
    aggregate="refusal",
    name="reported",
    payload=RefusalReported,
    description="A refusal was reported (房主不配合采集, or occupants repeatedly refused collection); grid-dispatch "
    "opens an incident for the grid's 派出所.",
)

VISIT_OVERDUE = define_event(
    service="collection",
    aggregate="visit",
    name="overdue",
    payload=VisitOverdue,
    description="A revisit deadline passed; grid-dispatch opens a supervision task for the grid's 社区民警.",
)
