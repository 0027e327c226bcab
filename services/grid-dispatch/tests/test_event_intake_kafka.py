"""End to end on PostgreSQL and the real broker: a collection refusal published as a CloudEvent becomes an incident
dispatched to the grid's 派出所, visible through the dispatch API within 5 seconds (issue 4 contract)."""

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from fastapi.testclient import TestClient
from grid_testkit import TOWN, headers, seed_town

from grid_dispatch.main import build_app
from grid_dispatch.settings import GridSettings
from jiading_shared.events.envelope import build_headers
from jiading_shared.testing.broker import TansuBroker

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


@pytest.fixture
def live(postgres_url: str, kafka_broker: TansuBroker, tmp_path: Path) -> Iterator[tuple[TestClient, GridSettings]]:
    settings = GridSettings(
        database_url=postgres_url,
        kafka_bootstrap_servers=kafka_broker.bootstrap,
        kafka_enabled=True,
        schedulers_enabled=False,
        log_json=False,
        blob_dir=str(tmp_path / "blobs"),
    )
    with TestClient(build_app(settings)) as client:
        consumer = client.app.state.consumers[0]
        deadline = time.monotonic() + 60
        while not (consumer.connected and consumer._consumer.assignment()):
            assert time.monotonic() < deadline, "consumer never joined its group"
            time.sleep(0.2)
        yield client, settings


def publish(bootstrap: str, topic: str, event_type: str, source: str, key: str, payload: dict) -> str:
    event_id = str(uuid.uuid4())

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(
                topic,
                json.dumps(payload).encode(),
                key=key.encode(),
                headers=build_headers(
                    event_id=event_id, source=source, event_type=event_type, subject=key, time=datetime.now(UTC)
                ),
            )
        finally:
            await producer.stop()

    asyncio.run(send())
    return event_id


def wait_for_incidents(client: TestClient, settings: GridSettings, source_ref: str, timeout_s: float) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = client.get(
            "/api/v1/incidents", params={"source_ref": source_ref}, headers=headers(settings, "dispatcher")
        ).json()
        if found:
            return found
        time.sleep(0.05)
    return []


def test_refusal_reported_becomes_a_police_incident_within_5_seconds(
    live: tuple[TestClient, GridSettings], kafka_broker: TansuBroker
) -> None:
    # DB 31114/Z 001-2025 6.2.10: a repeated refusal goes to the grid's 派出所 (issue 4 contract: within 5 s)
    client, settings = live
    seed_town(client, settings)
    room_id = str(uuid.uuid4())
    payload = {
        "room_id": room_id,
        "house_code": "12345678",
        "town": TOWN,
        "area": "AT-A-07",
        "grid": "AT-01-01",
        "police_station": "AT-PS",
        "refusals": 2,
        "last_visit_at": "2025-03-04T02:00:00Z",
    }

    started = time.monotonic()
    event_id = publish(
        kafka_broker.bootstrap,
        "collection.refusal",
        "cn.jiading.collection.refusal.reported.v1",
        "/services/collection",
        room_id,
        payload,
    )
    found = wait_for_incidents(client, settings, room_id, 5.0)
    elapsed = time.monotonic() - started

    assert found, "no incident within 5 s"
    assert elapsed < 5.0
    incident = found[0]
    assert incident["category"] == "collection_refusal"
    assert incident["title"] == "房屋 12345678 多次拒绝采集（2 次）"  # no `grounds`: an event from before 002 6.5
    assert incident["state"] == "dispatched"
    assert incident["department_code"] == "AT-PS"
    assert incident["routing_version"] == "routing@1"
    assert incident["routing_rule_id"] == "R001"
    # Redelivery of the same event has no second effect.
    publish(
        kafka_broker.bootstrap,
        "collection.refusal",
        "cn.jiading.collection.refusal.reported.v1",
        "/services/collection",
        room_id,
        payload,
    )
    police_view = client.get(
        f"/api/v1/incidents/{incident['id']}", headers=headers(settings, "community_police", dept="AT-PS")
    )
    assert police_view.status_code == 200
    assert event_id  # the event id is kept on the incident for idempotency


def test_visit_overdue_and_coordination_ticket_open_tasks(
    live: tuple[TestClient, GridSettings], kafka_broker: TansuBroker
) -> None:
    # DB 31114/Z 003-2025 4.1 (supervision of an overdue revisit); 兜底办 协调办理 → the named department
    client, settings = live
    seed_town(client, settings)
    room_id, ticket_id, complaint_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    publish(
        kafka_broker.bootstrap,
        "collection.visit",
        "cn.jiading.collection.visit.overdue.v1",
        "/services/collection",
        room_id,
        {
            "room_id": room_id,
            "house_code": "87654321",
            "town": TOWN,
            "area": "AT-A-07",
            "grid": "AT-01-02",
            "collector": "collector-3",
            "due_date": "2025-03-04",
            "days_overdue": 2,
            "reason": "occupied_absent",
        },
    )
    ticket = {
        "institution_id": str(uuid.uuid4()),
        "town": TOWN,
        "department_code": "AT-FG",
        "matter_code": "M-0012",
        "summary": "房屋租赁备案需房管办协调",
        "escalated_at": "2025-03-04T03:00:00Z",
    }
    topic, event_type = "assist.ticket", "cn.jiading.assist.ticket.escalated.v1"
    publish(
        kafka_broker.bootstrap,
        topic,
        event_type,
        "/services/assist",
        complaint_id,
        # assist-desk sends null department and matter for a non-coordination ticket that names no matter
        {
            **ticket,
            "ticket_id": complaint_id,
            "fallback_type": "complaint",
            "department_code": None,
            "matter_code": None,
        },
    )
    publish(
        kafka_broker.bootstrap,
        topic,
        event_type,
        "/services/assist",
        ticket_id,
        {**ticket, "ticket_id": ticket_id, "fallback_type": "coordination"},
    )

    supervision = wait_for_incidents(client, settings, room_id, 10.0)
    coordination = wait_for_incidents(client, settings, ticket_id, 10.0)
    complaint = client.get(
        "/api/v1/incidents", params={"source_ref": complaint_id}, headers=headers(settings, "dispatcher")
    )

    assert supervision[0]["kind"] == "supervision_task"
    assert supervision[0]["department_code"] == "AT-PS"
    assert coordination[0]["kind"] == "coordination_task"
    assert coordination[0]["department_code"] == "AT-FG"
    assert complaint.json() == []
