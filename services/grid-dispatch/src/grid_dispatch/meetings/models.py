"""Tables and API schemas of weekly meetings (form A.1) and their action items."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Date, DateTime, ForeignKeyConstraint, String, Text, UniqueConstraint

from grid_dispatch.grids.models import CODE_LENGTH
from grid_dispatch.meetings.rules import ItemState, ItemStatus, MeetingKind
from grid_dispatch.tables import GridTable
from jiading_shared.types import UtcDateTime


class WeeklyMeeting(GridTable, table=True):
    """常态协调例会会议记录 (DB 31114/Z 009-2025 附录 A, 表 A.1): one per subject and ISO week."""

    __tablename__ = "weekly_meeting"
    __table_args__ = (UniqueConstraint("kind", "subject", "week", name="uq_weekly_meeting_subject_week"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    kind: MeetingKind = sqlmodel.Field(sa_type=String(30))
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    # The sector grid (片区网格) that held it, or the 派出所 meeting the 城运中心.
    subject: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    week: str = sqlmodel.Field(max_length=8, index=True)
    theme: str = sqlmodel.Field(max_length=200)
    held_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    place: str = sqlmodel.Field(max_length=200)
    attendees: list[dict[str, Any]] = sqlmodel.Field(sa_type=JSON)
    minutes: str = sqlmodel.Field(sa_type=Text)
    last_week_results: str | None = sqlmodel.Field(default=None, sa_type=Text)
    targets: str = sqlmodel.Field(sa_type=Text)
    incident_ids: list[str] = sqlmodel.Field(sa_type=JSON)
    carried_item_ids: list[str] = sqlmodel.Field(sa_type=JSON)
    recorded_by: str = sqlmodel.Field(max_length=200)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class MeetingActionItem(GridTable, table=True):
    """An action item (部署的工作) with its owner department and due date, carried forward until closed."""

    __tablename__ = "meeting_action_item"
    __table_args__ = (
        ForeignKeyConstraint(["meeting_id"], ["weekly_meeting.id"], name="fk_meeting_action_item_meeting"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    meeting_id: uuid.UUID = sqlmodel.Field(index=True)
    kind: MeetingKind = sqlmodel.Field(sa_type=String(30))
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    subject: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    owner_department: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    description: str = sqlmodel.Field(sa_type=Text)
    due_on: date = sqlmodel.Field(sa_type=Date)
    incident_id: uuid.UUID | None = None
    state: ItemState = sqlmodel.Field(sa_type=String(10), index=True)
    carried_count: int = 0
    last_reviewed_meeting_id: uuid.UUID | None = None
    result: str | None = sqlmodel.Field(default=None, sa_type=Text)
    closed_by: str | None = sqlmodel.Field(default=None, max_length=200)
    closed_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AttendeeIn(_In):
    department_code: str = Field(min_length=1, max_length=CODE_LENGTH, description="出席部门")
    people: list[str] = Field(min_length=1, max_length=30, description="出席人员 (names)")


class ActionItemIn(_In):
    owner_department: str = Field(min_length=1, max_length=CODE_LENGTH, description="责任部门")
    description: str = Field(min_length=1, max_length=2000, description="推进目标 / 工作任务")
    due_on: date = Field(description="完成时限")
    incident_id: uuid.UUID | None = Field(default=None, description="the incident the item is about, if any")


class ItemReviewIn(_In):
    item_id: uuid.UUID = Field(description="an open action item of an earlier meeting of the same grid")
    done: bool = Field(description="true closes it; false keeps it open (carried forward)")
    result: str = Field(min_length=1, max_length=2000, description="推进情况及成效")


class MeetingIn(_In):
    kind: MeetingKind = Field(description="sector_grid 片区网格每周工作例会 / police_liaison 派出所–城运中心每周例会")
    sector_grid: str | None = Field(default=None, max_length=CODE_LENGTH, description="片区网格 (kind sector_grid)")
    police_department: str | None = Field(
        default=None, max_length=CODE_LENGTH, description="the 派出所 (kind police_liaison)"
    )
    theme: str = Field(min_length=1, max_length=200, description="会议主题")
    held_at: datetime = Field(description="时间")
    place: str = Field(min_length=1, max_length=200, description="地点")
    attendees: list[AttendeeIn] = Field(min_length=1, max_length=40, description="出席部门及人员")
    minutes: str = Field(min_length=1, max_length=20000, description="会议记录")
    last_week_results: str | None = Field(
        default=None, max_length=10000, description="上周例会研究推进目标及成果 (none at a grid's first meeting)"
    )
    targets: str = Field(min_length=1, max_length=10000, description="本周推进目标及工作计划 (009 4.1.1)")
    incident_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200, description="incidents discussed")
    action_items: list[ActionItemIn] = Field(default_factory=list, max_length=100, description="部署的工作")
    item_reviews: list[ItemReviewIn] = Field(
        default_factory=list, max_length=200, description="progress on the open items of earlier meetings"
    )


class ActionItemCloseIn(_In):
    result: str = Field(min_length=1, max_length=2000, description="完成情况")


class ActionItemOut(BaseModel):
    id: uuid.UUID
    meeting_id: uuid.UUID
    kind: MeetingKind
    town: str
    subject: str
    owner_department: str
    description: str
    due_on: date
    incident_id: uuid.UUID | None
    state: ItemState
    status: ItemStatus
    carried_count: int
    last_reviewed_meeting_id: uuid.UUID | None
    result: str | None
    closed_by: str | None
    closed_at: UtcDateTime | None
    created_at: UtcDateTime


class MeetingOut(BaseModel):
    id: uuid.UUID
    kind: MeetingKind
    kind_label: str
    town: str
    subject: str
    week: str
    theme: str
    held_at: UtcDateTime
    place: str
    attendees: list[dict[str, Any]]
    minutes: str
    last_week_results: str | None
    targets: str
    incident_ids: list[uuid.UUID]
    required_attendees: list[str] = Field(description="departments that must attend (010 4.2.1.2, 4.2.2.3, 4.2.3.3)")
    absent_departments: list[str]
    action_items: list[ActionItemOut] = Field(description="items raised at this meeting")
    carried_items: list[ActionItemOut] = Field(description="open items of earlier meetings reviewed and carried")
    rule_version: str
    recorded_by: str
    recorded_at: UtcDateTime


class SubjectComplianceOut(BaseModel):
    kind: MeetingKind
    subject: str
    held: bool
    meeting_id: uuid.UUID | None
    absent_departments: list[str]
    compliant: bool


class MeetingComplianceOut(BaseModel):
    town: str
    week: str
    rule_version: str
    subjects: list[SubjectComplianceOut]
    missed: list[str] = Field(description="sector grids and 派出所 without their weekly meeting that week")
    compliant: bool
