"""Regressions of what the API fuzz run found in the collection service (docs/fuzzing.md), on PostgreSQL: it refuses
U+0000 in text, which SQLite stores."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import COMMITTEE, collector, setup_places
from jiading_shared.testing.services import postgres_api_fixtures, query_rows

pytestmark = pytest.mark.postgres

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


settings, client = postgres_api_fixtures(CollectionSettings, build_app)


def activity(**overrides: Any) -> dict[str, Any]:
    return {
        "committee": COMMITTEE,
        "form": "door_to_door",
        "venue_type": "rented_housing",
        "held_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),  # recorded after the activity (004 7.3)
        "place": "安亭村村委会",
        "organiser": "王警官",
        "participants": ["王警官", "李协管"],
        "theme": "居住证办理政策宣传",
        "description": "发放宣传册120份",
        "photos": [{"content_base64": base64.b64encode(PNG).decode()}],
        **overrides,
    }


def assert_nul_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_nul_character_in_an_activity_is_a_422_naming_the_field(client: TestClient, settings) -> None:
    # Found: POST /publicity/activities with committee "\u0000" was a 500 (psycopg DataError: NUL in text).
    setup_places(client, settings)

    fuzzed = client.post("/api/v1/publicity/activities", json=activity(committee="\x00"), headers=collector(settings))
    in_a_list = client.post(
        "/api/v1/publicity/activities", json=activity(participants=["王警官", "李\x00"]), headers=collector(settings)
    )
    clean = client.post("/api/v1/publicity/activities", json=activity(), headers=collector(settings))

    assert_nul_refused(fuzzed, "body.committee")
    assert_nul_refused(in_a_list, "body.participants.1")
    assert clean.status_code == 201, clean.text
    assert [row["theme"] for row in query_rows(settings, "SELECT theme FROM publicity_activity")] == [
        "居住证办理政策宣传"
    ]


def test_nul_character_in_query_and_path_is_a_422(client: TestClient, settings) -> None:
    # The same guard covers the query and the path; without the NUL the same requests pass it.
    assert_nul_refused(client.get("/api/v1/committees?town=jd%00", headers=collector(settings)), "query.town")
    assert_nul_refused(client.get("/api/v1/areas/a%00", headers=collector(settings)), "path")
    assert client.get("/api/v1/committees?town=jd", headers=collector(settings)).status_code == 200
    assert client.get("/api/v1/areas/a", headers=collector(settings)).status_code == 404
