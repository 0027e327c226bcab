"""Transactional outbox: the event row is written in the same transaction as the domain change."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, String, cast, func, insert, literal, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from jiading_shared.events.envelope import EventSpec
from jiading_shared.infra_tables import outbox_template as outbox

# Outbox rows of this type are dead letters: the relay sends their stored headers verbatim.
DEAD_LETTER_TYPE = "dead-letter"
DEAD_LETTER_ENCODING_HEADER = "dlq_value_encoding"


def _outbox_row(
    spec: EventSpec[Any], payload: BaseModel, key: str, subject: str | None, event_id: str | None, now: datetime
) -> dict[str, Any]:
    if not isinstance(payload, spec.payload):
        raise TypeError(f"{spec.type} expects a {spec.payload.__name__} payload, got {type(payload).__name__}")
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "topic": spec.topic,
        "event_key": key,
        "event_type": spec.type,
        "source": spec.source,
        "subject": subject if subject is not None else key,
        "event_time": now,
        "payload": payload.model_dump_json(),
        "created_at": now,
        "attempts": 0,
    }


def enqueue(
    session: Session | Connection,
    spec: EventSpec[Any],
    payload: BaseModel,
    *,
    key: str,
    subject: str | None = None,
    event_id: str | None = None,
) -> str:
    """Add an event to the outbox inside the caller's transaction; returns the event id (ce_id)."""
    row = _outbox_row(spec, payload, key, subject, event_id, datetime.now(UTC))
    session.execute(insert(outbox).values(**row))
    return str(row["event_id"])


def enqueue_many(session: Session | Connection, spec: EventSpec[Any], events: Sequence[tuple[BaseModel, str]]) -> int:
    """Queue (payload, key) pairs in one statement, in the caller's transaction (a scan may queue thousands; one
    INSERT per event would be far slower). Returns how many were queued."""
    if not events:
        return 0
    now = datetime.now(UTC)
    rows = [_outbox_row(spec, payload, key, None, None, now) for payload, key in events]
    connection = session.connection() if isinstance(session, Session) else session
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy_rows(connection, rows)
    else:
        session.execute(insert(outbox), rows)
    return len(rows)


def enqueue_selected(session: Session | Connection, spec: EventSpec[Any], source: Select[Any]) -> int:
    """PostgreSQL only: queue one event per row of `source`, whose columns `event_key` and `payload` (JSON text built
    by the database, e.g. with json_build_object) are all the event needs. Nothing crosses to Python, so a scan that
    queues 100,000+ events spends its time in one INSERT ... SELECT instead of building and copying rows. `source`
    may select from a data-modifying CTE (UPDATE ... RETURNING); it is rendered at the top of the statement. The
    caller owns keeping the payload equal to `spec.payload` (test it against the model). Returns the rows queued."""
    connection = session.connection() if isinstance(session, Session) else session
    if connection.dialect.name != "postgresql":
        raise NotImplementedError("enqueue_selected builds rows in PostgreSQL; use enqueue_many elsewhere")
    rows = source.subquery("selected")
    now = datetime.now(UTC)
    statement = insert(outbox).from_select(
        list(_COPY_COLUMNS),
        select(
            cast(func.gen_random_uuid(), String),
            literal(spec.topic),
            rows.c.event_key,
            literal(spec.type),
            literal(spec.source),
            rows.c.event_key,
            literal(now),
            rows.c.payload,
            literal(now),
            literal(0),
        ),
    )
    return connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount


# From this many rows on, PostgreSQL gets the rows by COPY: several times faster than a multi-row INSERT for the
# tens of thousands of events a cold scan can queue, and still inside the caller's transaction (same connection).
COPY_THRESHOLD = 500
_COPY_COLUMNS = (
    "event_id",
    "topic",
    "event_key",
    "event_type",
    "source",
    "subject",
    "event_time",
    "payload",
    "created_at",
    "attempts",
)

_COPY_TYPES = ("text", "text", "text", "text", "text", "text", "timestamptz", "text", "timestamptz", "int4")


def _copy_rows(connection: Connection, rows: list[dict[str, Any]]) -> None:
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    statement = f"COPY {outbox.name} ({', '.join(_COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(_COPY_TYPES)
        for row in rows:
            copy.write_row(tuple(row[column] for column in _COPY_COLUMNS))


def enqueue_dead_letter(
    session: Session | Connection,
    *,
    topic: str,
    key: str | None,
    value: bytes | None,
    headers: list[tuple[str, str]],
    source: str,
) -> str:
    """Queue a message for the dead-letter topic in the same transaction that records its failure."""
    now = datetime.now(UTC)
    event_id = str(uuid.uuid4())
    try:
        body = (value or b"").decode("utf-8")
    except UnicodeDecodeError:
        # Keep the exact bytes of an undecodable poison message; the relay decodes them again.
        body = base64.b64encode(value or b"").decode("ascii")
        headers = [*headers, (DEAD_LETTER_ENCODING_HEADER, "base64")]
    session.execute(
        insert(outbox).values(
            event_id=event_id,
            topic=topic,
            event_key=key or "",
            event_type=DEAD_LETTER_TYPE,
            source=source,
            subject=None,
            event_time=now,
            payload=body,
            extra_headers=json.dumps(headers, ensure_ascii=False),
            created_at=now,
            attempts=0,
        )
    )
    return event_id
