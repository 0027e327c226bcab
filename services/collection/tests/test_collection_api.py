"""Buildings and rooms over HTTP, against a migrated SQLite database and the outbox."""

import json
from typing import Any

from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from jiading_shared.testing.services import api_fixtures, bearer_header, outbox_rows, query_rows

TOWN = "jd-anting"


settings, client = api_fixtures(CollectionSettings, build_app)


def auth(settings: CollectionSettings, *roles: str, town: str | None = TOWN) -> dict[str, str]:
    return bearer_header(settings, *roles, sub="collector-7", town=town)


def building(*house_codes: str, **overrides: Any) -> dict[str, Any]:
    return {
        "district": "嘉定区",
        "town": TOWN,
        "committee": "jd-anting-c01",
        "area": "jd-anting-a03",
        "road": "墨玉南路",
        "lane": "888",
        "number": "12",
        "is_legal": False,  # DB 31114/Z 002-2025 §5: illegal buildings are collected too
        "rooms": [{"room_no": f"{101 + index}", "house_code": code} for index, code in enumerate(house_codes)],
        **overrides,
    }


def test_register_building_stores_rooms_and_queues_the_event(client: TestClient, settings: CollectionSettings) -> None:
    response = client.post(
        "/api/v1/buildings", json=building("31011401", "31011402"), headers=auth(settings, "collector")
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["is_legal"] is False
    assert [room["house_code"] for room in created["rooms"]] == ["31011401", "31011402"]
    assert response.headers["location"] == f"/api/v1/buildings/{created['id']}"
    [event] = outbox_rows(settings)
    assert event["event_type"] == "cn.jiading.collection.building.registered.v1"
    assert event["topic"] == "collection.building"
    assert event["event_key"] == created["id"]
    assert json.loads(event["payload"])["rooms"][1] == {"room_no": "102", "house_code": "31011402"}

    read = client.get(f"/api/v1/buildings/{created['id']}", headers=auth(settings, "community_police"))
    assert read.status_code == 200
    assert read.json() == created


def test_requires_a_token(client: TestClient) -> None:
    response = client.post("/api/v1/buildings", json=building("31011401"))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_rejects_roles_that_do_not_collect(client: TestClient, settings: CollectionSettings) -> None:
    response = client.post("/api/v1/buildings", json=building("31011401"), headers=auth(settings, "dispatcher"))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_rejects_a_building_outside_the_collectors_town(client: TestClient, settings: CollectionSettings) -> None:
    response = client.post(
        "/api/v1/buildings", json=building("31011401", town="jd-nanxiang"), headers=auth(settings, "collector")
    )

    assert response.status_code == 403


def test_house_code_must_have_eight_digits(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 A.2.2: 房屋编码 is a group of 8 digits.
    response = client.post("/api/v1/buildings", json=building("3101140"), headers=auth(settings, "collector"))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body.rooms.0.house_code"


def test_house_code_repeated_within_the_request_is_invalid(client: TestClient, settings: CollectionSettings) -> None:
    response = client.post(
        "/api/v1/buildings", json=building("31011401", "31011401"), headers=auth(settings, "collector")
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.rooms.1.house_code"


def test_taken_house_code_conflicts_and_nothing_is_written(client: TestClient, settings: CollectionSettings) -> None:
    headers = auth(settings, "collector")
    assert client.post("/api/v1/buildings", json=building("31011401"), headers=headers).status_code == 201

    response = client.post("/api/v1/buildings", json=building("31011409", "31011401", road="叶城路"), headers=headers)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body.rooms.1.house_code"
    assert len(query_rows(settings, "SELECT id FROM building")) == 1
    assert query_rows(settings, "SELECT house_code FROM room") == [{"house_code": "31011401"}]
    assert len(outbox_rows(settings)) == 1


def test_unknown_building_is_not_found(client: TestClient, settings: CollectionSettings) -> None:
    response = client.get("/api/v1/buildings/7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00", headers=auth(settings, "collector"))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_building_of_another_town_reads_as_not_found(client: TestClient, settings: CollectionSettings) -> None:
    created = client.post(
        "/api/v1/buildings", json=building("31011401"), headers=auth(settings, "admin", town=None)
    ).json()

    response = client.get(f"/api/v1/buildings/{created['id']}", headers=auth(settings, "collector", town="jd-nanxiang"))

    assert response.status_code == 404
