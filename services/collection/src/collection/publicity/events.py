"""Events of publicity (topic `collection.publicity`)."""

from datetime import date

from pydantic import BaseModel, Field

from jiading_shared.events import define_event


class PublicityMonthMissedPayload(BaseModel):
    committee: str = Field(description="居/村委 code")
    committee_name: str
    town: str
    month: str = Field(description="YYYY-MM")
    month_start: date
    centralised_activities: int
    required: int
    rule_version: int


PUBLICITY_MONTH_MISSED = define_event(
    service="collection",
    aggregate="publicity",
    name="month_missed",
    payload=PublicityMonthMissedPayload,
    description="A 居/村委 held fewer 集中宣传 activities in a calendar month than required (DB 31114/Z 004-2025 7.5).",
)
