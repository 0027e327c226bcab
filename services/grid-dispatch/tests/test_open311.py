"""Open311 GeoReport v2 facade: services, form-encoded request creation with api_key, request status."""

from datetime import datetime

from fastapi.testclient import TestClient
from grid_testkit import TOWN, headers, seed_town

from grid_dispatch.main import build_app
from grid_dispatch.settings import GridSettings
from jiading_shared.testing.services import api_fixtures, query_rows

settings, client = api_fixtures(GridSettings, build_app)

FORM = {
    "api_key": "dev-open311-key",
    "service_code": "water_pollution",
    "lat": "31.38",
    "long": "121.16",
    "description": "河道漂浮垃圾",
    "attribute[grid]": "AT-02-01",
}


def system(settings: GridSettings) -> dict[str, str]:
    return headers(settings, "external_system", sub="hotline-12345", town=TOWN)


def test_services_list_and_definition(client: TestClient, settings: GridSettings) -> None:
    services = client.get("/open311/v2/services.json", headers=system(settings)).json()
    definition = client.get("/open311/v2/services/water_pollution.json", headers=system(settings))
    unknown = client.get("/open311/v2/services/dragons.json", headers=system(settings))

    codes = {service["service_code"] for service in services}
    assert "water_pollution" in codes
    assert "collection_refusal" not in codes  # event-only categories are not offered
    assert definition.json()["attributes"][0]["code"] == "town"
    assert unknown.status_code == 404
    assert unknown.json() == [{"code": 404, "description": "no service dragons"}]


def test_form_encoded_request_is_routed_and_followed(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)

    created = client.post("/open311/v2/requests.json", data=FORM, headers=system(settings))
    request_id = created.json()[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{request_id}.json", headers=system(settings)).json()[0]
    listed = client.get("/open311/v2/requests.json", params={"status": "open"}, headers=system(settings)).json()
    closed = client.get("/open311/v2/requests.json", params={"status": "closed"}, headers=system(settings)).json()

    assert created.status_code == 200, created.text
    assert one["status"] == "open"
    assert one["agency_responsible"] == "AT-SW"
    assert one["requested_datetime"]
    assert one["updated_datetime"]
    assert one["expected_datetime"] is None  # not yet accepted: when it will be done is not known
    assert [item["service_request_id"] for item in listed] == [request_id]
    assert closed == []
    assert query_rows(settings, "SELECT source FROM incident") == [{"source": "open311"}]


def test_errors_use_the_spec_format(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)

    bad_key = client.post("/open311/v2/requests.json", data={**FORM, "api_key": "nope"}, headers=system(settings))
    no_location = client.post(
        "/open311/v2/requests.json",
        data={k: v for k, v in FORM.items() if k not in ("lat", "long")},
        headers=system(settings),
    )
    unknown = client.get("/open311/v2/requests/not-an-id.json", headers=system(settings))

    assert bad_key.status_code == 403
    assert bad_key.json() == [{"code": 403, "description": "api_key is missing or not valid"}]
    assert no_location.status_code == 400
    assert "location" in no_location.json()[0]["description"]
    assert unknown.status_code == 404
    assert query_rows(settings, "SELECT id FROM incident") == []


def test_address_instead_of_coordinates(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)
    form = {k: v for k, v in FORM.items() if k not in ("lat", "long")} | {"address_string": "安亭镇墨玉路1号"}

    created = client.post("/open311/v2/requests.json", data=form, headers=system(settings))

    assert created.status_code == 200
    assert query_rows(settings, "SELECT address FROM incident") == [{"address": "安亭镇墨玉路1号"}]


def test_another_system_does_not_see_the_request(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)
    request_id = client.post("/open311/v2/requests.json", data=FORM, headers=system(settings)).json()[0][
        "service_request_id"
    ]

    other = client.get(
        f"/open311/v2/requests/{request_id}.json", headers=headers(settings, "external_system", sub="other-system")
    )

    assert other.status_code == 404


def test_filters_reach_requests_beyond_the_newest_thousand(client: TestClient, settings: GridSettings) -> None:
    """Status, id and date filters are applied in the query, not to the newest 1,000 rows read before filtering
    (a closed request behind 1,000 newer open ones was unreachable)."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import create_engine, insert, select, update

    from grid_dispatch.incidents.models import Incident

    seed_town(client, settings)
    created = client.post("/open311/v2/requests.json", data=FORM, headers=system(settings))
    closed_id = created.json()[0]["service_request_id"]
    table = Incident.__table__  # type: ignore[attr-defined]
    engine = create_engine(settings.database_url)
    with engine.begin() as connection:
        long_ago = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        connection.execute(
            update(table).where(table.c.id == uuid.UUID(closed_id)).values(state="closed", reported_at=long_ago)
        )
        template = dict(connection.execute(select(table).where(table.c.id == uuid.UUID(closed_id))).mappings().one())
        newer = [
            {**template, "id": uuid.uuid4(), "state": "dispatched", "reported_at": long_ago + timedelta(hours=n + 1)}
            for n in range(1000)
        ]
        connection.execute(insert(table), newer)
    engine.dispose()

    closed = client.get("/open311/v2/requests.json", params={"status": "closed"}, headers=system(settings))
    by_id = client.get(
        "/open311/v2/requests.json", params={"service_request_id": f"{closed_id},not-a-uuid"}, headers=system(settings)
    )
    by_date = client.get(
        "/open311/v2/requests.json",
        params={"start_date": "2026-01-05T08:00:00Z", "end_date": "2026-01-05T09:30:00Z"},
        headers=system(settings),
    )
    first_page = client.get("/open311/v2/requests.json", params={"limit": 10}, headers=system(settings))

    assert [item["service_request_id"] for item in closed.json()] == [closed_id]
    assert [item["service_request_id"] for item in by_id.json()] == [closed_id]
    assert [item["service_request_id"] for item in by_date.json()] == [closed_id]
    assert len(first_page.json()) == 10
    assert 'rel="next"' in first_page.headers["link"]


def test_open311_expected_datetime_is_the_resolution_estimate(client: TestClient, settings: GridSettings) -> None:
    # GeoReport v2 expected_datetime: when the service request is expected to be fulfilled — the resolve-by time
    # set on 签收, never the accept limit that runs before it
    seed_town(client, settings)
    request_id = client.post("/open311/v2/requests.json", data=FORM, headers=system(settings)).json()[0][
        "service_request_id"
    ]
    before = client.get(f"/open311/v2/requests/{request_id}.json", headers=system(settings)).json()[0]
    accept_limit = client.get(f"/api/v1/incidents/{request_id}", headers=headers(settings, "dispatcher")).json()

    accepted = client.post(
        f"/api/v1/incidents/{request_id}/accept", json={}, headers=headers(settings, "duty_officer", dept="AT-SW")
    )
    after = client.get(f"/open311/v2/requests/{request_id}.json", headers=system(settings)).json()[0]
    resolve_by = client.get(f"/api/v1/incidents/{request_id}", headers=headers(settings, "dispatcher")).json()

    assert accept_limit["due_at"] is not None
    assert before["expected_datetime"] is None
    assert accepted.status_code == 200, accepted.text
    assert after["expected_datetime"] is not None
    assert datetime.fromisoformat(after["expected_datetime"]) == datetime.fromisoformat(resolve_by["expected_at"])
    assert datetime.fromisoformat(after["expected_datetime"]) == datetime.fromisoformat(resolve_by["due_at"])
