"""Periodic jobs of incidents: the SLA scan (a warning before a time limit passes, 督办 and the `overdue` event after)
and the open-incident gauges of the dispatch dashboard. Labels: town, department (code, or `unassigned` while in the
dispatcher queue), state — never incident ids."""

from prometheus_client import Gauge
from sqlalchemy import func
from sqlmodel import col, select

from grid_dispatch.incidents import service
from grid_dispatch.incidents.models import Incident
from grid_dispatch.incidents.rules import OPEN_STATES
from jiading_shared.db import Database
from jiading_shared.metrics import replace_gauge_values
from jiading_shared.service import ScheduledJob

UNASSIGNED = "unassigned"
OPEN_INCIDENTS = Gauge(
    "grid_incidents_open",
    "Incidents not closed (结案) at the last refresh, by 街镇, responsible department and state.",
    ["town", "department", "state"],
)
OPEN_PAST_SLA = Gauge(
    "grid_incidents_open_past_sla",
    "Open incidents past their time limit (超时督办, DB 31114/Z 009/010) at the last refresh, by 街镇 and department.",
    ["town", "department"],
)


def scan_deadlines(db: Database) -> None:
    with db.session() as session:
        service.scan_deadlines(session)


def refresh_open_gauges(db: Database) -> None:
    is_open = col(Incident.state).in_([state.value for state in OPEN_STATES])
    with db.session() as session:
        by_state = session.exec(
            select(Incident.town, Incident.department_code, Incident.state, func.count())
            .where(is_open)
            .group_by(Incident.town, Incident.department_code, Incident.state)
        ).all()
        past_sla = session.exec(
            select(Incident.town, Incident.department_code, func.count())
            .where(is_open, col(Incident.overdue_at).is_not(None))
            .group_by(Incident.town, Incident.department_code)
        ).all()
    replace_gauge_values(
        OPEN_INCIDENTS, {(town, dept or UNASSIGNED, str(state)): count for town, dept, state, count in by_state}
    )
    replace_gauge_values(OPEN_PAST_SLA, {(town, dept or UNASSIGNED): count for town, dept, count in past_sla})


JOBS: list[ScheduledJob] = [
    ScheduledJob("incident-sla-scan", 60.0, scan_deadlines),
    ScheduledJob("incident-open-gauges", 60.0, refresh_open_gauges),
]
