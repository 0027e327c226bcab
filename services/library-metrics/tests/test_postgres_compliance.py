"""Compliance against real PostgreSQL, and indicator.breached reaching a real Kafka-protocol broker."""

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient

from jiading_shared.testing.services import bearer_header
from library_metrics.main import build_app
from library_metrics.settings import LibrarySettings

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]
TOWN = "jd-jiangqiao"


@pytest.fixture
def pg_settings(postgres_url: str, kafka_broker: Any) -> LibrarySettings:
    return LibrarySettings(
        database_url=postgres_url,
        kafka_enabled=True,
        kafka_bootstrap_servers=kafka_broker.bootstrap,
        schedulers_enabled=False,
        migrate_on_start=True,
        log_json=False,
    )


@pytest.fixture
def pg_client(pg_settings: LibrarySettings) -> Iterator[TestClient]:
    with TestClient(build_app(pg_settings)) as test_client:
        yield test_client


async def breached_events(
    bootstrap: str, facility_id: str, expected: int
) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    consumer = AIOKafkaConsumer(
        "library.indicator", bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[tuple[dict[str, Any], dict[str, bytes]]] = []
    try:
        async with asyncio.timeout(30):
            while len(found) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        payload = json.loads(record.value)
                        if payload["facility_id"] == facility_id:
                            found.append((payload, dict(record.headers)))
    finally:
        await consumer.stop()
    return found


def test_compliance_and_breaches_on_postgres_and_the_broker(
    pg_client: TestClient, pg_settings: LibrarySettings, kafka_broker: Any
) -> None:
    bureau = bearer_header(pg_settings, "culture_bureau", sub="bureau-1")
    room = pg_client.post(
        "/api/v1/facilities",
        json={
            "tier": "activity_room",
            "name": "江桥村活动室",
            "town": TOWN,
            "seats": 9,
            "free_wifi": True,
            "film_projection": False,
            "multi_storey": False,
            "entrance_ramp": True,
            "accessible_toilet": True,
            "public_service_area_m2": 260,
        },
        headers=bureau,
    ).json()
    url = f"/api/v1/facilities/{room['id']}"
    sessions = [{"weekday": d, "opens": "13:00", "closes": "18:00"} for d in range(1, 8)]
    assert (
        pg_client.post(
            f"{url}/opening-patterns", json={"effective_from": "2025-01-01", "sessions": sessions}, headers=bureau
        ).status_code
        == 201
    )
    csv_text = "kind,held_on,title\nperformance,2025-03-01,沪剧\nlecture,2025-04-01,健康讲座\n"
    imported = pg_client.post(
        f"{url}/events/import", content=csv_text.encode(), headers={**bureau, "content-type": "text/csv"}
    )
    assert imported.json() == {"imported": 2}

    response = pg_client.get(f"{url}/compliance", params={"year": 2025}, headers=bureau)
    assert response.status_code == 200, response.text
    results = {item["rule_id"]: item for item in response.json()}
    # DB31114/Z 007-2025 6.1.1: 5 h a day, of which 1 h after 17:00 on working days and all of the weekend
    assert results["007-6.1.1-weekly-hours"]["status"] == "pass"
    assert results["007-6.1.1-weekly-hours"]["value"] == 35
    assert results["007-6.1.1-off-hours"]["status"] == "pass"
    # DB31114/Z 007-2025 6.2.1 and 6.4.1
    assert (results["007-6.2.1-seats"]["status"], results["007-6.2.1-seats"]["value"]) == ("fail", 9)
    assert results["007-6.4.1-performances-lectures"]["value"] == 2
    assert "007-6.4.2-films" not in results  # no projection equipment

    closed = pg_client.post("/api/v1/compliance/breaches", params={"year": 2025}, headers=bureau)
    assert closed.status_code == 200, closed.text
    expected = {
        "007-6.2.1-seats",
        "007-6.4.1-performances-lectures",
        "007-6.3.1-full-time-staff",
        "007-6.3.2-training-days",
    } & {k for k, v in results.items() if v["status"] == "fail"}
    assert expected == {"007-6.2.1-seats", "007-6.4.1-performances-lectures", "007-6.3.1-full-time-staff"}
    events = asyncio.run(breached_events(kafka_broker.bootstrap, room["id"], len(expected)))
    assert {payload["rule_id"] for payload, _headers in events} >= expected
    assert {headers["ce_type"] for _payload, headers in events} == {b"cn.jiading.library.indicator.breached.v1"}
    assert pg_client.post("/api/v1/compliance/breaches", params={"year": 2025}, headers=bureau).json()["published"] == 0
