"""Tables and API schemas of reviews, rectification cases and call-back tasks."""

import uuid
from datetime import date, datetime

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Date, DateTime, ForeignKeyConstraint, Index, String, Text, UniqueConstraint, Uuid

from assist_desk.reviews.rules import Level, Outcome
from assist_desk.tables import AssistTable
from jiading_shared.types import UtcDateTime


class Review(AssistTable, table=True):
    __tablename__ = "review"
    __table_args__ = (
        ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_review_ticket"),
        UniqueConstraint("ticket_id", name="uq_review_ticket"),
        Index("ix_review_institution_reviewed", "institution_id", "reviewed_at"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    ticket_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    institution_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    level: Level = sqlmodel.Field(sa_type=String(30))
    comment: str | None = sqlmodel.Field(default=None, max_length=1000)
    reviewed_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    recorded_by: str = sqlmodel.Field(max_length=200)


class Rectification(AssistTable, table=True):
    __tablename__ = "rectification"
    __table_args__ = (
        ForeignKeyConstraint(["review_id"], ["review.id"], name="fk_rectification_review"),
        ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_rectification_ticket"),
        UniqueConstraint("review_id", name="uq_rectification_review"),
        Index("ix_rectification_state_due", "state", "due_at"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    review_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    ticket_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    institution_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid, index=True)
    town: str = sqlmodel.Field(max_length=50)
    state: str = sqlmodel.Field(max_length=20)  # open / closed
    opened_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    due_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    due_explain: str = sqlmodel.Field(sa_type=Text)
    policy_version: int
    callback_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    callback_by: str | None = sqlmodel.Field(default=None, max_length=200)
    callback_note: str | None = sqlmodel.Field(default=None, max_length=1000)
    outcome: Outcome | None = sqlmodel.Field(default=None, sa_type=String(30))
    outcome_note: str | None = sqlmodel.Field(default=None, max_length=1000)
    closed_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    closed_by: str | None = sqlmodel.Field(default=None, max_length=200)
    overdue_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class CallbackTask(AssistTable, table=True):
    """A random call-back (回访, 4.3 e): one per sampled completed ticket."""

    __tablename__ = "callback_task"
    __table_args__ = (
        ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_callback_task_ticket"),
        UniqueConstraint("ticket_id", name="uq_callback_task_ticket"),
        Index("ix_callback_task_institution_week", "institution_id", "week_start"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    ticket_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    institution_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    town: str = sqlmodel.Field(max_length=50)
    week_start: date = sqlmodel.Field(sa_type=Date)
    policy_version: int
    selected_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    done_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    done_by: str | None = sqlmodel.Field(default=None, max_length=200)
    reached: bool | None = None
    level: Level | None = sqlmodel.Field(default=None, sa_type=String(30))
    note: str | None = sqlmodel.Field(default=None, max_length=1000)


# --- API schemas ----------------------------------------------------------------------------------------------------


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    level: Level = Field(description="非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意")
    comment: str | None = Field(default=None, max_length=1000)


class RectificationOut(BaseModel):
    id: uuid.UUID
    review_id: uuid.UUID
    ticket_id: uuid.UUID
    institution_id: uuid.UUID
    state: str
    opened_at: UtcDateTime
    due_at: UtcDateTime
    due_explain: str
    policy_version: int
    callback_at: UtcDateTime | None
    callback_note: str | None
    outcome: Outcome | None
    outcome_note: str | None
    closed_at: UtcDateTime | None
    overdue: bool


class ReviewOut(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    level: Level
    level_label: str
    comment: str | None
    reviewed_at: UtcDateTime
    rectification: RectificationOut | None


class CallbackRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=1000, description="what the applicant said on the call-back")


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Outcome = Field(
        description="rectified_at_once 立行立改 / rectified_by_deadline 限期整改 / explained / appealed"
    )
    note: str = Field(min_length=1, max_length=1000)


class CallbackListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    institution_id: uuid.UUID
    week_start: date = Field(
        description="any day of the week whose completed tickets are sampled; the week must be over (Asia/Shanghai)"
    )


class CallbackDoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reached: bool
    level: Level | None = Field(default=None, description="the rating given on the call, if reached")
    note: str | None = Field(default=None, max_length=1000)


class CallbackTaskOut(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    institution_id: uuid.UUID
    week_start: date
    policy_version: int
    selected_at: UtcDateTime
    done_at: UtcDateTime | None
    reached: bool | None
    level: Level | None
    note: str | None
