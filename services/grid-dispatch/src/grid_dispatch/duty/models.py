"""Tables and API schemas of the duty roster and patrol logs."""

import uuid
from datetime import datetime

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, ForeignKeyConstraint, String

from grid_dispatch.departments.rules import DutyKind
from grid_dispatch.duty.rules import PatrolStatus
from grid_dispatch.grids.models import CODE_LENGTH
from grid_dispatch.tables import GridTable
from jiading_shared.types import UtcDateTime


class DutyAssignment(GridTable, table=True):
    """A roster entry: one officer of a 派出所 / 城管中队 / 市场监管所 on duty in one or more grids for a shift."""

    __tablename__ = "duty_assignment"
    __table_args__ = (
        ForeignKeyConstraint(["department_code"], ["department.code"], name="fk_duty_assignment_department"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    department_code: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    duty_kind: DutyKind = sqlmodel.Field(sa_type=String(30))
    officer_sub: str = sqlmodel.Field(max_length=200, index=True)
    officer_name: str = sqlmodel.Field(max_length=100)
    grids: list[str] = sqlmodel.Field(sa_type=JSON)
    starts_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True), index=True)
    ends_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True), index=True)
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    cancelled_by: str | None = sqlmodel.Field(default=None, max_length=200)
    cancelled_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class PatrolLog(GridTable, table=True):
    """A patrol (巡防巡管) of a department with the 城运队员 who joined (DB 31114/Z 010-2025 4.1.3, 4.2.4.1)."""

    __tablename__ = "patrol_log"
    __table_args__ = (ForeignKeyConstraint(["department_code"], ["department.code"], name="fk_patrol_log_department"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    department_code: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    grids: list[str] = sqlmodel.Field(sa_type=JSON)
    areas: list[str] = sqlmodel.Field(sa_type=JSON)  # sector grids the patrol went through (computed)
    started_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True), index=True)
    ended_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    patrol_members: list[dict[str, str]] = sqlmodel.Field(sa_type=JSON)
    findings: str = sqlmodel.Field(max_length=2000)
    logged_by: str = sqlmodel.Field(max_length=200)
    logged_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class DutyAssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    department_code: str = Field(min_length=1, max_length=CODE_LENGTH, description="派出所 / 城管中队 / 市场监管所")
    officer_sub: str = Field(min_length=1, max_length=200, description="the officer's subject (JWT sub)")
    officer_name: str = Field(min_length=1, max_length=100, description="姓名")
    grids: list[str] = Field(min_length=1, max_length=100, description="unit grids covered (one person, several grids)")
    starts_at: datetime
    ends_at: datetime


class DutyAssignmentOut(BaseModel):
    id: uuid.UUID
    town: str
    department_code: str
    duty_kind: DutyKind
    officer_sub: str
    officer_name: str
    grids: list[str]
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    created_by: str
    created_at: UtcDateTime
    cancelled_at: UtcDateTime | None
    # DB 31114/Z 010-2025 4.2.2.5, 4.2.3.5: under the dual command of the department and the 城运中心.
    commanded_by: list[str] = Field(description="department code and the town's 城运中心")


class GridCoverageOut(BaseModel):
    grid: str
    responders: dict[DutyKind, list[str]]
    missing: list[DutyKind]


class CoverageGap(BaseModel):
    grid: str
    duty_kind: DutyKind


class CoverageOut(BaseModel):
    town: str
    at: UtcDateTime
    rule_version: str
    grids: list[GridCoverageOut]
    gaps: list[CoverageGap]


class PatrolMember(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sub: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=100)


class PatrolLogIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    department_code: str = Field(min_length=1, max_length=CODE_LENGTH)
    grids: list[str] = Field(min_length=1, max_length=100, description="unit or sector grids patrolled")
    started_at: datetime
    ended_at: datetime
    patrol_members: list[PatrolMember] = Field(
        default_factory=list, max_length=50, description="城运队员 who joined (DB 31114/Z 010-2025 4.1.3)"
    )
    findings: str = Field(default="", max_length=2000, description="发现问题及处理")


class PatrolLogOut(BaseModel):
    id: uuid.UUID
    town: str
    department_code: str
    grids: list[str]
    areas: list[str]
    started_at: UtcDateTime
    ended_at: UtcDateTime
    patrol_members: list[PatrolMember]
    findings: str
    logged_by: str
    logged_at: UtcDateTime


class AreaPatrolsOut(BaseModel):
    department_code: str
    area: str
    patrols: int
    status: PatrolStatus


class PatrolComplianceOut(BaseModel):
    town: str
    week: str
    week_start: str
    week_end: str
    rule_version: str
    minimum: int
    maximum: int
    areas: list[AreaPatrolsOut]
    compliant: bool
