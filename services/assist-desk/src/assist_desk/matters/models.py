"""The matter table (one row per version, never updated) and its API schemas."""

import uuid
from datetime import datetime
from typing import Any

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, UniqueConstraint, Uuid

from assist_desk.institutions.rules import AssistanceForm
from assist_desk.matters.rules import CODE_PATTERN, Material
from assist_desk.tables import AssistTable
from assist_desk.time_limits.rules import TimeLimit
from jiading_shared.types import UtcDateTime


class MatterVersion(AssistTable, table=True):
    __tablename__ = "matter_version"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_matter_version_code_version"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    code: str = sqlmodel.Field(max_length=50, index=True)
    version: int
    name: str = sqlmodel.Field(max_length=200)
    department_code: str = sqlmodel.Field(max_length=50)
    materials: list[dict[str, Any]] = sqlmodel.Field(sa_type=JSON)
    time_limits: dict[str, Any] = sqlmodel.Field(sa_type=JSON)
    effective_from: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    note: str = sqlmodel.Field(max_length=500)
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class MatterVersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="事项名称")
    department_code: str = Field(pattern=CODE_PATTERN, description="responsible 进驻部门 (department code)")
    materials: list[Material] = Field(default_factory=list, description="申请材料清单")
    time_limits: dict[AssistanceForm, TimeLimit] = Field(
        default_factory=dict, description="限时办结 per assistance form; forms not listed use the policy default"
    )
    effective_from: datetime | None = Field(default=None, description="when this version takes effect (default: now)")
    note: str = Field(default="", max_length=500, description="the notice or reason behind this version")


class MatterIn(MatterVersionIn):
    code: str = Field(pattern=CODE_PATTERN, description="事项编码")


class MatterOut(BaseModel):
    code: str
    version: int
    name: str
    department_code: str
    materials: list[Material]
    time_limits: dict[AssistanceForm, TimeLimit]
    effective_from: UtcDateTime
    note: str
    created_by: str
    created_at: UtcDateTime
