"""Test support of the assist-desk service: `Desk` sets up what a ticket needs (an institution, trained staff, a
matter) through the API itself, as the people who use it would. Used by the service's tests and its benchmark."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from assist_desk.settings import AssistSettings
from jiading_shared.testing.services import bearer_header

TOWN = "jd-anting"
MATTER = {
    "code": "BIZ-001",
    "name": "个体工商户设立登记",
    "department_code": "market-reg",
    "materials": [
        {"code": "id-card", "name": "经营者身份证明", "legal_form": "原件"},
        {"code": "application", "name": "设立登记申请书", "legal_form": "经营者签字"},
        {"code": "premises", "name": "经营场所使用证明"},
        {"code": "photo", "name": "门头照片", "required": False},
    ],
    "time_limits": {"accompanied": {"amount": 2, "unit": "working_days"}},
    "note": "首批事项",
}


class Desk:
    """Drives the API as the people who use it: the service office, an assistant of the town, a hotline system."""

    def __init__(self, client: TestClient, settings: AssistSettings) -> None:
        self.client = client
        self.settings = settings
        self.office = bearer_header(settings, "service_office_admin", sub="office-1")
        self.assistant = bearer_header(settings, "assistant", sub="assistant-1", town=TOWN)
        self.hotline = bearer_header(settings, "external_system", sub="hotline-12345")

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    def institution(self, name: str = "安亭镇政务服务中心", forms: list[str] | None = None, town: str = TOWN) -> dict:
        body = {
            "kind": "institution",
            "name": name,
            "town": town,
            "assistance_forms": forms or ["self_service", "accompanied", "fallback", "video"],
        }
        return self.ok(self.client.post("/api/v1/institutions", json=body, headers=self.office), 201)

    def staff(self, institution_id: str, name: str = "王帮办", *, trained: bool = True, **extra: Any) -> dict:
        body = {"name": name, "team": "general", "employment": "full_time", "source": "institution", **extra}
        member = self.ok(
            self.client.post(f"/api/v1/institutions/{institution_id}/staff", json=body, headers=self.assistant), 201
        )
        if trained:
            training = {"kind": "pre_job", "topic": "帮办业务与服务规范", "trained_on": "2025-02-20", "hours": 8}
            member = self.ok(
                self.client.post(f"/api/v1/staff/{member['id']}/trainings", json=training, headers=self.assistant), 201
            )
        return member

    def matter(self, **overrides: Any) -> dict:
        return self.ok(self.client.post("/api/v1/matters", json={**MATTER, **overrides}, headers=self.office), 201)

    def setup(self) -> tuple[dict, dict]:
        institution = self.institution()
        member = self.staff(institution["id"])
        self.matter()
        return institution, member

    def ticket_body(self, institution: dict, member: dict, **overrides: Any) -> dict:
        return {
            "institution_id": institution["id"],
            "channel": "in_hall",
            "form": "accompanied",
            "target": {"kind": "natural_person", "name": "张三明", "mobile": "13812345678"},
            "matter_code": "BIZ-001",
            "summary": "办理个体工商户设立登记，材料不全",
            "staff_id": member["id"],
            **overrides,
        }

    def ticket(self, institution: dict, member: dict, **overrides: Any) -> dict:
        body = self.ticket_body(institution, member, **overrides)
        return self.ok(self.client.post("/api/v1/tickets", json=body, headers=self.assistant), 201)

    def act(self, ticket_id: str, action: str, body: dict | None = None, status: int = 200) -> dict:
        response = self.client.post(f"/api/v1/tickets/{ticket_id}/{action}", json=body or {}, headers=self.assistant)
        return self.ok(response, status)
