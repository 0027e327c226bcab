"""Published outbox rows and old inbox rows are purged; pending outbox rows never are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from jiading_shared.db import Database
from jiading_shared.events.retention import purge_event_tables
from jiading_shared.infra_tables import inbox_template, outbox_template
from jiading_shared.testing import probe

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def outbox_row(event_id: str, sent_at: datetime | None) -> dict[str, object]:
    return {
        "event_id": event_id,
        "topic": "t",
        "event_key": "k",
        "event_type": "x",
        "source": "/s",
        "event_time": NOW - timedelta(days=40),
        "payload": "{}",
        "created_at": NOW - timedelta(days=40),
        "sent_at": sent_at,
        "attempts": 1,
    }


def inbox_row(event_id: str, processed_at: datetime) -> dict[str, object]:
    return {
        "consumer_group": "g",
        "event_id": event_id,
        "event_type": "x",
        "topic": "t",
        "partition": 0,
        "offset": 1,
        "outcome": "handled",
        "processed_at": processed_at,
    }


@pytest.mark.postgres
def test_purge_keeps_pending_and_recent_rows(postgres_url: str) -> None:
    db = Database(postgres_url)
    probe.create_schema(db)
    with db.engine.begin() as connection:
        connection.execute(
            insert(outbox_template),
            [
                outbox_row("old-sent", NOW - timedelta(days=8)),
                outbox_row("recent-sent", NOW - timedelta(days=1)),
                outbox_row("old-pending", None),
            ],
        )
        connection.execute(
            insert(inbox_template),
            [inbox_row("old", NOW - timedelta(days=31)), inbox_row("new", NOW - timedelta(days=2))],
        )
    assert purge_event_tables(db, outbox_days=7, inbox_days=30, now=NOW) == (1, 1)
    with db.engine.connect() as connection:
        assert set(connection.execute(select(outbox_template.c.event_id)).scalars()) == {"recent-sent", "old-pending"}
        assert set(connection.execute(select(inbox_template.c.event_id)).scalars()) == {"new"}
    db.dispose()
