"""CloudEvents 1.0 in Kafka binary mode.

Attributes travel as `ce_*` headers, the payload is the JSON body (`content-type: application/json`), the Kafka key is
the aggregate id so one aggregate's events stay in order. Types read `cn.jiading.<service>.<aggregate>.<event>.v1`
and each aggregate stream has one topic, `<service>.<aggregate>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
SERVICE_SHORT_NAMES = ("collection", "grid", "library", "assist", "evaluation")

PayloadT = TypeVar("PayloadT", bound=BaseModel)


class EnvelopeError(ValueError):
    """A message that is not a valid CloudEvent: it can never be handled, so it is dead-lettered at once."""


@dataclass(frozen=True)
class EventSpec(Generic[PayloadT]):
    """One event type of the catalog."""

    service: str
    aggregate: str
    name: str
    payload: type[PayloadT]
    description: str
    version: int = 1

    @property
    def type(self) -> str:
        return f"cn.jiading.{self.service}.{self.aggregate}.{self.name}.v{self.version}"

    @property
    def topic(self) -> str:
        return f"{self.service}.{self.aggregate}"

    @property
    def source(self) -> str:
        return f"/services/{self.service}"

    def parse(self, event: ReceivedEvent) -> PayloadT:
        return self.payload.model_validate(event.data)


_REGISTRY: dict[str, EventSpec[Any]] = {}


def define_event(
    *, service: str, aggregate: str, name: str, payload: type[PayloadT], description: str, version: int = 1
) -> EventSpec[PayloadT]:
    """Declare an event type; the catalog (docs/events.md) is generated from these declarations."""
    if service not in SERVICE_SHORT_NAMES:
        raise ValueError(f"unknown service short name {service!r}; expected one of {SERVICE_SHORT_NAMES}")
    spec = EventSpec(
        service=service, aggregate=aggregate, name=name, payload=payload, description=description, version=version
    )
    existing = _REGISTRY.get(spec.type)
    if existing is not None and existing != spec:
        raise ValueError(f"event type {spec.type} declared twice with different definitions")
    _REGISTRY[spec.type] = spec
    return spec


def registered_events() -> list[EventSpec[Any]]:
    return sorted(_REGISTRY.values(), key=lambda spec: spec.type)


def topics_of(service: str) -> list[str]:
    return sorted({spec.topic for spec in _REGISTRY.values() if spec.service == service})


def build_headers(
    *, event_id: str, source: str, event_type: str, subject: str | None, time: datetime
) -> list[tuple[str, bytes]]:
    headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", event_id.encode()),
        ("ce_source", source.encode()),
        ("ce_type", event_type.encode()),
        ("ce_time", time.astimezone(UTC).isoformat().replace("+00:00", "Z").encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if subject:
        headers.append(("ce_subject", subject.encode()))
    return headers


@dataclass(frozen=True)
class ReceivedEvent:
    """A CloudEvent as a consumer sees it, with where it came from."""

    id: str
    type: str
    source: str
    time: datetime
    data: dict[str, Any]
    subject: str | None
    key: str | None
    topic: str
    partition: int
    offset: int
    headers: dict[str, str] = field(default_factory=dict)


def _header_map(raw_headers: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw_headers or ():
        headers[name] = value.decode("utf-8", errors="replace") if isinstance(value, bytes | bytearray) else str(value)
    return headers


def decode_message(message: Any) -> ReceivedEvent:
    """Read a Kafka record (aiokafka ConsumerRecord) as a CloudEvent, or raise EnvelopeError."""
    headers = _header_map(message.headers)
    missing = [name for name in ("ce_specversion", "ce_id", "ce_source", "ce_type") if not headers.get(name)]
    if missing:
        raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
    if headers["ce_specversion"] != SPEC_VERSION:
        raise EnvelopeError(f"unsupported ce_specversion {headers['ce_specversion']!r}")
    content_type = headers.get("content-type", CONTENT_TYPE)
    if not content_type.startswith(CONTENT_TYPE):
        raise EnvelopeError(f"unsupported content-type {content_type!r}")
    try:
        data = json.loads(message.value) if message.value else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise EnvelopeError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise EnvelopeError("body must be a JSON object")
    raw_time = headers.get("ce_time")
    try:
        time = datetime.fromisoformat(raw_time.replace("Z", "+00:00")) if raw_time else datetime.now(UTC)
    except ValueError as exc:
        raise EnvelopeError(f"bad ce_time {raw_time!r}") from exc
    key = message.key.decode("utf-8", errors="replace") if isinstance(message.key, bytes) else message.key
    return ReceivedEvent(
        id=headers["ce_id"],
        type=headers["ce_type"],
        source=headers["ce_source"],
        time=time,
        data=data,
        subject=headers.get("ce_subject"),
        key=key,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        headers=headers,
    )
