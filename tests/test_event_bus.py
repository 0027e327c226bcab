"""Integration tests of the event bus against real PostgreSQL and a real tansu broker, with real processes.

Covers issue 2 §4: outbox → broker → consumer across two processes in order per key; a 10 s broker outage while
events are produced; a consumer killed between its database commit and its offset commit; a poison message going to
the dead-letter topic while its partition moves on; a rolled-back transaction publishing nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select

from jiading_shared.db import Database
from jiading_shared.events import enqueue
from jiading_shared.events.consumer import dead_letter_topic
from jiading_shared.events.relay import OutboxRelay
from jiading_shared.infra_tables import inbox_template, outbox_template
from jiading_shared.testing import probe
from jiading_shared.testing.broker import TansuBroker

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


class Worker:
    """A probe relay or consumer running as its own OS process."""

    def __init__(self, role: str, db_url: str, bootstrap: str, log_dir: Path, *extra: str) -> None:
        self.log = open(log_dir / f"{role}-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jiading_shared.testing.probe",
                role,
                "--db",
                db_url,
                "--bootstrap",
                bootstrap,
                *extra,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    probe.create_schema(db)
    yield db
    db.dispose()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(role: str, db_url: str, bootstrap: str, *extra: str) -> Worker:
        worker = Worker(role, db_url, bootstrap, tmp_path, *extra)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def effects(db: Database) -> list[tuple[str, str, int]]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(probe.ProbeEffect.event_id, probe.ProbeEffect.key, probe.ProbeEffect.seq).order_by(
                probe.ProbeEffect.id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def assert_exactly_once(db: Database, expected_ids: list[str]) -> None:
    seen = [event_id for event_id, _key, _seq in effects(db)]
    assert len(seen) == len(set(seen)), "an event had a second effect"
    assert set(seen) == set(expected_ids)


def ticks(keys: int, per_key: int, start: int = 0) -> list[probe.Ticked]:
    return [probe.Ticked(key=f"k{k}", seq=seq) for seq in range(start, start + per_key) for k in range(keys)]


def test_outbox_to_consumer_across_processes_in_order_per_key(
    database: Database, postgres_url: str, kafka_broker: TansuBroker, workers: Callable[..., Worker]
) -> None:
    ids = probe.publish_ticks(database, ticks(keys=6, per_key=50))
    workers("relay", postgres_url, kafka_broker.bootstrap)
    workers("consume", postgres_url, kafka_broker.bootstrap)
    wait_until(lambda: len(effects(database)) >= len(ids), 90, "all 300 events handled")
    assert_exactly_once(database, ids)
    by_key: dict[str, list[int]] = {}
    for _event_id, key, seq in effects(database):
        by_key.setdefault(key, []).append(seq)
    assert by_key == {f"k{k}": list(range(50)) for k in range(6)}, "events of one key arrived out of order"
    with database.engine.connect() as connection:
        pending = connection.execute(select(func.count()).where(outbox_template.c.sent_at.is_(None))).scalar()
    assert pending == 0


def test_broker_outage_delays_events_and_loses_none(
    database: Database, postgres_url: str, fresh_broker: TansuBroker, workers: Callable[..., Worker]
) -> None:
    relay = workers("relay", postgres_url, fresh_broker.bootstrap)
    consumer = workers("consume", postgres_url, fresh_broker.bootstrap)
    produced = probe.publish_ticks(database, ticks(keys=4, per_key=10))
    wait_until(lambda: len(effects(database)) >= len(produced), 90, "first events handled")

    # tansu keeps messages, groups and committed offsets in memory only, so a restart forgets them; with Apache Kafka
    # none of the steps below is needed. The consumer is stopped cleanly before the outage and started again after it
    # (its old positions would point into a log that no longer exists), and the relay is held while the broker stops
    # so that the broker holds nothing unconsumed. The relay itself lives through the outage: it must keep the events
    # written meanwhile in the outbox and publish them once the broker is back.
    assert consumer.stop() == 0
    relay.process.send_signal(signal.SIGSTOP)
    fresh_broker.stop()
    relay.process.send_signal(signal.SIGCONT)
    outage_started = time.monotonic()
    seq = 10
    while time.monotonic() - outage_started < 10:  # keep producing while the broker is down
        produced += probe.publish_ticks(database, ticks(keys=4, per_key=1, start=seq))
        seq += 1
        time.sleep(0.25)
    with database.engine.connect() as connection:
        pending = connection.execute(select(func.count()).where(outbox_template.c.sent_at.is_(None))).scalar()
    assert pending is not None
    assert pending >= 4 * (seq - 10), "events written during the outage must wait in the outbox"
    fresh_broker.start()
    workers("consume", postgres_url, fresh_broker.bootstrap)
    produced += probe.publish_ticks(database, ticks(keys=4, per_key=5, start=seq))
    wait_until(lambda: len(effects(database)) >= len(produced), 120, "every event after the broker came back")
    time.sleep(2)  # a late duplicate would show up here
    assert_exactly_once(database, produced)


def test_consumer_killed_between_db_commit_and_offset_commit_has_no_second_effect(
    database: Database, postgres_url: str, kafka_broker: TansuBroker, workers: Callable[..., Worker], tmp_path: Path
) -> None:
    ids = probe.publish_ticks(database, ticks(keys=3, per_key=20))
    workers("relay", postgres_url, kafka_broker.bootstrap)
    marker = tmp_path / "crashed"
    crashing = workers("consume", postgres_url, kafka_broker.bootstrap, "--crash-marker", str(marker))
    crashing.process.wait(timeout=90)
    assert crashing.process.returncode == 17, "the consumer should have died right after its database commit"
    handled_before_crash = len(effects(database))
    assert handled_before_crash > 0
    workers("consume", postgres_url, kafka_broker.bootstrap)
    wait_until(lambda: len(effects(database)) >= len(ids), 90, "all events after the restart")
    time.sleep(2)
    assert_exactly_once(database, ids)
    with database.engine.connect() as connection:
        inbox_rows = connection.execute(select(func.count()).select_from(inbox_template)).scalar()
    assert inbox_rows == len(ids)


async def _read_topic(bootstrap: str, topic: str, want: int, timeout_s: float) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    records: list = []
    try:
        deadline = time.monotonic() + timeout_s
        while len(records) < want and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


def test_poison_message_goes_to_dead_letter_topic_and_partition_moves_on(
    database: Database, postgres_url: str, kafka_broker: TansuBroker, workers: Callable[..., Worker]
) -> None:
    # One key, so all three events share a partition: the poison one sits between two good ones.
    good_before, poison, good_after = probe.publish_ticks(
        database,
        [
            probe.Ticked(key="same", seq=1),
            probe.Ticked(key="same", seq=2, poison=True),
            probe.Ticked(key="same", seq=3),
        ],
    )

    async def send_garbage() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(probe.TICKED.topic, b"\xff not a cloud event", key=b"same")
        finally:
            await producer.stop()

    workers("relay", postgres_url, kafka_broker.bootstrap)
    workers("consume", postgres_url, kafka_broker.bootstrap)
    wait_until(lambda: len(effects(database)) >= 2, 90, "the good events around the poison one")
    asyncio.run(send_garbage())
    assert_exactly_once(database, [good_before, good_after])

    dead = asyncio.run(_read_topic(kafka_broker.bootstrap, dead_letter_topic(probe.GROUP), want=2, timeout_s=60))
    assert len(dead) == 2
    by_reason = {dict(r.headers)["dlq_reason"].decode(): r for r in dead}
    handler_failed = dict(by_reason["handler_failed"].headers)
    assert handler_failed["ce_id"].decode() == poison
    assert handler_failed["dlq_original_topic"].decode() == probe.TICKED.topic
    assert int(handler_failed["dlq_original_offset"].decode()) >= 0
    assert handler_failed["dlq_original_partition"].decode().isdigit()
    assert handler_failed["dlq_attempts"].decode() == "3"
    assert "poison tick" in handler_failed["dlq_error"].decode()
    invalid = by_reason["invalid_envelope"]
    assert invalid.value == b"\xff not a cloud event", "the dead letter keeps the original bytes"
    assert "missing CloudEvents headers" in dict(invalid.headers)["dlq_error"].decode()


def test_rolled_back_transaction_publishes_nothing(
    database: Database, postgres_url: str, kafka_broker: TansuBroker
) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), database.session() as session:
        enqueue(session, probe.TICKED, probe.Ticked(key="rolled-back", seq=1), key="rolled-back")
        raise Boom
    (committed,) = probe.publish_ticks(database, [probe.Ticked(key="committed", seq=1)])

    async def relay_until_sent() -> None:
        relay = OutboxRelay(database, probe.settings_for(postgres_url, kafka_broker.bootstrap), [probe.TICKED.topic])
        task = asyncio.create_task(relay.run())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            if relay.pending_stats()[0] == 0:
                break
        relay.stop()
        await task

    asyncio.run(relay_until_sent())
    with database.engine.connect() as connection:
        rows = connection.execute(select(outbox_template.c.event_id, outbox_template.c.sent_at)).all()
    assert [(event_id, sent is not None) for event_id, sent in rows] == [(committed, True)]
    records = asyncio.run(_read_topic(kafka_broker.bootstrap, probe.TICKED.topic, want=10_000, timeout_s=5))
    keys = {record.key for record in records}
    assert b"committed" in keys
    assert b"rolled-back" not in keys


@pytest.mark.skipif(os.environ.get("SKIP_SLOW") == "1", reason="SKIP_SLOW=1")
def test_two_relay_replicas_publish_each_row_once(
    database: Database, postgres_url: str, fresh_broker: TansuBroker
) -> None:
    ids = probe.publish_ticks(database, ticks(keys=5, per_key=100))
    settings = probe.settings_for(postgres_url, fresh_broker.bootstrap)

    async def two_replicas() -> None:
        replicas = [OutboxRelay(Database(postgres_url), settings, [probe.TICKED.topic]) for _ in range(2)]
        tasks = [asyncio.create_task(replica.run()) for replica in replicas]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and replicas[0].pending_stats()[0]:
            await asyncio.sleep(0.2)
        for replica in replicas:
            replica.stop()
        await asyncio.gather(*tasks)

    asyncio.run(two_replicas())
    records = asyncio.run(_read_topic(fresh_broker.bootstrap, probe.TICKED.topic, want=len(ids), timeout_s=30))
    published = [dict(record.headers)["ce_id"].decode() for record in records]
    assert sorted(published) == sorted(ids), "each outbox row is published exactly once by two replicas"


async def _committed_total(bootstrap: str, group: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        total = 0
        for partition in partitions:
            committed = await consumer.committed(TopicPartition(topic, partition))
            total += committed or 0
        return total
    finally:
        await consumer.stop()


def test_sigterm_stops_the_consumer_cleanly_with_offsets_committed(
    database: Database, postgres_url: str, fresh_broker: TansuBroker, workers: Callable[..., Worker]
) -> None:
    ids = probe.publish_ticks(database, ticks(keys=3, per_key=10))
    workers("relay", postgres_url, fresh_broker.bootstrap)
    consumer = workers("consume", postgres_url, fresh_broker.bootstrap)
    wait_until(lambda: len(effects(database)) >= len(ids), 90, "all events handled")
    started = time.monotonic()
    assert consumer.stop() == 0, "SIGTERM ends the consumer with exit code 0"
    assert time.monotonic() - started < 20
    committed = asyncio.run(_committed_total(fresh_broker.bootstrap, probe.GROUP, probe.TICKED.topic))
    assert committed == len(ids), "every handled event's offset was committed before exit"
