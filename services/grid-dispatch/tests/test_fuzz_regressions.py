"""Regressions of what the API fuzz run found in the grid-dispatch service (docs/fuzzing.md), on PostgreSQL."""

from __future__ import annotations

import jsonschema
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from grid_dispatch.main import build_app
from grid_dispatch.rulesets.models import WorkingWindow
from grid_dispatch.settings import GridSettings
from jiading_shared.testing.services import bearer_header, postgres_api_fixtures

pytestmark = pytest.mark.postgres


settings, client = postgres_api_fixtures(GridSettings, build_app)


def documented_schema(spec: dict, path: str, method: str, status: int, media_type: str) -> dict:
    schema = spec["paths"][path][method]["responses"][str(status)]["content"][media_type]["schema"]
    return {**schema, "components": spec["components"]}


def test_open311_errors_are_documented_in_the_georeport_format(client: TestClient, settings: GridSettings) -> None:
    # Found: the document promised a Problem under application/json; the facade answers GeoReport v2's error list.
    spec = client.get("/openapi.json").json()
    system = bearer_header(settings, "external_system", sub="hotline-12345", town="jd-anting")

    unknown = client.get("/open311/v2/services/dragons.json", headers=system)
    no_body = client.post("/open311/v2/requests.json", headers=system)

    assert unknown.status_code == 404
    assert no_body.status_code == 400
    path = "/open311/v2/services/{service_code}.json"
    jsonschema.validate(unknown.json(), documented_schema(spec, path, "get", 404, "application/json"))
    jsonschema.validate(
        no_body.json(), documented_schema(spec, "/open311/v2/requests.json", "post", 400, "application/json")
    )
    # Authentication errors stay problem+json, as documented beside it.
    anonymous = client.get("/open311/v2/services/dragons.json")
    assert anonymous.headers["content-type"] == "application/problem+json"
    jsonschema.validate(anonymous.json(), documented_schema(spec, path, "get", 401, "application/problem+json"))


def test_working_window_with_an_offset_is_a_validation_error() -> None:
    # Same defect as assist-desk's opening hours: "08:30Z" against "17:30" raised TypeError (a 500).
    with pytest.raises(ValidationError, match="without a UTC offset"):
        WorkingWindow.model_validate({"start": "08:30Z", "end": "17:30"})
    assert WorkingWindow.model_validate({"start": "08:30", "end": "17:30"}).end.hour == 17
