"""Tables and API schemas of joint rectification applications (form B.1) and summaries (form C.1)."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Date, DateTime, ForeignKeyConstraint, String, Text, UniqueConstraint

from grid_dispatch.grids.models import CODE_LENGTH
from grid_dispatch.joint_rectification.rules import (
    HalfDay,
    RectificationState,
    SignOffLevel,
    TaskRole,
    TaskState,
    Vehicle,
)
from grid_dispatch.tables import GridTable
from jiading_shared.types import UtcDateTime


class JointRectification(GridTable, table=True):
    __tablename__ = "joint_rectification"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    applicant_department: str = sqlmodel.Field(max_length=CODE_LENGTH)
    contact_name: str = sqlmodel.Field(max_length=100)
    contact_phone_ciphertext: str = sqlmodel.Field(max_length=500)
    content: str = sqlmodel.Field(sa_type=Text)
    # 整治方案 (B.1 注1); null only on applications filed before it was asked for
    plan: str | None = sqlmodel.Field(default=None, sa_type=Text)
    action_date: date = sqlmodel.Field(sa_type=Date)
    half_day: HalfDay = sqlmodel.Field(sa_type=String(2))
    hour: int
    starts_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True), index=True)
    ends_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    command_unit: str = sqlmodel.Field(max_length=CODE_LENGTH)
    command_leader: str = sqlmodel.Field(max_length=100)
    participants: list[dict[str, Any]] = sqlmodel.Field(sa_type=JSON)
    vehicles: list[dict[str, Any]] = sqlmodel.Field(sa_type=JSON)
    joint_duty_action: bool = False
    police_notified_on: date | None = sqlmodel.Field(default=None, sa_type=Date)
    notice_override_reason: str | None = sqlmodel.Field(default=None, max_length=500)
    notice_rule_version: str = sqlmodel.Field(max_length=50)
    state: RectificationState = sqlmodel.Field(sa_type=String(30), index=True)
    sign_offs: list[dict[str, Any]] = sqlmodel.Field(sa_type=JSON)
    reopened_from: uuid.UUID | None = None
    summary: dict[str, Any] | None = sqlmodel.Field(default=None, sa_type=JSON)
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class RectificationTask(GridTable, table=True):
    """The task of one department in an approved joint rectification: it lists and closes its own."""

    __tablename__ = "rectification_task"
    __table_args__ = (
        # a 派出所 may both be notified (police_notice) and take part (participant) in the same action
        UniqueConstraint("rectification_id", "department_code", "role", name="uq_rectification_task_department_role"),
        ForeignKeyConstraint(
            ["rectification_id"], ["joint_rectification.id"], name="fk_rectification_task_rectification"
        ),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    rectification_id: uuid.UUID = sqlmodel.Field(index=True)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    department_code: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    role: TaskRole = sqlmodel.Field(sa_type=String(20))
    head_count: int | None = None
    starts_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    ends_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    state: TaskState = sqlmodel.Field(sa_type=String(20), index=True)
    report: str | None = sqlmodel.Field(default=None, sa_type=Text)
    deployed_head_count: int | None = None
    completed_by: str | None = sqlmodel.Field(default=None, max_length=200)
    completed_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ParticipantIn(_In):
    department_code: str = Field(min_length=1, max_length=CODE_LENGTH, description="参与单位")
    head_count: int = Field(ge=1, le=1000, description="人数")


class VehicleIn(_In):
    type: Vehicle = Field(description="皮卡/卡车/面包车/挖机/铲车/推土机/其他")
    count: int = Field(ge=1, le=200, description="辆/台")
    note: str | None = Field(default=None, max_length=100, description="其他: what it is")


class RectificationIn(_In):
    applicant_department: str = Field(min_length=1, max_length=CODE_LENGTH, description="申请单位")
    contact_name: str = Field(min_length=1, max_length=100, description="联系人")
    contact_phone: str = Field(pattern=r"^[0-9+\- ]{7,20}$", description="联系电话 (stored encrypted)")
    content: str = Field(min_length=1, max_length=4000, description="整治内容")
    plan: str = Field(
        min_length=1,
        max_length=8000,
        description="整治方案 drawn up by the lead unit, approved by the leaders (B.1 注1)",
    )
    action_date: date = Field(description="整治时间：年月日")
    half_day: HalfDay = Field(description="上午 am / 下午 pm")
    hour: int = Field(ge=1, le=12, description="时 (1-12)")
    duration_hours: int = Field(default=3, ge=1, le=24, description="expected length, for clash checks")
    command_unit: str = Field(min_length=1, max_length=CODE_LENGTH, description="现场指挥单位")
    command_leader: str = Field(min_length=1, max_length=100, description="负责人")
    participants: list[ParticipantIn] = Field(min_length=1, max_length=30, description="参与单位及人数")
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=20, description="车辆及设备")
    joint_duty_action: bool = Field(
        default=False,
        description="联勤联动专项行动: on filing the town's 派出所 get a police_notice task (010 4.2.1.1)",
    )
    notice_override_reason: str | None = Field(
        default=None, max_length=500, description="a commander's reason to accept shorter notice"
    )
    reopened_from: uuid.UUID | None = Field(default=None, description="the action this one repeats (009 4.2.3)")


class SignOffIn(_In):
    level: SignOffLevel
    approve: bool
    signer_name: str = Field(min_length=1, max_length=100, description="签字")
    reason: str | None = Field(default=None, max_length=1000, description="required to reject")


class NextActionIn(_In):
    """When the new special rectification takes place (coordinated with the 城运中心, B.1 注2)."""

    action_date: date = Field(description="整治时间：年月日")
    half_day: HalfDay = Field(description="上午 am / 下午 pm")
    hour: int = Field(ge=1, le=12, description="时 (1-12)")
    duration_hours: int = Field(default=3, ge=1, le=24, description="expected length, for clash checks")
    notice_override_reason: str | None = Field(
        default=None, max_length=500, description="a commander's reason to accept shorter notice"
    )


class SummaryIn(_In):
    results: str = Field(min_length=1, max_length=4000, description="整治成果")
    solved: bool = Field(description="false: 突出问题未得到有效解决, a new special rectification is opened")
    next_action: NextActionIn | None = Field(
        default=None, description="required when not solved: the time of the new special rectification (009 4.2.3)"
    )
    before_photos: list[str] = Field(min_length=1, max_length=10, description="整治前照片 (base64 JPEG/PNG)")
    after_photos: list[str] = Field(min_length=1, max_length=10, description="整治后照片 (base64 JPEG/PNG)")


class RectificationContactOut(BaseModel):
    id: uuid.UUID
    contact_name: str
    contact_phone: str = Field(description="unmasked; every read leaves an access record")


class RectificationOut(BaseModel):
    id: uuid.UUID
    town: str
    applicant_department: str
    contact_name: str
    contact_phone_masked: str
    content: str
    plan: str | None
    action_date: date
    half_day: HalfDay
    hour: int
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    command_unit: str
    command_leader: str
    participants: list[dict[str, Any]]
    vehicles: list[dict[str, Any]]
    joint_duty_action: bool
    police_notified_on: date | None = Field(description="day the system sent the notice to the town's 派出所")
    notice_override_reason: str | None
    notice_rule_version: str
    state: RectificationState
    sign_offs: list[dict[str, Any]]
    reopened_from: uuid.UUID | None
    summary: dict[str, Any] | None
    created_by: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


class TaskCompleteIn(_In):
    report: str = Field(min_length=1, max_length=4000, description="what the department did in the action")
    deployed_head_count: int | None = Field(default=None, ge=0, le=1000, description="人数 actually deployed")


class TaskOut(BaseModel):
    id: uuid.UUID
    rectification_id: uuid.UUID
    town: str
    department_code: str
    role: TaskRole
    head_count: int | None
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    state: TaskState
    report: str | None
    deployed_head_count: int | None
    completed_by: str | None
    completed_at: UtcDateTime | None
    created_at: UtcDateTime
