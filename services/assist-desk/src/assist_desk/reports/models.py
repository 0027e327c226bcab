"""Schemas of the institution summary."""

import uuid
from datetime import date

from pydantic import BaseModel, Field


class InstitutionSummary(BaseModel):
    institution_id: uuid.UUID
    institution_name: str
    period_from: date
    period_to: date = Field(description="inclusive")
    tickets: int
    by_form: dict[str, int]
    by_channel: dict[str, int]
    by_state: dict[str, int]
    by_fallback_type: dict[str, int]
    escalations: int
    time_limit_breaches: int = Field(description="finished after, or still open past, their time limit")
    notices_issued: int
    notice_breaches: int = Field(description="一次性告知 breaches")
    satisfaction: dict[str, int] = Field(description="ratings by level")
    bad_reviews: int
    rectifications: dict[str, int] = Field(description="open / closed / overdue and closed by outcome")
    callbacks: dict[str, int] = Field(description="drawn / done / reached and call-back ratings by level")
