"""Tables and API schemas of the indicator rule table: immutable versions, each a complete set of rule rows."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Date, DateTime, ForeignKeyConstraint, Numeric, String, Text, UniqueConstraint, Uuid

from jiading_shared.types import UtcDateTime
from library_metrics.indicators.rules import Comparison, RulePeriod, RuleScope
from library_metrics.tables import LibraryTable

RULE_ID_PATTERN = r"^[0-9A-Za-z_.-]{3,80}$"


class RuleVersion(LibraryTable, table=True):
    """One version of the rule table. Never updated: a change is a new version with its own effective date."""

    __tablename__ = "rule_version"
    __table_args__ = (UniqueConstraint("version", name="uq_rule_version_version"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    version: int
    effective_from: date = sqlmodel.Field(sa_type=Date)
    reason: str = sqlmodel.Field(sa_type=Text)
    based_on: int | None = None
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class IndicatorRule(LibraryTable, table=True):
    """One row of one version: a quantitative requirement with its clause."""

    __tablename__ = "indicator_rule"
    __table_args__ = (
        ForeignKeyConstraint(["version_id"], ["rule_version.id"], name="fk_indicator_rule_version"),
        UniqueConstraint("version_id", "rule_id", name="uq_indicator_rule_version_rule"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    version_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    rule_id: str = sqlmodel.Field(max_length=80)
    clause: str = sqlmodel.Field(max_length=80)
    scope: RuleScope = sqlmodel.Field(sa_type=String(20))
    tiers: list[str] = sqlmodel.Field(default_factory=list, sa_type=JSON)
    metric: str = sqlmodel.Field(max_length=60)
    comparison: Comparison = sqlmodel.Field(sa_type=String(4))
    threshold: Decimal = sqlmodel.Field(sa_type=Numeric(16, 4))
    unit: str = sqlmodel.Field(max_length=30)
    period: RulePeriod = sqlmodel.Field(sa_type=String(20))
    params: dict[str, Any] = sqlmodel.Field(default_factory=dict, sa_type=JSON)
    requirement: str = sqlmodel.Field(sa_type=Text)


# --- API schemas ----------------------------------------------------------------------------------------------------


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    rule_id: str = Field(pattern=RULE_ID_PATTERN, description="Stable id, e.g. 005-5.1.2.2-seats-town_library")
    clause: str = Field(min_length=3, max_length=80, description="条款, e.g. DB31114/Z 005-2025 5.1.2.2")
    scope: RuleScope = RuleScope.FACILITY
    tiers: list[str] = Field(default_factory=list, max_length=20, description="设施层级 the rule applies to")
    metric: str = Field(min_length=1, max_length=60, description="指标 (see GET /indicator-metrics)")
    comparison: Comparison = Field(description="ge 不少于 / le 不大于")
    threshold: Decimal = Field(ge=0, max_digits=16, decimal_places=4, description="阈值")
    unit: str = Field(min_length=1, max_length=30, description="单位")
    period: RulePeriod = Field(description="统计周期")
    params: dict[str, Any] = Field(default_factory=dict, description="Metric parameters (event kinds, channels, ...)")
    requirement: str = Field(min_length=1, max_length=2000, description="条款要求 (中文)")


class RuleOut(RuleIn):
    threshold: float  # type: ignore[assignment]


class RuleVersionIn(BaseModel):
    """A new version: the version in force the day before `effective_from`, with `rules` added or replaced (by rule
    id) and `retire` removed. The previous versions stay as they were."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    effective_from: date = Field(description="生效日期")
    reason: str = Field(min_length=1, max_length=2000, description="依据, e.g. 区文旅局通知文号")
    rules: list[RuleIn] = Field(default_factory=list, max_length=500)
    retire: list[str] = Field(default_factory=list, max_length=500, description="rule ids no longer in force")


class RuleVersionSummary(BaseModel):
    version: int
    effective_from: date
    reason: str
    based_on: int | None
    created_by: str
    created_at: UtcDateTime
    rule_count: int


class RuleVersionOut(RuleVersionSummary):
    rules: list[RuleOut]
