"""CloudEvents envelope (binary mode), the event registry, and per-service settings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from jiading_shared.events.envelope import EnvelopeError, build_headers, decode_message, define_event
from jiading_shared.settings import ServiceSettings


class Payload(BaseModel):
    value: int


SPEC = define_event(service="grid", aggregate="testagg", name="happened", payload=Payload, description="test")


@dataclass
class FakeRecord:
    """Shape of an aiokafka ConsumerRecord (a plain data holder, not a broker mock)."""

    headers: list[tuple[str, bytes]]
    value: bytes | None
    key: bytes | None = b"agg-1"
    topic: str = "grid.testagg"
    partition: int = 0
    offset: int = 7


def test_type_and_topic_follow_the_naming_rule() -> None:
    assert SPEC.type == "cn.jiading.grid.testagg.happened.v1"
    assert SPEC.topic == "grid.testagg"
    assert SPEC.source == "/services/grid"


def test_unknown_service_and_conflicting_redefinition_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown service"):
        define_event(service="nope", aggregate="a", name="b", payload=Payload, description="x")
    with pytest.raises(ValueError, match="declared twice"):
        define_event(service="grid", aggregate="testagg", name="happened", payload=Payload, description="other")


def test_binary_mode_round_trip() -> None:
    when = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)
    headers = build_headers(event_id="e-1", source=SPEC.source, event_type=SPEC.type, subject="agg-1", time=when)
    names = [name for name, _ in headers]
    assert names[:5] == ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"]
    assert ("content-type", b"application/json") in headers
    event = decode_message(FakeRecord(headers=headers, value=json.dumps({"value": 3}).encode()))
    assert (event.id, event.type, event.subject, event.key, event.time) == ("e-1", SPEC.type, "agg-1", "agg-1", when)
    assert SPEC.parse(event) == Payload(value=3)


@pytest.mark.parametrize(
    ("headers", "value", "message"),
    [
        ([], b"{}", "missing CloudEvents headers"),
        ([("ce_specversion", b"0.3"), ("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t")], b"{}", "specversion"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t")], b"{", "not JSON"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t")], b"[1]", "object"),
        (
            [("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t"), ("ce_time", b"x")],
            b"{}",
            "ce_time",
        ),
    ],
)
def test_invalid_envelopes_are_rejected(headers: list[tuple[str, bytes]], value: bytes, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        decode_message(FakeRecord(headers=headers, value=value))


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"
    model_config = {**ServiceSettings.model_config, "env_prefix": "DEMO_"}


def test_settings_read_their_own_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("DEMO_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("DEMO_PII_KEYS", '{"2026-1": "' + "A" * 43 + '="}')
    monkeypatch.setenv("OTHER_DATABASE_URL", "postgresql+psycopg://wrong/db")
    monkeypatch.setenv("DEMO_VAR_DIR", str(tmp_path))
    settings = DemoSettings()
    assert settings.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.pii_keys == {"2026-1": "A" * 43 + "="}
    assert settings.effective_database_url == f"sqlite:///{tmp_path}/demo.db"
    assert settings.uses_development_keys


def test_relay_and_consumer_tuning_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_RELAY_BATCH_SIZE", "0")
    with pytest.raises(ValueError, match="relay_batch_size"):
        DemoSettings()
