"""Regressions of what the API fuzz run found in the shared layer (docs/fuzzing.md): error responses documented as
problem+json with the Problem schema, and U+0000 refused before it reaches PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel

from jiading_shared.auth import CurrentPrincipal, mint_token
from jiading_shared.csv_export import content_disposition
from jiading_shared.db import new_table_base
from jiading_shared.errors import PROBLEM_JSON
from jiading_shared.nul_guard import nul_field
from jiading_shared.service import ServiceDefinition, create_app
from jiading_shared.settings import ServiceSettings

FuzzTable = new_table_base("fuzz")


class Problem(StrEnum):  # a service's own model of the same name (assist-desk has one) renames the component
    MISSING = "missing"


class NoteIn(BaseModel):
    text: str
    problem: Problem | None = None


router = APIRouter()


@router.post("/notes", status_code=201, responses={422: {"description": "a route's own entry, without content"}})
def post_note(body: NoteIn, principal: CurrentPrincipal) -> NoteIn:
    return body


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path}/fuzz.db",
        migrate_on_start=False,
        kafka_enabled=False,
        schedulers_enabled=False,
    )
    app = create_app(
        ServiceDefinition("demo", "collection", "demo", "Demo", "t", settings, FuzzTable.metadata, [router])
    )
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = "Bearer " + mint_token(settings, sub="u1", roles=["admin"])
        yield test_client


def test_errors_are_documented_as_problem_json(client: TestClient) -> None:
    # Found: FastAPI put the Problem schema under application/json and left application/problem+json empty.
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/api/v1/notes"]["post"]["responses"]
    problem_ref = responses["404"]["content"][PROBLEM_JSON]["schema"]["$ref"]
    problem = spec["components"]["schemas"][problem_ref.rsplit("/", 1)[1]]

    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])
    for status in ("400", "401", "403", "404", "409", "413", "422"):
        assert responses[status]["content"] == {PROBLEM_JSON: {"schema": {"$ref": problem_ref}}}, status
    assert "content" not in responses["201"] or PROBLEM_JSON not in responses["201"]["content"]


def test_nul_character_is_a_422_naming_the_field(client: TestClient) -> None:
    refused = client.post("/api/v1/notes", json={"text": "a\x00b"})
    escaped_backslash = client.post(
        "/api/v1/notes", content=b'{"text": "a\\\\u0000b"}', headers={"content-type": "application/json"}
    )

    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json()["errors"][0]["field"] == "body.text"
    # A backslash followed by "u0000" is ordinary text.
    assert escaped_backslash.status_code == 201, escaped_backslash.text
    assert escaped_backslash.json()["text"] == "a\\u0000b"


def test_nul_field_paths() -> None:
    assert nul_field({"a": [{"b": "ok"}, {"b": "x\x00"}]}, "body") == "body.a.1.b"
    assert nul_field({"k\x00": 1}, "body") == "body.k\x00"
    assert nul_field({"a": ["ok", 1, None]}, "body") is None


def test_operations_with_a_body_document_415(client: TestClient) -> None:
    # Found: upload checks answer 415 (a file whose bytes are not the declared type), which no route documented.
    responses = client.get("/openapi.json").json()["paths"]["/api/v1/notes"]["post"]["responses"]
    assert list(responses["415"]["content"]) == [PROBLEM_JSON]


def test_attachment_names_outside_latin1_use_filename_star() -> None:
    # Found: a town code from the path in an export's file name raised UnicodeEncodeError (a 500).
    assert content_disposition("report-jd.csv") == 'attachment; filename="report-jd.csv"'
    assert (
        content_disposition('r-Ā"\r.csv') == "attachment; filename=\"r-___.csv\"; filename*=UTF-8''r-%C4%80%22%0D.csv"
    )
