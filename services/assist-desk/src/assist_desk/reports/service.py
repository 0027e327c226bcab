"""Institution and district summaries: one grouped query per table over the period for all the institutions asked
for, so a year of tickets stays fast."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, or_
from sqlmodel import Session, select

from assist_desk.institutions.models import ServiceInstitution
from assist_desk.notices.models import OneTimeNotice
from assist_desk.reports.models import DistrictSummary, InstitutionSummary
from assist_desk.reports.rules import combine
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
    return summaries(session, [institution], first, last)[0]


def district_summary(session: Session, town: str | None, first: date, last: date) -> DistrictSummary:
    """Every institution of the district (or of `town`) with its summary, and the totals (区政务服务办公室, 5.2.1.4)."""
    query = select(ServiceInstitution).order_by(ServiceInstitution.town, ServiceInstitution.name)
    if town is not None:
        query = query.where(ServiceInstitution.town == town)
    institutions = list(session.exec(query).all())
    rows = summaries(session, institutions, first, last)
    return DistrictSummary(period_from=first, period_to=last, town=town, institutions=rows, totals=combine(rows))


def summaries(
    session: Session, institutions: Sequence[ServiceInstitution], first: date, last: date
) -> list[InstitutionSummary]:
    """The summary of each institution over [first, last]: one grouped query per table for all of them together."""
    if not institutions:
        return []
    ids = [institution.id for institution in institutions]
    start, end = period_bounds(first, last)
    counts: dict[uuid.UUID, _Counts] = {institution_id: _Counts() for institution_id in ids}
    # The current limit (the 兜底办 one once escalated) missed; and any limit missed, the 自助办/陪同办 one before an
    # escalation included (7.4.4): escalating must not take a breach out of the count.
    current_missed = or_(Ticket.overdue_at.is_not(None), Ticket.finished_at > Ticket.due_at)  # type: ignore[union-attr,operator]
    breached = case((or_(current_missed, Ticket.form_breached_at.is_not(None)), 1), else_=0)  # type: ignore[union-attr]
    fallback_breached = case((current_missed, 1), else_=0)
    for institution_id, form, channel, state, fallback_type, count, breach_count, fallback_breaches in session.exec(
        select(
            Ticket.institution_id,
            Ticket.form,
            Ticket.channel,
            Ticket.state,
            Ticket.fallback_type,
            func.count(),
            func.sum(breached),
            func.sum(fallback_breached),
        )
        .where(Ticket.institution_id.in_(ids), Ticket.received_at >= start, Ticket.received_at < end)  # type: ignore[attr-defined]
        .group_by(Ticket.institution_id, Ticket.form, Ticket.channel, Ticket.state, Ticket.fallback_type)
    ).all():
        c = counts[institution_id]
        c.tickets += count
        c.breaches += int(breach_count or 0)
        c.by_form[form] += count
        c.by_channel[channel] += count
        c.by_state[state] += count
        if fallback_type:
            c.by_fallback[fallback_type] += count
            c.breaches_by_fallback[fallback_type] += int(fallback_breaches or 0)

    for institution_id, issued, breaches in session.exec(
        select(
            OneTimeNotice.institution_id,
            func.count(),
            func.coalesce(func.sum(case((OneTimeNotice.breach, 1), else_=0)), 0),
        )
        .where(
            OneTimeNotice.institution_id.in_(ids),  # type: ignore[attr-defined]
            OneTimeNotice.issued_at >= start,
            OneTimeNotice.issued_at < end,
        )
        .group_by(OneTimeNotice.institution_id)
    ).all():
        counts[institution_id].notices_issued = issued
        counts[institution_id].notice_breaches = int(breaches)

    for institution_id, level, count in session.exec(
        select(Review.institution_id, Review.level, func.count())
        .where(Review.institution_id.in_(ids), Review.reviewed_at >= start, Review.reviewed_at < end)  # type: ignore[attr-defined]
        .group_by(Review.institution_id, Review.level)
    ).all():
        counts[institution_id].satisfaction[level] += count

    overdue = Rectification.overdue_at.is_not(None)  # type: ignore[union-attr]
    for institution_id, state, outcome, is_overdue, count in session.exec(
        select(Rectification.institution_id, Rectification.state, Rectification.outcome, overdue, func.count())
        .where(
            Rectification.institution_id.in_(ids),  # type: ignore[attr-defined]
            Rectification.opened_at >= start,
            Rectification.opened_at < end,
        )
        .group_by(Rectification.institution_id, Rectification.state, Rectification.outcome, overdue)
    ).all():
        rectifications = counts[institution_id].rectifications
        rectifications[state] += count
        if outcome:
            rectifications[f"outcome_{outcome}"] += count
        if is_overdue:
            rectifications["overdue"] += count

    done = CallbackTask.done_at.is_not(None)  # type: ignore[union-attr]
    for institution_id, is_done, reached, level, count in session.exec(
        select(CallbackTask.institution_id, done, CallbackTask.reached, CallbackTask.level, func.count())
        .where(
            CallbackTask.institution_id.in_(ids),  # type: ignore[attr-defined]
            CallbackTask.week_start >= first - timedelta(days=6),
            CallbackTask.week_start <= last,
        )
        .group_by(CallbackTask.institution_id, done, CallbackTask.reached, CallbackTask.level)
    ).all():
        callbacks = counts[institution_id].callbacks
        callbacks["drawn"] += count
        if is_done:
            callbacks["done"] += count
        if reached:
            callbacks["reached"] += count
        if level:
            callbacks[f"level_{level}"] += count

    return [counts[institution.id].summary(institution, first, last) for institution in institutions]


@dataclass
class _Counts:
    tickets: int = 0
    breaches: int = 0
    notices_issued: int = 0
    notice_breaches: int = 0
    by_form: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_state: Counter[str] = field(default_factory=Counter)
    by_fallback: Counter[str] = field(default_factory=Counter)
    breaches_by_fallback: Counter[str] = field(default_factory=Counter)
    satisfaction: Counter[str] = field(default_factory=Counter)
    rectifications: Counter[str] = field(default_factory=Counter)
    callbacks: Counter[str] = field(default_factory=Counter)

    def summary(self, institution: ServiceInstitution, first: date, last: date) -> InstitutionSummary:
        return InstitutionSummary(
            institution_id=institution.id,
            institution_name=institution.name,
            institution_kind=institution.kind,
            town=institution.town,
            period_from=first,
            period_to=last,
            tickets=self.tickets,
            by_form=dict(self.by_form),
            by_channel=dict(self.by_channel),
            by_state=dict(self.by_state),
            by_fallback_type=dict(self.by_fallback),
            escalations=sum(self.by_fallback.values()),
            time_limit_breaches=self.breaches,
            time_limit_breaches_by_fallback_type={k: n for k, n in self.breaches_by_fallback.items() if n},
            notices_issued=self.notices_issued,
            notice_breaches=self.notice_breaches,
            satisfaction=dict(self.satisfaction),
            bad_reviews=sum(n for level, n in self.satisfaction.items() if level in BAD_LEVELS),
            rectifications=dict(self.rectifications),
            callbacks=dict(self.callbacks),
        )
