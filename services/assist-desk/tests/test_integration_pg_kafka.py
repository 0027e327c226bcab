"""The assist-desk service against real PostgreSQL and a real Kafka-protocol broker (tansu): the escalation contract
end to end, with the outbox relay the app runs in its lifespan."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient

from assist_desk.main import build_app
from assist_desk.settings import AssistSettings
from assist_desk.testing import Desk
from assist_desk.tickets.scheduled import scan_time_limits
from jiading_shared.db import Database
from jiading_shared.testing.broker import TansuBroker
from jiading_shared.testing.services import query_rows

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


@pytest.fixture
def live(postgres_url: str, kafka_broker: TansuBroker) -> Iterator[Desk]:
    settings = AssistSettings(
        database_url=postgres_url,
        kafka_bootstrap_servers=kafka_broker.bootstrap,
        schedulers_enabled=False,
        migrate_on_start=True,
        log_json=False,
        relay_retry_initial_ms=100,
    )
    with TestClient(build_app(settings)) as client:
        yield Desk(client, settings)


async def first_message(bootstrap: str, topic: str, event_type: str, key: str, timeout_s: float) -> tuple[dict, dict]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for messages in batch.values():
                for message in messages:
                    headers = {name: value.decode() for name, value in message.headers}
                    if headers.get("ce_type") == event_type and message.key and message.key.decode() == key:
                        return headers, json.loads(message.value)
        raise AssertionError(f"no {event_type} for {key} on {topic} within {timeout_s} s")
    finally:
        await consumer.stop()


def test_escalation_reaches_the_broker_within_5_seconds(live: Desk, kafka_broker: TansuBroker) -> None:
    institution, member = live.setup()
    ticket = live.ticket(institution, member)

    response = live.client.post(
        f"/api/v1/tickets/{ticket['id']}/escalate",
        json={"type": "coordination", "reason": "提交材料后系统退件", "department": "market-reg"},
        headers=live.assistant,
    )
    sent = time.monotonic()

    assert response.status_code in (200, 201), response.text
    # Contract of issue 5: cn.jiading.assist.ticket.escalated.v1 reaches the broker within 5 seconds.
    headers, payload = asyncio.run(
        first_message(kafka_broker.bootstrap, "assist.ticket", "cn.jiading.assist.ticket.escalated.v1", ticket["id"], 5)
    )
    assert time.monotonic() - sent < 5
    assert headers["ce_source"] == "/services/assist"
    assert headers["ce_subject"] == ticket["id"]
    assert payload["fallback_type"] == "coordination"
    assert payload["department_code"] == "market-reg"
    assert payload["town"] == "jd-anting"
    assert payload["matter_code"] == "BIZ-001"


def test_illegal_transition_on_postgres_writes_nothing(live: Desk) -> None:
    institution, member = live.setup()
    ticket = live.ticket(institution, member)
    live.act(ticket["id"], "start")
    live.act(ticket["id"], "complete")

    response = live.client.post(
        f"/api/v1/tickets/{ticket['id']}/escalate", json={"type": "complaint", "reason": "x"}, headers=live.assistant
    )

    assert response.status_code == 409
    assert "completed" in response.json()["detail"]
    escalations = query_rows(
        live.settings, "SELECT id FROM outbox WHERE event_type = 'cn.jiading.assist.ticket.escalated.v1'"
    )
    assert escalations == []


def test_overdue_scan_on_postgres_publishes_once(live: Desk) -> None:
    institution, member = live.setup()
    ticket = live.ticket(institution, member)
    database = Database(live.settings.database_url)
    try:
        later = datetime.now(UTC) + timedelta(days=30)
        # DB31114/Z 022-2025 7.4.4 限时办结: past the deadline the ticket is overdue, once.
        assert scan_time_limits(database, later)[1] == 1
        assert scan_time_limits(database, later)[1] == 0
    finally:
        database.dispose()
    overdue = query_rows(
        live.settings, "SELECT event_key FROM outbox WHERE event_type = 'cn.jiading.assist.ticket.overdue.v1'"
    )
    assert overdue == [{"event_key": ticket["id"]}]
    assert live.ok(live.client.get(f"/api/v1/tickets/{ticket['id']}", headers=live.assistant))["overdue"] is True
