"""Regressions of what the API fuzz run found in the evaluation service (docs/fuzzing.md), on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from jiading_shared.types import INT4_MAX

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("suffix", ["", "/export"])
def test_result_version_beyond_integer_is_a_422_naming_it(pg_client: TestClient, as_user, suffix: str) -> None:
    # Found: GET /rounds/{id}/results/2147483648 was a 500 (PostgreSQL: integer out of range).
    headers = as_user("federation", "federation_admin")
    round_id = uuid.uuid4()

    too_big = pg_client.get(f"/api/v1/rounds/{round_id}/results/{INT4_MAX + 1}{suffix}", headers=headers)
    largest = pg_client.get(f"/api/v1/rounds/{round_id}/results/{INT4_MAX}{suffix}", headers=headers)

    assert too_big.status_code == 422, too_big.text
    assert too_big.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in too_big.json()["errors"]] == ["path.version"]
    assert largest.status_code == 404, largest.text


def test_preview_documents_its_422_as_a_problem(pg_client: TestClient) -> None:
    # The route's own 422 entry replaced the app's and documented no content at all.
    responses = pg_client.get("/openapi.json").json()["paths"]["/api/v1/scoring/preview"]["post"]["responses"]
    assert list(responses["422"]["content"]) == ["application/problem+json"]
