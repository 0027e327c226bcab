"""Periodic SLA scan: a warning before a time limit passes, 督办 and the `overdue` event after."""

from grid_dispatch.incidents import service
from jiading_shared.db import Database
from jiading_shared.service import ScheduledJob


def scan_deadlines(db: Database) -> None:
    with db.session() as session:
        service.scan_deadlines(session)


JOBS: list[ScheduledJob] = [ScheduledJob("incident-sla-scan", 60.0, scan_deadlines)]
