"""The app factory every service uses: health, readiness, metrics by route template, request ids, problem details."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy import create_engine, select
from sqlmodel import Field as Column

from jiading_shared.auth import Principal, mint_token, require_roles
from jiading_shared.db import new_table_base
from jiading_shared.errors import field_error
from jiading_shared.events import define_event, enqueue
from jiading_shared.infra_tables import outbox_template
from jiading_shared.logging import ContextFilter, configure_logging
from jiading_shared.service import ServiceDefinition, SessionDep, create_app
from jiading_shared.settings import ServiceSettings

DemoTable = new_table_base("demo")


class Note(DemoTable, table=True):
    __tablename__ = "note"
    id: int | None = Column(default=None, primary_key=True)
    text: str


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=20)
    count: int = Field(ge=1)


class NoteAdded(BaseModel):
    note_id: int


NOTE_ADDED = define_event(
    service="collection", aggregate="demonote", name="added", payload=NoteAdded, description="test only"
)


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"


router = APIRouter()


@router.post("/notes/{kind}", status_code=201)
def add_note(
    kind: str, body: NoteIn, session: SessionDep, _who: Principal = Depends(require_roles("admin"))
) -> dict[str, int]:
    if kind == "explode":
        raise RuntimeError("secret internal detail")
    note = Note(text=body.text)
    session.add(note)
    session.flush()
    assert note.id is not None
    enqueue(session, NOTE_ADDED, NoteAdded(note_id=note.id), key=str(note.id))
    if kind == "half":
        raise field_error(409, "body.text", "duplicate text", slug="conflict")
    return {"id": note.id}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = DemoSettings(
        database_url=f"sqlite:///{tmp_path}/demo.db",
        migrate_on_start=False,
        kafka_enabled=True,
        kafka_bootstrap_servers="127.0.0.1:1",  # nothing listens: readiness must say the broker is down
        schedulers_enabled=False,
        log_json=True,
    )
    definition = ServiceDefinition(
        name="demo",
        short_name="collection",
        package="demo",
        title="Demo",
        description="test",
        settings=settings,
        metadata=DemoTable.metadata,
        routers=[router],
    )
    app = create_app(definition)
    DemoTable.metadata.create_all(create_engine(settings.effective_database_url))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = "Bearer " + mint_token(settings, sub="u1", roles=["admin"])
        yield test_client


def test_healthz_is_open_and_only_checks_the_process(client: TestClient) -> None:
    response = client.get("/healthz", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_reports_database_and_broker(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down"}


def test_readyz_ok_with_real_broker(tmp_path: Path, kafka_broker) -> None:  # type: ignore[no-untyped-def]
    settings = DemoSettings(
        database_url=f"sqlite:///{tmp_path}/r.db",
        migrate_on_start=False,
        kafka_bootstrap_servers=kafka_broker.bootstrap,
        schedulers_enabled=False,
    )
    app = create_app(
        ServiceDefinition("demo", "collection", "demo", "Demo", "t", settings, DemoTable.metadata, routers=[])
    )
    with TestClient(app) as test_client:
        response = test_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}


def test_write_and_event_share_one_transaction(client: TestClient, tmp_path: Path) -> None:
    created = client.post("/api/v1/notes/plain", json={"text": "hello", "count": 1})
    assert created.status_code == 201
    failed = client.post("/api/v1/notes/half", json={"text": "again", "count": 1})
    assert failed.status_code == 409
    engine = create_engine(f"sqlite:///{tmp_path}/demo.db")
    with engine.connect() as connection:
        notes = connection.execute(select(Note.text)).scalars().all()
        events = connection.execute(select(outbox_template.c.event_type, outbox_template.c.event_key)).all()
    assert notes == ["hello"], "the failed request left nothing half-written"
    assert [tuple(row) for row in events] == [(NOTE_ADDED.type, str(created.json()["id"]))]


def test_validation_error_is_problem_json_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/notes/plain", json={"text": "", "count": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["type"].endswith("/validation-error")
    assert {error["field"] for error in body["errors"]} == {"body.text", "body.count"}


def test_domain_problem_names_field(client: TestClient) -> None:
    response = client.post("/api/v1/notes/half", json={"text": "x", "count": 1})
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "body.text", "message": "duplicate text", "type": "invalid"}]


def test_unexpected_error_is_500_with_correlation_id_and_no_trace(client: TestClient) -> None:
    response = client.post("/api/v1/notes/explode", json={"text": "x", "count": 1}, headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["correlation_id"] == "req-123"
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


def test_not_found_and_method_not_allowed_are_problem_json(client: TestClient) -> None:
    missing = client.get("/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong_method = client.get("/api/v1/notes/plain")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"


def test_missing_token_is_401_problem(client: TestClient) -> None:
    response = client.post("/api/v1/notes/plain", json={"text": "x", "count": 1}, headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "WWW-Authenticate" in response.headers


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc"}).headers["x-request-id"] == "abc"
    assert len(client.get("/healthz").headers["x-request-id"]) == 32


def test_metrics_use_route_templates_not_raw_paths(client: TestClient) -> None:
    client.post("/api/v1/notes/plain", json={"text": "x", "count": 1})
    client.post("/api/v1/notes/another-raw-value", json={"text": "x", "count": 1})
    metrics = client.get("/metrics").text
    assert 'handler="/api/v1/notes/{kind}"' in metrics
    assert "another-raw-value" not in metrics
    assert "http_request_duration_seconds" in metrics
    assert "jiading_build_info" in metrics
    for event_metric in ("events_published_total", "outbox_pending", "outbox_oldest_pending_age_seconds"):
        assert event_metric in metrics


def test_json_logs_carry_request_id_and_service(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("demo", json_logs=True)
    from jiading_shared.logging import request_id_var

    token = request_id_var.set("rid-9")
    try:
        logging.getLogger("demo.test").warning("hello %s", "world")
    finally:
        request_id_var.reset(token)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "hello world"
    assert record["request_id"] == "rid-9"
    assert record["service"] == "demo"
    assert record["level"] == "WARNING"
    assert ContextFilter("x").filter(logging.makeLogRecord({}))


def test_oversized_body_is_413_problem_before_any_route(tmp_path: Path) -> None:
    settings = DemoSettings(
        database_url=f"sqlite:///{tmp_path}/big.db",
        migrate_on_start=False,
        kafka_enabled=False,
        schedulers_enabled=False,
        max_request_bytes=2048,
    )
    app = create_app(
        ServiceDefinition("demo", "collection", "demo", "Demo", "t", settings, DemoTable.metadata, [router])
    )
    DemoTable.metadata.create_all(create_engine(settings.effective_database_url))
    token = "Bearer " + mint_token(settings, sub="u1", roles=["admin"])
    with TestClient(app) as test_client:
        big = test_client.post(
            "/api/v1/notes/plain", content=b"{" + b" " * 4096 + b"}", headers={"Authorization": token}
        )
        assert big.status_code == 413
        assert big.headers["content-type"] == "application/problem+json"

        def chunks() -> Iterator[bytes]:
            yield b'{"text": "x", '
            yield b'"count": 1}'

        chunked = test_client.post(
            "/api/v1/notes/plain",
            content=chunks(),
            headers={"Authorization": token, "Content-Type": "application/json"},
        )
        assert chunked.status_code == 201, "a small chunked body is replayed to the route intact"

        def big_chunks() -> Iterator[bytes]:
            for _ in range(10):
                yield b" " * 1024

        assert (
            test_client.post("/api/v1/notes/plain", content=big_chunks(), headers={"Authorization": token}).status_code
            == 413
        )
