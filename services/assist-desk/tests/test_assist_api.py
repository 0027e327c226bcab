"""Service institutions over HTTP, against a migrated SQLite database and the outbox."""

import json

from fastapi.testclient import TestClient

from assist_desk.institutions.rules import AssistanceForm, missing_required_forms
from assist_desk.main import build_app
from assist_desk.settings import AssistSettings
from assist_desk.tickets.events import TICKET_ESCALATED
from jiading_shared.testing.services import api_fixtures, bearer_header, outbox_rows, query_rows

settings, client = api_fixtures(AssistSettings, build_app)


def auth(settings: AssistSettings, *roles: str) -> dict[str, str]:
    return bearer_header(settings, *roles, sub="service-office-1")


STATION = {
    "kind": "station",
    "name": "安亭镇政务服务站",
    "town": "jd-anting",
    "assistance_forms": ["video", "fallback", "self_service", "accompanied", "video"],
}


def test_register_institution_with_its_forms(client: TestClient, settings: AssistSettings) -> None:
    response = client.post("/api/v1/institutions", json=STATION, headers=auth(settings, "service_office_admin"))

    assert response.status_code == 201, response.text
    created = response.json()
    # DB 31114/Z 022-2025 7.2: listed in the standard's order, each once.
    assert created["assistance_forms"] == ["self_service", "accompanied", "fallback", "video"]
    assert response.headers["location"] == f"/api/v1/institutions/{created['id']}"
    [event] = outbox_rows(settings)
    assert event["event_type"] == "cn.jiading.assist.institution.registered.v1"
    assert event["topic"] == "assist.institution"
    assert event["event_key"] == created["id"]
    assert json.loads(event["payload"])["assistance_forms"] == created["assistance_forms"]

    read = client.get(f"/api/v1/institutions/{created['id']}", headers=auth(settings, "admin"))
    assert read.json() == created


def test_requires_a_token(client: TestClient) -> None:
    response = client.post("/api/v1/institutions", json=STATION)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_assistants_cannot_register_institutions(client: TestClient, settings: AssistSettings) -> None:
    response = client.post("/api/v1/institutions", json=STATION, headers=auth(settings, "assistant"))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_fallback_is_always_offered(client: TestClient, settings: AssistSettings) -> None:
    # DB 31114/Z 022-2025 引言 "3+X": 自助办, 陪同办 and 兜底办 at every institution.
    body = {**STATION, "assistance_forms": ["self_service", "accompanied", "express"]}

    response = client.post("/api/v1/institutions", json=body, headers=auth(settings, "service_office_admin"))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body.assistance_forms"
    assert "fallback" in response.json()["errors"][0]["message"]
    assert query_rows(settings, "SELECT id FROM service_institution") == []


def test_unknown_form_names_the_field(client: TestClient, settings: AssistSettings) -> None:
    body = {**STATION, "assistance_forms": ["self_service", "accompanied", "fallback", "drive_through"]}

    response = client.post("/api/v1/institutions", json=body, headers=auth(settings, "service_office_admin"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("body.assistance_forms")


def test_same_name_conflicts_and_nothing_more_is_written(client: TestClient, settings: AssistSettings) -> None:
    headers = auth(settings, "service_office_admin")
    client.post("/api/v1/institutions", json=STATION, headers=headers)

    response = client.post("/api/v1/institutions", json={**STATION, "kind": "institution"}, headers=headers)

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "body.name"
    assert len(query_rows(settings, "SELECT id FROM service_institution")) == 1
    assert len(query_rows(settings, "SELECT form FROM institution_assistance_form")) == 4
    assert len(outbox_rows(settings)) == 1


def test_unknown_institution_is_not_found(client: TestClient, settings: AssistSettings) -> None:
    response = client.get(
        "/api/v1/institutions/7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00", headers=auth(settings, "service_office_admin")
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_missing_required_forms_in_the_standards_order() -> None:
    assert missing_required_forms([AssistanceForm.VIDEO]) == ["self_service", "accompanied", "fallback"]
    assert missing_required_forms(list(AssistanceForm)) == []


def test_escalation_event_is_declared_for_grid_dispatch() -> None:
    assert TICKET_ESCALATED.type == "cn.jiading.assist.ticket.escalated.v1"
    assert TICKET_ESCALATED.topic == "assist.ticket"
