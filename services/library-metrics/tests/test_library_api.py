"""Facilities over HTTP, against a migrated SQLite database and the outbox."""

import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jiading_shared.testing.services import api_fixtures, bearer_header, outbox_rows, query_rows
from library_metrics.facilities.rules import FacilityTier, area_problems, parent_problem
from library_metrics.main import build_app
from library_metrics.settings import LibrarySettings

TOWN = "jd-anting"


settings, client = api_fixtures(LibrarySettings, build_app)


def auth(settings: LibrarySettings, *roles: str, town: str | None = None) -> dict[str, str]:
    return bearer_header(settings, *roles, sub="librarian-2", town=town)


DISTRICT_LIBRARY = {
    "tier": "district_library",
    "name": "嘉定区图书馆",
    "town": "jd-xincheng",
    "population_served": 1830000,
}


def town_library(parent_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "tier": "town_library",
        "name": "安亭镇图书馆",
        "town": TOWN,
        "parent_id": parent_id,
        "population_served": 250000,
        "floor_area_m2": 2400,
        "usable_area_m2": "1800.50",
        "public_service_area_m2": 1700,
        **overrides,
    }


def test_register_branch_of_the_district_library(client: TestClient, settings: LibrarySettings) -> None:
    district = client.post("/api/v1/facilities", json=DISTRICT_LIBRARY, headers=auth(settings, "culture_bureau"))
    assert district.status_code == 201, district.text

    response = client.post(
        "/api/v1/facilities",
        json=town_library(district.json()["id"]),
        headers=auth(settings, "facility_staff", town=TOWN),
    )

    assert response.status_code == 201, response.text
    branch = response.json()
    assert branch["parent_id"] == district.json()["id"]
    assert branch["usable_area_m2"] == 1800.5
    assert response.headers["location"] == f"/api/v1/facilities/{branch['id']}"
    events = outbox_rows(settings)
    assert [event["event_key"] for event in events] == [district.json()["id"], branch["id"]]
    assert {event["event_type"] for event in events} == {"cn.jiading.library.facility.registered.v1"}
    assert {event["topic"] for event in events} == {"library.facility"}
    assert json.loads(events[1]["payload"])["tier"] == "town_library"

    read = client.get(f"/api/v1/facilities/{branch['id']}", headers=auth(settings, "facility_staff", town=TOWN))
    assert read.json() == branch


def test_requires_a_token(client: TestClient) -> None:
    response = client.post("/api/v1/facilities", json=DISTRICT_LIBRARY)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_other_roles_are_forbidden(client: TestClient, settings: LibrarySettings) -> None:
    response = client.post("/api/v1/facilities", json=DISTRICT_LIBRARY, headers=auth(settings, "collector"))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_facility_staff_stay_in_their_town(client: TestClient, settings: LibrarySettings) -> None:
    response = client.post(
        "/api/v1/facilities", json=DISTRICT_LIBRARY, headers=auth(settings, "facility_staff", town="jd-nanxiang")
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tier": "museum"}, "body.tier"),
        ({"population_served": -1}, "body.population_served"),
        ({"floor_area_m2": -5}, "body.floor_area_m2"),
        ({"usable_area_m2": 2500}, "body.usable_area_m2"),
        ({"parent_id": "7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00"}, "body.parent_id"),
    ],
)
def test_invalid_facility_names_the_field(
    client: TestClient, settings: LibrarySettings, change: dict[str, Any], field: str
) -> None:
    district = client.post("/api/v1/facilities", json=DISTRICT_LIBRARY, headers=auth(settings, "admin")).json()

    response = client.post(
        "/api/v1/facilities", json={**town_library(district["id"]), **change}, headers=auth(settings, "admin")
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field
    assert len(query_rows(settings, "SELECT id FROM facility")) == 1


def test_same_name_in_the_same_town_conflicts(client: TestClient, settings: LibrarySettings) -> None:
    headers = auth(settings, "culture_bureau")
    client.post("/api/v1/facilities", json=DISTRICT_LIBRARY, headers=headers)

    response = client.post("/api/v1/facilities", json={**DISTRICT_LIBRARY, "population_served": 1}, headers=headers)

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "body.name"
    assert len(query_rows(settings, "SELECT id FROM facility")) == 1
    assert len(outbox_rows(settings)) == 1


def test_unknown_facility_is_not_found(client: TestClient, settings: LibrarySettings) -> None:
    response = client.get(
        "/api/v1/facilities/7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00", headers=auth(settings, "culture_bureau")
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_district_library_has_no_parent() -> None:
    # DB 31114/Z 005-2025 6.1.4.4.1: the district library heads the 总分馆 system.
    assert parent_problem(FacilityTier.DISTRICT_LIBRARY, has_parent=True, parent_exists=True) is not None
    assert parent_problem(FacilityTier.HOME_STUDY, has_parent=True, parent_exists=True) is None
    assert parent_problem(FacilityTier.HOME_STUDY, has_parent=True, parent_exists=False) == "no such facility"


def test_areas_nest() -> None:
    assert area_problems(Decimal(100), Decimal(100), Decimal(90)) == {}
    assert area_problems(None, Decimal(100), Decimal(101)) == {"public_service_area_m2": "exceeds the usable area"}
