"""The overdue scan on PostgreSQL builds its visit.overdue events inside the database (one INSERT ... SELECT from the
UPDATE that marks the deadlines). These tests hold that path to the Python one the embedded SQLite uses: same rooms,
same payloads, each a valid VisitOverdue, once per missed deadline (DB 31114/Z 001-2025 6.2.4)."""

import json
import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import admin, collector, register_building, setup_places
from collection.visits.events import VisitOverdue
from collection.visits.service import _enqueue_overdue_events, scan_overdue
from jiading_shared.db import Database
from jiading_shared.testing.services import postgres_api_fixtures

pytestmark = pytest.mark.postgres

settings, client = postgres_api_fixtures(CollectionSettings, build_app)

OVERDUE = "cn.jiading.collection.visit.overdue.v1"
TODAY = date(2025, 12, 1)


def overdue_events(session) -> list[dict]:
    rows = session.execute(
        text("SELECT event_id, event_key, subject, payload FROM outbox WHERE event_type = :type ORDER BY event_key"),
        {"type": OVERDUE},
    ).all()
    for event_id, key, subject, payload in rows:
        uuid.UUID(event_id)
        assert key == subject == json.loads(payload)["room_id"]
    assert len({row.event_id for row in rows}) == len(rows)
    return [json.loads(row.payload) for row in rows]


def varied_rooms(client: TestClient, settings: CollectionSettings) -> list[str]:
    """Rooms whose deadlines passed for each reason the payload distinguishes: occupied but absent, vacant, a state
    that is no revisit reason, in an area with two collectors and in one with none; plus rooms not overdue."""
    setup_places(client, settings)
    rooms = [room["id"] for room in register_building(client, settings, *(f"3101150{n}" for n in range(6)))["rooms"]]
    for room_id, outcome, at in (
        (rooms[0], "occupied_absent", "2025-11-24T10:00:00+08:00"),  # due 11-26: overdue
        (rooms[1], "vacant", "2025-10-20T10:00:00+08:00"),  # due 11-20: overdue
        (rooms[2], "vacant", "2025-11-24T10:00:00+08:00"),  # due 12-24: not yet
        (rooms[3], "collected", "2025-11-24T10:00:00+08:00"),  # no deadline
    ):
        response = client.post(
            f"/api/v1/rooms/{room_id}/visits", json={"visited_at": at, "outcome": outcome}, headers=collector(settings)
        )
        assert response.status_code == 201, response.text
    response = client.put(
        "/api/v1/areas/jd-anting-a04/collectors",
        json={"collectors": [{"sub": "collector-9", "name": "协管员9"}, {"sub": "collector-1", "name": "协管员1"}]},
        headers=admin(settings),
    )
    assert response.status_code == 200, response.text
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            # A deadline carried by a state that is no revisit reason, and rooms in the other area (two collectors)
            # and in an area with no collector at all.
            session.execute(
                text("UPDATE room_status SET state = 'refused', next_visit_due = '2025-11-10' WHERE room_id = :id"),
                {"id": rooms[4]},
            )
            session.execute(
                text(
                    "UPDATE room_status SET area = 'jd-anting-a04', state = 'vacant', next_visit_due = '2025-11-01' "
                    "WHERE room_id = :id"
                ),
                {"id": rooms[5]},
            )
            session.execute(text("DELETE FROM area_collector WHERE area = 'jd-anting-a03'"))
            session.execute(text("DELETE FROM outbox"))
    finally:
        db.dispose()
    return rooms


def test_database_built_events_equal_the_python_ones(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.2.4: one visit.overdue per missed deadline, whichever path builds it.
    rooms = varied_rooms(client, settings)
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            _enqueue_overdue_events(session, TODAY, batch_size=2)
            session.flush()
            expected = overdue_events(session)
            session.rollback()
        with db.session() as session:
            per_area = scan_overdue(session, today=TODAY)
        with db.session() as session:
            built = overdue_events(session)
            again = scan_overdue(session, today=TODAY)
            assert overdue_events(session) == built
    finally:
        db.dispose()

    assert built == expected
    assert sorted(event["room_id"] for event in built) == sorted([rooms[0], rooms[1], rooms[4], rooms[5]])
    payloads = {event["room_id"]: VisitOverdue.model_validate(event) for event in built}
    assert payloads[rooms[0]].reason == "occupied_absent"
    assert payloads[rooms[0]].days_overdue == 5
    assert payloads[rooms[0]].collector == "unassigned"
    assert payloads[rooms[4]].reason is None
    assert payloads[rooms[5]].collector == "collector-1"  # the first of the area's collectors, as in Python
    assert payloads[rooms[5]].grid == "jd-anting-g04"
    assert per_area == again == {"jd-anting-a03": 3, "jd-anting-a04": 1}


def test_nothing_new_queues_nothing(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.2.4, 003-2025 4.1: no missed deadline, no report.
    setup_places(client, settings)
    register_building(client, settings, "31011510")
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            assert scan_overdue(session, today=TODAY) == {}
        with db.session() as session:
            assert overdue_events(session) == []
    finally:
        db.dispose()
