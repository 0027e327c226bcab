"""Projects, actuals, evidence and evaluation rounds over HTTP against a real PostgreSQL database: a panel scores on
its own, the round is published (event queued in the outbox), revised with a reason (new version, old kept), and
exported as JSON and CSV."""

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from evaluation.settings import EvaluationSettings
from jiading_shared.testing.services import outbox_rows, query_rows

from .conftest import PROVIDER, project_body

pytestmark = pytest.mark.postgres

PDF = b"%PDF-1.4 evidence\n%%EOF"
Headers = Callable[..., dict[str, str]]


def full_marks(client: TestClient, headers: dict[str, str]) -> dict[str, float]:
    model = client.get("/api/v1/scoring-models/current", headers=headers).json()
    return {factor["code"]: factor["max_points"] for group in model["groups"] for factor in group["factors"]}


def new_project(client: TestClient, as_user: Headers) -> dict[str, Any]:
    federation = as_user("federation-1", "federation_admin")
    provider = client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    response = client.post("/api/v1/projects", json=project_body(provider["id"]), headers=federation)
    assert response.status_code == 201, response.text
    return response.json()


def record(client: TestClient, as_user: Headers, project_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/projects/{project_id}/{kind}", json=body, headers=as_user("provider-system", "external_system")
    )
    assert response.status_code == 201, response.text
    return response.json()


def record_actuals(client: TestClient, as_user: Headers, project: dict[str, Any]) -> None:
    """A project that hits every target: 95% of budget spent (gap → 中), all persons and sessions, satisfaction 95%."""
    pid = project["id"]
    rehab, inclusion = project["planned_activities"]  # ordered by name: 康复训练, 融合活动
    for activity, sessions, persons in ((rehab, 24, 13), (inclusion, 16, 13)):
        for day in range(sessions):
            record(
                client,
                as_user,
                pid,
                "activities",
                {
                    "planned_activity_id": activity["id"],
                    "held_on": f"2025-{1 + day % 12:02d}-15",
                    "persons_served": persons,
                    "signed_in": persons,
                },
            )
    record(
        client,
        as_user,
        pid,
        "expenditures",
        {
            "spent_on": "2025-06-30",
            "amount": "950000.00",
            "category": "business_activity",
            "description": "全年活动经费",
        },
    )
    record(
        client,
        as_user,
        pid,
        "budget-adjustments",
        {
            "requested_on": "2025-05-01",
            "amount": "40000",
            "reason": "场地调整",
            "status": "approved",
            "decided_on": "2025-05-10",
        },
    )
    for month, channel in (("03", "wechat"), ("08", "district_site"), ("10", "journal")):
        record(
            client,
            as_user,
            pid,
            "articles",
            {"title": f"活动通讯 {month}", "channel": channel, "published_on": f"2025-{month}-01"},
        )
    for level in ("district", "above_district", "above_district"):
        record(
            client,
            as_user,
            pid,
            "recognitions",
            {"kind": "report", "level": level, "title": "项目报道", "received_on": "2025-09-01"},
        )
    record(
        client,
        as_user,
        pid,
        "complaints",
        {
            "received_on": "2025-04-01",
            "summary": "活动时间调整未通知",
            "valid": True,
            "handled_on": "2025-04-02",
            "handling": "致歉并改进通知",
            "handled_in_time": True,
        },
    )
    record(
        client,
        as_user,
        pid,
        "satisfaction-surveys",
        {
            "surveyed_on": "2025-12-01",
            "respondents": 200,
            "project_setting": 198,
            "service_attitude": 200,
            "service_quality": 196,
            "work_efficiency": 195,
            "integrity": 200,
            "needs_met": 190,
        },
    )
    for audience in ("service_users", "community", "experts", "government", "enterprises", "public"):
        record(
            client,
            as_user,
            pid,
            "mobilisations",
            {"audience": audience, "description": "动员", "mobilised_on": "2025-03-01"},
        )
    record(
        client,
        as_user,
        pid,
        "archive-items",
        {"category": "audit_report", "title": "年度审计报告", "archived_on": "2025-12-20", "retention_years": 10},
    )
    record(
        client,
        as_user,
        pid,
        "safety-incidents",
        {"occurred_on": "2025-07-01", "description": "雨天地滑隐患", "accident": False, "response": "铺设防滑垫"},
    )


def test_project_measures_come_from_the_records(pg_client: TestClient, as_user: Headers) -> None:
    project = new_project(pg_client, as_user)
    record_actuals(pg_client, as_user, project)

    response = pg_client.get(f"/api/v1/projects/{project['id']}/measures", headers=as_user("a", "assessor"))

    assert response.status_code == 200, response.text
    measures = response.json()["measures"]
    # DB31114/Z 017-2025 5.3.1.2 formula (1): A = 950000, B = 1000000
    assert (measures["budget_actual"], measures["budget_planned"]) == (950000.0, 1000000.0)
    # 5.4.1.2 formula (2): each activity counts up to its own plan (24×13 = 312 → 300; 16×13 = 208 → 200)
    assert (measures["persons_done"], measures["persons_planned"]) == (500, 500)
    assert (measures["frequencies_done"], measures["frequencies_planned"]) == (40, 40)
    # 5.4.3 formula (3): the lowest of the six aspects (需求满足 190) over H = 200
    assert (measures["satisfied"], measures["satisfied_planned"]) == (190, 200)
    assert measures["budget_adjustment_ratio"] == 0.04  # 5.3.4.3
    assert (measures["articles_in_year"], measures["articles_in_first_half"]) == (3, 1)  # 5.2.4.2
    assert measures["mobilised_audiences"] == 6  # 表 A.2 资源动员
    assert (measures["district_recognitions"], measures["above_district_recognitions"]) == (1, 2)  # 表 A.4 影响目标
    assert (measures["complaints_valid"], measures["complaints_handled_in_time"]) == (1, 1)  # 5.2.2.5
    assert response.json()["vetoes_from_records"] == []


def test_round_scored_by_a_panel_published_and_revised(
    pg_client: TestClient, pg_settings: EvaluationSettings, as_user: Headers
) -> None:
    federation = as_user("federation-1", "federation_admin")
    expert_a, expert_b = as_user("expert-a", "assessor"), as_user("body-b", "third_party_assessor")
    project = new_project(pg_client, as_user)
    record_actuals(pg_client, as_user, project)
    evidence = pg_client.post(
        f"/api/v1/projects/{project['id']}/evidence",
        params={"factor": "funds.budget_execution", "title": "年度决算表"},
        content=PDF,
        headers={**as_user("provider-system", "external_system"), "Content-Type": "application/pdf"},
    )
    assert evidence.status_code == 201, evidence.text

    created = pg_client.post(
        f"/api/v1/projects/{project['id']}/rounds",
        json={
            "name": "2025 年度终期评估",
            "panel": [
                {"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"},
                {"assessor_sub": "body-b", "name": "某评估机构", "kind": "third_party"},
            ],
            "observed_measures": {"progress_aspects_matched": 5, "quality_target_completion_rate": 0.9},
        },
        headers=federation,
    )
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    assert created.json()["scoring_model_id"] == "db31114-z017-2025"

    marks = full_marks(pg_client, federation)
    # DB31114/Z 017-2025 表 A.3 预算执行率: 95% falls in the gap → 中 (4.8 > X ≥ 3.6); 6 points are refused
    refused = pg_client.put(f"/api/v1/rounds/{round_id}/sheet", json={"scores": marks}, headers=expert_a)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.scores.funds.budget_execution"
    assert "4.8 > X ≥ 3.6" in refused.json()["errors"][0]["message"]

    # 表 A.4 影响目标: 1 district + 2 above-district recognitions = 1 + 4 = 5 points → 中 (6.4 > X ≥ 4.8)
    marks["effectiveness.impact"] = 6
    sheet_a = {**marks, "funds.budget_execution": 4.5, "implementation.archives": 2}
    sheet_b = {**marks, "funds.budget_execution": 4.0, "implementation.archives": 1.0}
    assert (
        pg_client.put(f"/api/v1/rounds/{round_id}/sheet", json={"scores": sheet_a}, headers=expert_a).status_code == 200
    )
    # Not on the panel → 403; the panel scores on its own: an assessor sees only their own sheet before publication.
    outsider = pg_client.put(
        f"/api/v1/rounds/{round_id}/sheet", json={"scores": sheet_a}, headers=as_user("x", "assessor")
    )
    assert outsider.status_code == 403
    incomplete = pg_client.post(f"/api/v1/rounds/{round_id}/publish", headers=federation)
    assert incomplete.status_code == 409
    response = pg_client.put(
        f"/api/v1/rounds/{round_id}/sheet",
        json={
            "scores": sheet_b,
            "vetoes": {"misappropriation": False},
            "comments": {"implementation.archives": "台账不全"},
        },
        headers=expert_b,
    )
    assert response.status_code == 200, response.text
    own = pg_client.get(f"/api/v1/rounds/{round_id}/sheets", headers=expert_b).json()
    assert [sheet["assessor_sub"] for sheet in own] == ["body-b"]

    # 自评 (5.2.5.5) is kept apart from the panel's scores
    self_evaluation = pg_client.put(
        f"/api/v1/rounds/{round_id}/self-evaluation",
        json={"scores": marks, "report": "项目全面完成。"},
        headers=as_user("provider-system", "external_system"),
    )
    assert self_evaluation.status_code == 200, self_evaluation.text

    def scores(le: str) -> float:
        return REGISTRY.get_sample_value("evaluation_published_score_bucket", {"le": le}) or 0

    below_95, up_to_100 = scores("95.0"), scores("100.0")
    published = pg_client.post(f"/api/v1/rounds/{round_id}/publish", headers=federation)

    assert published.status_code == 200, published.text
    result = published.json()
    score = result["score"]
    # mean of 4.5 and 4.0; archives mean 1.5 (experts in 高 and 低 → flagged for discussion)
    assert score["factors"]["funds.budget_execution"]["points"] == 4.25
    assert score["factors"]["funds.budget_execution"]["band_rule"] == "gap"
    assert score["factors"]["funds.budget_execution"]["evidence"][0]["title"] == "年度决算表"
    assert score["factors"]["implementation.archives"]["points"] == 1.5
    assert result["disagreements"] == [
        {"factor": "implementation.archives", "bands": {"body-b": "low", "expert-a": "high"}}
    ]
    assert score["total"] == 100 - 6 + 4.25 - 2 + 1.5 - 8 + 6
    # The dashboard's score distribution (a result of 95.75 falls in the 95-100 bucket).
    assert (scores("95.0"), scores("100.0")) == (below_95, up_to_100 + 1)
    assert score["indicators"]["satisfaction_rate"]["met"] is True  # 5.4.3: 190/200 = 95%
    assert result["self_evaluation"]["total"] == 98
    assert result["self_evaluation"]["difference_to_panel"]["funds.budget_execution"] == 1.75

    # The round is locked: a sheet cannot change without a revision.
    locked = pg_client.put(f"/api/v1/rounds/{round_id}/sheet", json={"scores": sheet_a}, headers=expert_a)
    assert locked.status_code == 409

    [event] = [row for row in outbox_rows(pg_settings) if row["topic"] == "evaluation.project"]
    assert event["event_type"] == "cn.jiading.evaluation.project.scored.v1"
    assert event["event_key"] == project["id"]
    payload = json.loads(event["payload"])
    assert payload["version"] == 1
    assert payload["total"] == score["total"]
    assert payload["scoring_model_id"] == "db31114-z017-2025"

    # A later change needs a reason and makes version 2; version 1 stays.
    no_reason = pg_client.post(f"/api/v1/rounds/{round_id}/revisions", json={"sheets": {}}, headers=federation)
    assert no_reason.status_code == 422
    revised = pg_client.post(
        f"/api/v1/rounds/{round_id}/revisions",
        json={
            "reason": "复核档案后更正",
            "sheets": {"body-b": {"scores": {**sheet_b, "implementation.archives": 1.8}}},
        },
        headers=federation,
    )
    assert revised.status_code == 201, revised.text
    assert revised.json()["version"] == 2
    assert revised.json()["score"]["factors"]["implementation.archives"]["points"] == 1.9
    versions = pg_client.get(f"/api/v1/rounds/{round_id}/results", headers=expert_a).json()
    assert [(item["version"], item["reason"]) for item in versions] == [(1, None), (2, "复核档案后更正")]
    first = pg_client.get(f"/api/v1/rounds/{round_id}/results/1", headers=expert_a).json()
    assert first["score"]["factors"]["implementation.archives"]["points"] == 1.5
    history = pg_client.get(f"/api/v1/rounds/{round_id}/history", headers=federation).json()
    assert history[-1] == {
        "assessor_sub": "body-b",
        "changed_by": "federation-1",
        "changed_at": history[-1]["changed_at"],
        "reason": "复核档案后更正",
        "changes": ["implementation.archives: 1.0 → 1.8"],
    }
    assert len([row for row in outbox_rows(pg_settings) if row["topic"] == "evaluation.project"]) == 2

    exported = pg_client.get(
        f"/api/v1/rounds/{round_id}/results/2/export", params={"format": "csv"}, headers=federation
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    factor_rows = {row["code"]: row for row in rows if row["row"] == "factor"}
    assert len(factor_rows) == 19
    assert factor_rows["funds.budget_execution"]["band"] == "medium"
    assert factor_rows["funds.budget_execution"]["allowed"] == "4.8 > X ≥ 3.6"
    assert [row["points"] for row in rows if row["row"] == "total"] == [f"{revised.json()['score']['total']:g}"]
    as_json = pg_client.get(f"/api/v1/rounds/{round_id}/results/2/export", headers=federation)
    assert json.loads(as_json.content)["score"]["total"] == revised.json()["score"]["total"]


def test_records_prove_vetoes(pg_client: TestClient, as_user: Headers) -> None:
    federation = as_user("federation-1", "federation_admin")
    project = new_project(pg_client, as_user)
    pid = project["id"]
    # DB31114/Z 017-2025 表 A.2 安全管理 (accident) and 表 A.3 预算管理 / 5.3.4.2 (adjusted without the procedure)
    record(
        pg_client,
        as_user,
        pid,
        "safety-incidents",
        {"occurred_on": "2025-07-01", "description": "服务对象跌倒骨折", "accident": True},
    )
    record(
        pg_client,
        as_user,
        pid,
        "budget-adjustments",
        {"requested_on": "2025-05-01", "amount": "150000", "reason": "私自调整", "status": "unapproved"},
    )
    created = pg_client.post(
        f"/api/v1/projects/{pid}/rounds",
        json={"name": "中期评估", "panel": [{"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"}]},
        headers=federation,
    ).json()
    marks = full_marks(pg_client, federation)
    # adjustment ratio 15% → 表 A.3 预算管理 低 (3 > X ≥ 0); no expenditure → 预算执行率 0 → 低; output 0 → 低
    # nothing mobilised, no article, no recognition → 低 for 资源动员, 沟通与信息上报, 影响目标 (表 A.2, 表 A.4)
    sheet = {
        **marks,
        "funds.budget_adjustment": 2,
        "funds.budget_execution": 1,
        "effectiveness.output": 1,
        "implementation.resource_mobilization": 1,
        "implementation.communication_reporting": 1,
        "effectiveness.impact": 2,
    }
    response = pg_client.put(
        f"/api/v1/rounds/{created['id']}/sheet", json={"scores": sheet}, headers=as_user("expert-a", "assessor")
    )
    assert response.status_code == 200, response.text

    published = pg_client.post(f"/api/v1/rounds/{created['id']}/publish", headers=federation).json()

    score = published["score"]
    assert [veto["code"] for veto in score["vetoes_applied"]] == ["safety_accident", "unapproved_budget_adjustment"]
    assert score["groups"]["implementation"] == 0
    assert score["factors"]["funds.budget_adjustment"]["points"] == 0
    assert published["vetoes_from_records"] == ["safety_accident", "unapproved_budget_adjustment"]


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        (
            "activities",
            {
                "planned_activity_id": "7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00",
                "held_on": "2025-01-01",
                "persons_served": 1,
                "signed_in": 1,
            },
            "body.planned_activity_id",
        ),
        (
            "expenditures",
            {"spent_on": "2025-01-01", "amount": "-5", "category": "other", "description": "x"},
            "body.amount",
        ),
        ("articles", {"title": "x", "channel": "tv", "published_on": "2025-01-01"}, "body.channel"),
        (
            "budget-adjustments",
            {"requested_on": "2025-01-01", "amount": "1", "reason": "x", "status": "maybe"},
            "body.status",
        ),
    ],
)
def test_bad_actuals_name_the_field_and_write_nothing(
    pg_client: TestClient,
    pg_settings: EvaluationSettings,
    as_user: Headers,
    kind: str,
    body: dict[str, Any],
    field: str,
) -> None:
    project = new_project(pg_client, as_user)
    response = pg_client.post(
        f"/api/v1/projects/{project['id']}/{kind}", json=body, headers=as_user("federation-1", "federation_admin")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field
    table = {
        "activities": "activity_record",
        "expenditures": "expenditure",
        "articles": "article",
        "budget-adjustments": "budget_adjustment",
    }[kind]
    assert query_rows(pg_settings, f"SELECT id FROM {table}") == []


def test_project_bid_is_checked(pg_client: TestClient, as_user: Headers) -> None:
    federation = as_user("federation-1", "federation_admin")
    provider = pg_client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    body = project_body(provider["id"])
    # DB31114/Z 017-2025 5.2.2.4: target groups are among the six disability types
    bad_type = pg_client.post(
        "/api/v1/projects", json={**body, "target_disability_types": ["elderly"]}, headers=federation
    )
    assert bad_type.status_code == 422
    assert bad_type.json()["errors"][0]["field"].startswith("body.target_disability_types")
    unknown_provider = pg_client.post(
        "/api/v1/projects", json={**body, "provider_id": "7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00"}, headers=federation
    )
    assert unknown_provider.status_code == 422
    assert unknown_provider.json()["errors"][0]["field"] == "body.provider_id"
    created = pg_client.post("/api/v1/projects", json=body, headers=federation)
    assert created.status_code == 201
    assert created.json()["budget_planned"] == "1000000.00"
    assert [item["name"] for item in created.json()["planned_activities"]] == ["康复训练", "融合活动"]


def test_evidence_must_be_a_document_for_a_known_factor(pg_client: TestClient, as_user: Headers) -> None:
    project = new_project(pg_client, as_user)
    headers = {**as_user("federation-1", "federation_admin"), "Content-Type": "application/pdf"}
    url = f"/api/v1/projects/{project['id']}/evidence"
    unknown = pg_client.post(url, params={"factor": "funds.nothing", "title": "x"}, content=PDF, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query.factor"
    not_a_document = pg_client.post(
        url, params={"factor": "funds.budget_execution", "title": "x"}, content=b"hello", headers=headers
    )
    assert not_a_document.status_code == 415
    stored = pg_client.post(
        url, params={"factor": "implementation.archives", "title": "档案目录"}, content=PDF, headers=headers
    )
    assert stored.status_code == 201
    file = pg_client.get(f"{url}/{stored.json()['id']}/file", headers=headers)
    assert file.content == PDF
    assert file.headers["content-type"] == "application/pdf"


def test_provider_qualification_documents(pg_client: TestClient, as_user: Headers) -> None:
    # DB31114/Z 017-2025 5.1.2.5: 机构概况、年度财务报表、规范化评估等级证书
    federation = as_user("federation-1", "federation_admin")
    provider = pg_client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    url = f"/api/v1/providers/{provider['id']}/documents"
    headers = {**federation, "Content-Type": "application/pdf"}

    stored = pg_client.post(
        url, params={"kind": "evaluation_grade_certificate", "title": "3A 证书"}, content=PDF, headers=headers
    )
    wrong_kind = pg_client.post(url, params={"kind": "selfie", "title": "x"}, content=PDF, headers=headers)

    assert stored.status_code == 201, stored.text
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["errors"][0]["field"] == "query.kind"
    listed = pg_client.get(url, headers=as_user("a", "assessor")).json()
    assert [(item["kind"], item["title"]) for item in listed] == [("evaluation_grade_certificate", "3A 证书")]
