"""Tables and API schemas of devices and their checks."""

import uuid
from datetime import date, datetime

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Date, DateTime, ForeignKeyConstraint, Integer, String, Uuid

from assist_desk.equipment.rules import CheckKind, CheckResult, DeviceKind
from assist_desk.tables import AssistTable
from jiading_shared.types import UtcDateTime


class Device(AssistTable, table=True):
    __tablename__ = "device"
    __table_args__ = (
        ForeignKeyConstraint(["institution_id"], ["service_institution.id"], name="fk_device_institution"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    institution_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid, index=True)
    kind: DeviceKind = sqlmodel.Field(sa_type=String(30))
    label: str = sqlmodel.Field(max_length=200)
    in_service_since: date = sqlmodel.Field(sa_type=Date)
    active: bool = True
    status: CheckResult = sqlmodel.Field(sa_type=String(20))
    last_daily_check_on: date | None = sqlmodel.Field(default=None, sa_type=Date)
    last_monthly_inspection_on: date | None = sqlmodel.Field(default=None, sa_type=Date)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class DeviceCheck(AssistTable, table=True):
    __tablename__ = "device_check"
    __table_args__ = (ForeignKeyConstraint(["device_id"], ["device.id"], name="fk_device_check_device"),)

    id: int | None = sqlmodel.Field(default=None, primary_key=True, sa_type=Integer)
    device_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid, index=True)
    kind: CheckKind = sqlmodel.Field(sa_type=String(20))
    checked_on: date = sqlmodel.Field(sa_type=Date)
    result: CheckResult = sqlmodel.Field(sa_type=String(20))
    note: str | None = sqlmodel.Field(default=None, max_length=1000)
    checked_by: str = sqlmodel.Field(max_length=200)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: DeviceKind = Field(description="自助终端, 身份证读取器, 打印机, 扫描仪, 评价器, 摄像头 …")
    label: str = Field(min_length=1, max_length=200, description="asset tag or place")
    in_service_since: date


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: CheckKind = Field(description="daily 每日检查 / monthly 每月调试检查")
    checked_on: date
    result: CheckResult
    note: str | None = Field(default=None, max_length=1000)


class CheckOut(BaseModel):
    id: int
    kind: CheckKind
    checked_on: date
    result: CheckResult
    note: str | None
    checked_by: str
    recorded_at: UtcDateTime


class DeviceOut(BaseModel):
    id: uuid.UUID
    institution_id: uuid.UUID
    kind: DeviceKind
    label: str
    in_service_since: date
    active: bool
    status: CheckResult
    last_daily_check_on: date | None
    last_monthly_inspection_on: date | None
    daily_check_missed_on: date | None = Field(description="the service day whose after-service check is missing")
    monthly_inspection_missed: bool
