"""enqueue_many: a bulk of events (a cold overdue scan queues 100,000+) goes in by COPY on PostgreSQL, inside the
caller's transaction, with the same columns as a single enqueue."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from jiading_shared.db import Database
from jiading_shared.events.outbox import COPY_THRESHOLD, enqueue_many
from jiading_shared.infra_tables import outbox_template
from jiading_shared.testing import probe


@pytest.mark.postgres
@pytest.mark.parametrize("count", [3, COPY_THRESHOLD + 1])
def test_bulk_enqueue_writes_every_row_in_the_callers_transaction(postgres_url: str, count: int) -> None:
    db = Database(postgres_url)
    probe.create_schema(db)
    events = [(probe.Ticked(key=f"key-{n % 7}", seq=n), f"key-{n % 7}") for n in range(count)]
    # What COPY's text format must escape comes back unchanged, in the payload and in the columns.
    awkward = 'back\\slash\ttab\nnewline\rreturn "quoted" 中文 \\N'
    events[-1] = (probe.Ticked(key=awkward, seq=count - 1), awkward)

    with Session(db.engine) as session:
        assert enqueue_many(session, probe.TICKED, events) == count
        session.rollback()
    with db.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(outbox_template)).scalar_one() == 0

    with Session(db.engine) as session:
        enqueue_many(session, probe.TICKED, events)
        session.commit()
    with db.engine.connect() as connection:
        rows = connection.execute(select(outbox_template).order_by(outbox_template.c.id)).mappings().all()
    assert len(rows) == count
    assert [json.loads(row["payload"])["seq"] for row in rows] == list(range(count))
    assert len({row["event_id"] for row in rows}) == count
    first = rows[0]
    assert first["topic"] == probe.TICKED.topic
    assert first["event_type"] == probe.TICKED.type
    assert first["event_key"] == first["subject"] == "key-0"
    assert first["sent_at"] is None
    assert first["attempts"] == 0
    assert first["event_time"].tzinfo is not None
    assert json.loads(rows[-1]["payload"])["key"] == awkward
    assert rows[-1]["event_key"] == awkward
    db.dispose()
