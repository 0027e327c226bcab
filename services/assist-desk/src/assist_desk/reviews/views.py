"""HTTP routes of reviews (好差评), rectification cases and random call-backs (回访)."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from assist_desk.institutions.models import ServiceInstitution
from assist_desk.reviews import service
from assist_desk.reviews.models import (
    CallbackDoneIn,
    CallbackListIn,
    CallbackRecordIn,
    CallbackTask,
    CallbackTaskOut,
    CloseIn,
    Rectification,
    RectificationOut,
    ReviewIn,
    ReviewOut,
)
from assist_desk.reviews.rules import week_start
from assist_desk.tickets.service import ticket_in_scope
from assist_desk.time_limits.rules import to_local
from jiading_shared.auth import Principal, Role, require_roles, town_in_scope
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import SessionDep, found_or_404

router = APIRouter(tags=["satisfaction 好差评与回访"])

Staff = Annotated[Principal, Depends(require_roles(Role.ASSISTANT, Role.SERVICE_OFFICE_ADMIN))]
# Ratings arrive from the staff, the 评价器 at the desk or the 12345 / online channels (external systems).
# The weekly job draws the call-backs; by hand only the office may (re)draw: a 帮办 does not pick whose applicants
# are asked about his own service (4.3 e: the results assess the 帮办; 5.1: the office supervises and assesses).
Office = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN))]
Rater = Annotated[Principal, Depends(require_roles(Role.ASSISTANT, Role.EXTERNAL_SYSTEM, Role.SERVICE_OFFICE_ADMIN))]


def _case(session: Session, principal: Principal, case_id: uuid.UUID) -> Rectification:
    case = session.get(Rectification, case_id, with_for_update=True)
    if case is None or not town_in_scope(principal, case.town):
        raise ProblemError(404, "rectification-not-found", f"no rectification case {case_id}")
    return case


@router.post("/tickets/{ticket_id}/review", status_code=201, summary="Rate a finished ticket (five levels)")
def add_review(
    ticket_id: uuid.UUID, body: ReviewIn, principal: Rater, session: SessionDep, request: Request
) -> ReviewOut:
    ticket = ticket_in_scope(session, principal, ticket_id, lock=True, intake=True)
    return service.add_review(session, ticket, body, recorded_by=principal.sub, calendar=request.app.state.calendar)


@router.get("/tickets/{ticket_id}/review", summary="The rating of a ticket and its rectification case")
def get_review(ticket_id: uuid.UUID, principal: Staff, session: SessionDep) -> ReviewOut:
    ticket_in_scope(session, principal, ticket_id)
    return found_or_404(service.review_of(session, ticket_id), "review-not-found", f"ticket {ticket_id} has no rating")


@router.get("/rectifications/{case_id}", summary="One rectification case")
def get_rectification(case_id: uuid.UUID, principal: Staff, session: SessionDep) -> RectificationOut:
    return service.rectification_out(_case(session, principal, case_id))


@router.post("/rectifications/{case_id}/callback", summary="Record the call-back to the applicant")
def record_callback(
    case_id: uuid.UUID, body: CallbackRecordIn, principal: Staff, session: SessionDep
) -> RectificationOut:
    return service.record_callback(session, _case(session, principal, case_id), body.note, by=principal.sub)


@router.post("/rectifications/{case_id}/close", summary="Close a rectification case with its outcome")
def close_rectification(case_id: uuid.UUID, body: CloseIn, principal: Staff, session: SessionDep) -> RectificationOut:
    return service.close(session, _case(session, principal, case_id), body, by=principal.sub)


@router.post(
    "/callback-lists",
    status_code=201,
    summary="Draw a past week's random call-backs of an institution (the weekly job does it for every institution)",
)
def draw_callbacks(body: CallbackListIn, principal: Office, session: SessionDep) -> list[CallbackTaskOut]:
    institution = session.get(ServiceInstitution, body.institution_id)
    if institution is None or not town_in_scope(principal, institution.town):
        raise ProblemError(404, "institution-not-found", f"no institution {body.institution_id}")
    return service.draw_callbacks(session, institution, body.week_start, today=to_local(datetime.now(UTC)).date())


@router.get("/callback-lists", summary="The call-back tasks of an institution's week")
def list_callbacks(
    institution_id: uuid.UUID, week: date, principal: Staff, session: SessionDep, page: PageDep
) -> list[CallbackTaskOut]:
    institution = session.get(ServiceInstitution, institution_id)
    if institution is None or not town_in_scope(principal, institution.town):
        raise ProblemError(404, "institution-not-found", f"no institution {institution_id}")
    return page.slice(service.callbacks_of(session, institution_id, week_start(week)))


@router.post("/callbacks/{task_id}/result", summary="Record the result of a call-back")
def complete_callback(
    task_id: uuid.UUID, body: CallbackDoneIn, principal: Staff, session: SessionDep
) -> CallbackTaskOut:
    task = session.get(CallbackTask, task_id, with_for_update=True)
    if task is None or not town_in_scope(principal, task.town):
        raise ProblemError(404, "callback-not-found", f"no call-back task {task_id}")
    return service.complete_callback(session, task, body, by=principal.sub)
