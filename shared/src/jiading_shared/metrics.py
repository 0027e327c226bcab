"""Prometheus metrics of the suite that are not HTTP (those come from prometheus-fastapi-instrumentator)."""

from __future__ import annotations

import platform
from collections.abc import Mapping

from prometheus_client import Counter, Gauge, Histogram, Info

from jiading_shared import __version__

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
