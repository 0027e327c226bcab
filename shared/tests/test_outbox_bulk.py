"""enqueue_many: a bulk of events (a cold overdue scan queues 100,000+) goes in by COPY on PostgreSQL, inside the
caller's transaction, with the same columns as a single enqueue."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import RowMapping, Text, func, literal, select
from sqlmodel import Session

from jiading_shared.db import Database
from jiading_shared.events.outbox import COPY_THRESHOLD, enqueue_many, enqueue_selected
from jiading_shared.infra_tables import outbox_template
from jiading_shared.testing import probe


def queued_in_callers_transaction(db: Database, queue: Callable[[Session], int], expected: int) -> list[RowMapping]:
    """Queue in a transaction that rolls back (nothing stays), then in one that commits; the committed rows."""
    with Session(db.engine) as session:
        assert queue(session) == expected
        session.rollback()
    with db.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(outbox_template)).scalar_one() == 0

    with Session(db.engine) as session:
        queue(session)
        session.commit()
    with db.engine.connect() as connection:
        return list(connection.execute(select(outbox_template).order_by(outbox_template.c.id)).mappings().all())


@pytest.mark.postgres
@pytest.mark.parametrize("count", [3, COPY_THRESHOLD + 1])
def test_bulk_enqueue_writes_every_row_in_the_callers_transaction(postgres_url: str, count: int) -> None:
    db = Database(postgres_url)
    probe.create_schema(db)
    events = [(probe.Ticked(key=f"key-{n % 7}", seq=n), f"key-{n % 7}") for n in range(count)]
    # What COPY's text format must escape comes back unchanged, in the payload and in the columns.
    awkward = 'back\\slash\ttab\nnewline\rreturn "quoted" 中文 \\N'
    events[-1] = (probe.Ticked(key=awkward, seq=count - 1), awkward)

    rows = queued_in_callers_transaction(db, lambda session: enqueue_many(session, probe.TICKED, events), count)
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


@pytest.mark.postgres
def test_events_selected_in_the_database_go_in_by_one_statement(postgres_url: str) -> None:
    db = Database(postgres_url)
    probe.create_schema(db)
    numbers = select(func.generate_series(1, 1000).label("n")).subquery()
    source = select(
        func.concat("key-", numbers.c.n % 7).label("event_key"),
        func.cast(func.json_build_object("key", func.concat("key-", numbers.c.n % 7), "seq", numbers.c.n), Text).label(
            "payload"
        ),
    )
    rows = queued_in_callers_transaction(db, lambda session: enqueue_selected(session, probe.TICKED, source), 1000)
    assert sorted(probe.Ticked.model_validate_json(row["payload"]).seq for row in rows) == list(range(1, 1001))
    assert len({row["event_id"] for row in rows}) == 1000
    first = rows[0]
    assert (first["topic"], first["event_type"], first["source"]) == (
        probe.TICKED.topic,
        probe.TICKED.type,
        probe.TICKED.source,
    )
    assert first["event_key"] == first["subject"] == json.loads(first["payload"])["key"]
    assert (first["sent_at"], first["attempts"]) == (None, 0)
    db.dispose()


def test_events_selected_need_postgresql(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/outbox.db")
    probe.create_schema(db)
    with Session(db.engine) as session, pytest.raises(NotImplementedError):
        enqueue_selected(session, probe.TICKED, select(literal("k").label("event_key"), literal("{}").label("payload")))
    db.dispose()
