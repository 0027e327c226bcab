"""Who may see a registration unmasked (issue 3 item 8): the area's own collectors and the station's police. A
district-wide role held beside the collector or police role widens what the caller may read, never what they may
unmask."""

from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import OTHER_STATION, auth, collector, form, police, register_building, setup_places
from jiading_shared.testing.services import api_fixtures, query_rows

settings, client = api_fixtures(CollectionSettings, build_app)

PURPOSE = {"purpose": "核查登记信息"}


def registration(client: TestClient, settings: CollectionSettings) -> str:
    setup_places(client, settings)
    register_building(client, settings, "31011401")
    response = client.post("/api/v1/registrations", json=form(), headers=collector(settings))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def disclose(client: TestClient, registration_id: str, headers: dict[str, str]):
    return client.get(f"/api/v1/registrations/{registration_id}/disclosure", params=PURPOSE, headers=headers)


def test_the_areas_own_collector_may_unmask(client: TestClient, settings: CollectionSettings) -> None:
    # Issue 3 item 8: unmasked for the area's 协管员, with a purpose and an access record.
    registration_id = registration(client, settings)

    response = disclose(client, registration_id, collector(settings))

    assert response.status_code == 200
    assert response.json()["masked"] is False
    [record] = query_rows(settings, "SELECT actor_sub, record_id FROM pii_access_audit")
    assert record == {"actor_sub": "collector-7", "record_id": registration_id}


def test_a_district_role_beside_collector_or_police_does_not_widen_disclosure(
    client: TestClient, settings: CollectionSettings
) -> None:
    # Issue 3 item 8: a commander without a town reads every area; holding the collector role as well (not assigned
    # here) or the police role of another station must not let them unmask this area's registrations.
    registration_id = registration(client, settings)
    commander_collector = auth(settings, "commander", "collector", sub="collector-99", town=None)
    commander_police = auth(settings, "commander", "community_police", sub="police-x", town=None, dept=OTHER_STATION)

    can_read = client.get(f"/api/v1/registrations/{registration_id}", headers=commander_collector)
    unmask_as_collector = disclose(client, registration_id, commander_collector)
    unmask_as_police = disclose(client, registration_id, commander_police)
    other_station = disclose(client, registration_id, police(settings, OTHER_STATION))

    assert can_read.status_code == 200
    assert can_read.json()["masked"] is True
    assert unmask_as_collector.status_code == 403
    assert unmask_as_police.status_code == 403
    assert other_station.status_code == 404
    assert unmask_as_collector.headers["content-type"].startswith("application/problem+json")
    assert query_rows(settings, "SELECT * FROM pii_access_audit") == []
