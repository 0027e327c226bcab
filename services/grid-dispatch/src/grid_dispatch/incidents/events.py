"""Events incidents publish (topic `grid.incident`) and the payloads of the events they are opened from.

The consumed payloads are this service's own models of the fields it reads (services never import each other)."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from grid_dispatch.incidents.rules import Action, IncidentState, RefusalGrounds
from grid_dispatch.rulesets.models import IncidentKind
from jiading_shared.events import define_event

# --- published ------------------------------------------------------------------------------------------------------


class IncidentStepEvent(BaseModel):
    incident_id: uuid.UUID
    kind: IncidentKind
    category: str
    town: str
    grid: str | None
    state: IncidentState
    action: Action
    actor: str
    at: datetime
    department_code: str | None = Field(description="lead department (null: the dispatcher queue)")
    responder: str | None = Field(description="on-duty officer of the department in the grid")
    rule_version: str | None = Field(description="rule set that decided this step, e.g. routing@2")
    reason_code: str | None = None
    due_at: datetime | None = None
    source_ref: str | None = None


def _incident_event(name: str, description: str):  # type: ignore[no-untyped-def]
    return define_event(
        service="grid", aggregate="incident", name=name, payload=IncidentStepEvent, description=description
    )


INCIDENT_CREATED = _incident_event("created", "An incident (工单) was reported and routed.")
INCIDENT_DISPATCHED = _incident_event("dispatched", "An incident was dispatched (派单) to a department.")
INCIDENT_ACCEPTED = _incident_event("accepted", "The department accepted (签收) an incident; the clock started.")
INCIDENT_RETURNED = _incident_event("returned", "The department returned (退单) an incident with a reason code.")
INCIDENT_OVERDUE = _incident_event("overdue", "An incident passed its time limit and is supervised (督办).")
INCIDENT_CLOSED = _incident_event("closed", "An incident was verified and closed (结案).")

EVENT_OF_ACTION = {
    Action.REPORT: INCIDENT_CREATED,
    Action.DISPATCH: INCIDENT_DISPATCHED,
    Action.RULE: INCIDENT_DISPATCHED,
    Action.ACCEPT: INCIDENT_ACCEPTED,
    Action.RETURN: INCIDENT_RETURNED,
    Action.CLOSE: INCIDENT_CLOSED,
}


# --- consumed -------------------------------------------------------------------------------------------------------

REFUSAL_REPORTED_TYPE = "cn.jiading.collection.refusal.reported.v1"
VISIT_OVERDUE_TYPE = "cn.jiading.collection.visit.overdue.v1"
TICKET_ESCALATED_TYPE = "cn.jiading.assist.ticket.escalated.v1"
CONSUMED_TOPICS = ("collection.refusal", "collection.visit", "assist.ticket")


class _Consumed(BaseModel):
    model_config = ConfigDict(extra="ignore")  # producers may add fields


class RefusalReported(_Consumed):
    """collection refusal.reported (DB 31114/Z 001-2025 6.2.10, 002-2025 6.5): the fields grid-dispatch reads."""

    room_id: uuid.UUID
    house_code: str
    town: str
    area: str
    grid: str
    police_station: str
    refusals: int
    last_visit_at: datetime
    # Events from before collection named its grounds were all repeated refusals.
    grounds: RefusalGrounds = RefusalGrounds.REPEATED_REFUSAL


class VisitOverdue(_Consumed):
    """collection visit.overdue (DB 31114/Z 003-2025 4.1)."""

    room_id: uuid.UUID
    house_code: str
    town: str
    area: str
    grid: str
    collector: str
    due_date: date
    days_overdue: int
    reason: str | None = None


class TicketEscalated(_Consumed):
    """assist-desk ticket.escalated (兜底办)."""

    ticket_id: uuid.UUID
    institution_id: uuid.UUID
    town: str
    fallback_type: str
    # Set for coordination (the department to involve); null for other types when the ticket names no matter.
    department_code: str | None = None
    matter_code: str | None = None
    summary: str
    escalated_at: datetime
