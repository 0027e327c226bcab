"""Regressions of what the API fuzz run found in the library-metrics service (docs/fuzzing.md), on PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from jiading_shared.testing.services import bearer_header, postgres_api_fixtures
from jiading_shared.types import INT4_MAX
from library_metrics.main import build_app
from library_metrics.settings import LibrarySettings

pytestmark = pytest.mark.postgres


settings, client = postgres_api_fixtures(LibrarySettings, build_app)


def test_rule_version_beyond_integer_is_a_422_naming_it(client: TestClient, settings: LibrarySettings) -> None:
    # Found: GET /indicator-rule-versions/2147483648 was a 500 (PostgreSQL: integer out of range).
    headers = bearer_header(settings, "culture_bureau", sub="bureau")

    too_big = client.get(f"/api/v1/indicator-rule-versions/{INT4_MAX + 1}", headers=headers)
    largest = client.get(f"/api/v1/indicator-rule-versions/{INT4_MAX}", headers=headers)

    assert too_big.status_code == 422, too_big.text
    assert [error["field"] for error in too_big.json()["errors"]] == ["path.version"]
    assert largest.status_code == 404, largest.text


def test_put_town_and_committee_document_201_created(client: TestClient, settings: LibrarySettings) -> None:
    # Found: the first PUT of a town or committee answers 201, which the OpenAPI document did not list.
    headers = bearer_header(settings, "culture_bureau", sub="bureau")
    paths = client.get("/openapi.json").json()["paths"]

    town = client.put("/api/v1/towns/jd-anting", json={"name": "安亭镇", "residents": 1000}, headers=headers)
    again = client.put("/api/v1/towns/jd-anting", json={"name": "安亭镇", "residents": 1200}, headers=headers)
    committee = client.put(
        "/api/v1/towns/jd-anting/committees/c01", json={"name": "安亭村", "kind": "village"}, headers=headers
    )

    assert (town.status_code, again.status_code, committee.status_code) == (201, 200, 201), committee.text
    assert {"200", "201"} <= set(paths["/api/v1/towns/{town}"]["put"]["responses"])
    assert {"200", "201"} <= set(paths["/api/v1/towns/{town}/committees/{code}"]["put"]["responses"])


def test_town_export_named_with_any_characters_is_not_a_500(client: TestClient, settings: LibrarySettings) -> None:
    # Found: GET /reports/towns/Ā/export.csv was a 500 (UnicodeEncodeError: the file name in a latin-1 header).
    headers = bearer_header(settings, "culture_bureau", sub="bureau")

    response = client.get("/api/v1/reports/towns/%C4%80/export.csv?year=2025", headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"library-compliance-_-2025.csv\"; filename*=UTF-8''library-compliance-%C4%80-2025.csv"
    )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/towns/jd-anting", {"name": "安亭镇", "residents": INT4_MAX + 1}, "body.residents"),
        (
            "/api/v1/towns/jd-anting/committees/c01",
            {"name": "安亭村", "kind": "village", "residents": INT4_MAX + 1},
            "body.residents",
        ),
    ],
)
def test_population_beyond_integer_is_a_422_naming_it(
    client: TestClient, settings: LibrarySettings, path: str, body: dict[str, object], field: str
) -> None:
    # Found in CI: PUT /towns/{town} with residents 2147483648 was a 500 (PostgreSQL: integer out of range).
    headers = bearer_header(settings, "culture_bureau", sub="bureau")
    client.put("/api/v1/towns/jd-anting", json={"name": "安亭镇"}, headers=headers)

    response = client.put(path, json=body, headers=headers)

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
