"""Time-limit scan (限时办结, 7.4.4): warn before a ticket's deadline, mark it overdue after and publish
`ticket.overdue`; both go into the 帮办日志 (7.4.3). Runs on one replica at a time (advisory lock in the shared
scheduler)."""

from datetime import UTC, datetime, timedelta

from prometheus_client import Counter, Gauge
from sqlalchemy import func
from sqlmodel import Session, select

from assist_desk.policy.service import policy_in_force
from assist_desk.tickets.metrics import TICKETS_OPEN
from assist_desk.tickets.models import Ticket
from assist_desk.tickets.rules import OPEN_STATES
from assist_desk.tickets.service import mark_overdue, warn_deadline
from jiading_shared.db import Database
from jiading_shared.metrics import inc_on_commit, replace_gauge_values
from jiading_shared.service import ScheduledJob

BATCH = 500
DEADLINE_WARNINGS = Counter("assist_ticket_deadline_warnings_total", "Tickets warned before their time limit.")
TICKETS_OVERDUE = Counter("assist_tickets_overdue_total", "Tickets that passed their time limit (限时办结).")
OPEN_OVERDUE = Gauge("assist_tickets_open_overdue", "Open tickets past their time limit, at the last scan.")

_OPEN = [state.value for state in OPEN_STATES]


def scan_time_limits(db: Database, now: datetime | None = None) -> tuple[int, int]:
    """Warn and mark overdue; returns (warned, overdue) counts of this run."""
    now = now or datetime.now(UTC)
    warned = overdue = 0
    with db.session() as session:
        lead = timedelta(hours=policy_in_force(session, now).warning_lead_hours)
        warned = _warn(session, now, lead)
    while True:
        with db.session() as session:
            batch = _mark_overdue(session, now)
        overdue += batch
        if batch < BATCH:
            break
    with db.session() as session:
        count = session.exec(
            select(func.count()).select_from(Ticket).where(Ticket.state.in_(_OPEN), Ticket.overdue_at.is_not(None))  # type: ignore[attr-defined,union-attr]
        ).one()
        OPEN_OVERDUE.set(count)
        by_form = session.exec(
            select(Ticket.form, Ticket.channel, func.count())
            .where(Ticket.state.in_(_OPEN))  # type: ignore[attr-defined]
            .group_by(Ticket.form, Ticket.channel)
        ).all()
    replace_gauge_values(TICKETS_OPEN, {(str(form), str(channel)): n for form, channel, n in by_form})
    return warned, overdue


def _warn(session: Session, now: datetime, lead: timedelta) -> int:
    query = (
        select(Ticket)
        .where(
            Ticket.state.in_(_OPEN),  # type: ignore[attr-defined]
            Ticket.warned_at.is_(None),  # type: ignore[union-attr]
            Ticket.due_at <= now + lead,  # type: ignore[operator]
            Ticket.due_at > now,  # type: ignore[operator]
        )
        .with_for_update(skip_locked=True)
    )
    tickets = session.exec(query).all()
    for ticket in tickets:
        warn_deadline(session, ticket, now)
    inc_on_commit(session, DEADLINE_WARNINGS, len(tickets))
    return len(tickets)


def _mark_overdue(session: Session, now: datetime) -> int:
    query = (
        select(Ticket)
        .where(
            Ticket.state.in_(_OPEN),  # type: ignore[attr-defined]
            Ticket.overdue_at.is_(None),  # type: ignore[union-attr]
            Ticket.due_at <= now,  # type: ignore[operator]
        )
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    tickets = session.exec(query).all()
    for ticket in tickets:
        mark_overdue(session, ticket, now)
    inc_on_commit(session, TICKETS_OVERDUE, len(tickets))
    return len(tickets)


def _run(db: Database) -> None:
    scan_time_limits(db)


JOBS = [ScheduledJob(name="assist-ticket-time-limits", interval_seconds=60, run=_run)]
