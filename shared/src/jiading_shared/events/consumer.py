"""Consumer runner: at-least-once delivery made exactly-once in effect by an inbox table.

For each partition's batch of records, one database transaction: every record runs in a savepoint that checks the
inbox `(consumer_group, event_id)`, calls the handler and writes the inbox row. A failing handler is retried with
backoff (bounded); after the last retry the record goes to the dead-letter topic through the outbox, in the same
transaction that records it as dead-lettered, so a poison message never blocks its partition and is never lost. The
offset is committed only after the database commit; a crash in between redelivers records the inbox already knows.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from sqlalchemy import insert, select
from sqlmodel import Session

from jiading_shared.db import Database
from jiading_shared.events.envelope import EnvelopeError, ReceivedEvent, decode_message
from jiading_shared.events.loop import StoppableLoop
from jiading_shared.events.outbox import enqueue_dead_letter
from jiading_shared.events.relay import ensure_topics
from jiading_shared.infra_tables import inbox_template as inbox
from jiading_shared.logging import event_context
from jiading_shared.metrics import (
    EVENT_DELIVERY_LATENCY,
    EVENT_HANDLER_DURATION,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    EVENTS_RETRIED,
)
from jiading_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

# A handler runs inside the consumer's transaction: it may read and write the service's tables and enqueue events.
EventHandler = Callable[[Session, ReceivedEvent], None]


class ConsumerStalledError(RuntimeError):
    """The consumer has had no partitions for too long; the runner reconnects."""


def dead_letter_topic(group_id: str) -> str:
    return f"{group_id}.dead-letter"


@dataclass(frozen=True)
class Subscription:
    """What a consumer group listens to: topics and a handler per event type (other types are skipped)."""

    group_id: str
    topics: tuple[str, ...]
    handlers: dict[str, EventHandler]


@dataclass
class _Outcome:
    outcome: str
    event_type: str
    latency_s: float | None = None


class ConsumerRunner(StoppableLoop):
    def __init__(
        self,
        db: Database,
        settings: ServiceSettings,
        subscription: Subscription,
        *,
        after_db_commit: Callable[[TopicPartition, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.subscription = subscription
        self.dead_letter_topic = dead_letter_topic(subscription.group_id)
        self.source = f"/services/{settings.service_name}"
        self._after_db_commit = after_db_commit
        self._consumer: AIOKafkaConsumer | None = None
        self.connected = False

    async def run(self) -> None:
        backoff_ms = self.settings.consumer_retry_initial_ms
        while not self._stop.is_set():
            try:
                await self._connect()
                backoff_ms = self.settings.consumer_retry_initial_ms
                await self._consume_until_stopped()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker away or database restarting: reconnect; uncommitted records come back
                log.warning("consumer %s: %s: %s", self.subscription.group_id, type(exc).__name__, exc)
                await self._disconnect()
                await self._sleep(backoff_ms / 1000)
                backoff_ms = min(backoff_ms * 2, self.settings.consumer_retry_max_ms)
        await self._disconnect()

    async def run_until_signalled(self) -> None:
        """Run as a process's main loop, stopping cleanly on SIGTERM or SIGINT."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        await self.run()

    async def _connect(self) -> None:
        await ensure_topics(self.settings, [*self.subscription.topics, self.dead_letter_topic])
        consumer = AIOKafkaConsumer(
            *self.subscription.topics,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            client_id=self.settings.client_id,
            group_id=self.subscription.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=self.settings.consumer_heartbeat_interval_ms,
            rebalance_timeout_ms=self.settings.consumer_rebalance_timeout_ms,
            max_poll_records=self.settings.consumer_max_batch,
            fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
            metadata_max_age_ms=5_000,
        )
        try:
            await consumer.start()
        except Exception:
            await consumer.stop()
            raise
        self._consumer = consumer
        self.connected = True

    async def _disconnect(self) -> None:
        self.connected = False
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            try:
                await consumer.stop()
            except Exception as exc:
                log.debug("consumer stop failed: %s", exc)

    async def _consume_until_stopped(self) -> None:
        assert self._consumer is not None
        assigned_at = time.monotonic()
        while not self._stop.is_set():
            # Safety net: a consumer left without partitions for long (seen after a coordinator loss) starts afresh
            # and rejoins its group like a new process would; uncommitted records come back, the inbox dedupes them.
            if self._consumer.assignment():
                assigned_at = time.monotonic()
            elif time.monotonic() - assigned_at > self.settings.consumer_unassigned_restart_s:
                raise ConsumerStalledError(
                    f"no partitions assigned for {self.settings.consumer_unassigned_restart_s} s"
                )
            batches = await self._consumer.getmany(timeout_ms=200, max_records=self.settings.consumer_max_batch)
            for partition, records in batches.items():
                # Finish a fetched batch even when asked to stop: its effects are committed with its offsets.
                last_offset = await asyncio.to_thread(self.process_batch, records)
                if self._after_db_commit is not None:
                    self._after_db_commit(partition, last_offset)
                # Bounded: aiokafka retries a failing commit forever (e.g. a broker that lost the topic). Past the
                # timeout the runner reconnects; the uncommitted records come back and the inbox skips them.
                await asyncio.wait_for(
                    self._consumer.commit({partition: last_offset + 1}),
                    timeout=self.settings.consumer_commit_timeout_s,
                )

    def process_batch(self, records: list[ConsumerRecord]) -> int:
        """Handle one partition's records in one transaction; returns the last offset processed.

        Fast path first: the whole batch in one transaction with one inbox look-up and one inbox insert. If anything
        in it fails, that transaction is rolled back and the batch is redone record by record in savepoints, so the
        failing record is retried and dead-lettered alone while the others take effect once."""
        try:
            outcomes = self._process_batch_fast(records)
        except Exception as exc:
            log.info("batch of %d from %s: %s; redoing it record by record", len(records), records[0].topic, exc)
            outcomes = self._process_batch_careful(records)
        for outcome in outcomes:
            EVENTS_CONSUMED.labels(self.subscription.group_id, outcome.event_type, outcome.outcome).inc()
            if outcome.latency_s is not None:
                EVENT_DELIVERY_LATENCY.labels(self.subscription.group_id).observe(outcome.latency_s)
        return records[-1].offset

    def _process_batch_fast(self, records: list[ConsumerRecord]) -> list[_Outcome]:
        group = self.subscription.group_id
        outcomes: list[_Outcome] = []
        with self.db.session() as session:
            events = [decode_message(record) for record in records]
            known = self._processed_ids(session, [event.id for event in events])
            inbox_rows: list[dict[str, Any]] = []
            for event in events:
                handler = self.subscription.handlers.get(event.type)
                if handler is None:
                    outcomes.append(_Outcome("ignored", event.type))
                    continue
                if event.id in known:
                    outcomes.append(_Outcome("duplicate", event.type))
                    continue
                known.add(event.id)
                started = time.perf_counter()
                with event_context(event.id, event.type):
                    handler(session, event)
                EVENT_HANDLER_DURATION.labels(group, event.type).observe(time.perf_counter() - started)
                inbox_rows.append(self._inbox_row(event, "handled"))
                outcomes.append(_Outcome("handled", event.type, latency_s=self._latency(event)))
            if inbox_rows:
                session.execute(insert(inbox), inbox_rows)
        return outcomes

    def _process_batch_careful(self, records: list[ConsumerRecord]) -> list[_Outcome]:
        with self.db.session() as session:
            return [self._process_record(session, record) for record in records]

    def _process_record(self, session: Session, record: ConsumerRecord) -> _Outcome:
        group = self.subscription.group_id
        try:
            event = decode_message(record)
        except EnvelopeError as exc:
            self._dead_letter(session, record, exc, attempts=0, event_id=None, event_type="invalid")
            return _Outcome("dead_lettered", "invalid")
        with event_context(event.id, event.type):
            handler = self.subscription.handlers.get(event.type)
            if handler is None:
                return _Outcome("ignored", event.type)
            if self._already_processed(session, event.id):
                return _Outcome("duplicate", event.type)
            attempts = 0
            while True:
                attempts += 1
                started = time.perf_counter()
                savepoint = session.begin_nested()
                try:
                    handler(session, event)
                    self._record_inbox(session, event, "handled")
                    savepoint.commit()
                except Exception as exc:
                    savepoint.rollback()
                    if attempts > self.settings.consumer_max_retries:
                        log.error("event %s failed %d times, dead-lettering: %s", event.id, attempts, exc)
                        self._dead_letter(
                            session, record, exc, attempts=attempts, event_id=event.id, event_type=event.type
                        )
                        self._record_inbox(session, event, "dead_lettered")
                        return _Outcome("dead_lettered", event.type)
                    EVENTS_RETRIED.labels(group, event.type).inc()
                    log.warning("event %s attempt %d failed: %s: %s", event.id, attempts, type(exc).__name__, exc)
                    time.sleep(self._retry_delay_s(attempts))
                    continue
                EVENT_HANDLER_DURATION.labels(group, event.type).observe(time.perf_counter() - started)
                return _Outcome("handled", event.type, latency_s=self._latency(event))

    def _retry_delay_s(self, attempts: int) -> float:
        delay_ms = self.settings.consumer_retry_initial_ms * (2 ** (attempts - 1))
        return min(delay_ms, self.settings.consumer_retry_max_ms) / 1000

    @staticmethod
    def _latency(event: ReceivedEvent) -> float:
        return max((datetime.now(UTC) - event.time).total_seconds(), 0.0)

    def _processed_ids(self, session: Session, event_ids: list[str]) -> set[str]:
        query = select(inbox.c.event_id).where(
            inbox.c.consumer_group == self.subscription.group_id, inbox.c.event_id.in_(event_ids)
        )
        return set(session.execute(query).scalars())

    def _already_processed(self, session: Session, event_id: str) -> bool:
        return bool(self._processed_ids(session, [event_id]))

    def _inbox_row(self, event: ReceivedEvent, outcome: str) -> dict[str, Any]:
        return {
            "consumer_group": self.subscription.group_id,
            "event_id": event.id,
            "event_type": event.type,
            "topic": event.topic,
            "partition": event.partition,
            "offset": event.offset,
            "outcome": outcome,
            "processed_at": datetime.now(UTC),
        }

    def _record_inbox(self, session: Session, event: ReceivedEvent, outcome: str) -> None:
        session.execute(insert(inbox).values(**self._inbox_row(event, outcome)))

    def _dead_letter(
        self,
        session: Session,
        record: ConsumerRecord,
        error: Exception,
        *,
        attempts: int,
        event_id: str | None,
        event_type: str,
    ) -> None:
        reason = "invalid_envelope" if isinstance(error, EnvelopeError) else "handler_failed"
        original: list[tuple[str, str]] = [
            (name, value.decode("utf-8", errors="replace") if isinstance(value, bytes | bytearray) else str(value))
            for name, value in (record.headers or ())
        ]
        headers = [
            *original,
            ("dlq_reason", reason),
            ("dlq_error_type", type(error).__name__),
            ("dlq_error", str(error)[:4000]),
            ("dlq_original_topic", record.topic),
            ("dlq_original_partition", str(record.partition)),
            ("dlq_original_offset", str(record.offset)),
            ("dlq_consumer_group", self.subscription.group_id),
            ("dlq_attempts", str(attempts)),
            ("dlq_failed_at", datetime.now(UTC).isoformat()),
        ]
        key = record.key.decode("utf-8", errors="replace") if isinstance(record.key, bytes) else record.key
        enqueue_dead_letter(
            session, topic=self.dead_letter_topic, key=key, value=record.value, headers=headers, source=self.source
        )
        EVENTS_DEAD_LETTERED.labels(self.subscription.group_id, record.topic, reason).inc()
        log.error(
            "dead-lettered %s from %s[%d]@%d: %s",
            event_id or "(no id)",
            record.topic,
            record.partition,
            record.offset,
            error,
            extra={"event_type": event_type},
        )
