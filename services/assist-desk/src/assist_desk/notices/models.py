"""The one-time notice table and its API schemas."""

import uuid
from datetime import datetime
from typing import Any

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, ForeignKeyConstraint, Text, UniqueConstraint, Uuid

from assist_desk.matters.rules import CODE_PATTERN
from assist_desk.notices.rules import Problem
from assist_desk.tables import AssistTable
from jiading_shared.types import UtcDateTime


class OneTimeNotice(AssistTable, table=True):
    __tablename__ = "one_time_notice"
    __table_args__ = (
        ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_one_time_notice_ticket"),
        UniqueConstraint("ticket_id", "seq", name="uq_one_time_notice_seq"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    ticket_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    seq: int
    institution_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid, index=True)
    matter_code: str = sqlmodel.Field(max_length=50)
    matter_version: int
    items: list[dict[str, Any]] = sqlmodel.Field(sa_type=JSON)
    # What the ticket knew at this notice: the basis of the breach check on later notices.
    missing_at_issue: list[str] = sqlmodel.Field(sa_type=JSON)
    in_hand_at_issue: list[str] = sqlmodel.Field(sa_type=JSON)
    refusal_reason: str | None = sqlmodel.Field(default=None, sa_type=Text)
    guidance: str | None = sqlmodel.Field(default=None, sa_type=Text)
    breach: bool = False
    breach_materials: list[str] = sqlmodel.Field(sa_type=JSON)
    issued_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    issued_by: str = sqlmodel.Field(max_length=200)


class NoticeItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    material_code: str = Field(pattern=CODE_PATTERN)
    problem: Problem = Field(description="missing 缺少 / not_in_legal_form 不符合法定形式")
    how_to_correct: str = Field(min_length=1, max_length=500, description="如何补正")


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    items: list[NoticeItemIn] = Field(default_factory=list, description="everything missing or defective")
    refusal_reason: str | None = Field(default=None, max_length=2000, description="不予受理或不予决定的理由")
    guidance: str | None = Field(default=None, max_length=2000, description="other information the applicant needs")


class NoticeItemOut(BaseModel):
    material_code: str
    material_name: str
    problem: Problem
    how_to_correct: str
    legal_form: str | None


class NoticeOut(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    seq: int
    matter_code: str
    matter_version: int
    items: list[NoticeItemOut]
    refusal_reason: str | None
    guidance: str | None
    breach: bool = Field(description="asks for something that was already missing at the first notice")
    breach_materials: list[str]
    issued_at: UtcDateTime
    issued_by: str
