"""Outbox relay: publishes pending outbox rows with acks=all, marks them sent, backs off while the broker is away.

Several replicas may run against one PostgreSQL database. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so no two
replicas publish the same row; in addition each claim first takes a transaction-level advisory lock, so that only one
replica publishes at a time and events of one key keep their order (the others stand by and take over within one poll
interval when the leader dies). SQLite (embedded run, one process) needs neither.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Connection

from jiading_shared.db import Database
from jiading_shared.events.envelope import build_headers
from jiading_shared.events.loop import StoppableLoop
from jiading_shared.events.outbox import DEAD_LETTER_ENCODING_HEADER, DEAD_LETTER_TYPE
from jiading_shared.infra_tables import outbox_template as outbox
from jiading_shared.metrics import (
    EVENTS_PUBLISH_FAILURES,
    EVENTS_PUBLISHED,
    OUTBOX_OLDEST_PENDING_AGE,
    OUTBOX_PENDING,
    RELAY_IS_LEADER,
)
from jiading_shared.settings import ServiceSettings
from jiading_shared.types import assume_utc

log = logging.getLogger(__name__)

# Arbitrary constant: the advisory lock id that elects the publishing relay replica of one database.
RELAY_ADVISORY_LOCK_ID = 7_310_114_001
PENDING_GAUGE_INTERVAL_S = 1.0


@dataclass(frozen=True)
class OutboxRow:
    id: int
    event_id: str
    topic: str
    event_key: str
    event_type: str
    source: str
    subject: str | None
    event_time: datetime
    payload: str
    extra_headers: str | None

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        extra: list[tuple[str, str]] = [tuple(pair) for pair in json.loads(self.extra_headers or "[]")]  # type: ignore[misc]
        if self.event_type == DEAD_LETTER_TYPE:
            return [(name, value.encode()) for name, value in extra]
        headers = build_headers(
            event_id=self.event_id,
            source=self.source,
            event_type=self.event_type,
            subject=self.subject,
            time=assume_utc(self.event_time),
        )
        return headers + [(name, value.encode()) for name, value in extra]

    def kafka_value(self) -> bytes:
        if self.event_type == DEAD_LETTER_TYPE:
            extra = dict(tuple(pair) for pair in json.loads(self.extra_headers or "[]"))
            if extra.get(DEAD_LETTER_ENCODING_HEADER) == "base64":
                return base64.b64decode(self.payload)
        return self.payload.encode()


def kafka_producer(settings: ServiceSettings, **overrides: Any) -> AIOKafkaProducer:
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.client_id,
        "acks": "all",
        "enable_idempotence": settings.kafka_enable_idempotence,
        "linger_ms": settings.relay_linger_ms,
        "request_timeout_ms": 10_000,
        "retry_backoff_ms": 200,
        "max_batch_size": 256 * 1024,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


async def ensure_topics(settings: ServiceSettings, topics: list[str]) -> None:
    """Create the topics if missing (tansu and a fresh Kafka have none; production may pre-create them)."""
    if not topics:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, client_id=settings.client_id)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=topic,
                num_partitions=settings.topic_partitions,
                replication_factor=settings.topic_replication_factor,
            )
            for topic in sorted(set(topics) - existing)
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


class OutboxRelay(StoppableLoop):
    def __init__(self, db: Database, settings: ServiceSettings, topics: list[str]) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.topics = topics
        self._producer: AIOKafkaProducer | None = None
        self._last_gauge_update = 0.0
        self._is_postgres = db.engine.dialect.name == "postgresql"
        self.connected = False

    async def run(self) -> None:
        backoff_ms = self.settings.relay_retry_initial_ms
        while not self._stop.is_set():
            try:
                if self._producer is None:
                    await self._connect()
                published = await self.publish_once()
                backoff_ms = self.settings.relay_retry_initial_ms
                if published == 0:
                    await self._sleep(self.settings.relay_poll_interval_ms / 1000)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker away, database restarting: rows stay pending, retry with backoff
                log.warning("outbox relay: %s: %s; retrying in %d ms", type(exc).__name__, exc, backoff_ms)
                await self._disconnect()
                await self._sleep(backoff_ms / 1000)
                backoff_ms = min(backoff_ms * 2, self.settings.relay_retry_max_ms)
        await self._disconnect()

    async def _connect(self) -> None:
        await ensure_topics(self.settings, self.topics)
        producer = kafka_producer(self.settings)
        try:
            await producer.start()
        except Exception:
            await producer.stop()
            raise
        self._producer = producer
        self.connected = True

    async def _disconnect(self) -> None:
        self.connected = False
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await producer.stop()
            except Exception as exc:  # closing a producer whose broker is gone
                log.debug("outbox relay: producer stop failed: %s", exc)

    async def publish_once(self) -> int:
        """Claim a batch, publish it, mark it sent. Returns the number of rows published."""
        if self._is_postgres:
            return await self._publish_once_locked()
        # SQLite: one relay per database file, so no claim is needed; keep write transactions short because
        # SQLite has a single writer and publishing may wait for the broker.
        rows = await asyncio.to_thread(self._in_transaction, self._claim)
        published, failure = await self._publish_and_record(
            rows, lambda work: asyncio.to_thread(self._in_transaction, work)
        )
        if failure is not None:
            raise failure
        return published

    async def _publish_once_locked(self) -> int:
        connection = await asyncio.to_thread(self.db.engine.connect)
        try:
            transaction = connection.begin()
            try:
                rows = await asyncio.to_thread(self._claim, connection)
                published, failure = await self._publish_and_record(
                    rows, lambda work: asyncio.to_thread(work, connection)
                )
                await asyncio.to_thread(transaction.commit)
            except BaseException:
                await asyncio.to_thread(transaction.rollback)
                raise
        finally:
            await asyncio.to_thread(connection.close)
        if failure is not None:
            raise failure
        return published

    def _in_transaction(self, work: Callable[[Connection], Any]) -> Any:
        with self.db.engine.begin() as connection:
            return work(connection)

    async def _publish_and_record(
        self, rows: list[OutboxRow], record: Callable[[Callable[[Connection], Any]], Awaitable[Any]]
    ) -> tuple[int, Exception | None]:
        """Publish the rows and record the outcome through `record`; the caller raises the failure after commit."""
        if not rows:
            await self._update_gauges()
            return 0, None
        sent_ids, failure = await self._publish(rows)
        if sent_ids:
            await record(lambda connection: self._mark_sent(connection, sent_ids))
        if failure is not None:
            sent = set(sent_ids)
            failed = [row.id for row in rows if row.id not in sent]
            await record(lambda connection: self._mark_failed(connection, failed, failure))
            return len(sent_ids), failure
        await self._update_gauges()
        return len(sent_ids), None

    def _claim(self, connection: Connection) -> list[OutboxRow]:
        if self._is_postgres:
            leader = connection.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": RELAY_ADVISORY_LOCK_ID})
            is_leader = bool(leader.scalar())
            RELAY_IS_LEADER.set(1 if is_leader else 0)
            if not is_leader:
                return []
        query = (
            select(
                outbox.c.id,
                outbox.c.event_id,
                outbox.c.topic,
                outbox.c.event_key,
                outbox.c.event_type,
                outbox.c.source,
                outbox.c.subject,
                outbox.c.event_time,
                outbox.c.payload,
                outbox.c.extra_headers,
            )
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self.settings.relay_batch_size)
        )
        if self._is_postgres:
            query = query.with_for_update(skip_locked=True)
        return [OutboxRow(**row._mapping) for row in connection.execute(query)]

    async def _publish(self, rows: list[OutboxRow]) -> tuple[list[int], Exception | None]:
        """Send the rows and wait for the broker's acks, within one deadline: aiokafka may keep retrying a batch for a
        broker that came back without the topic, and an unbounded wait would stall the relay. Rows not acked by the
        deadline stay pending and are sent again after a reconnect (the consumers' inbox absorbs a duplicate)."""
        assert self._producer is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.relay_publish_timeout_s
        futures: list[asyncio.Future[Any]] = []
        failure: Exception | None = None
        try:
            for row in rows:
                send = self._producer.send(
                    row.topic, value=row.kafka_value(), key=row.event_key.encode(), headers=row.kafka_headers()
                )
                futures.append(await asyncio.wait_for(send, timeout=max(0.001, deadline - loop.time())))
        except Exception as exc:  # the producer could not even queue the message (no metadata, timeout)
            failure = exc
        if futures:
            _done, pending = await asyncio.wait(futures, timeout=max(0.0, deadline - loop.time()))
            for future in pending:
                future.cancel()
        sent: list[int] = []
        for index, row in enumerate(rows):
            future = futures[index] if index < len(futures) else None
            error: BaseException | None
            if future is None or future.cancelled():
                error = failure or TimeoutError(f"no ack within {self.settings.relay_publish_timeout_s} s")
            else:
                error = future.exception()
            if error is None:
                sent.append(row.id)
                EVENTS_PUBLISHED.labels(row.topic, row.event_type).inc()
            else:
                EVENTS_PUBLISH_FAILURES.labels(row.topic).inc()
                failure = failure or (error if isinstance(error, Exception) else RuntimeError(str(error)))
        return sent, failure

    def _mark_sent(self, connection: Connection, ids: list[int]) -> None:
        now = datetime.now(UTC)
        for chunk_start in range(0, len(ids), 1000):
            chunk = ids[chunk_start : chunk_start + 1000]
            connection.execute(
                update(outbox).where(outbox.c.id.in_(chunk)).values(sent_at=now, attempts=outbox.c.attempts + 1)
            )

    def _mark_failed(self, connection: Connection, ids: list[int], error: Exception) -> None:
        if ids:
            connection.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids))
                .values(attempts=outbox.c.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:2000])
            )

    async def _update_gauges(self) -> None:
        now = time.monotonic()
        if now - self._last_gauge_update < PENDING_GAUGE_INTERVAL_S:
            return
        self._last_gauge_update = now
        pending, oldest = await asyncio.to_thread(self.pending_stats)
        OUTBOX_PENDING.set(pending)
        OUTBOX_OLDEST_PENDING_AGE.set(oldest)

    def pending_stats(self) -> tuple[int, float]:
        with self.db.engine.connect() as connection:
            count, oldest = connection.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
            ).one()
        if oldest is None:
            return int(count), 0.0
        return int(count), max(0.0, (datetime.now(UTC) - assume_utc(oldest)).total_seconds())
