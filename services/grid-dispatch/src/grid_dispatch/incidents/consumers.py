"""Consumers: collection refusals and overdue revisits, and assist-desk coordination escalations, become incidents.

Each handler runs in the consumer's transaction with the inbox, so a redelivered event has its effect once."""

from collections.abc import Callable

from sqlmodel import Session, select

from grid_dispatch.incidents import rules, service
from grid_dispatch.incidents.events import (
    CONSUMED_TOPICS,
    REFUSAL_REPORTED_TYPE,
    TICKET_ESCALATED_TYPE,
    VISIT_OVERDUE_TYPE,
    RefusalReported,
    TicketEscalated,
    VisitOverdue,
)
from grid_dispatch.incidents.models import Incident, IncidentSource
from grid_dispatch.incidents.service import NewIncident
from jiading_shared.events import ReceivedEvent
from jiading_shared.events.consumer import EventHandler, Subscription
from jiading_shared.workdays import WorkdayCalendar

GROUP_ID = "grid-dispatch"


def _already_opened(session: Session, event: ReceivedEvent) -> bool:
    return session.exec(select(Incident.id).where(Incident.source_event_id == event.id)).first() is not None


def handle_refusal_reported(session: Session, event: ReceivedEvent, calendar: WorkdayCalendar) -> None:
    """DB 31114/Z 001-2025 6.2.10, 002-2025 6.5: a reported refusal → an incident for the grid's 派出所."""
    if _already_opened(session, event):
        return
    payload = RefusalReported.model_validate(event.data)
    title, description = rules.refusal_incident_text(
        house_code=payload.house_code,
        area=payload.area,
        refusals=payload.refusals,
        last_visit_at=payload.last_visit_at,
        grounds=payload.grounds,
    )
    service.create_incident(
        session,
        calendar,
        NewIncident(
            category="collection_refusal",
            town=payload.town,
            grid=payload.grid,
            title=title,
            description=description,
            source=IncidentSource.COLLECTION_REFUSAL,
            source_ref=str(payload.room_id),
            source_event_id=event.id,
            named_department=payload.police_station,
        ),
        actor=event.source,
    )


def handle_visit_overdue(session: Session, event: ReceivedEvent, calendar: WorkdayCalendar) -> None:
    """DB 31114/Z 003-2025 4.1: an overdue revisit → a supervision task for the grid's 社区民警."""
    if _already_opened(session, event):
        return
    payload = VisitOverdue.model_validate(event.data)
    service.create_incident(
        session,
        calendar,
        NewIncident(
            category="revisit_overdue",
            town=payload.town,
            grid=payload.grid,
            title=f"房屋 {payload.house_code} 复访逾期 {payload.days_overdue} 天",
            description=(
                f"责任区 {payload.area} 协管员 {payload.collector} 应于 {payload.due_date.isoformat()} 前复访"
                f"（{payload.reason or '—'}），已逾期 {payload.days_overdue} 天，请社区民警督办。"
            ),
            source=IncidentSource.COLLECTION_VISIT_OVERDUE,
            source_ref=str(payload.room_id),
            source_event_id=event.id,
        ),
        actor=event.source,
    )


def handle_ticket_escalated(session: Session, event: ReceivedEvent, calendar: WorkdayCalendar) -> None:
    """A 兜底办 ticket of type coordination (协调办理) → a coordination task for the department it names. The other
    types (consultation, complaint, not_accepted) stay with the assist desk."""
    payload = TicketEscalated.model_validate(event.data)
    if payload.fallback_type != "coordination" or _already_opened(session, event):
        return
    service.create_incident(
        session,
        calendar,
        NewIncident(
            category="assist_coordination",
            town=payload.town,
            grid=None,
            title=f"兜底办协调办理：事项 {payload.matter_code or '未定'}",
            description=payload.summary,
            source=IncidentSource.ASSIST_ESCALATION,
            source_ref=str(payload.ticket_id),
            source_event_id=event.id,
            named_department=payload.department_code,
        ),
        actor=event.source,
    )


def subscription(calendar: WorkdayCalendar) -> Subscription:
    def bind(handler: Callable[[Session, ReceivedEvent, WorkdayCalendar], None]) -> EventHandler:
        return lambda session, event: handler(session, event, calendar)

    return Subscription(
        group_id=GROUP_ID,
        topics=CONSUMED_TOPICS,
        handlers={
            REFUSAL_REPORTED_TYPE: bind(handle_refusal_reported),
            VISIT_OVERDUE_TYPE: bind(handle_visit_overdue),
            TICKET_ESCALATED_TYPE: bind(handle_ticket_escalated),
        },
    )
