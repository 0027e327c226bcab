"""HTTP routes of tickets: receive, read, search, the state machine's actions, escalation (contract:
`POST /api/v1/tickets/{id}/escalate`), hand-overs, materials, the log and the audited contact read."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from assist_desk.tickets import service
from assist_desk.tickets.models import (
    ContactOut,
    EscalationIn,
    GuideIn,
    HandoverIn,
    LogEntryOut,
    MaterialsIn,
    NotAcceptIn,
    NoteIn,
    ReasonIn,
    TicketIn,
    TicketOut,
    TicketSearchIn,
)
from assist_desk.tickets.rules import Action, TicketState
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.pagination import Page, PageDep, pagination
from jiading_shared.pii import PiiVault
from jiading_shared.service import API_PREFIX, PiiDep, SessionDep

router = APIRouter(prefix="/tickets", tags=["tickets 帮办"])
# A ticket carries its log and contact data: a smaller window than the default.
TicketPage = Annotated[Page, Depends(pagination(default=50, maximum=200))]

# 帮办人员 serve tickets; the 12345 hotline and online desks (external systems) hand tickets in; the service office
# supervises (5.1).
Staff = Annotated[Principal, Depends(require_roles(Role.ASSISTANT, Role.SERVICE_OFFICE_ADMIN))]
Intake = Annotated[Principal, Depends(require_roles(Role.ASSISTANT, Role.EXTERNAL_SYSTEM, Role.SERVICE_OFFICE_ADMIN))]


def actor_of(principal: Principal) -> service.Actor:
    return service.Actor(sub=principal.sub, principal=principal)


@router.post("", status_code=201, summary="Receive a ticket (接待受理, 7.3.1)")
def create_ticket(
    body: TicketIn, principal: Intake, session: SessionDep, vault: PiiDep, request: Request, response: Response
) -> TicketOut:
    ticket = service.create_ticket(session, body, actor_of(principal), vault, request.app.state.calendar)
    response.headers["Location"] = f"{API_PREFIX}/tickets/{ticket.id}"
    return ticket


@router.get("", summary="Tickets in your scope, newest first (to search by contact number: POST /tickets/search)")
def search_tickets(
    principal: Staff,
    session: SessionDep,
    vault: PiiDep,
    page: TicketPage,
    institution_id: uuid.UUID | None = None,
    state: TicketState | None = None,
    due_soon: Annotated[
        bool, Query(description="true: only open tickets warned of their coming deadline and not yet past it")
    ] = False,
    mobile: Annotated[
        str | None,
        Query(
            pattern=r"^\+?[0-9 -]{5,20}$",
            deprecated=True,
            description="kept for existing callers; the number lands in access logs — use POST /tickets/search",
        ),
    ] = None,
) -> list[TicketOut]:
    return _page_of_tickets(
        session, principal, vault, page, institution_id=institution_id, state=state, mobile=mobile, due_soon=due_soon
    )


@router.post("/search", summary="Tickets in your scope with this contact number (in the body, kept out of logs)")
def search_tickets_by_mobile(
    body: TicketSearchIn, principal: Staff, session: SessionDep, vault: PiiDep, page: TicketPage
) -> list[TicketOut]:
    return _page_of_tickets(
        session, principal, vault, page, institution_id=body.institution_id, state=body.state, mobile=body.mobile
    )


def _page_of_tickets(
    session: Session,
    principal: Principal,
    vault: PiiVault,
    page: Page,
    *,
    institution_id: uuid.UUID | None,
    state: TicketState | None,
    mobile: str | None,
    due_soon: bool = False,
) -> list[TicketOut]:
    tickets = service.search(
        session,
        principal,
        vault,
        institution_id=institution_id,
        state=state,
        mobile=mobile,
        due_soon=due_soon,
        limit=page.fetch,
        offset=page.offset,
    )
    return page.rows(tickets)


@router.get("/{ticket_id}", summary="One ticket (contact data masked)")
def get_ticket(ticket_id: uuid.UUID, principal: Staff, session: SessionDep) -> TicketOut:
    return service.ticket_out(session, service.ticket_in_scope(session, principal, ticket_id))


@router.get("/{ticket_id}/log", summary="The assistance log (帮办日志) of a ticket")
def ticket_log(ticket_id: uuid.UUID, principal: Staff, session: SessionDep, page: PageDep) -> list[LogEntryOut]:
    service.ticket_in_scope(session, principal, ticket_id)
    return page.slice(service.log_of(session, ticket_id))


@router.get("/{ticket_id}/contact", summary="Unmasked contact data, for a stated purpose (audited)")
def ticket_contact(
    ticket_id: uuid.UUID,
    principal: Staff,
    session: SessionDep,
    vault: PiiDep,
    request: Request,
    purpose: Annotated[str, Query(min_length=2, max_length=500, description="why the unmasked value is needed")],
) -> ContactOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id)
    request_id = getattr(request.state, "request_id", None)
    return service.reveal_contact(session, ticket, vault, actor_of(principal), purpose, request_id)


@router.post("/{ticket_id}/start", summary="Start the assistance (received → in service)")
def start(ticket_id: uuid.UUID, body: NoteIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.transition(session, ticket, Action.START, actor_of(principal), body.note)


@router.post("/{ticket_id}/complete", summary="Complete the assistance (in service → completed)")
def complete(ticket_id: uuid.UUID, body: NoteIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.transition(session, ticket, Action.COMPLETE, actor_of(principal), body.note)


@router.post("/{ticket_id}/escalate", summary="Escalate to 兜底办 (7.2.1 c); publishes ticket.escalated")
def escalate(
    ticket_id: uuid.UUID, body: EscalationIn, principal: Staff, session: SessionDep, request: Request
) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.escalate(session, ticket, body, actor_of(principal), request.app.state.calendar)


@router.post("/{ticket_id}/coordinate", summary="Start coordinating with departments (escalated → coordinating)")
def coordinate(ticket_id: uuid.UUID, body: NoteIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.transition(session, ticket, Action.COORDINATE, actor_of(principal), body.note)


@router.post("/{ticket_id}/resolve", summary="Resolve the 兜底办 (→ resolved)")
def resolve(ticket_id: uuid.UUID, body: NoteIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.transition(session, ticket, Action.RESOLVE, actor_of(principal), body.note)


@router.post("/{ticket_id}/not-accept", summary="Not accepted, with the legal basis (不予受理)")
def not_accept(ticket_id: uuid.UUID, body: NotAcceptIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.not_accept(session, ticket, body.legal_basis, actor_of(principal))


@router.post("/{ticket_id}/end-early", summary="The applicant ends the assistance early (7.4.2)")
def end_early(ticket_id: uuid.UUID, body: ReasonIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.transition(session, ticket, Action.END_EARLY, actor_of(principal), body.reason)


@router.post("/{ticket_id}/guide-to-window", summary="No assistance needed: guided to a window (7.3.1.3)")
def guide_to_window(ticket_id: uuid.UUID, body: GuideIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.transition(session, ticket, Action.GUIDE_TO_WINDOW, actor_of(principal), f"window: {body.window}")


@router.post("/{ticket_id}/handovers", summary="Hand the ticket over; the first responder stays accountable")
def hand_over(ticket_id: uuid.UUID, body: HandoverIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.hand_over(session, ticket, body, actor_of(principal))


@router.post("/{ticket_id}/materials", summary="Record materials provided or completed on the spot (7.3.2.2)")
def record_materials(ticket_id: uuid.UUID, body: MaterialsIn, principal: Staff, session: SessionDep) -> TicketOut:
    ticket = service.ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.record_materials(session, ticket, body, actor_of(principal))
