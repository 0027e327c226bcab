"""The coverage gauges per 街镇 that the collection dashboard reads (deploy/grafana), after known visits."""

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from collection.main import build_app
from collection.reports.scheduled import refresh_coverage_gauges
from collection.settings import CollectionSettings
from collection.testing import collector, register_building, setup_places
from jiading_shared.db import Database
from jiading_shared.testing.services import api_fixtures

settings, client = api_fixtures(CollectionSettings, build_app)


def test_coverage_gauges_per_town_follow_the_visits(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    rooms = [room["id"] for room in register_building(client, settings, "31011401", "31011402", "31011403")["rooms"]]
    for room_id, outcome, at in (
        (rooms[0], "collected", "2025-11-20T10:00:00+08:00"),
        (rooms[1], "vacant", "2025-09-20T10:00:00+08:00"),  # revisit due 2025-10-20: overdue now
    ):
        body = {"visited_at": at, "outcome": outcome}
        response = client.post(f"/api/v1/rooms/{room_id}/visits", json=body, headers=collector(settings))
        assert response.status_code == 201, response.text

    db = Database(settings.database_url)
    try:
        refresh_coverage_gauges(db)
    finally:
        db.dispose()

    def rooms_with(status: str) -> float | None:
        return REGISTRY.get_sample_value("collection_rooms", {"town": "jd-anting", "status": status})

    assert {
        status: rooms_with(status) for status in ("visited", "never_visited", "collected", "vacant", "overdue")
    } == {
        "visited": 2,
        "never_visited": 1,
        "collected": 1,
        "vacant": 1,
        "overdue": 1,
    }
    assert REGISTRY.get_sample_value("collection_coverage_ratio", {"town": "jd-anting"}) == 2 / 3
    assert 'collection_rooms{status="overdue",town="jd-anting"} 1.0' in client.get("/metrics").text
