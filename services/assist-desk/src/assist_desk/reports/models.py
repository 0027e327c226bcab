"""Schemas of the institution and district summaries."""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from assist_desk.institutions.rules import InstitutionKind


class SummaryCounts(BaseModel):
    tickets: int
    by_form: dict[str, int]
    by_channel: dict[str, int]
    by_state: dict[str, int]
    by_fallback_type: dict[str, int]
    escalations: int
    time_limit_breaches: int = Field(
        description="tickets that missed a time limit: finished after, or still open past, their current one, or past "
        "their 自助办/陪同办 one before being escalated to 兜底办 (7.4.4)"
    )
    time_limit_breaches_by_fallback_type: dict[str, int] = Field(
        description="兜底办 tickets past their 兜底办 limit, by type (complaints past their limit: 9.2.1)"
    )
    notices_issued: int
    notice_breaches: int = Field(description="一次性告知 breaches")
    satisfaction: dict[str, int] = Field(description="ratings by level")
    bad_reviews: int
    rectifications: dict[str, int] = Field(description="open / closed / overdue and closed by outcome")
    callbacks: dict[str, int] = Field(description="drawn / done / reached and call-back ratings by level")


class InstitutionSummary(SummaryCounts):
    institution_id: uuid.UUID
    institution_name: str
    institution_kind: InstitutionKind
    town: str
    period_from: date
    period_to: date = Field(description="inclusive")


class DistrictSummary(BaseModel):
    """Every institution's summary and the district's totals, for the 区政务服务办公室."""

    period_from: date
    period_to: date = Field(description="inclusive")
    town: str | None = Field(description="the town the summary is limited to; null for the whole district")
    institutions: list[InstitutionSummary]
    totals: SummaryCounts
