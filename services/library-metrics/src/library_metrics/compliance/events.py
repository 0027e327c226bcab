"""Events of compliance (topic `library.indicator`)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from jiading_shared.events import define_event


class IndicatorBreached(BaseModel):
    facility_id: uuid.UUID | None = Field(description="the facility; null for a layout rule of the 街镇")
    town: str = Field(description="街道/镇 code")
    tier: str | None = Field(description="设施层级; null for a layout rule")
    rule_id: str
    clause: str = Field(description="条款, e.g. DB31114/Z 005-2025 6.1.1.1")
    period: str = Field(description="the closed period, e.g. 2026, 2026-03, 2026-W05")
    rule_version: int
    value: float | None
    threshold: float
    comparison: str
    unit: str
    explanation: str
    detected_at: datetime


INDICATOR_BREACHED = define_event(
    service="library",
    aggregate="indicator",
    name="breached",
    payload=IndicatorBreached,
    description="A period closed (and its grace window for late records, LIBRARY_BREACH_GRACE_DAYS, ended) with an "
    "indicator rule failing for a facility (or a 街镇's layout); once per facility, rule and period, and again only "
    "if a withdrawn breach fails anew.",
)


class IndicatorBreachWithdrawn(BaseModel):
    facility_id: uuid.UUID | None = Field(description="the facility; null for a layout rule of the 街镇")
    town: str = Field(description="街道/镇 code")
    tier: str | None = Field(description="设施层级; null for a layout rule")
    rule_id: str
    clause: str = Field(description="条款")
    period: str = Field(description="the period of the withdrawn breach, e.g. 2026, 2026-03, 2026-W05")
    rule_version: int
    status: str = Field(description="the new verdict: pass")
    value: float | None = Field(description="the value now measured")
    threshold: float
    comparison: str
    unit: str
    explanation: str = Field(description="why the rule now passes (records entered or corrected after the breach)")
    withdrawn_at: datetime


INDICATOR_BREACH_WITHDRAWN = define_event(
    service="library",
    aggregate="indicator",
    name="breach_withdrawn",
    payload=IndicatorBreachWithdrawn,
    description="A published indicator.breached no longer holds: records entered or corrected later make the rule "
    "pass for that closed period. Consumers should treat the breach (same facility or 街镇, rule and period) as void.",
)
