"""Periodic check of last week's meetings: keeps the `grid_weekly_meetings_missed` metric current for every town."""

from grid_dispatch.duty.service import all_towns
from grid_dispatch.meetings import service
from jiading_shared.db import Database
from jiading_shared.service import ScheduledJob


def refresh_missed_meetings_metric(db: Database) -> None:
    with db.session() as session:
        service.refresh_missed_metric(session, all_towns(session))


JOBS: list[ScheduledJob] = [ScheduledJob("weekly-meetings-missed-metric", 3600.0, refresh_missed_meetings_metric)]
