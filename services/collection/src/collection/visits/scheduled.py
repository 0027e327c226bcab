"""The overdue scan: every few minutes, publish visit.overdue once per missed revisit deadline and expose the number
of overdue rooms per area as a gauge (DB 31114/Z 001-2025 6.2.4; supervised per DB 31114/Z 003-2025 4.1)."""

from collections import Counter
from datetime import UTC, date, datetime

from prometheus_client import Gauge

from collection.visits.rules import local_date
from collection.visits.service import scan_overdue
from jiading_shared.db import Database
from jiading_shared.service import ScheduledJob

OVERDUE_ROOMS = Gauge("collection_overdue_rooms", "Rooms whose revisit deadline has passed, per area", ["area"])
SCAN_INTERVAL_S = 300.0


def publish_gauges(per_area: Counter[str]) -> None:
    for labels in list(OVERDUE_ROOMS._metrics):  # areas that are no longer overdue drop to 0
        OVERDUE_ROOMS.labels(*labels).set(0)
    for area, count in per_area.items():
        OVERDUE_ROOMS.labels(area).set(count)


def run_overdue_scan(db: Database, today: date | None = None) -> Counter[str]:
    with db.session() as session:
        per_area = scan_overdue(session, today=today or local_date(datetime.now(UTC)))
    publish_gauges(per_area)
    return per_area


JOBS = [ScheduledJob(name="collection.visit-overdue-scan", interval_seconds=SCAN_INTERVAL_S, run=run_overdue_scan)]
