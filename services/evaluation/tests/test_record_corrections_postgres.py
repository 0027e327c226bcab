"""Correcting a project's actuals on PostgreSQL: a record entered by mistake is withdrawn with a reason (kept, no
longer counted), the provider's system stops changing records once a round of its project is published, and record
dates must lie within the project's period."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evaluation.settings import EvaluationSettings
from jiading_shared.testing.services import bearer_header, query_rows

from .conftest import PROVIDER, project_body

pytestmark = pytest.mark.postgres

Headers = Callable[..., dict[str, str]]
ADJUSTMENT = {"requested_on": "2025-05-01", "amount": "150000", "reason": "误录", "status": "unapproved"}
ACCIDENT = {"occurred_on": "2025-07-01", "description": "误录为事故", "accident": True}


def new_project(client: TestClient, as_user: Headers, **changes: Any) -> dict[str, Any]:
    federation = as_user("federation-1", "federation_admin")
    provider = client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    response = client.post("/api/v1/projects", json={**project_body(provider["id"]), **changes}, headers=federation)
    assert response.status_code == 201, response.text
    return response.json()


def provider_system(as_user: Headers) -> dict[str, str]:
    return as_user("provider-system", "external_system")


def post(client: TestClient, headers: dict[str, str], project_id: str, kind: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/projects/{project_id}/{kind}", json=body, headers=headers)


def withdraw(client: TestClient, headers: dict[str, str], project_id: str, kind: str, record_id: str) -> Any:
    return client.post(
        f"/api/v1/projects/{project_id}/{kind}/{record_id}/withdraw", json={"reason": "录入错误"}, headers=headers
    )


def measures(client: TestClient, as_user: Headers, project_id: str) -> dict[str, Any]:
    return client.get(
        f"/api/v1/projects/{project_id}/measures", headers=as_user("federation-1", "federation_admin")
    ).json()


def test_a_record_withdrawn_is_kept_and_no_longer_counts(
    pg_client: TestClient, pg_settings: EvaluationSettings, as_user: Headers
) -> None:
    # DB 31114/Z 017-2025 5.3.4.2 / 表 A.3 预算管理 and 表 A.2 安全管理: only a real unapproved adjustment or accident
    # vetoes; a record entered by mistake is withdrawn with a reason (the row and its history stay).
    federation = as_user("federation-1", "federation_admin")
    project = new_project(pg_client, as_user)
    pid = project["id"]
    adjustment = post(pg_client, provider_system(as_user), pid, "budget-adjustments", ADJUSTMENT).json()
    accident = post(pg_client, provider_system(as_user), pid, "safety-incidents", ACCIDENT).json()
    assert measures(pg_client, as_user, pid)["vetoes_from_records"] == [
        "safety_accident",
        "unapproved_budget_adjustment",
    ]

    by_federation = withdraw(pg_client, federation, pid, "budget-adjustments", adjustment["id"])
    by_provider = withdraw(pg_client, provider_system(as_user), pid, "safety-incidents", accident["id"])
    again = withdraw(pg_client, federation, pid, "budget-adjustments", adjustment["id"])
    unknown = withdraw(pg_client, federation, pid, "safety-incidents", adjustment["id"])

    assert by_federation.status_code == 200, by_federation.text
    assert by_provider.status_code == 200, by_provider.text
    assert (by_federation.json()["withdrawn_by"], by_federation.json()["withdrawal_reason"]) == (
        "federation-1",
        "录入错误",
    )
    assert by_federation.json()["withdrawn_at"] is not None
    assert again.status_code == 409
    assert again.json()["type"].endswith("record-withdrawn")
    assert unknown.status_code == 404
    after = measures(pg_client, as_user, pid)
    assert after["vetoes_from_records"] == []
    assert after["measures"]["budget_adjustment_ratio"] == 0
    listed = pg_client.get(f"/api/v1/projects/{pid}/budget-adjustments", headers=federation).json()
    assert [(row["id"], row["withdrawn_by"]) for row in listed] == [(adjustment["id"], "federation-1")]
    assert len(query_rows(pg_settings, "SELECT id FROM budget_adjustment")) == 1


def test_withdrawn_activities_and_expenditure_leave_the_formulas(pg_client: TestClient, as_user: Headers) -> None:
    # DB 31114/Z 017-2025 5.3.1.2 formula (1) and 5.4.1.2 formula (2): A and D count only records in force.
    federation = as_user("federation-1", "federation_admin")
    project = new_project(pg_client, as_user)
    pid, activity = project["id"], project["planned_activities"][0]
    held = post(
        pg_client,
        federation,
        pid,
        "activities",
        {"planned_activity_id": activity["id"], "held_on": "2025-03-01", "persons_served": 30, "signed_in": 30},
    ).json()
    spent = post(
        pg_client,
        federation,
        pid,
        "expenditures",
        {"spent_on": "2025-03-01", "amount": "5000", "category": "other", "description": "误录"},
    ).json()
    before = measures(pg_client, as_user, pid)["measures"]
    assert (before["persons_done"], before["budget_actual"]) == (30, 5000)

    withdraw(pg_client, federation, pid, "activities", held["id"])
    withdraw(pg_client, federation, pid, "expenditures", spent["id"])

    after = measures(pg_client, as_user, pid)["measures"]
    assert (after["persons_done"], after["frequencies_done"], after["budget_actual"]) == (0, 0, 0)


def test_after_publication_only_the_federation_corrects_records_and_a_revision_picks_it_up(
    pg_client: TestClient, as_user: Headers
) -> None:
    # DB 31114/Z 017-2025 4.1: the 残联 leads the evaluation; once a round is published the party being scored can no
    # longer change the figures it is scored on. 表 A.2 安全管理 / 5.3.4.2: a mistaken accident or unapproved
    # adjustment must not veto for good.
    federation = as_user("federation-1", "federation_admin")
    project = new_project(pg_client, as_user)
    pid = project["id"]
    accident = post(pg_client, provider_system(as_user), pid, "safety-incidents", ACCIDENT).json()
    adjustment = post(pg_client, provider_system(as_user), pid, "budget-adjustments", ADJUSTMENT).json()
    round_id = pg_client.post(
        f"/api/v1/projects/{pid}/rounds",
        json={"name": "终期评估", "panel": [{"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"}]},
        headers=federation,
    ).json()["id"]
    sheet = {"scores": {"implementation.safety": 2, "funds.budget_adjustment": 2}}
    assert (
        pg_client.put(
            f"/api/v1/rounds/{round_id}/sheet", json=sheet, headers=as_user("expert-a", "assessor")
        ).status_code
        == 200
    )
    published = pg_client.post(f"/api/v1/rounds/{round_id}/publish", headers=federation).json()
    assert [veto["code"] for veto in published["score"]["vetoes_applied"]] == [
        "safety_accident",
        "unapproved_budget_adjustment",
    ]
    nothing_changed = pg_client.post(
        f"/api/v1/rounds/{round_id}/revisions", json={"reason": "复核"}, headers=federation
    )

    late_record = post(
        pg_client,
        provider_system(as_user),
        pid,
        "expenditures",
        {"spent_on": "2025-07-01", "amount": "1", "category": "other", "description": "迟报"},
    )
    late_withdrawal = withdraw(pg_client, provider_system(as_user), pid, "safety-incidents", accident["id"])
    corrected = withdraw(pg_client, federation, pid, "safety-incidents", accident["id"])
    accident_revision = pg_client.post(
        f"/api/v1/rounds/{round_id}/revisions", json={"reason": "安全事故系误录，已撤销"}, headers=federation
    )

    assert nothing_changed.status_code == 422
    assert [error["field"] for error in nothing_changed.json()["errors"]] == ["body.sheets"]
    for refused in (late_record, late_withdrawal):
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("project-round-published")
        assert "published" in refused.json()["detail"]
    assert corrected.status_code == 200, corrected.text
    assert accident_revision.status_code == 201, accident_revision.text
    assert accident_revision.json()["version"] == 2
    assert [veto["code"] for veto in accident_revision.json()["score"]["vetoes_applied"]] == [
        "unapproved_budget_adjustment"
    ]
    assert accident_revision.json()["score"]["factors"]["implementation.safety"]["points"] == 2

    # Withdrawing the adjustment moves 预算管理 to 高 (ratio 0% < 5%): the old sheet no longer fits, so the revision
    # must correct it too.
    assert withdraw(pg_client, federation, pid, "budget-adjustments", adjustment["id"]).status_code == 200
    stale = pg_client.post(
        f"/api/v1/rounds/{round_id}/revisions", json={"reason": "预算调整系误录"}, headers=federation
    )
    revision = pg_client.post(
        f"/api/v1/rounds/{round_id}/revisions",
        json={
            "reason": "预算调整系误录，已撤销",
            "revises_version": 2,
            "sheets": {"expert-a": {"scores": {"implementation.safety": 2, "funds.budget_adjustment": 4.5}}},
        },
        headers=federation,
    )

    assert stale.status_code == 422
    assert [error["field"] for error in stale.json()["errors"]] == ["sheets.expert-a.scores.funds.budget_adjustment"]
    assert revision.status_code == 201, revision.text
    assert revision.json()["version"] == 3
    assert revision.json()["score"]["vetoes_applied"] == []
    assert revision.json()["vetoes_from_records"] == []
    assert revision.json()["score"]["factors"]["funds.budget_adjustment"]["points"] == 4.5


def test_another_providers_system_cannot_withdraw(
    pg_client: TestClient, pg_settings: EvaluationSettings, as_user: Headers
) -> None:
    # The provider scope holds on the new route: another provider's project answers 404 like an unknown one.
    project = new_project(pg_client, as_user)
    adjustment = post(pg_client, provider_system(as_user), project["id"], "budget-adjustments", ADJUSTMENT).json()
    stranger = bearer_header(pg_settings, "external_system", sub="other-system", dept="91310114MA1GT1238X")

    response = withdraw(pg_client, stranger, project["id"], "budget-adjustments", adjustment["id"])

    assert response.status_code == 404
    assert query_rows(pg_settings, "SELECT withdrawn_at FROM budget_adjustment") == [{"withdrawn_at": None}]


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("activities", {"held_on": "2026-01-01", "persons_served": 300, "signed_in": 0}, "body.held_on"),
        (
            "expenditures",
            {"spent_on": "2024-12-31", "amount": "500000", "category": "other", "description": "x"},
            "body.spent_on",
        ),
        (
            "budget-adjustments",
            {"requested_on": "2026-02-01", "amount": "1", "reason": "x", "status": "approved"},
            "body.requested_on",
        ),
        ("safety-incidents", {"occurred_on": "2026-01-02", "description": "x", "accident": True}, "body.occurred_on"),
        ("complaints", {"received_on": "2024-06-01", "summary": "x", "valid": True}, "body.received_on"),
        (
            "mobilisations",
            {"audience": "experts", "description": "x", "mobilised_on": "2026-03-01"},
            "body.mobilised_on",
        ),
        ("articles", {"title": "x", "channel": "wechat", "published_on": "2024-12-31"}, "body.published_on"),
        (
            "recognitions",
            {"kind": "report", "level": "above_district", "title": "x", "received_on": "2099-01-01"},
            "body.received_on",
        ),
    ],
)
def test_record_dates_lie_within_the_projects_period(
    pg_client: TestClient,
    pg_settings: EvaluationSettings,
    as_user: Headers,
    kind: str,
    body: dict[str, Any],
    field: str,
) -> None:
    # DB 31114/Z 017-2025 5.3.1.2 formula (1), 5.4.1.2 formula (2), 表 A.2 安全管理 "项目周期内": what the project did
    # lies within its period start_date..end_date (2025 here); nothing done lies in the future.
    project = new_project(pg_client, as_user)
    if kind == "activities":
        body = {**body, "planned_activity_id": project["planned_activities"][0]["id"]}

    response = post(pg_client, provider_system(as_user), project["id"], kind, body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    table = kind.replace("-", "_").removesuffix("s").replace("activitie", "activity_record")
    assert query_rows(pg_settings, f"SELECT id FROM {table}") == []


def test_reports_after_the_end_are_kept_but_not_counted_in_the_year(pg_client: TestClient, as_user: Headers) -> None:
    # DB 31114/Z 017-2025 5.2.5.4: 项目结束后 … 发布通讯报道 — accepted after end_date; 5.2.4.2 "全年 … 不少于 3 篇"
    # counts the project's own year only, so it does not count there.
    project = new_project(pg_client, as_user)
    pid = project["id"]
    inside = post(
        pg_client,
        provider_system(as_user),
        pid,
        "articles",
        {"title": "a", "channel": "wechat", "published_on": "2025-12-31"},
    )
    after_end = post(
        pg_client,
        provider_system(as_user),
        pid,
        "articles",
        {"title": "b", "channel": "wechat", "published_on": "2026-01-05"},
    )

    assert (inside.status_code, after_end.status_code) == (201, 201)
    counted = measures(pg_client, as_user, pid)["measures"]
    assert (counted["articles_in_year"], counted["articles_in_first_half"]) == (1, 0)


def test_articles_count_by_the_projects_own_half_years(pg_client: TestClient, as_user: Headers) -> None:
    # DB 31114/Z 017-2025 5.2.4.2 "全年 … 不少于 3 篇，上半年不少于 1 篇": for a project running July–June the year is
    # its period and 上半年 its first six months (July–December), so such a project can reach 表 A.2 高.
    project = new_project(
        pg_client,
        as_user,
        service_year=2025,
        start_date="2025-07-01",
        end_date="2026-06-30",
        schedule=[{"task": "需求调研", "start": "2025-07-01", "end": "2025-08-31"}],
    )
    for day in ("2025-12-31", "2026-01-01", "2026-06-30"):
        response = post(
            pg_client,
            provider_system(as_user),
            project["id"],
            "articles",
            {"title": day, "channel": "journal", "published_on": day},
        )
        assert response.status_code == 201, response.text

    counted = measures(pg_client, as_user, project["id"])["measures"]

    assert (counted["articles_in_year"], counted["articles_in_first_half"]) == (3, 1)


def test_service_year_lies_within_the_period(pg_client: TestClient, as_user: Headers) -> None:
    federation = as_user("federation-1", "federation_admin")
    provider = pg_client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()

    response = pg_client.post(
        "/api/v1/projects", json={**project_body(provider["id"]), "service_year": 2024}, headers=federation
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["body.service_year"]
