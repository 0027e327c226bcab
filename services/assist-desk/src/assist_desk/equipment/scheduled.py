"""Missed equipment checks (8.3): counted as metrics for the dashboards, by check kind."""

from prometheus_client import Gauge
from sqlmodel import select

from assist_desk.equipment.models import Device
from assist_desk.equipment.rules import daily_check_missed, monthly_inspection_missed
from assist_desk.equipment.service import local_today
from jiading_shared.db import Database
from jiading_shared.service import ScheduledJob
from jiading_shared.workdays import WorkdayCalendar, default_calendar

CHECKS_MISSED = Gauge("assist_equipment_checks_missed", "Active devices whose check is overdue.", ["kind"])


def scan_missed_checks(db: Database, calendar: WorkdayCalendar | None = None) -> dict[str, int]:
    calendar = calendar or default_calendar()
    today = local_today()
    with db.session() as session:
        devices = session.exec(select(Device).where(Device.active)).all()
    daily = sum(
        1 for d in devices if daily_check_missed(d.last_daily_check_on, today, calendar, d.in_service_since) is not None
    )
    monthly = sum(
        1 for d in devices if monthly_inspection_missed(d.last_monthly_inspection_on, today, d.in_service_since)
    )
    CHECKS_MISSED.labels(kind="daily").set(daily)
    CHECKS_MISSED.labels(kind="monthly").set(monthly)
    return {"daily": daily, "monthly": monthly}


def _run(db: Database) -> None:
    scan_missed_checks(db)


JOBS = [ScheduledJob(name="assist-equipment-checks", interval_seconds=3600, run=_run)]
