"""The policy table (one row per version, never updated) and its API schemas."""

import uuid
from datetime import datetime
from typing import Any

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, UniqueConstraint, Uuid

from assist_desk.institutions.rules import AssistanceForm
from assist_desk.tables import AssistTable
from assist_desk.tickets.rules import FallbackType
from assist_desk.time_limits.rules import TimeLimit
from jiading_shared.types import UtcDateTime


class AssistPolicy(AssistTable, table=True):
    __tablename__ = "assist_policy"
    __table_args__ = (UniqueConstraint("version", name="uq_assist_policy_version"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    version: int
    effective_from: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    form_time_limits: dict[str, Any] = sqlmodel.Field(sa_type=JSON)
    fallback_time_limits: dict[str, Any] = sqlmodel.Field(sa_type=JSON)
    warning_lead_hours: int
    rectification_working_days: int
    callback_share_percent: int
    note: str = sqlmodel.Field(max_length=500)
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class PolicyIn(BaseModel):
    """A new policy version. Every field is given in full: a version never inherits silently from another."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    effective_from: datetime | None = Field(default=None, description="when it takes effect (default: now)")
    form_time_limits: dict[AssistanceForm, TimeLimit] = Field(
        description="限时办结 per assistance form when the matter sets none (all forms but fallback)"
    )
    fallback_time_limits: dict[FallbackType, TimeLimit] = Field(description="处理时限 per 兜底办 type")
    warning_lead_hours: int = Field(ge=1, le=240, description="warn this many hours before a deadline")
    rectification_working_days: int = Field(ge=1, le=60, description="整改期限 after a bad review (working days)")
    callback_share_percent: int = Field(ge=1, le=100, description="share of completed tickets called back weekly")
    note: str = Field(min_length=1, max_length=500, description="the notice or decision behind this version")


class PolicyOut(BaseModel):
    version: int
    effective_from: UtcDateTime
    form_time_limits: dict[AssistanceForm, TimeLimit]
    fallback_time_limits: dict[FallbackType, TimeLimit]
    warning_lead_hours: int
    rectification_working_days: int
    callback_share_percent: int
    note: str
    clauses: dict[str, str]
    created_by: str
    created_at: UtcDateTime
