"""The rule-version table and the body of each kind of rule set."""

import uuid
from datetime import datetime, time
from enum import StrEnum
from typing import Any

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, DateTime, String, UniqueConstraint

from grid_dispatch.departments.rules import DutyKind, UnitType
from grid_dispatch.tables import GridTable
from jiading_shared.types import LocalTime, UtcDateTime

CATEGORY_PATTERN = r"^[a-z][a-z0-9_]*$"


class RuleKind(StrEnum):
    SERVICE_CATALOG = "service_catalog"  # 事件类别 and their SLAs
    ROUTING = "routing"  # category (and grid) -> lead department
    DUTY_STANDARD = "duty_standard"  # numbers of DB 31114/Z 010-2025 4.2


class RuleVersion(GridTable, table=True):
    __tablename__ = "rule_version"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_rule_version_kind_version"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    kind: RuleKind = sqlmodel.Field(sa_type=String(30), index=True)
    version: int
    effective_from: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    body: dict[str, Any] = sqlmodel.Field(sa_type=JSON)
    note: str = sqlmodel.Field(max_length=500)
    published_by: str = sqlmodel.Field(max_length=200)
    published_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- bodies ---------------------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SlaUnit(StrEnum):
    WORKING_HOURS = "working_hours"  # 工作时 (within the working window of working days)
    WORKING_DAYS = "working_days"  # 工作日 (shared calendar; due at the end of the working window)
    HOURS = "hours"  # 自然小时 (round the clock, for urgent categories)


class SlaDuration(_Strict):
    amount: int = Field(ge=1, le=1000)
    unit: SlaUnit


class IncidentKind(StrEnum):
    INCIDENT = "incident"  # 事件/部件 工单
    SUPERVISION_TASK = "supervision_task"  # 督办任务 (e.g. an overdue revisit for the 社区民警)
    COORDINATION_TASK = "coordination_task"  # 协调任务 (e.g. a 兜底办 协调办理 ticket)


class Category(_Strict):
    code: str = Field(min_length=1, max_length=50, pattern=CATEGORY_PATTERN)
    name: str = Field(min_length=1, max_length=100, description="类别名称")
    group: str = Field(min_length=1, max_length=100, description="类别分组")
    description: str = Field(default="", max_length=500)
    kind: IncidentKind = IncidentKind.INCIDENT
    accept_within: SlaDuration = Field(description="签收时限, counted from dispatch")
    resolve_within: SlaDuration = Field(description="处置时限, counted from acceptance (签收 starts the clock)")
    warn_at_fraction: float = Field(default=0.8, gt=0, lt=1, description="share of the time limit before a warning")
    open311: bool = Field(default=True, description="offered to other systems through Open311")
    basis: str = Field(default="", max_length=300, description="where the time limits come from")


class WorkingWindow(_Strict):
    start: LocalTime = time(8, 30)
    end: LocalTime = time(17, 30)

    @model_validator(mode="after")
    def _ordered(self) -> "WorkingWindow":
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ServiceCatalogBody(_Strict):
    categories: list[Category] = Field(min_length=1, max_length=1000)
    working_window: WorkingWindow = Field(default_factory=WorkingWindow, description="working hours (China time)")

    @model_validator(mode="after")
    def _unique(self) -> "ServiceCatalogBody":
        codes = [category.code for category in self.categories]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"category codes repeated: {', '.join(duplicates)}")
        return self


class RoutingRule(_Strict):
    rule_id: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._-]+$")
    category: str = Field(pattern=CATEGORY_PATTERN, max_length=50)
    towns: list[str] = Field(default_factory=list, description="only these towns; empty = every town")
    grids: list[str] = Field(default_factory=list, description="only these grids (unit or sector); empty = all")
    unit_type: UnitType | None = Field(default=None, description="lead department's unit type")
    department_code: str | None = Field(
        default=None, max_length=50, description="this very department (e.g. a commander's ruling turned into a rule)"
    )
    use_named_department: bool = Field(
        default=False, description="route to the department the intake names (e.g. the event's 派出所)"
    )
    clause: str | None = Field(default=None, max_length=100, description="clause the rule implements")
    note: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _has_target(self) -> "RoutingRule":
        if self.unit_type is None and self.department_code is None and not self.use_named_department:
            raise ValueError("a rule needs a unit_type, a department_code or use_named_department")
        return self


class RoutingBody(_Strict):
    rules: list[RoutingRule] = Field(max_length=5000, description="ordered: the first matching rule wins")
    fallback_unit_type: UnitType | None = Field(
        default=None, description="when no rule matches; null = the dispatcher queue (DB 31114/Z 009-2025 4.3.2)"
    )

    @model_validator(mode="after")
    def _unique(self) -> "RoutingBody":
        ids = [rule.rule_id for rule in self.rules]
        duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicates:
            raise ValueError(f"rule ids repeated: {', '.join(duplicates)}")
        return self


class DutyStandardBody(_Strict):
    covered_duty_kinds: list[DutyKind] = Field(
        min_length=1, description="kinds every grid needs on duty (DB 31114/Z 010-2025 4.2.1.5, 4.2.2.1, 4.2.3.1)"
    )
    patrol_min_per_week: int = Field(ge=0, le=20, description="DB 31114/Z 010-2025 4.2.4.1: 每周1-2次")
    patrol_max_per_week: int = Field(ge=1, le=20)
    joint_action_notice_working_days: int = Field(ge=0, le=30, description="DB 31114/Z 010-2025 4.2.1.1: 提前3个工作日")
    # Versions published before weekly meetings existed read the standard's list.
    sector_meeting_attendee_unit_types: list[UnitType] = Field(
        default=[UnitType.ENFORCEMENT_SQUAD, UnitType.MARKET_REGULATION_OFFICE],
        description="units that attend each 片区网格 weekly meeting (DB 31114/Z 010-2025 4.2.2.3, 4.2.3.3)",
    )
    police_meeting_attendee_unit_types: list[UnitType] = Field(
        default=[UnitType.OPERATIONS_CENTRE],
        description="units meeting each 派出所 weekly besides the 派出所 itself (DB 31114/Z 010-2025 4.2.1.2)",
    )

    @model_validator(mode="after")
    def _range(self) -> "DutyStandardBody":
        if self.patrol_max_per_week < self.patrol_min_per_week:
            raise ValueError("patrol_max_per_week is below patrol_min_per_week")
        return self


BODY_MODELS: dict[RuleKind, type[_Strict]] = {
    RuleKind.SERVICE_CATALOG: ServiceCatalogBody,
    RuleKind.ROUTING: RoutingBody,
    RuleKind.DUTY_STANDARD: DutyStandardBody,
}


# --- API schemas ----------------------------------------------------------------------------------------------------


class RuleVersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_from: datetime | None = Field(default=None, description="default now; never in the past")
    note: str = Field(min_length=1, max_length=500, description="why: the notice or decision behind the change")
    body: dict[str, Any] = Field(description="the rule set; its schema depends on the kind")


class RuleVersionOut(BaseModel):
    kind: RuleKind
    version: int
    effective_from: UtcDateTime
    note: str
    published_by: str
    published_at: UtcDateTime
    body: dict[str, Any]
