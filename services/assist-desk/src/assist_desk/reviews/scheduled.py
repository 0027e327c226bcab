"""Periodic jobs of satisfaction: overdue rectification cases, and the weekly random call-back draw (4.3 e)."""

from datetime import UTC, datetime, timedelta

from prometheus_client import Counter
from sqlmodel import select

from assist_desk.institutions.models import ServiceInstitution
from assist_desk.reviews.models import Rectification
from assist_desk.reviews.service import draw_callbacks
from assist_desk.time_limits.rules import to_local
from jiading_shared.db import Database
from jiading_shared.service import ScheduledJob

RECTIFICATIONS_OVERDUE = Counter("assist_rectifications_overdue_total", "Rectification cases past their deadline.")


def scan_rectifications(db: Database, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    with db.session() as session:
        query = select(Rectification).where(
            Rectification.state == "open",
            Rectification.overdue_at.is_(None),  # type: ignore[union-attr]
            Rectification.due_at <= now,
        )
        cases = session.exec(query.with_for_update(skip_locked=True)).all()
        for case in cases:
            case.overdue_at = now
            session.add(case)
    RECTIFICATIONS_OVERDUE.inc(len(cases))
    return len(cases)


def draw_last_week(db: Database, now: datetime | None = None) -> int:
    """Draw last week's call-backs for every institution (idempotent: a drawn week is left as it is)."""
    today = to_local(now or datetime.now(UTC)).date()
    last_week = today - timedelta(days=7)
    drawn = 0
    with db.session() as session:
        for institution in session.exec(select(ServiceInstitution)).all():
            drawn += len(draw_callbacks(session, institution, last_week, today=today))
    return drawn


def _scan(db: Database) -> None:
    scan_rectifications(db)


def _draw(db: Database) -> None:
    draw_last_week(db)


JOBS = [
    ScheduledJob(name="assist-rectification-deadlines", interval_seconds=300, run=_scan),
    ScheduledJob(name="assist-weekly-callbacks", interval_seconds=3600, run=_draw),
]
