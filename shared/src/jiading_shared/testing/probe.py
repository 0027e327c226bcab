"""A minimal service used by the event-bus integration tests and the bus benchmark: one event type, one effect table,
and a command line to run its relay or its consumer as a separate process (`python -m jiading_shared.testing.probe`).
The tests need real processes to kill and restart; the benchmark needs them to measure what production does."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy import DateTime
from sqlmodel import Field, Session

from jiading_shared.db import Database, new_table_base
from jiading_shared.events import ReceivedEvent, define_event, enqueue
from jiading_shared.events.consumer import ConsumerRunner, Subscription
from jiading_shared.events.relay import OutboxRelay
from jiading_shared.settings import ServiceSettings

ProbeTable = new_table_base("probe")


class ProbeEffect(ProbeTable, table=True):
    """One row per handled event: a second effect of the same event would show as a second row."""

    __tablename__ = "probe_effect"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64, index=True)
    key: str = Field(max_length=64)
    seq: int
    event_time: datetime = Field(sa_type=DateTime(timezone=True))
    handled_at: datetime = Field(sa_type=DateTime(timezone=True))


class Ticked(BaseModel):
    key: str
    seq: int
    poison: bool = False


TICKED = define_event(
    service="collection", aggregate="busprobe", name="ticked", payload=Ticked, description="Bus test probe."
)
GROUP = "probe-consumer"


class ProbeSettings(ServiceSettings):
    service_name: ClassVar[str] = "probe"


def settings_for(database_url: str, bootstrap: str, **overrides: Any) -> ProbeSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": bootstrap,
        "relay_retry_initial_ms": 100,
        "relay_retry_max_ms": 1000,
        "consumer_retry_initial_ms": 20,
        "consumer_retry_max_ms": 100,
        "consumer_max_retries": 2,
        "consumer_session_timeout_ms": 6000,
        "consumer_heartbeat_interval_ms": 500,
        "consumer_rebalance_timeout_ms": 6000,
        "consumer_unassigned_restart_s": 10.0,
        "consumer_commit_timeout_s": 5.0,
        "relay_publish_timeout_s": 5.0,
        "log_json": False,
    }
    values.update(overrides)
    return ProbeSettings(**values)


def create_schema(database: Database) -> None:
    ProbeTable.metadata.create_all(database.engine)


def handle_ticked(session: Session, event: ReceivedEvent) -> None:
    tick = TICKED.parse(event)
    if tick.poison:
        raise ValueError(f"poison tick {tick.key}/{tick.seq}")
    session.add(
        ProbeEffect(event_id=event.id, key=tick.key, seq=tick.seq, event_time=event.time, handled_at=datetime.now(UTC))
    )


def publish_ticks(database: Database, ticks: list[Ticked], per_transaction: int = 1) -> list[str]:
    """Write ticks to the outbox, `per_transaction` at a time (1 = as single domain changes would)."""
    ids: list[str] = []
    for start in range(0, len(ticks), per_transaction):
        with database.session() as session:
            ids.extend(enqueue(session, TICKED, tick, key=tick.key) for tick in ticks[start : start + per_transaction])
    return ids


def subscription() -> Subscription:
    return Subscription(group_id=GROUP, topics=(TICKED.topic,), handlers={TICKED.type: handle_ticked})


def _crash_hook(marker: Path) -> Any:
    def after_db_commit(_partition: Any, _offset: int) -> None:
        if not marker.exists():
            marker.write_text("crashed once")
            os._exit(17)  # killed between the database commit and the offset commit

    return after_db_commit


async def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["relay", "consume"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--crash-marker", default="")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = settings_for(args.db, args.bootstrap)
    database = Database(args.db)
    if args.role == "relay":
        relay = OutboxRelay(database, settings, [TICKED.topic])
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, relay.stop)
        await relay.run()
    else:
        hook = _crash_hook(Path(args.crash_marker)) if args.crash_marker else None
        runner = ConsumerRunner(database, settings, subscription(), after_db_commit=hook)
        await runner.run_until_signalled()
    database.dispose()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1:]))
