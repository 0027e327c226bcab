"""The open-incident gauges the dispatch dashboard reads (deploy/grafana), after known incidents and an SLA scan."""

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from grid_testkit import TOWN, headers, seed_town
from prometheus_client import REGISTRY

from grid_dispatch.incidents import service
from grid_dispatch.incidents.scheduled import refresh_open_gauges
from grid_dispatch.main import build_app
from grid_dispatch.settings import GridSettings
from jiading_shared.db import Database
from jiading_shared.testing.services import api_fixtures

settings, client = api_fixtures(GridSettings, build_app)


def report(client: TestClient, settings: GridSettings, category: str) -> dict:
    body = {
        "category": category,
        "town": TOWN,
        "grid": "AT-01-01",
        "title": "占道设摊",
        "description": "菜场门口占道经营",
        "source": "patrol_finding",
    }
    response = client.post("/api/v1/incidents", json=body, headers=headers(settings, "operations_patrol"))
    assert response.status_code == 201, response.text
    return response.json()


def test_open_incidents_by_department_and_state_and_past_sla(client: TestClient, settings: GridSettings) -> None:
    seed_town(client, settings)
    routed = report(client, settings, "street_vending")  # → 城管 AT-CG, dispatched
    report(client, settings, "street_vending")
    report(client, settings, "other")  # no rule: the dispatcher queue
    db = Database(settings.database_url)
    try:
        with db.session() as session:  # the first two pass their time limit
            assert (
                service.scan_deadlines(session, datetime.fromisoformat(routed["due_at"]) + timedelta(minutes=1))[1] == 2
            )
        refresh_open_gauges(db)
    finally:
        db.dispose()

    def open_incidents(department: str, state: str) -> float | None:
        return REGISTRY.get_sample_value(
            "grid_incidents_open", {"town": TOWN, "department": department, "state": state}
        )

    assert open_incidents("AT-CG", "dispatched") == 2
    assert open_incidents("unassigned", "reported") == 1
    assert REGISTRY.get_sample_value("grid_incidents_open_past_sla", {"town": TOWN, "department": "AT-CG"}) == 2
    assert REGISTRY.get_sample_value("grid_incidents_open_past_sla", {"town": TOWN, "department": "unassigned"}) is None
    metrics = client.get("/metrics").text
    assert f'grid_incidents_open{{department="AT-CG",state="dispatched",town="{TOWN}"}} 2.0' in metrics
