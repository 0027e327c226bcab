"""Tables and API schemas of assistance staff and their training."""

import uuid
from datetime import date, datetime

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Date, DateTime, ForeignKeyConstraint, Integer, String, UniqueConstraint, Uuid

from assist_desk.staff.rules import Employment, StaffSource, Team, TrainingKind
from assist_desk.tables import AssistTable
from jiading_shared.types import UtcDateTime


class StaffMember(AssistTable, table=True):
    __tablename__ = "staff_member"
    __table_args__ = (
        ForeignKeyConstraint(["institution_id"], ["service_institution.id"], name="fk_staff_member_institution"),
        UniqueConstraint("account_sub", name="uq_staff_member_account_sub"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    institution_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid, index=True)
    name: str = sqlmodel.Field(max_length=100)
    account_sub: str | None = sqlmodel.Field(default=None, max_length=200)
    team: Team = sqlmodel.Field(sa_type=String(20))
    employment: Employment = sqlmodel.Field(sa_type=String(20))
    source: StaffSource = sqlmodel.Field(sa_type=String(20))
    department_code: str | None = sqlmodel.Field(default=None, max_length=50)
    registration_no: str | None = sqlmodel.Field(default=None, max_length=50)
    registered_on: date | None = sqlmodel.Field(default=None, sa_type=Date)
    active: bool = True
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class StaffTraining(AssistTable, table=True):
    __tablename__ = "staff_training"
    __table_args__ = (ForeignKeyConstraint(["staff_id"], ["staff_member.id"], name="fk_staff_training_staff"),)

    id: int | None = sqlmodel.Field(default=None, primary_key=True, sa_type=Integer)
    staff_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid, index=True)
    kind: TrainingKind = sqlmodel.Field(sa_type=String(20))
    topic: str = sqlmodel.Field(max_length=200)
    trained_on: date = sqlmodel.Field(sa_type=Date)
    hours: float
    recorded_by: str = sqlmodel.Field(max_length=200)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="姓名 (shown on the 工作挂牌, 8.1)")
    account_sub: str | None = Field(default=None, max_length=200, description="identity-provider subject, if any")
    team: Team = Field(description="leader 领导帮办 / general 综合帮办 / specialist 专业帮办 / volunteer 志愿帮办")
    employment: Employment = Field(description="full_time 专职 / part_time 兼职")
    source: StaffSource = Field(description="where the person comes from (6.2.1)")
    department_code: str | None = Field(default=None, max_length=50, description="approval department (专业帮办)")


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    registration_no: str = Field(min_length=1, max_length=50, description="备案编号")
    registered_on: date = Field(description="备案日期")


class TrainingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: TrainingKind = Field(description="pre_job 岗前培训 / routine 日常培训")
    topic: str = Field(min_length=1, max_length=200, description="业务知识、服务规范、法规政策 …")
    trained_on: date
    hours: float = Field(gt=0, le=200)


class TrainingOut(BaseModel):
    id: int
    kind: TrainingKind
    topic: str
    trained_on: date
    hours: float
    recorded_by: str
    recorded_at: UtcDateTime


class StaffOut(BaseModel):
    id: uuid.UUID
    institution_id: uuid.UUID
    name: str
    account_sub: str | None
    team: Team
    employment: Employment
    source: StaffSource
    department_code: str | None
    registration_no: str | None
    registered_on: date | None
    active: bool
    trainings: list[TrainingOut]
    may_serve: bool = Field(description="true once the pre-job training is recorded (6.1.3)")
    may_serve_reason: str | None


class TeamCount(BaseModel):
    team: Team
    label: str
    full_time: int
    part_time: int


class TeamsOut(BaseModel):
    institution_id: uuid.UUID
    teams: list[TeamCount]
    missing_core_teams: list[Team] = Field(description='"1+2+X": leader, general and specialist teams are required')
    complete: bool
