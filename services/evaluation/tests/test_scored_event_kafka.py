"""`cn.jiading.evaluation.project.scored.v1` reaches the real broker when a round is published (outbox → relay →
Kafka, CloudEvents binary mode), with PostgreSQL underneath."""

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient

from evaluation.main import build_app
from evaluation.settings import EvaluationSettings
from jiading_shared.testing.broker import TansuBroker
from jiading_shared.testing.services import bearer_header

from .conftest import PROVIDER, project_body

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


@pytest.fixture
def live_settings(postgres_url: str, kafka_broker: TansuBroker, tmp_path: Path) -> EvaluationSettings:
    return EvaluationSettings(
        database_url=postgres_url,
        kafka_enabled=True,
        kafka_bootstrap_servers=kafka_broker.bootstrap,
        schedulers_enabled=False,
        migrate_on_start=True,
        log_json=False,
        blob_dir=str(tmp_path / "blobs"),
    )


@pytest.fixture
def live_client(live_settings: EvaluationSettings) -> Iterator[TestClient]:
    with TestClient(build_app(live_settings)) as test_client:
        yield test_client


async def read_topic(bootstrap: str, topic: str, want: int, timeout_s: float) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    records: list = []
    try:
        deadline = time.monotonic() + timeout_s
        while len(records) < want and time.monotonic() < deadline:
            for partition_records in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


def test_publishing_a_round_emits_project_scored(
    live_client: TestClient, live_settings: EvaluationSettings, kafka_broker: TansuBroker
) -> None:
    federation = bearer_header(live_settings, "federation_admin", sub="federation-1")
    provider = live_client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    project = live_client.post("/api/v1/projects", json=project_body(provider["id"]), headers=federation).json()
    created = live_client.post(
        f"/api/v1/projects/{project['id']}/rounds",
        json={"name": "终期评估", "panel": [{"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"}]},
        headers=federation,
    ).json()
    sheet = {"scores": {"team.staffing": 2, "funds.financial_management": 4.5}}
    expert = bearer_header(live_settings, "assessor", sub="expert-a")
    assert live_client.put(f"/api/v1/rounds/{created['id']}/sheet", json=sheet, headers=expert).status_code == 200

    published = live_client.post(f"/api/v1/rounds/{created['id']}/publish", headers=federation)
    assert published.status_code == 200, published.text

    records = asyncio.run(read_topic(kafka_broker.bootstrap, "evaluation.project", want=1, timeout_s=30))
    ours = [record for record in records if record.key == project["id"].encode()]
    assert len(ours) == 1
    headers = {key: value.decode() for key, value in ours[0].headers}
    assert headers["ce_type"] == "cn.jiading.evaluation.project.scored.v1"
    payload = json.loads(ours[0].value)
    assert payload["round_id"] == created["id"]
    assert payload["total"] == 6.5
    assert payload["factors"]["funds.financial_management"] == {"points": 4.5, "band": "high"}
