"""Events of reviews (topic `assist.review`) and rectification cases (topic `assist.rectification`)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from assist_desk.reviews.rules import Level, Outcome
from jiading_shared.events import define_event


class BadReviewReceived(BaseModel):
    review_id: uuid.UUID
    ticket_id: uuid.UUID
    institution_id: uuid.UUID
    town: str
    level: Level = Field(description="不满意 or 非常不满意")
    rectification_id: uuid.UUID
    rectification_due_at: datetime
    reviewed_at: datetime


class RectificationClosed(BaseModel):
    rectification_id: uuid.UUID
    review_id: uuid.UUID
    ticket_id: uuid.UUID
    institution_id: uuid.UUID
    town: str
    outcome: Outcome = Field(description="立行立改 / 限期整改 / 解释说明 / 申诉")
    closed_at: datetime
    within_deadline: bool


REVIEW_BAD_RECEIVED = define_event(
    service="assist",
    aggregate="review",
    name="bad_received",
    payload=BadReviewReceived,
    description="A 不满意 or 非常不满意 rating was received; a rectification case with a deadline was opened.",
)
RECTIFICATION_CLOSED = define_event(
    service="assist",
    aggregate="rectification",
    name="closed",
    payload=RectificationClosed,
    description="A rectification case after a bad review was closed with its outcome.",
)
