"""Grids over HTTP, against a migrated SQLite database and the outbox."""

import json

import pytest
from fastapi.testclient import TestClient

from grid_dispatch.grids.rules import GridLevel, GridRef, parent_problem
from grid_dispatch.main import build_app
from grid_dispatch.settings import GridSettings
from jiading_shared.testing.services import api_fixtures, bearer_header, outbox_rows, query_rows

TOWN = "jd-anting"


settings, client = api_fixtures(GridSettings, build_app)


def auth(settings: GridSettings, *roles: str, town: str | None = TOWN) -> dict[str, str]:
    return bearer_header(settings, *roles, sub="dispatcher-3", town=town)


SECTOR = {"code": "AT-01", "name": "安亭第一片区", "level": "sector_grid", "town": TOWN}
UNIT = {"code": "AT-01-03", "name": "方泰社区网格", "level": "grid", "town": TOWN, "parent_code": "AT-01"}


def test_register_sector_and_unit_grid_queues_events(client: TestClient, settings: GridSettings) -> None:
    headers = auth(settings, "dispatcher")
    assert client.post("/api/v1/grids", json=SECTOR, headers=headers).status_code == 201

    response = client.post("/api/v1/grids", json=UNIT, headers=headers)

    assert response.status_code == 201, response.text
    assert response.json()["parent_code"] == "AT-01"
    assert response.headers["location"] == "/api/v1/grids/AT-01-03"
    events = outbox_rows(settings)
    assert [event["event_key"] for event in events] == ["AT-01", "AT-01-03"]
    assert {event["event_type"] for event in events} == {"cn.jiading.grid.grid.registered.v1"}
    assert {event["topic"] for event in events} == {"grid.grid"}
    assert json.loads(events[1]["payload"])["level"] == "grid"


def test_list_grids_of_a_town(client: TestClient, settings: GridSettings) -> None:
    client.post("/api/v1/grids", json=SECTOR, headers=auth(settings, "dispatcher"))
    client.post("/api/v1/grids", json=UNIT, headers=auth(settings, "dispatcher"))
    client.post(
        "/api/v1/grids", json={**SECTOR, "code": "NX-01", "town": "jd-nanxiang"}, headers=auth(settings, "admin")
    )

    own_town = client.get("/api/v1/grids", headers=auth(settings, "operations_patrol"))
    unit_grids = client.get("/api/v1/grids", params={"level": "grid"}, headers=auth(settings, "duty_officer"))
    district = client.get(
        "/api/v1/grids", params={"town": "jd-nanxiang"}, headers=auth(settings, "commander", town=None)
    )

    assert [grid["code"] for grid in own_town.json()] == ["AT-01", "AT-01-03"]
    assert [grid["code"] for grid in unit_grids.json()] == ["AT-01-03"]
    assert [grid["code"] for grid in district.json()] == ["NX-01"]


def test_listing_another_town_is_forbidden(client: TestClient, settings: GridSettings) -> None:
    response = client.get("/api/v1/grids", params={"town": "jd-nanxiang"}, headers=auth(settings, "dispatcher"))

    assert response.status_code == 403


def test_requires_a_token(client: TestClient) -> None:
    response = client.post("/api/v1/grids", json=SECTOR)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_readers_cannot_register(client: TestClient, settings: GridSettings) -> None:
    response = client.post("/api/v1/grids", json=SECTOR, headers=auth(settings, "duty_officer"))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_unit_grid_needs_an_existing_sector_grid(client: TestClient, settings: GridSettings) -> None:
    headers = auth(settings, "dispatcher")
    missing_parent = client.post("/api/v1/grids", json={**UNIT, "parent_code": None}, headers=headers)
    unknown_parent = client.post("/api/v1/grids", json=UNIT, headers=headers)

    for response in (missing_parent, unknown_parent):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "body.parent_code"
    assert query_rows(settings, "SELECT code FROM grid") == []


def test_bad_level_names_the_field(client: TestClient, settings: GridSettings) -> None:
    response = client.post("/api/v1/grids", json={**SECTOR, "level": "district"}, headers=auth(settings, "dispatcher"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.level"


def test_duplicate_code_conflicts_and_nothing_more_is_written(client: TestClient, settings: GridSettings) -> None:
    headers = auth(settings, "dispatcher")
    client.post("/api/v1/grids", json=SECTOR, headers=headers)

    response = client.post("/api/v1/grids", json={**SECTOR, "name": "另一个片区"}, headers=headers)

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "body.code"
    assert query_rows(settings, "SELECT name FROM grid") == [{"name": "安亭第一片区"}]
    assert len(outbox_rows(settings)) == 1


def test_unknown_grid_is_not_found(client: TestClient, settings: GridSettings) -> None:
    response = client.get("/api/v1/grids/AT-99", headers=auth(settings, "dispatcher"))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("level", "parent_code", "parent", "problem"),
    [
        (GridLevel.SECTOR_GRID, None, None, None),
        (GridLevel.SECTOR_GRID, "AT-01", GridRef("AT-01", GridLevel.SECTOR_GRID, TOWN), "has no parent"),
        (GridLevel.GRID, None, None, "needs the code"),
        (GridLevel.GRID, "AT-01", None, "no grid"),
        (GridLevel.GRID, "AT-01-01", GridRef("AT-01-01", GridLevel.GRID, TOWN), "not a sector grid"),
        (GridLevel.GRID, "NX-01", GridRef("NX-01", GridLevel.SECTOR_GRID, "jd-nanxiang"), "belongs to town"),
        (GridLevel.GRID, "AT-01", GridRef("AT-01", GridLevel.SECTOR_GRID, TOWN), None),
    ],
)
def test_parent_rule(level: GridLevel, parent_code: str | None, parent: GridRef | None, problem: str | None) -> None:
    found = parent_problem(level, TOWN, parent_code, parent)

    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
