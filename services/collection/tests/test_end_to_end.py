"""The issue's "Done when", against real PostgreSQL and the real broker: the service runs with its outbox relay; an
occupied_absent visit on 2026-09-30 is due on 2026-10-09, and a second refusal produces refusal.reported on the
broker, read back with a plain Kafka consumer. The overdue scan publishes visit.overdue there too."""

import asyncio
import json
import time
from datetime import date

import pytest
from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import collector, register_building, setup_places
from collection.visits.scheduled import run_overdue_scan
from jiading_shared.db import Database
from jiading_shared.testing.broker import TansuBroker

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


async def read_events(bootstrap: str, topic: str, room_id: str, want: int, timeout_s: float = 60) -> list[dict]:
    """Events about `room_id` on `topic`, with their CloudEvents type (the session broker holds other tests' too)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    found: list[dict] = []
    try:
        deadline = time.monotonic() + timeout_s
        while len(found) < want and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    data = json.loads(record.value)
                    if data.get("room_id") == room_id:
                        headers = {name: value.decode() for name, value in record.headers}
                        found.append({"type": headers["ce_type"], "key": record.key.decode(), "data": data})
    finally:
        await consumer.stop()
    return found


def test_deadline_and_refusal_report_reach_the_broker(postgres_url: str, kafka_broker: TansuBroker, tmp_path) -> None:
    settings = CollectionSettings(
        database_url=postgres_url,
        kafka_enabled=True,
        kafka_bootstrap_servers=kafka_broker.bootstrap,
        schedulers_enabled=False,
        migrate_on_start=True,
        log_json=False,
        blob_dir=str(tmp_path / "blobs"),
    )
    with TestClient(build_app(settings)) as client:
        setup_places(client, settings)
        [room] = register_building(client, settings, "31011401")["rooms"]
        url = f"/api/v1/rooms/{room['id']}/visits"

        # DB 31114/Z 001-2025 6.2.4, DB 31114/Z 002-2025 6.6: 2 working days; 1-8 October 2026 are holidays.
        absent = client.post(
            url,
            json={"visited_at": "2026-09-30T10:00:00+08:00", "outcome": "occupied_absent"},
            headers=collector(settings),
        )
        assert absent.status_code == 201, absent.text
        assert (absent.json()["next_visit_due"], absent.json()["due_provisional"]) == ("2026-10-09", False)

        # DB 31114/Z 001-2025 6.2.10, DB 31114/Z 002-2025 6.5: the second refusal is reported at once.
        for day in ("2026-10-09", "2026-10-12"):
            refused = client.post(
                url, json={"visited_at": f"{day}T19:00:00+08:00", "outcome": "refused"}, headers=collector(settings)
            )
            assert refused.status_code == 201, refused.text
        assert refused.json()["refusal_reported"] is True

        [event] = asyncio.run(read_events(kafka_broker.bootstrap, "collection.refusal", room["id"], want=1))
        assert event["type"] == "cn.jiading.collection.refusal.reported.v1"
        assert event["key"] == room["id"]
        assert event["data"]["refusals"] == 2
        assert event["data"]["police_station"] == "ps-anting"
        assert event["data"]["grid"] == "jd-anting-g03"
        assert event["data"]["house_code"] == "31011401"

        # The refused visits left the occupied_absent deadline (2026-10-09) standing: the scan reports it once.
        db = Database(postgres_url)
        try:
            assert run_overdue_scan(db, today=date(2026, 10, 13)) == {"jd-anting-a03": 1}
            run_overdue_scan(db, today=date(2026, 10, 14))
        finally:
            db.dispose()
        overdue = asyncio.run(read_events(kafka_broker.bootstrap, "collection.visit", room["id"], want=2, timeout_s=15))
        assert [e["type"] for e in overdue] == ["cn.jiading.collection.visit.overdue.v1"]
        assert overdue[0]["data"]["due_date"] == "2026-10-09"
        assert overdue[0]["data"]["days_overdue"] == 4
