"""Places over HTTP (towns, committees, areas with collectors, buildings, rooms, sketches), against a migrated SQLite
database and the outbox."""

import json

from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import (
    AREA,
    OTHER_AREA,
    TOWN,
    admin,
    auth,
    building,
    collector,
    police,
    register_building,
    setup_places,
)
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows

settings, client = api_fixtures(CollectionSettings, build_app)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_register_building_stores_rooms_and_queues_the_event(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    response = client.post("/api/v1/buildings", json=building("31011401", "31011402"), headers=collector(settings))

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

    read = client.get(f"/api/v1/buildings/{created['id']}", headers=police(settings))
    assert read.status_code == 200
    assert read.json() == created


def test_area_carries_committee_town_grid_station_and_collectors(
    client: TestClient, settings: CollectionSettings
) -> None:
    setup_places(client, settings)

    area = client.get(f"/api/v1/areas/{AREA}", headers=collector(settings)).json()

    assert area == {
        "code": AREA,
        "name": "第三责任区",
        "committee": "jd-anting-c01",
        "town": TOWN,
        "grid": "jd-anting-g03",
        "police_station": "ps-anting",
        "collectors": [{"sub": "collector-7", "name": "协管员7"}],
    }


def test_area_lists_are_scoped(client: TestClient, settings: CollectionSettings) -> None:
    # Issue 3 item 9: a collector sees their areas, police the areas of their station.
    setup_places(client, settings)

    mine = client.get("/api/v1/areas", headers=collector(settings)).json()
    station = client.get("/api/v1/areas", headers=police(settings, "ps-huangdu")).json()
    everything = client.get("/api/v1/areas", headers=admin(settings)).json()

    assert [area["code"] for area in mine] == [AREA]
    assert [area["code"] for area in station] == [OTHER_AREA]
    assert [area["code"] for area in everything] == [AREA, OTHER_AREA]
    assert client.get(f"/api/v1/areas/{OTHER_AREA}", headers=collector(settings)).status_code == 404


def test_police_assign_collectors_of_their_station_only(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    body = {"collectors": [{"sub": "collector-9", "name": "王协管"}, {"sub": "collector-7", "name": "协管员7"}]}

    assert client.put(f"/api/v1/areas/{OTHER_AREA}/collectors", json=body, headers=police(settings)).status_code == 403
    response = client.put(f"/api/v1/areas/{AREA}/collectors", json=body, headers=police(settings))

    assert response.status_code == 200
    assert [c["sub"] for c in response.json()["collectors"]] == ["collector-7", "collector-9"]


def test_area_needs_an_existing_committee(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    body = {"code": "a9", "name": "x", "committee": "nope", "grid": "g", "police_station": "ps"}

    response = client.post("/api/v1/areas", json=body, headers=admin(settings))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.committee"
    assert client.post("/api/v1/areas", json=body, headers=collector(settings)).status_code == 403


def test_requires_a_token(client: TestClient) -> None:
    response = client.post("/api/v1/buildings", json=building("31011401"))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_rejects_roles_that_do_not_collect(client: TestClient, settings: CollectionSettings) -> None:
    response = client.post("/api/v1/buildings", json=building("31011401"), headers=auth(settings, "dispatcher"))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_collector_cannot_register_in_an_area_not_assigned_to_them(
    client: TestClient, settings: CollectionSettings
) -> None:
    # Issue 3 item 9: a 协管员 writes only their areas.
    setup_places(client, settings)

    response = client.post("/api/v1/buildings", json=building("31011401", area=OTHER_AREA), headers=collector(settings))

    assert response.status_code == 403
    assert query_rows(settings, "SELECT id FROM building") == []


def test_building_must_name_an_existing_area_and_agree_with_it(
    client: TestClient, settings: CollectionSettings
) -> None:
    setup_places(client, settings)

    unknown = client.post("/api/v1/buildings", json=building("31011401", area="nowhere"), headers=collector(settings))
    wrong_town = client.post(
        "/api/v1/buildings", json=building("31011401", town="jd-nanxiang"), headers=collector(settings)
    )

    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.area"
    assert wrong_town.status_code == 422
    assert wrong_town.json()["errors"][0]["field"] == "body.town"


def test_house_code_must_have_eight_digits(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 A.2.2: 房屋编码 is a group of 8 digits.
    for bad in ("3101140", "310114011", "3101140a", "３１０１１４０１"):
        response = client.post("/api/v1/buildings", json=building(bad), headers=collector(settings))

        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "body.rooms.0.house_code"


def test_house_code_repeated_within_the_request_is_invalid(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    response = client.post("/api/v1/buildings", json=building("31011401", "31011401"), headers=collector(settings))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.rooms.1.house_code"


def test_taken_house_code_conflicts_and_nothing_is_written(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    register_building(client, settings, "31011401")

    response = client.post(
        "/api/v1/buildings", json=building("31011409", "31011401", road="叶城路"), headers=collector(settings)
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body.rooms.1.house_code"
    assert len(query_rows(settings, "SELECT id FROM building")) == 1
    assert query_rows(settings, "SELECT house_code FROM room") == [{"house_code": "31011401"}]
    assert len(query_rows(settings, "SELECT room_id FROM room_status")) == 1
    assert len(outbox_rows(settings)) == 1


def test_room_certificate_data_is_kept_per_room_and_the_holder_masked(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 002-2025 6.1: 权证信息填写具体到间.
    setup_places(client, settings)
    body = building("31011401")
    body["rooms"][0] |= {
        "certificate_no": "沪房地嘉字(2019)第012345号",
        "certificate_holder": "王小明",
        "floor_area_m2": 58.5,
    }

    created = client.post("/api/v1/buildings", json=body, headers=collector(settings)).json()

    room = created["rooms"][0]
    assert room["certificate_no"] == "沪房地嘉字(2019)第012345号"
    assert room["certificate_holder"] == "王*明"
    assert room["floor_area_m2"] == 58.5


def test_unknown_building_is_not_found(client: TestClient, settings: CollectionSettings) -> None:
    response = client.get("/api/v1/buildings/7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00", headers=collector(settings))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_building_of_another_area_reads_as_not_found(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    created = register_building(client, settings, "31011401")

    other_collector = client.get(f"/api/v1/buildings/{created['id']}", headers=collector(settings, "collector-8"))
    other_station = client.get(f"/api/v1/buildings/{created['id']}", headers=police(settings, "ps-huangdu"))

    assert other_collector.status_code == 404
    assert other_station.status_code == 404


def test_sketch_upload_keeps_checksum_type_and_size_and_serves_the_file(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 002-2025 6.1: 附上简易的房间分布示意图.
    setup_places(client, settings)
    created = register_building(client, settings, "31011401")
    url = f"/api/v1/buildings/{created['id']}/sketch"

    response = client.put(url, content=PNG, headers=collector(settings) | {"Content-Type": "image/png"})

    assert response.status_code == 200, response.text
    sketch = response.json()
    assert sketch["content_type"] == "image/png"
    assert sketch["size"] == len(PNG)
    assert len(sketch["sha256"]) == 64
    download = client.get(url, headers=police(settings))
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert client.get(f"/api/v1/buildings/{created['id']}", headers=collector(settings)).json()["sketch"] == sketch


def test_sketch_upload_rejects_wrong_types_oversized_and_empty_files(
    client: TestClient, settings: CollectionSettings
) -> None:
    setup_places(client, settings)
    created = register_building(client, settings, "31011401")
    url = f"/api/v1/buildings/{created['id']}/sketch"
    headers = collector(settings)

    assert client.put(url, content=b"GIF89a....", headers=headers).status_code == 415
    assert client.put(url, content=PNG + b"\x00" * (5 * 1024 * 1024), headers=headers).status_code == 413
    assert client.put(url, content=b"", headers=headers).status_code == 422
    assert client.put(url, content=PNG, headers=collector(settings, "collector-8")).status_code == 404
    assert client.get(url, headers=headers).status_code == 404


CERTIFICATE_UPDATED = "cn.jiading.collection.building.room_certificate_updated.v1"


def test_room_certificate_data_shown_later_is_recorded_by_the_areas_collector(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 002-2025 6.3 (房主…出示身份证、权证信息…并按要求采集) with 6.1 (权证信息填写具体到间): the owner
    # may show the certificate on a later visit, so the area's 协管员 records it on the room after registration.
    setup_places(client, settings)
    created = register_building(client, settings, "31011401", "31011402")
    room_id = created["rooms"][0]["id"]
    certificate = {
        "certificate_no": "沪房地嘉字(2019)第012345号",
        "certificate_holder": "王小明",
        "floor_area_m2": 58.5,
    }

    response = client.patch(f"/api/v1/rooms/{room_id}", json=certificate, headers=collector(settings))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": room_id,
        "room_no": "101",
        "house_code": "31011401",
        "certificate_no": "沪房地嘉字(2019)第012345号",
        "certificate_holder": "王*明",
        "floor_area_m2": 58.5,
    }
    rooms = client.get(f"/api/v1/buildings/{created['id']}", headers=police(settings)).json()["rooms"]
    assert [room["certificate_no"] for room in rooms] == ["沪房地嘉字(2019)第012345号", None]
    [event] = [row for row in outbox_rows(settings) if row["event_type"] == CERTIFICATE_UPDATED]
    payload = json.loads(event["payload"])
    assert (payload["room_id"], payload["house_code"], payload["area"], payload["updated_by"]) == (
        room_id,
        "31011401",
        AREA,
        "collector-7",
    )
    assert payload["changed"] == ["certificate_holder", "certificate_no", "floor_area_m2"]
    assert "王小明" not in event["payload"]
    assert event["event_key"] == created["id"]

    # Only the fields sent change; null clears one. The administrator may correct it too.
    cleared = client.patch(f"/api/v1/rooms/{room_id}", json={"floor_area_m2": None}, headers=admin(settings))
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["certificate_no"], cleared.json()["floor_area_m2"]) == ("沪房地嘉字(2019)第012345号", None)
    assert query_rows(settings, "SELECT certificate_holder, floor_area_m2 FROM room WHERE room_no = '101'") == [
        {"certificate_holder": "王小明", "floor_area_m2": None}
    ]
    events = [row for row in outbox_rows(settings) if row["event_type"] == CERTIFICATE_UPDATED]
    assert [json.loads(row["payload"])["changed"] for row in events] == [
        ["certificate_holder", "certificate_no", "floor_area_m2"],
        ["floor_area_m2"],
    ]


def test_room_of_another_area_reads_as_not_found_and_is_not_changed(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 002-2025 6.1: each 协管员 collects in their own 责任区; another area's room answers as an unknown one.
    setup_places(client, settings)
    created = register_building(client, settings, "31011401")
    url = f"/api/v1/rooms/{created['rooms'][0]['id']}"
    body = {"certificate_no": "沪房地嘉字(2020)第000001号"}

    other_collector = client.patch(url, json=body, headers=collector(settings, "collector-8"))
    unknown = client.patch("/api/v1/rooms/7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00", json=body, headers=collector(settings))
    station_police = client.patch(url, json=body, headers=police(settings))

    assert (other_collector.status_code, unknown.status_code) == (404, 404)
    assert other_collector.headers["content-type"] == "application/problem+json"
    assert other_collector.json()["type"] == unknown.json()["type"]
    assert station_police.status_code == 403  # the police supervise; the 协管员 collect (002 §4)
    assert query_rows(settings, "SELECT certificate_no FROM room") == [{"certificate_no": None}]
    assert [row for row in outbox_rows(settings) if row["event_type"] == CERTIFICATE_UPDATED] == []


def test_room_certificate_update_is_checked_as_at_registration(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 002-2025 6.1, 6.3: the certificate data are checked as when the building is registered; the room
    # number and the house code (001 A.2.2) are not changed here.
    setup_places(client, settings)
    body = building("31011401")
    body["rooms"][0] |= {"certificate_no": "沪房地嘉字(2019)第012345号", "floor_area_m2": 58.5}
    created = client.post("/api/v1/buildings", json=body, headers=collector(settings)).json()
    url = f"/api/v1/rooms/{created['rooms'][0]['id']}"

    for sent, field in (
        ({"floor_area_m2": 0}, "body.floor_area_m2"),
        ({"floor_area_m2": "many"}, "body.floor_area_m2"),
        ({"certificate_no": "   "}, "body.certificate_no"),
        ({"certificate_holder": "王" * 101}, "body.certificate_holder"),
        ({"house_code": "31011499"}, "body.house_code"),
        ({}, "body"),
    ):
        response = client.patch(url, json=sent, headers=collector(settings))
        assert response.status_code == 422, (sent, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in response.json()["errors"]] == [field], sent

    assert query_rows(settings, "SELECT house_code, certificate_no, floor_area_m2 FROM room") == [
        {"house_code": "31011401", "certificate_no": "沪房地嘉字(2019)第012345号", "floor_area_m2": 58.5}
    ]
    assert [row for row in outbox_rows(settings) if row["event_type"] == CERTIFICATE_UPDATED] == []
