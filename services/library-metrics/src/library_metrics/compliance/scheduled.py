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
    """The last closed week, month and year: every failing rule is published once (the breach table remembers)."""
    calendar = default_calendar(LibrarySettings().calendar_override_file or None)
    now = datetime.now(UTC)
    for period in closed_periods(now.astimezone(CHINA).date()):
        with db.session() as session:
            try:
                evaluated, published = publish_breaches(session, period, calendar, now)
            except NoRulesInForce:
                continue
        if published:
            log.info("period %s closed: %d breaches published (%d facilities)", period.key, published, evaluated)


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
