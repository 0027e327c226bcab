"""HTTP routes of one-time notices on a ticket."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from assist_desk.notices import service
from assist_desk.notices.models import NoticeIn, NoticeOut
from assist_desk.tickets.service import Actor, ticket_in_scope
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import SessionDep

router = APIRouter(prefix="/tickets/{ticket_id}/notices", tags=["one-time notices 一次性告知"])

Staff = Annotated[Principal, Depends(require_roles(Role.ASSISTANT, Role.SERVICE_OFFICE_ADMIN))]


@router.post("", status_code=201, summary="Issue a one-time notice (一次性告知, 7.3.2.1)")
def issue_notice(ticket_id: uuid.UUID, body: NoticeIn, principal: Staff, session: SessionDep) -> NoticeOut:
    ticket = ticket_in_scope(session, principal, ticket_id, lock=True)
    return service.issue_notice(session, ticket, body, Actor(principal.sub, principal))


@router.get("", summary="The notices issued on a ticket, in order")
def list_notices(ticket_id: uuid.UUID, principal: Staff, session: SessionDep, page: PageDep) -> list[NoticeOut]:
    ticket_in_scope(session, principal, ticket_id)
    return page.slice(service.notices_of(session, ticket_id))
