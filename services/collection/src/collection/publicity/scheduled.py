"""The monthly 集中宣传 check (DB 31114/Z 004-2025 7.5): once the month is over, each committee that missed it is
reported once (the publicity_month_missed table remembers which committee-months were reported)."""

from datetime import UTC, date, datetime

from collection.publicity.rules import previous_month
from collection.publicity.service import report_missed_month
from collection.visits.rules import local_date
from jiading_shared.db import Database
from jiading_shared.service import ScheduledJob

CHECK_INTERVAL_S = 3600.0


def run_month_check(db: Database, today: date | None = None) -> int:
    with db.session() as session:
        return report_missed_month(session, previous_month(today or local_date(datetime.now(UTC))))


JOBS = [ScheduledJob(name="collection.publicity-month-check", interval_seconds=CHECK_INTERVAL_S, run=run_month_check)]
