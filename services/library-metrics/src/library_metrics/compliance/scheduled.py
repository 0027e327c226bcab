"""Periodic jobs of compliance: publish breaches of periods that closed; refresh the Grafana gauges."""

import logging
from datetime import UTC, datetime

from jiading_shared.db import Database
from jiading_shared.service import ScheduledJob
from jiading_shared.workdays import default_calendar
from library_metrics.compliance import metrics
from library_metrics.compliance.rules import CHINA, Period
from library_metrics.compliance.service import NoRulesInForce, closed_periods, evaluate_many, publish_breaches
from library_metrics.settings import LibrarySettings

log = logging.getLogger(__name__)


def close_periods(db: Database) -> None:
    """The last week, month and year whose grace window for late records has ended: every failing rule is published
    once (the breach table remembers) and breaches that now pass are withdrawn."""
    settings = LibrarySettings()
    calendar = default_calendar(settings.calendar_override_file or None)
    now = datetime.now(UTC)
    grace = settings.breach_grace_days
    for period in closed_periods(now.astimezone(CHINA).date(), grace):
        with db.session() as session:
            try:
                run = publish_breaches(session, period, calendar, now, grace_days=grace)
            except NoRulesInForce:
                continue
        if run.published or run.withdrawn:
            log.info(
                "period %s closed: %d breaches published, %d withdrawn (%d facilities)",
                period.key,
                run.published,
                run.withdrawn,
                run.evaluated,
            )


def refresh_gauges(db: Database) -> None:
    calendar = default_calendar(LibrarySettings().calendar_override_file or None)
    now = datetime.now(UTC)
    with db.session() as session:
        try:
            _rule_set, evaluations = evaluate_many(session, Period.of(now.astimezone(CHINA).year), calendar, now)
        except NoRulesInForce:
            return
    metrics.update(evaluations, now.timestamp())


JOBS: list[ScheduledJob] = [
    ScheduledJob("library-close-periods", 3600, close_periods),
    ScheduledJob("library-compliance-gauges", 600, refresh_gauges),
]
