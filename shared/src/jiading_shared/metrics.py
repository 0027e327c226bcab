"""Prometheus metrics of the suite that are not HTTP (those come from prometheus-fastapi-instrumentator)."""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable, Mapping

from prometheus_client import Counter, Gauge, Histogram, Info
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from jiading_shared import __version__

log = logging.getLogger(__name__)

BUILD_INFO = Info("jiading_build", "Build of the running service.")

EVENTS_PUBLISHED = Counter("events_published_total", "Events the outbox relay published.", ["topic", "type"])
EVENTS_PUBLISH_FAILURES = Counter(
    "events_publish_failures_total", "Outbox relay publish attempts that failed (the rows stay pending).", ["topic"]
)
OUTBOX_PENDING = Gauge("outbox_pending", "Outbox rows not yet published.")
OUTBOX_OLDEST_PENDING_AGE = Gauge("outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox row.")
RELAY_IS_LEADER = Gauge("outbox_relay_leader", "1 when this replica's relay holds the publishing lock.")

EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Events a consumer group finished with, by outcome (handled, duplicate, ignored, dead_lettered).",
    ["group", "type", "outcome"],
)
EVENTS_RETRIED = Counter("events_retried_total", "Handler attempts that failed and were retried.", ["group", "type"])
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered_total", "Events sent to the dead-letter topic.", ["group", "topic", "reason"]
)
EVENT_HANDLER_DURATION = Histogram(
    "event_handler_duration_seconds", "Time in one event handler (successful attempts).", ["group", "type"]
)
EVENT_DELIVERY_LATENCY = Histogram(
    "event_delivery_latency_seconds",
    "From the event's ce_time (outbox write) to the end of its handler.",
    ["group"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def set_build_info(service: str, version: str = __version__) -> None:
    BUILD_INFO.info({"service": service, "version": version, "python": platform.python_version()})


def replace_gauge_values(gauge: Gauge, values: Mapping[tuple[str, ...], float]) -> None:
    """Set a labelled gauge to exactly `values` (label values in the gauge's label order): label sets not in
    `values` are removed, never cleared all at once, so a scrape during the refresh never sees an empty gauge."""
    for labels in set(gauge._metrics) - set(values):  # prometheus_client keeps its children by label tuple
        gauge.remove(*labels)
    for labels, value in values.items():
        gauge.labels(*labels).set(value)


# --- metrics that follow the transaction ----------------------------------------------------------------------------

_PENDING = "jiading_metrics_on_commit"  # session.info key: [(transaction it was recorded in, action), ...]


def on_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` (a counter increment, a histogram observation) once `session`'s transaction commits; drop it if
    the transaction, or the savepoint it was recorded in, rolls back. A request that fails after counting must not
    count: its ticket, rating or score does not exist."""
    if session.get_transaction() is None:
        session.connection()  # begin the transaction as a query would: the action belongs to it
    recorded_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((recorded_in, action))


def inc_on_commit(session: Session, counter: Counter, amount: float = 1) -> None:
    """`counter.inc(amount)` when the transaction commits (`counter` with its labels already applied)."""
    if amount:
        on_commit(session, lambda: counter.inc(amount))


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: its actions wait for the outer transaction
    for _transaction, action in session.info.pop(_PENDING, []):
        try:
            action()
        except Exception:  # the data is committed; a metric must not turn that into an error
            log.exception("metric update after commit failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(tx, action) for tx, action in pending if not _within(tx, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _drop_unfinished(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without commit (rollback or close)
        session.info.pop(_PENDING, None)
