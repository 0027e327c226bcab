"""Tables and API schemas of service institutions."""

import uuid
from datetime import date, datetime, time

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Date, DateTime, ForeignKeyConstraint, String, Time, UniqueConstraint, Uuid, text

from assist_desk.institutions.rules import AssistanceForm, InstitutionKind
from assist_desk.tables import AssistTable
from jiading_shared.types import LocalTime, UtcDateTime

CODE_LENGTH = 50


class ServiceInstitution(AssistTable, table=True):
    __tablename__ = "service_institution"
    __table_args__ = (UniqueConstraint("name", name="uq_service_institution_name"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    kind: InstitutionKind = sqlmodel.Field(sa_type=String(20))
    name: str = sqlmodel.Field(max_length=200)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    registered_by: str = sqlmodel.Field(max_length=200)
    registered_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    # Opening hours bound the working hours in which hour-based time limits run (DB 31114/Z 022-2025 7.4.4).
    opens_at: time = sqlmodel.Field(sa_type=Time, sa_column_kwargs={"server_default": text("'09:00:00'")})
    closes_at: time = sqlmodel.Field(sa_type=Time, sa_column_kwargs={"server_default": text("'17:00:00'")})


class StationedDepartment(AssistTable, table=True):
    """A 进驻部门 of an institution (DB 31114/Z 022-2025 3.4): the department that handles its matters there."""

    __tablename__ = "stationed_department"
    __table_args__ = (
        ForeignKeyConstraint(
            ["institution_id"], ["service_institution.id"], name="fk_stationed_department_institution"
        ),
    )

    institution_id: uuid.UUID = sqlmodel.Field(primary_key=True, sa_type=Uuid)
    department_code: str = sqlmodel.Field(primary_key=True, max_length=CODE_LENGTH)
    name: str = sqlmodel.Field(max_length=200)
    stationed_since: date | None = sqlmodel.Field(default=None, sa_type=Date)
    recorded_by: str = sqlmodel.Field(max_length=200)


class InstitutionAssistanceForm(AssistTable, table=True):
    """One assistance form an institution offers: a row per form, so "who offers 视讯办" is a plain query."""

    __tablename__ = "institution_assistance_form"
    __table_args__ = (
        ForeignKeyConstraint(["institution_id"], ["service_institution.id"], name="fk_assistance_form_institution"),
    )

    institution_id: uuid.UUID = sqlmodel.Field(primary_key=True, sa_type=Uuid)
    form: AssistanceForm = sqlmodel.Field(primary_key=True, sa_type=String(20))


# --- API schemas ----------------------------------------------------------------------------------------------------


class InstitutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: InstitutionKind = Field(
        description="centre 区政务服务中心 / institution 其他政务服务机构 / station 政务服务站"
    )
    name: str = Field(min_length=1, max_length=200, description="机构名称")
    town: str = Field(min_length=1, max_length=CODE_LENGTH, description="街道/镇 code")
    assistance_forms: set[AssistanceForm] = Field(
        min_length=1,
        description="帮办形式: self_service 自助办, accompanied 陪同办 and fallback 兜底办 always; optionally express "
        "快闪办, video 视讯办, outreach 延伸办",
    )
    opens_at: LocalTime = Field(default=time(9, 0), description="opening time on working days (Asia/Shanghai)")
    closes_at: LocalTime = Field(default=time(17, 0), description="closing time on working days (Asia/Shanghai)")


class InstitutionOut(BaseModel):
    id: uuid.UUID
    kind: InstitutionKind
    name: str
    town: str
    assistance_forms: list[AssistanceForm]
    opens_at: LocalTime
    closes_at: LocalTime
    registered_by: str
    registered_at: UtcDateTime


class StationedDepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    department_code: str = Field(pattern=r"^[A-Za-z0-9._-]{1,50}$", description="department code (JWT claim `dept`)")
    name: str = Field(min_length=1, max_length=200, description="部门名称")
    stationed_since: date | None = Field(default=None, description="进驻日期")


class StationedDepartmentOut(BaseModel):
    institution_id: uuid.UUID
    department_code: str
    name: str
    stationed_since: date | None
    recorded_by: str
