"""Events of joint rectification (topic `grid.joint_rectification`)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from grid_dispatch.joint_rectification.rules import RectificationState
from jiading_shared.events import define_event


class RectificationEvent(BaseModel):
    rectification_id: uuid.UUID
    town: str
    applicant_department: str
    state: RectificationState
    starts_at: datetime
    ends_at: datetime
    command_unit: str
    participants: list[str] = Field(description="participating department codes: each gets a task on approval")
    joint_duty_action: bool = Field(description="联勤联动: the 派出所 is notified (DB 31114/Z 010-2025 4.2.1.1)")
    actor: str
    reason: str | None = None
    reopened_from: uuid.UUID | None = None
    notified_departments: list[str] = Field(
        default_factory=list, description="police_notified: the town's 派出所 told of the action's time"
    )


def _event(name: str, description: str):  # type: ignore[no-untyped-def]
    return define_event(
        service="grid", aggregate="joint_rectification", name=name, payload=RectificationEvent, description=description
    )


RECTIFICATION_REQUESTED = _event("requested", "A joint rectification (联合整治) was applied for with form B.1.")
RECTIFICATION_POLICE_NOTIFIED = _event(
    "police_notified",
    "The 城运中心 told the town's 派出所综合指挥室 of a 联勤联动 action's time (DB 31114/Z 010-2025 4.2.1.1); "
    "each 派出所 also gets a police_notice task to sign for.",
)
RECTIFICATION_APPROVED = _event("approved", "The 分管 leader signed: participating departments get their tasks.")
RECTIFICATION_REJECTED = _event("rejected", "A leader rejected the application, with a reason.")
RECTIFICATION_COMPLETED = _event("completed", "The lead unit filed the summary (form C.1).")
RECTIFICATION_REOPENED = _event("reopened", "The problem was not solved: a new special rectification was opened.")
