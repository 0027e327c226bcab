"""Duplicate registrations found and resolved (不重复) in the coverage report, per area and 街镇, and who reads the
report (district staff of the district or of their 街镇). Runs on SQLite and PostgreSQL: a refused duplicate is
recorded after the refusing request's transaction has rolled back, which behaves differently on each."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import (
    AREA,
    OTHER_AREA,
    admin,
    auth,
    collector,
    form,
    id_number,
    register_building,
    setup_places,
)
from jiading_shared.testing.services import embedded_settings, query_rows

OTHER_TOWN = "jd-huating"
OTHER_TOWN_AREA = "jd-huating-a01"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> CollectionSettings:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return embedded_settings(CollectionSettings, tmp_path, url)


@pytest.fixture
def client(settings: CollectionSettings) -> Iterator[TestClient]:
    with TestClient(build_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def places(client: TestClient, settings: CollectionSettings) -> None:
    """jd-anting: a03 (rooms 31011401, 31011402, collector-7) and a04 (31011501, collector-8); jd-huating: a01
    (31021101, collector-9)."""
    setup_places(client, settings)
    register_building(client, settings, "31011401", "31011402")
    register_building(client, settings, "31011501", sub="collector-8", area=OTHER_AREA, road="叶城路")
    headers = admin(settings)
    for path, body in (
        ("/api/v1/towns", {"code": OTHER_TOWN, "name": "华亭镇"}),
        ("/api/v1/committees", {"code": "jd-huating-c01", "name": "华亭村", "town": OTHER_TOWN}),
        (
            "/api/v1/areas",
            {
                "code": OTHER_TOWN_AREA,
                "name": "第一责任区",
                "committee": "jd-huating-c01",
                "grid": "jd-huating-g01",
                "police_station": "ps-huating",
            },
        ),
    ):
        assert client.post(path, json=body, headers=headers).status_code == 201
    assigned = client.put(
        f"/api/v1/areas/{OTHER_TOWN_AREA}/collectors",
        json={"collectors": [{"sub": "collector-9", "name": "协管员9"}]},
        headers=headers,
    )
    assert assigned.status_code == 200
    register_building(
        client,
        settings,
        "31021101",
        sub="collector-9",
        town=OTHER_TOWN,
        committee="jd-huating-c01",
        area=OTHER_TOWN_AREA,
        road="华亭路",
    )


def submit(client: TestClient, settings: CollectionSettings, body: dict[str, Any], sub: str = "collector-7") -> Any:
    return client.post("/api/v1/registrations", json=body, headers=collector(settings, sub))


def import_rows(
    client: TestClient, settings: CollectionSettings, rows: list[dict[str, Any]], *, dry_run: bool = False
) -> Any:
    return client.post(
        "/api/v1/registrations/import",
        params={"dry_run": str(dry_run).lower()},
        json={"rows": rows},
        headers=collector(settings),
    )


def duplicates(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    rows = [(row["area"], row) for row in report["areas"]] + [(row["town"], row) for row in report["towns"]]
    return {name: (row["duplicates_found"], row["duplicates_resolved"]) for name, row in rows}


def test_coverage_counts_duplicates_found_and_resolved(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.1 不重复 (issue 3 item 7): duplicate registrations found and resolved, per area and 街镇.
    places(client, settings)
    p1, p2, p3 = (id_number(sequence=s) for s in ("101", "102", "103"))
    district = auth(settings, "commander", sub="commander-1", town=None)

    assert submit(client, settings, form(id_number=p1)).status_code == 201
    # The same person again at the same room: refused (409), and the refusal is recorded although it rolls back.
    again = submit(client, settings, form(id_number=p1))
    assert again.status_code == 409
    # A move: registered at a new address (a04) while registered in a03; the old registration ends.
    assert submit(client, settings, form(house_code="31011402", id_number=p2)).status_code == 201
    assert submit(client, settings, form(house_code="31011501", id_number=p2), sub="collector-8").status_code == 201
    # The same person twice in one import: the import is refused; a dry run records nothing.
    twice = [form(house_code="31011402", id_number=p3), form(house_code="31011401", id_number=p3)]
    assert import_rows(client, settings, twice, dry_run=True).status_code == 422
    refused_import = import_rows(client, settings, twice)
    assert refused_import.status_code == 422
    assert [e["field"] for e in refused_import.json()["errors"]] == ["rows.1.id_number"]

    before = client.get("/api/v1/reports/coverage", headers=district).json()

    assert duplicates(before) == {
        AREA: (2, 1),  # the 409 (refused: resolved) and the import repeat (unresolved: nobody registered yet)
        OTHER_AREA: (1, 1),  # the move, resolved by ending the old registration
        OTHER_TOWN_AREA: (0, 0),
        "jd-anting": (3, 2),
        OTHER_TOWN: (0, 0),
    }
    assert len(query_rows(settings, "SELECT id FROM registration")) == 3  # the refusals wrote no registration
    kinds = query_rows(settings, "SELECT kind, resolution, channel FROM duplicate_detection ORDER BY detected_at")
    assert [(k["kind"], k["resolution"], k["channel"]) for k in kinds] == [
        ("same_room", "refused", "visit"),
        ("new_address", "moved", "visit"),
        ("import_repeat", None, "import"),
    ]

    # The corrected import registers the person once: the import repeat is resolved. Importing a person already
    # registered at the same room is refused like the single form.
    assert import_rows(client, settings, [form(house_code="31011402", id_number=p3)]).status_code == 200
    same_room = import_rows(client, settings, [form(id_number=p1)])
    assert same_room.status_code == 422
    assert [e["field"] for e in same_room.json()["errors"]] == ["rows.0.id_number"]

    after = client.get("/api/v1/reports/coverage", headers=district).json()

    assert duplicates(after)[AREA] == (3, 3)
    assert duplicates(after)["jd-anting"] == (4, 4)


def test_import_moves_are_recorded_as_resolved_duplicates(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.1 不重复: a bulk import that moves a person ends the old registration, counted as a
    # duplicate found and resolved in the area of the new room.
    places(client, settings)
    person = id_number(sequence="201")
    assert submit(client, settings, form(house_code="31011501", id_number=person), sub="collector-8").status_code == 201

    done = import_rows(client, settings, [form(house_code="31011402", id_number=person)])

    assert done.status_code == 200, done.text
    report = client.get("/api/v1/reports/coverage", headers=admin(settings)).json()
    assert duplicates(report)[AREA] == (1, 1)
    assert duplicates(report)[OTHER_AREA] == (0, 0)
    statuses = query_rows(settings, "SELECT area, status FROM registration ORDER BY registered_at")
    assert [(row["area"], row["status"]) for row in statuses] == [(OTHER_AREA, "deregistered"), (AREA, "active")]


def test_town_staff_read_their_towns_coverage(client: TestClient, settings: CollectionSettings) -> None:
    # Issue 3 item 9: district staff read reports; a commander whose token names a 街镇 reads that 街镇's areas.
    places(client, settings)

    town = client.get("/api/v1/reports/coverage", headers=auth(settings, "commander", sub="commander-2"))
    other_town = client.get(
        "/api/v1/reports/coverage", headers=auth(settings, "commander", sub="commander-3", town=OTHER_TOWN)
    )
    district = client.get("/api/v1/reports/coverage", headers=auth(settings, "commander", sub="cmd-1", town=None))
    dispatcher = client.get("/api/v1/reports/coverage", headers=auth(settings, "dispatcher"))
    service_office = client.get(
        "/api/v1/reports/coverage", headers=auth(settings, "service_office_admin", sub="so-1", town=None)
    )

    assert town.status_code == 200
    assert [(a["area"], a["rooms_total"]) for a in town.json()["areas"]] == [(AREA, 2), (OTHER_AREA, 1)]
    assert [t["town"] for t in town.json()["towns"]] == ["jd-anting"]
    assert [(a["area"], a["rooms_total"]) for a in other_town.json()["areas"]] == [(OTHER_TOWN_AREA, 1)]
    assert [t["town"] for t in district.json()["towns"]] == ["jd-anting", OTHER_TOWN]
    assert dispatcher.status_code == 403
    assert service_office.status_code == 403
