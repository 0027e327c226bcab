"""Reviews, rectification cases and random call-backs in the database."""

import uuid
from datetime import UTC, date, datetime, timedelta

from prometheus_client import Counter
from sqlmodel import Session, select

from assist_desk.institutions.models import ServiceInstitution
from assist_desk.policy.service import policy_in_force
from assist_desk.reviews.events import (
    RECTIFICATION_CLOSED,
    REVIEW_BAD_RECEIVED,
    BadReviewReceived,
    RectificationClosed,
)
from assist_desk.reviews.models import (
    CallbackDoneIn,
    CallbackTask,
    CallbackTaskOut,
    CloseIn,
    Rectification,
    RectificationOut,
    Review,
    ReviewIn,
    ReviewOut,
)
from assist_desk.reviews.rules import (
    LEVEL_LABELS,
    callback_sample,
    closing_problem,
    is_bad,
    week_is_over,
    week_start,
)
from assist_desk.tickets.models import Ticket
from assist_desk.tickets.rules import REVIEWABLE_STATES, STATE_LABELS, TicketState
from assist_desk.time_limits.rules import LOCAL_TZ, OpeningHours, TimeLimit, TimeUnit, compute_deadline
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.metrics import inc_on_commit
from jiading_shared.types import assume_utc
from jiading_shared.workdays import WorkdayCalendar

# Every rating by level (好差评); bad reviews are the levels of rules.BAD_LEVELS.
REVIEWS = Counter("assist_reviews_total", "Satisfaction ratings (好差评) received, by level.", ["level"])


def add_review(
    session: Session, ticket: Ticket, data: ReviewIn, *, recorded_by: str, calendar: WorkdayCalendar
) -> ReviewOut:
    state = TicketState(ticket.state)
    if state not in REVIEWABLE_STATES:
        raise ProblemError(
            409,
            "ticket-not-reviewable",
            f"the ticket is {state.value} ({STATE_LABELS[state]}); a rating follows a finished assistance",
        )
    now = datetime.now(UTC)
    review = Review(
        ticket_id=ticket.id,
        institution_id=ticket.institution_id,
        level=data.level,
        comment=data.comment,
        reviewed_at=now,
        recorded_by=recorded_by,
    )
    taken = ProblemError(409, "ticket-already-reviewed", f"ticket {ticket.id} already has a rating")
    with conflict_on_unique_violation(session, lambda: taken):
        session.add(review)
        session.flush()
    rectification = None
    if is_bad(data.level):
        rectification = _open_rectification(session, ticket, review, now, calendar)
    inc_on_commit(session, REVIEWS.labels(level=data.level.value))
    return review_out(review, rectification)


def _open_rectification(
    session: Session, ticket: Ticket, review: Review, now: datetime, calendar: WorkdayCalendar
) -> Rectification:
    policy = policy_in_force(session, now)
    institution = session.get(ServiceInstitution, ticket.institution_id)
    assert institution is not None
    limit = TimeLimit(amount=policy.rectification_working_days, unit=TimeUnit.WORKING_DAYS)
    decision = compute_deadline(
        now,
        limit,
        calendar,
        OpeningHours(institution.opens_at, institution.closes_at),
        rule=f"policy v{policy.version} · 整改期限 rectification",
    )
    case = Rectification(
        review_id=review.id,
        ticket_id=ticket.id,
        institution_id=ticket.institution_id,
        town=ticket.town,
        state="open",
        opened_at=now,
        due_at=decision.due_at,
        due_explain=decision.explanation,
        policy_version=policy.version,
    )
    session.add(case)
    session.flush()
    enqueue(
        session,
        REVIEW_BAD_RECEIVED,
        BadReviewReceived(
            review_id=review.id,
            ticket_id=ticket.id,
            institution_id=ticket.institution_id,
            town=ticket.town,
            level=review.level,
            rectification_id=case.id,
            rectification_due_at=decision.due_at,
            reviewed_at=now,
        ),
        key=str(review.id),
    )
    return case


def review_of(session: Session, ticket_id: uuid.UUID) -> ReviewOut | None:
    review = session.exec(select(Review).where(Review.ticket_id == ticket_id)).first()
    if review is None:
        return None
    case = session.exec(select(Rectification).where(Rectification.review_id == review.id)).first()
    return review_out(review, case)


def record_callback(session: Session, case: Rectification, note: str, *, by: str) -> RectificationOut:
    if case.state != "open":
        raise ProblemError(409, "rectification-closed", "the case is closed")
    case.callback_at = datetime.now(UTC)
    case.callback_by = by
    case.callback_note = note
    session.add(case)
    session.flush()
    return rectification_out(case)


def close(session: Session, case: Rectification, data: CloseIn, *, by: str) -> RectificationOut:
    if case.state != "open":
        raise ProblemError(409, "rectification-closed", "the case is closed already")
    now = datetime.now(UTC)
    problem = closing_problem(data.outcome, case.callback_at is not None, now, assume_utc(case.due_at))
    if problem is not None:
        raise ProblemError(409, "rectification-not-closable", problem)
    case.state = "closed"
    case.outcome = data.outcome
    case.outcome_note = data.note
    case.closed_at = now
    case.closed_by = by
    session.add(case)
    session.flush()
    enqueue(
        session,
        RECTIFICATION_CLOSED,
        RectificationClosed(
            rectification_id=case.id,
            review_id=case.review_id,
            ticket_id=case.ticket_id,
            institution_id=case.institution_id,
            town=case.town,
            outcome=data.outcome,
            closed_at=now,
            within_deadline=now <= assume_utc(case.due_at),
        ),
        key=str(case.id),
    )
    return rectification_out(case)


def draw_callbacks(
    session: Session, institution: ServiceInstitution, any_day: date, *, today: date
) -> list[CallbackTaskOut]:
    """Sample the policy's share of the tickets completed in the week of `any_day` into call-back tasks (4.3 e), once
    the week is over (`today`, Asia/Shanghai). Drawing the same week again adds nothing: each ticket is called back at
    most once."""
    monday = week_start(any_day)
    if not week_is_over(monday, today):
        raise field_error(
            422,
            "body.week_start",
            f"the week of {monday.isoformat()} is not over yet: its call-backs are drawn from "
            f"{(monday + timedelta(days=7)).isoformat()} on, when all its tickets are in",
        )
    start = datetime.combine(monday, datetime.min.time(), tzinfo=LOCAL_TZ).astimezone(UTC)
    end = start + timedelta(days=7)
    existing = session.exec(
        select(CallbackTask).where(CallbackTask.institution_id == institution.id, CallbackTask.week_start == monday)
    ).all()
    if existing:
        return [CallbackTaskOut.model_validate(task.model_dump(warnings=False)) for task in existing]
    query = select(Ticket.id).where(
        Ticket.institution_id == institution.id,
        Ticket.state.in_([s.value for s in REVIEWABLE_STATES]),  # type: ignore[attr-defined]
        Ticket.finished_at >= start,  # type: ignore[operator]
        Ticket.finished_at < end,  # type: ignore[operator]
    )
    finished = list(session.exec(query).all())
    policy = policy_in_force(session)
    now = datetime.now(UTC)
    tasks = [
        CallbackTask(
            ticket_id=ticket_id,
            institution_id=institution.id,
            town=institution.town,
            week_start=monday,
            policy_version=policy.version,
            selected_at=now,
        )
        for ticket_id in callback_sample(finished, policy.callback_share_percent, f"{institution.id}:{monday}")
    ]
    session.add_all(tasks)
    session.flush()
    return [CallbackTaskOut.model_validate(task.model_dump(warnings=False)) for task in tasks]


def complete_callback(session: Session, task: CallbackTask, data: CallbackDoneIn, *, by: str) -> CallbackTaskOut:
    if task.done_at is not None:
        raise ProblemError(409, "callback-done", "the call-back is recorded already")
    if data.level is not None and not data.reached:
        raise field_error(422, "body.level", "a rating needs the applicant to have been reached")
    task.done_at = datetime.now(UTC)
    task.done_by = by
    task.reached = data.reached
    task.level = data.level
    task.note = data.note
    session.add(task)
    session.flush()
    return CallbackTaskOut.model_validate(task.model_dump(warnings=False))


def callbacks_of(session: Session, institution_id: uuid.UUID, monday: date) -> list[CallbackTaskOut]:
    query = select(CallbackTask).where(CallbackTask.institution_id == institution_id, CallbackTask.week_start == monday)
    return [CallbackTaskOut.model_validate(task.model_dump(warnings=False)) for task in session.exec(query).all()]


def rectification_out(case: Rectification) -> RectificationOut:
    return RectificationOut.model_validate({**case.model_dump(warnings=False), "overdue": case.overdue_at is not None})


def review_out(review: Review, case: Rectification | None) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        ticket_id=review.ticket_id,
        level=review.level,
        level_label=LEVEL_LABELS[review.level],
        comment=review.comment,
        reviewed_at=review.reviewed_at,
        rectification=rectification_out(case) if case else None,
    )
