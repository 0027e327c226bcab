"""Periodic coverage check: keeps the `grid_duty_coverage_gaps` metric current for every town."""

from datetime import UTC, datetime

from grid_dispatch.duty import service
from jiading_shared.db import Database
from jiading_shared.service import ScheduledJob


def refresh_coverage_metric(db: Database) -> None:
    now = datetime.now(UTC)
    with db.session() as session:
        for town in service.all_towns(session):
            service.coverage_report(session, town, now)


JOBS: list[ScheduledJob] = [ScheduledJob("duty-coverage-metric", 300.0, refresh_coverage_metric)]
