"""Tables and API schemas of door-to-door visits (上门采集 / 走访), the revisit rules and each room's derived status."""

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlmodel
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import Date, DateTime, ForeignKeyConstraint, Index, String, Uuid, false

from collection.tables import CollectionTable
from jiading_shared.types import UtcDateTime


class VisitOutcome(StrEnum):
    """One outcome per visit (DB 31114/Z 001-2025 6.2.3-6.2.10, DB 31114/Z 002-2025 6.5-6.7)."""

    NO_ANSWER = "no_answer"  # 无人应答
    VACANT = "vacant"  # 空置
    OCCUPIED_ABSENT = "occupied_absent"  # 有人居住但无人在家
    REFUSED = "refused"  # 拒绝
    COLLECTED = "collected"  # 已采集


class RefusalGrounds(StrEnum):
    """Why a refusal was reported to the 社区民警 (DB 31114/Z 002-2025 6.5, DB 31114/Z 001-2025 6.2.10)."""

    OWNER_UNCOOPERATIVE = "owner_uncooperative"  # 房主不配合采集: reported on the first occurrence
    REPEATED_REFUSAL = "repeated_refusal"  # 多次出现屋内有人但拒不应答: reported at the rule version's threshold


class RoomState(StrEnum):
    """Derived status of a room: its last outcome, or never visited (不遗漏)."""

    NEVER_VISITED = "never_visited"
    NO_ANSWER = "no_answer"
    VACANT = "vacant"
    OCCUPIED_ABSENT = "occupied_absent"
    REFUSED = "refused"
    COLLECTED = "collected"


class VisitRuleVersion(CollectionTable, table=True):
    """The revisit and refusal rules as versioned, effective-dated data: changed by notice, never edited in place."""

    __tablename__ = "visit_rule_version"

    version: int = sqlmodel.Field(primary_key=True)
    effective_from: date = sqlmodel.Field(sa_type=Date)
    occupied_absent_working_days: int  # DB 31114/Z 001-2025 6.2.4: 2个工作日内再次上门
    vacant_months: int  # DB 31114/Z 001-2025 6.2.4: 1个月后再次上门核查
    refusal_threshold: int  # DB 31114/Z 001-2025 6.2.10: 多次 … 拒不应答 → 第一时间向社区民警报告
    refusal_window_days: int
    clause: str = sqlmodel.Field(max_length=300)
    note: str | None = sqlmodel.Field(default=None, max_length=500)
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class Visit(CollectionTable, table=True):
    """One visit to one room, as recorded in the 工作台账."""

    __tablename__ = "visit"
    __table_args__ = (
        ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_visit_room"),
        ForeignKeyConstraint(["rule_version"], ["visit_rule_version.version"], name="fk_visit_rule_version"),
        Index("ix_visit_room_visited_at", "room_id", "visited_at"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    room_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    area: str = sqlmodel.Field(max_length=50)
    visited_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    collector: str = sqlmodel.Field(max_length=200)
    outcome: str = sqlmodel.Field(sa_type=String(20))
    note: str | None = sqlmodel.Field(default=None, max_length=2000)
    neighbour_info: str | None = sqlmodel.Field(default=None, max_length=2000)
    departure_intention: str | None = sqlmodel.Field(default=None, max_length=1000)
    next_visit_due: date | None = sqlmodel.Field(default=None, sa_type=Date)
    due_provisional: bool = False
    due_explanation: str | None = sqlmodel.Field(default=None, max_length=2000)
    # DB 31114/Z 002-2025 6.5: 房主不配合采集 (only on a `refused` visit); server default for rows before 0008.
    owner_uncooperative: bool = sqlmodel.Field(default=False, sa_column_kwargs={"server_default": false()})
    refusals_in_window: int | None = None
    refusal_reported: bool = False
    rule_version: int
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class RoomStatus(CollectionTable, table=True):
    """The derived status of one room, kept up to date by every visit (the work list and the overdue scan read it).
    On PostgreSQL its pages keep 30 % free (fillfactor 70, migration 0006) so status updates stay HOT."""

    __tablename__ = "room_status"
    __table_args__ = (
        ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_room_status_room"),
        Index("ix_room_status_area_due", "area", "next_visit_due"),
        Index("ix_room_status_due", "next_visit_due"),
    )

    room_id: uuid.UUID = sqlmodel.Field(primary_key=True, sa_type=Uuid)
    area: str = sqlmodel.Field(max_length=50)
    state: str = sqlmodel.Field(sa_type=String(20), default=RoomState.NEVER_VISITED.value)
    last_visit_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    next_visit_due: date | None = sqlmodel.Field(default=None, sa_type=Date)
    due_provisional: bool = False
    refusal_flagged_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    # The deadline for which visit.overdue was published: once per missed deadline, not on every scan.
    overdue_reported_due: date | None = sqlmodel.Field(default=None, sa_type=Date)


# --- API schemas ----------------------------------------------------------------------------------------------------


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    visited_at: AwareDatetime = Field(description="time of the visit, ISO 8601 with offset")
    outcome: VisitOutcome
    note: str | None = Field(default=None, max_length=2000, description="工作台账 remark")
    neighbour_info: str | None = Field(
        default=None, max_length=2000, description="what neighbours said (无人应答, DB 31114/Z 001-2025 6.2.3)"
    )
    departure_intention: str | None = Field(
        default=None, max_length=1000, description="离开意向或其他特殊情况 (DB 31114/Z 001-2025 6.2.8)"
    )
    owner_uncooperative: bool = Field(
        default=False,
        description="房主不配合采集 (DB 31114/Z 002-2025 6.5): the house owner does not cooperate with the collection; "
        "reported to the 社区民警 at once (first occurrence). Only with outcome `refused`.",
    )
    registration_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=50, description="registrations made during a `collected` visit"
    )


class VisitOut(BaseModel):
    id: uuid.UUID
    room_id: uuid.UUID
    area: str
    visited_at: UtcDateTime
    collector: str
    outcome: VisitOutcome
    note: str | None
    neighbour_info: str | None
    departure_intention: str | None
    next_visit_due: date | None = Field(description="YYYY-MM-DD, or null when no revisit is scheduled")
    due_provisional: bool = Field(description="true when the deadline lies past the known holiday calendar")
    due_explanation: str | None
    owner_uncooperative: bool = Field(description="房主不配合采集 (DB 31114/Z 002-2025 6.5)")
    refusals_in_window: int | None
    refusal_reported: bool
    rule_version: int
    registration_ids: list[uuid.UUID] = Field(default_factory=list)


class RoomStatusOut(BaseModel):
    room_id: uuid.UUID
    house_code: str
    room_no: str
    building_id: uuid.UUID
    address: str
    area: str
    state: RoomState
    last_visit_at: UtcDateTime | None
    next_visit_due: date | None
    due_provisional: bool
    overdue: bool
    days_overdue: int
    refusal_flagged: bool


class VisitRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    effective_from: date
    occupied_absent_working_days: int = Field(ge=1, le=30)
    vacant_months: int = Field(ge=1, le=12)
    refusal_threshold: int = Field(ge=1, le=20)
    refusal_window_days: int = Field(ge=1, le=3650)
    clause: str = Field(min_length=1, max_length=300, description="the clause or notice the values come from")
    note: str | None = Field(default=None, max_length=500)


class VisitRuleOut(BaseModel):
    version: int
    effective_from: date
    occupied_absent_working_days: int
    vacant_months: int
    refusal_threshold: int
    refusal_window_days: int
    clause: str
    note: str | None
    created_by: str
    created_at: UtcDateTime
