"""Many outbox rows in one statement. A candidate for jiading_shared.events.outbox: the overdue scan may queue tens of
thousands of events in one run, and one INSERT per event (`enqueue`) would take the scan past its 5 s target. The
rows are exactly those `enqueue` writes."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert
from sqlmodel import Session

from jiading_shared.events.envelope import EventSpec
from jiading_shared.infra_tables import outbox_template as outbox


def enqueue_many(session: Session, spec: EventSpec[Any], events: Sequence[tuple[BaseModel, str]]) -> int:
    """Queue (payload, key) pairs in the caller's transaction; returns how many were queued."""
    if not events:
        return 0
    now = datetime.now(UTC)
    rows = []
    for payload, key in events:
        if not isinstance(payload, spec.payload):
            raise TypeError(f"{spec.type} expects a {spec.payload.__name__} payload, got {type(payload).__name__}")
        rows.append(
            {
                "event_id": str(uuid.uuid4()),
                "topic": spec.topic,
                "event_key": key,
                "event_type": spec.type,
                "source": spec.source,
                "subject": key,
                "event_time": now,
                "payload": payload.model_dump_json(),
                "created_at": now,
                "attempts": 0,
            }
        )
    session.execute(insert(outbox), rows)
    return len(rows)
