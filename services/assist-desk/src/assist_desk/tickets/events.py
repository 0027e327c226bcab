"""Events of the ticket aggregate (topic `assist.ticket`), declared ahead of the ticket endpoints because
grid-dispatch builds on them: an escalated coordination ticket becomes a task routed to the named department."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from assist_desk.tickets.models import FallbackType
from jiading_shared.events import define_event


class TicketEscalated(BaseModel):
    ticket_id: uuid.UUID
    institution_id: uuid.UUID = Field(description="政务服务机构 that escalated the ticket")
    town: str = Field(description="街道/镇 code of the institution")
    fallback_type: FallbackType = Field(
        description="兜底办 type: consultation 咨询引导 / coordination 协调办理 / complaint 投诉建议 / "
        "not_accepted 不予受理"
    )
    department_code: str = Field(description="职能部门 to involve (JWT claim `dept`)")
    matter_code: str = Field(description="事项 code")
    summary: str = Field(description="what the applicant needs, without personal information")
    escalated_at: datetime


TICKET_ESCALATED = define_event(
    service="assist",
    aggregate="ticket",
    name="escalated",
    payload=TicketEscalated,
    description="A ticket was escalated to 兜底办; grid-dispatch routes coordination tickets to the department.",
)
