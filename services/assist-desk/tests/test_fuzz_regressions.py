"""Regressions of what the API fuzz run found in the assist-desk service (docs/fuzzing.md), on PostgreSQL."""

from __future__ import annotations

import jsonschema
import pytest
from fastapi.testclient import TestClient

from assist_desk.main import build_app
from assist_desk.settings import AssistSettings
from jiading_shared.testing.services import bearer_header, postgres_api_fixtures

pytestmark = pytest.mark.postgres

INSTITUTION = {
    "kind": "centre",
    "name": "区政务服务中心",
    "town": "jd-anting",
    "assistance_forms": ["self_service", "accompanied", "fallback"],
}


settings, client = postgres_api_fixtures(AssistSettings, build_app)


def test_opening_time_with_an_offset_is_a_422_naming_it(client: TestClient, settings: AssistSettings) -> None:
    # Found: opens_at "00:00:00Z" was a 500 (TypeError: naive and aware times compared with closes_at).
    office = bearer_header(settings, "service_office_admin", sub="office")

    response = client.post("/api/v1/institutions", json={**INSTITUTION, "opens_at": "00:00:00Z"}, headers=office)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["body.opens_at"]


def test_opening_hours_conform_to_their_documented_schema(client: TestClient, settings: AssistSettings) -> None:
    # Found next: "09:00:00" did not conform to `format: time` (RFC 3339 full-time requires an offset).
    office = bearer_header(settings, "service_office_admin", sub="office")
    spec = client.get("/openapi.json").json()

    response = client.post("/api/v1/institutions", json={**INSTITUTION, "opens_at": "08:30"}, headers=office)

    assert response.status_code == 201, response.text
    out = spec["components"]["schemas"]["InstitutionOut"]
    assert "format" not in out["properties"]["opens_at"]
    jsonschema.validate(response.json(), {**out, "components": spec["components"]})
    assert (response.json()["opens_at"], response.json()["closes_at"]) == ("08:30:00", "17:00:00")


def test_summary_period_out_of_range_is_a_422_naming_it(client: TestClient, settings: AssistSettings) -> None:
    # Found: GET /reports/district-summary?from=0001-01-01&to=0002-01-01 was a 500 (OverflowError converting the
    # first day in Asia/Shanghai to UTC).
    office = bearer_header(settings, "service_office_admin", sub="office")
    client.post("/api/v1/institutions", json=INSTITUTION, headers=office)

    ancient = client.get("/api/v1/reports/district-summary?from=0001-01-01&to=0001-12-31", headers=office)
    far = client.get("/api/v1/reports/district-summary?from=2099-06-01&to=10000-01-01", headers=office)
    current = client.get("/api/v1/reports/district-summary?from=2025-01-01&to=2025-12-31", headers=office)

    assert ancient.status_code == 422, ancient.text
    assert [error["field"] for error in ancient.json()["errors"]] == ["query.from"]
    assert far.status_code == 422, far.text
    assert current.status_code == 200, current.text
