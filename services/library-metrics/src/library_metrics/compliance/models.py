"""Tables and API schemas of compliance: the breaches already published, and the results returned."""

import uuid
from datetime import datetime

import sqlmodel
from pydantic import BaseModel, Field
from sqlalchemy import DateTime, Numeric, String, Text, UniqueConstraint, Uuid

from library_metrics.tables import LibraryTable


class IndicatorBreach(LibraryTable, table=True):
    """A failing rule published for a closed period; the unique key makes the publication happen once."""

    __tablename__ = "indicator_breach"
    __table_args__ = (UniqueConstraint("subject", "rule_id", "period_key", name="uq_indicator_breach_subject_rule"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    subject: str = sqlmodel.Field(max_length=60)  # facility id, or town code for the layout rules
    facility_id: uuid.UUID | None = sqlmodel.Field(default=None, sa_type=Uuid, index=True)
    town: str = sqlmodel.Field(max_length=50, index=True)
    rule_id: str = sqlmodel.Field(max_length=80)
    clause: str = sqlmodel.Field(max_length=80)
    period_key: str = sqlmodel.Field(max_length=10)
    rule_version: int
    value: float | None = sqlmodel.Field(default=None, sa_type=Numeric(20, 4))
    threshold: float = sqlmodel.Field(sa_type=Numeric(16, 4))
    status: str = sqlmodel.Field(sa_type=String(20))
    explanation: str = sqlmodel.Field(sa_type=Text)
    detected_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    # Set when a later evaluation passes (indicator.breach_withdrawn published); cleared if it fails again.
    withdrawn_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class ComplianceResultOut(BaseModel):
    """One rule's result (the contract: rule_id, clause, status, value, threshold, explanation)."""

    rule_id: str
    clause: str = Field(description="条款, e.g. DB31114/Z 005-2025 6.1.1.1")
    status: str = Field(
        description="pass | fail | insufficient_data | pending (a total over a month or year that is still running "
        "and short of its threshold: not a failure yet)"
    )
    value: float | None
    threshold: float
    explanation: str
    comparison: str = Field(description="ge 不少于 / le 不大于")
    unit: str
    metric: str
    rule_period: str = Field(description="the period the requirement is stated for")
    period: str = Field(description="the period evaluated, e.g. 2026, 2026-03, 2026-W05")
    rule_version: int = Field(description="version of the rule table used")


class FacilitySummary(BaseModel):
    facility_id: uuid.UUID
    name: str
    tier: str
    town: str
    passed: int
    failed: int
    insufficient_data: int
    pending: int = 0
    failing_rules: list[str]


class TownReport(BaseModel):
    town: str
    period: str
    rule_version: int
    layout: list[ComplianceResultOut]
    facilities: list[FacilitySummary]
    passed: int
    failed: int
    insufficient_data: int
    pending: int = 0
    pass_ratio: float | None = Field(description="(passed + pending) / (passed + pending + failed): rules not failing")


class GroupSummary(BaseModel):
    key: str
    facilities: int
    passed: int
    failed: int
    insufficient_data: int
    pending: int = 0
    pass_ratio: float | None


class DistrictReport(BaseModel):
    period: str
    rule_version: int
    facilities: int
    passed: int
    failed: int
    insufficient_data: int
    pending: int = 0
    pass_ratio: float | None
    by_town: list[GroupSummary]
    by_tier: list[GroupSummary]
    failing_by_clause: dict[str, int]
    failing_layout_rules: list[ComplianceResultOut]


class BreachRun(BaseModel):
    period: str
    evaluated_facilities: int
    published: int
    withdrawn: int = Field(0, description="earlier breaches of the period that now pass (indicator.breach_withdrawn)")
