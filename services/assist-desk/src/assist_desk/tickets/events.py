"""Events of the ticket aggregate (topic `assist.ticket`). grid-dispatch consumes `ticket.escalated`: an escalated
coordination ticket becomes a task routed to the named department."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from assist_desk.institutions.rules import AssistanceForm
from assist_desk.tickets.rules import Channel, FallbackType, TicketState
from jiading_shared.events import define_event


class TicketCreated(BaseModel):
    ticket_id: uuid.UUID
    institution_id: uuid.UUID
    town: str = Field(description="街道/镇 code of the institution")
    form: AssistanceForm
    channel: Channel
    matter_code: str | None = Field(description="事项 code, when known")
    received_at: datetime
    due_at: datetime | None = Field(description="限时办结 deadline")


class TicketEscalated(BaseModel):
    ticket_id: uuid.UUID
    institution_id: uuid.UUID = Field(description="政务服务机构 that escalated the ticket")
    town: str = Field(description="街道/镇 code of the institution")
    fallback_type: FallbackType = Field(
        description="兜底办 type: consultation 咨询引导 / coordination 协调办理 / complaint 投诉建议 / "
        "not_accepted 不予受理"
    )
    department_code: str | None = Field(
        description="职能部门 to involve (JWT claim `dept`): always set for coordination (the named department); "
        "otherwise the matter's responsible department, or null when the ticket names no matter"
    )
    matter_code: str | None = Field(description="事项 code; null when the applicant's need names no matter yet")
    summary: str = Field(description="what the applicant needs, without personal information")
    escalated_at: datetime
    due_at: datetime | None = Field(default=None, description="处理时限 of the 兜底办 type")


class TicketCompleted(BaseModel):
    ticket_id: uuid.UUID
    institution_id: uuid.UUID
    town: str
    outcome: TicketState = Field(
        description="completed 已办结 / resolved 兜底办结 / not_accepted 不予受理 / ended_early 提前结束 / "
        "guided_to_window 已引导至窗口"
    )
    form: AssistanceForm
    fallback_type: FallbackType | None
    finished_at: datetime
    within_time_limit: bool = Field(
        description="false when any time limit was missed, the 自助办/陪同办 one before an escalation included"
    )


class TicketOverdue(BaseModel):
    ticket_id: uuid.UUID
    institution_id: uuid.UUID
    town: str
    state: TicketState
    due_at: datetime
    time_limit_rule: str
    detected_at: datetime


TICKET_CREATED = define_event(
    service="assist",
    aggregate="ticket",
    name="created",
    payload=TicketCreated,
    description="An assistance ticket was received (帮办受理).",
)
TICKET_ESCALATED = define_event(
    service="assist",
    aggregate="ticket",
    name="escalated",
    payload=TicketEscalated,
    description="A ticket was escalated to 兜底办; grid-dispatch routes coordination tickets to the department.",
)
TICKET_COMPLETED = define_event(
    service="assist",
    aggregate="ticket",
    name="completed",
    payload=TicketCompleted,
    description="A ticket finished (办结, 兜底办结, 不予受理, ended early, guided to a window); `outcome` says which.",
)
TICKET_OVERDUE = define_event(
    service="assist",
    aggregate="ticket",
    name="overdue",
    payload=TicketOverdue,
    description="An open ticket passed its time limit (限时办结, DB 31114/Z 022-2025 7.4.4).",
)
