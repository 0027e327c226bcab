"""Tables and API schemas of key houses (实有人口重点房, DB 31114/Z 003-2025): the police station's list and the
verification tasks it creates for the area's 协管员."""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKeyConstraint, Index, String, Uuid

from collection.key_houses.rules import VerifierRole
from collection.registrations.models import RegistrationIn
from collection.tables import CollectionTable
from jiading_shared.types import UtcDateTime


class TaskStatus(StrEnum):
    PENDING = "pending"  # 待核查
    VERIFIED = "verified"  # 已核查
    SUPERSEDED = "superseded"  # a newer list named the house again before it was verified


class KeyHouseList(CollectionTable, table=True):
    """One uploaded 重点房名单 (003 5.1.1)."""

    __tablename__ = "key_house_list"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    police_station: str | None = sqlmodel.Field(default=None, max_length=50)
    rows: int
    uploaded_by: str = sqlmodel.Field(max_length=200)
    uploaded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class KeyHouseTask(CollectionTable, table=True):
    """The verification of one key house by the area's 协管员 (003 4.2, 5.1.3, 5.1.4)."""

    __tablename__ = "key_house_task"
    __table_args__ = (
        ForeignKeyConstraint(["list_id"], ["key_house_list.id"], name="fk_key_house_task_list"),
        ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_key_house_task_room"),
        Index("ix_key_house_task_area_status", "area", "status"),
        Index("ix_key_house_task_station_status", "police_station", "status"),
        Index("ix_key_house_task_room_status", "room_id", "status"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    list_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    line: int
    room_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    house_code: str = sqlmodel.Field(max_length=8)
    area: str = sqlmodel.Field(max_length=50)
    police_station: str = sqlmodel.Field(max_length=50)
    house_type: str = sqlmodel.Field(max_length=50)
    maintenance_requirement: str = sqlmodel.Field(max_length=500)
    status: str = sqlmodel.Field(sa_type=String(20), default=TaskStatus.PENDING.value)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    verified_by: str | None = sqlmodel.Field(default=None, max_length=200)
    # collector / community_police / admin (VerifierRole): who went on site is part of the record (003 5.1.2).
    verified_role: str | None = sqlmodel.Field(default=None, max_length=20)
    verified_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    note: str | None = sqlmodel.Field(default=None, max_length=2000)
    persons_confirmed: int | None = None
    persons_deregistered: int | None = None
    persons_registered: int | None = None


# --- API schemas ----------------------------------------------------------------------------------------------------


class RowProblemOut(BaseModel):
    line: int = Field(description="line of the CSV file (the header is line 1)")
    field: str
    reason: str


class KeyHouseImportOut(BaseModel):
    dry_run: bool
    list_id: uuid.UUID | None = Field(description="the stored list (null on a dry run or when rejected)")
    rows: int
    tasks_created: int = Field(description="tasks created (or, on a dry run, that would be)")
    tasks_superseded: int = Field(description="older pending tasks of the same houses replaced")
    errors: list[RowProblemOut] = Field(description="per-row problems; when any, nothing is written")


class KeyHouseTaskOut(BaseModel):
    id: uuid.UUID
    list_id: uuid.UUID
    room_id: uuid.UUID
    house_code: str
    area: str
    police_station: str
    house_type: str
    maintenance_requirement: str
    status: TaskStatus
    created_at: UtcDateTime
    verified_by: str | None
    verified_role: VerifierRole | None = Field(
        default=None, description="协管员 (collector) or 社区民警 (community_police) on site, or admin correction"
    )
    verified_at: UtcDateTime | None
    note: str | None
    persons_confirmed: int | None
    persons_deregistered: int | None
    persons_registered: int | None


class MovedOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    registration_id: uuid.UUID
    reason: str = Field(default="重点房核查：已搬离", min_length=2, max_length=300)


class VerificationIn(BaseModel):
    """The result of checking the people of a key house (003 5.1.3): every active registration of the room is either
    confirmed still living there or deregistered; people found and not yet registered are registered (表 A.1)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    verified_at: datetime = Field(description="when the house was checked (ISO 8601 with offset)")
    still_resident: list[uuid.UUID] = Field(default=[], description="registrations confirmed as still living there")
    moved_out: list[MovedOutIn] = Field(default=[], description="registrations to end (注销)")
    new_residents: list[RegistrationIn] = Field(default=[], max_length=200, description="people found, 表 A.1")
    note: str | None = Field(default=None, max_length=2000)


class StationProgressOut(BaseModel):
    police_station: str
    area: str | None = Field(description="null on the station's total line")
    tasks: int
    verified: int
    pending: int
    verified_share: float = Field(description="verified / tasks, 0–1")
