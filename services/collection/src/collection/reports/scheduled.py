"""Coverage gauges per 街镇 for Grafana (DB 31114/Z 001-2025 不遗漏、不重复; supervised per DB 31114/Z 003-2025 4.1):
the coverage report of the whole district, refreshed every few minutes. Labels: town, status (five values)."""

from datetime import UTC, datetime

from prometheus_client import Gauge

from collection.reports.models import CoverageReport
from collection.reports.service import coverage
from collection.visits.rules import local_date
from jiading_shared.db import Database
from jiading_shared.metrics import replace_gauge_values
from jiading_shared.service import ScheduledJob

ROOM_STATUSES = ("visited", "never_visited", "collected", "vacant", "overdue")
ROOMS = Gauge(
    "collection_rooms",
    "Rooms per 街镇 by status at the last refresh: visited (at least once), never_visited (不遗漏 gaps), collected "
    "(已采集), vacant (空置), overdue (past the revisit deadline). visited + never_visited = all rooms.",
    ["town", "status"],
)
COVERAGE_RATIO = Gauge(
    "collection_coverage_ratio",
    "Share of a 街镇's rooms visited at least once (不遗漏), at the last refresh.",
    ["town"],
)
REFRESH_INTERVAL_S = 300.0


def publish_coverage(report: CoverageReport) -> None:
    replace_gauge_values(
        ROOMS, {(row.town, status): getattr(row, status) for row in report.towns for status in ROOM_STATUSES}
    )
    replace_gauge_values(
        COVERAGE_RATIO, {(row.town,): row.visited / row.rooms_total for row in report.towns if row.rooms_total}
    )


def refresh_coverage_gauges(db: Database) -> CoverageReport:
    with db.session() as session:
        report = coverage(session, None, local_date(datetime.now(UTC)))
    publish_coverage(report)
    return report


JOBS = [
    ScheduledJob(name="collection.coverage-gauges", interval_seconds=REFRESH_INTERVAL_S, run=refresh_coverage_gauges)
]
