"""Domain counters follow the transaction: counted when it commits, never when it (or its savepoint) rolls back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy import text

from jiading_shared.db import Database
from jiading_shared.metrics import inc_on_commit, on_commit


class Boom(Exception):
    pass


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/m.db"
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    yield database
    database.dispose()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def count(registry: CollectorRegistry, name: str = "probe_tickets_total", **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def test_a_committed_transaction_counts_once_at_commit(db: Database, registry: CollectorRegistry) -> None:
    tickets = Counter("probe_tickets", "Probe.", ["form"], registry=registry)
    with db.session() as session:
        session.execute(text("INSERT INTO note (id, body) VALUES (1, 'a')"))
        inc_on_commit(session, tickets.labels(form="video"))
        assert count(registry, form="video") == 0  # not before the commit
    assert count(registry, form="video") == 1


def test_a_rolled_back_transaction_does_not_count(db: Database, registry: CollectorRegistry) -> None:
    tickets = Counter("probe_tickets", "Probe.", ["form"], registry=registry)
    with pytest.raises(Boom), db.session() as session:
        session.execute(text("INSERT INTO note (id, body) VALUES (1, 'a')"))
        inc_on_commit(session, tickets.labels(form="video"))
        raise Boom  # e.g. a 409 raised after the counter line
    assert count(registry, form="video") == 0
    with db.session() as session:  # the dropped increment does not leak into the session's next transaction
        assert session.execute(text("SELECT count(*) FROM note")).scalar() == 0
    assert count(registry, form="video") == 0


def test_a_session_reused_after_rollback_counts_only_the_committed_work(
    db: Database, registry: CollectorRegistry
) -> None:
    tickets = Counter("probe_tickets", "Probe.", registry=registry)
    with db.session_factory() as session:
        inc_on_commit(session, tickets, 5)
        session.rollback()
        inc_on_commit(session, tickets, 2)
        session.commit()
        session.commit()  # a second, empty commit replays nothing
    assert count(registry) == 2


def test_a_rolled_back_savepoint_drops_its_count_and_keeps_the_outer_one(
    db: Database, registry: CollectorRegistry
) -> None:
    tickets = Counter("probe_tickets", "Probe.", ["form"], registry=registry)
    with db.session() as session:
        inc_on_commit(session, tickets.labels(form="outer"))
        savepoint = session.begin_nested()
        inc_on_commit(session, tickets.labels(form="failed"))
        savepoint.rollback()
        released = session.begin_nested()
        inc_on_commit(session, tickets.labels(form="released"))
        released.commit()
        assert count(registry, form="released") == 0  # a released savepoint waits for the outer commit
    assert count(registry, form="outer") == 1
    assert count(registry, form="failed") == 0
    assert count(registry, form="released") == 1


def test_observations_wait_for_the_commit_too(db: Database, registry: CollectorRegistry) -> None:
    scores = Histogram("probe_score", "Probe.", buckets=(50, 100), registry=registry)
    with pytest.raises(Boom), db.session() as session:
        on_commit(session, lambda: scores.observe(80))
        raise Boom
    with db.session() as session:
        on_commit(session, lambda: scores.observe(90))
    assert registry.get_sample_value("probe_score_count") == 1
    assert registry.get_sample_value("probe_score_sum") == 90
