"""The institution summary: a handful of grouped queries over the period, so a year of tickets stays fast."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, select

from assist_desk.institutions.models import ServiceInstitution
from assist_desk.notices.models import OneTimeNotice
from assist_desk.reports.models import InstitutionSummary
from assist_desk.reviews.models import CallbackTask, Rectification, Review
from assist_desk.reviews.rules import BAD_LEVELS
from assist_desk.tickets.models import Ticket
from assist_desk.time_limits.rules import LOCAL_TZ


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in Shanghai time, as UTC."""
    start = datetime.combine(first, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=LOCAL_TZ).astimezone(UTC)
    return start, end


def institution_summary(
    session: Session, institution: ServiceInstitution, first: date, last: date
) -> InstitutionSummary:
    start, end = period_bounds(first, last)
    in_period = and_(Ticket.institution_id == institution.id, Ticket.received_at >= start, Ticket.received_at < end)
    breached = case(
        (or_(Ticket.overdue_at.is_not(None), Ticket.finished_at > Ticket.due_at), 1),
        else_=0,  # type: ignore[union-attr,operator]
    )
    rows = session.exec(
        select(
            Ticket.form,
            Ticket.channel,
            Ticket.state,
            Ticket.fallback_type,
            func.count(),
            func.sum(breached),
        )
        .where(in_period)
        .group_by(Ticket.form, Ticket.channel, Ticket.state, Ticket.fallback_type)
    ).all()
    by_form: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    by_state: Counter[str] = Counter()
    by_fallback: Counter[str] = Counter()
    total = breaches = 0
    for form, channel, state, fallback_type, count, breach_count in rows:
        total += count
        breaches += int(breach_count or 0)
        by_form[form] += count
        by_channel[channel] += count
        by_state[state] += count
        if fallback_type:
            by_fallback[fallback_type] += count

    notices_issued, notice_breaches = session.exec(
        select(func.count(), func.coalesce(func.sum(case((OneTimeNotice.breach, 1), else_=0)), 0)).where(
            OneTimeNotice.institution_id == institution.id,
            OneTimeNotice.issued_at >= start,
            OneTimeNotice.issued_at < end,
        )
    ).one()

    satisfaction = dict(
        session.exec(
            select(Review.level, func.count())
            .where(Review.institution_id == institution.id, Review.reviewed_at >= start, Review.reviewed_at < end)
            .group_by(Review.level)
        ).all()
    )
    rectifications: Counter[str] = Counter()
    for state, outcome, overdue, count in session.exec(
        select(
            Rectification.state,
            Rectification.outcome,
            Rectification.overdue_at.is_not(None),  # type: ignore[union-attr]
            func.count(),
        )
        .where(
            Rectification.institution_id == institution.id,
            Rectification.opened_at >= start,
            Rectification.opened_at < end,
        )
        .group_by(Rectification.state, Rectification.outcome, Rectification.overdue_at.is_not(None))  # type: ignore[union-attr]
    ).all():
        rectifications[state] += count
        if outcome:
            rectifications[f"outcome_{outcome}"] += count
        if overdue:
            rectifications["overdue"] += count

    callbacks: Counter[str] = Counter()
    for done, reached, level, count in session.exec(
        select(CallbackTask.done_at.is_not(None), CallbackTask.reached, CallbackTask.level, func.count())  # type: ignore[union-attr]
        .where(
            CallbackTask.institution_id == institution.id,
            CallbackTask.week_start >= first - timedelta(days=6),
            CallbackTask.week_start <= last,
        )
        .group_by(CallbackTask.done_at.is_not(None), CallbackTask.reached, CallbackTask.level)  # type: ignore[union-attr]
    ).all():
        callbacks["drawn"] += count
        if done:
            callbacks["done"] += count
        if reached:
            callbacks["reached"] += count
        if level:
            callbacks[f"level_{level}"] += count

    return InstitutionSummary(
        institution_id=institution.id,
        institution_name=institution.name,
        period_from=first,
        period_to=last,
        tickets=total,
        by_form=dict(by_form),
        by_channel=dict(by_channel),
        by_state=dict(by_state),
        by_fallback_type=dict(by_fallback),
        escalations=sum(by_fallback.values()),
        time_limit_breaches=breaches,
        notices_issued=notices_issued,
        notice_breaches=int(notice_breaches),
        satisfaction=satisfaction,
        bad_reviews=sum(n for level, n in satisfaction.items() if level in BAD_LEVELS),
        rectifications=dict(rectifications),
        callbacks=dict(callbacks),
    )
