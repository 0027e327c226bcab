"""The exact contract `POST /api/v1/scoring/preview` (scores without saving) and the scoring model's admin API."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evaluation.main import build_app
from evaluation.scoring.service import scoring_models, today_in_china
from evaluation.settings import EvaluationSettings
from jiading_shared.testing.services import api_fixtures, bearer_header, outbox_rows, query_rows

settings, client = api_fixtures(EvaluationSettings, build_app)

CONTRACT = {
    "measures": {
        "budget_actual": 950000,
        "budget_planned": 1000000,
        "persons_done": 480,
        "persons_planned": 500,
        "frequencies_done": 40,
        "frequencies_planned": 40,
        "satisfied": 190,
        "satisfied_planned": 200,
        "budget_adjustment_ratio": 0.04,
    },
    "scores": {"funds.budget_execution": 4.5, "effectiveness.output": 9, "effectiveness.effect": 8.5},
    "vetoes": {
        "safety_accident": False,
        "spending_progress_mismatch": False,
        "unapproved_budget_adjustment": False,
        "misappropriation": False,
    },
}


def assessor(settings: EvaluationSettings) -> dict[str, str]:
    return bearer_header(settings, "assessor", sub="expert-a")


def preview(client: TestClient, settings: EvaluationSettings, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/scoring/preview", json=body, headers=assessor(settings))


def test_preview_contract(client: TestClient, settings: EvaluationSettings) -> None:
    response = preview(client, settings, CONTRACT)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["total"] == 22.0
    assert result["groups"] == {"team": 0.0, "implementation": 0.0, "funds": 4.5, "effectiveness": 17.5}
    execution = result["factors"]["funds.budget_execution"]
    # DB31114/Z 017-2025 5.3.1.2 formula (1): C = 950000/1000000 = 95%; 表 A.3: in no band → 中
    assert (execution["points"], execution["band"], execution["allowed"]) == (4.5, "medium", [3.6, 4.8])
    assert execution["measure"]["value"] == 0.95
    # 表 A.4 产出目标: min(96%, 100%) ≥ 95% → 高; 效果目标: 190/200 = 95% → 高
    assert result["factors"]["effectiveness.output"]["allowed"] == [8.0, 10.0]
    assert result["factors"]["effectiveness.effect"]["band"] == "high"
    # 表 A.3 预算管理: 4% is 小于 5% → 高 even unscored
    assert result["factors"]["funds.budget_adjustment"]["allowed"] == [4.0, 5.0]
    assert result["factors"]["funds.budget_adjustment"]["points"] is None
    assert result["vetoes_applied"] == []
    assert len(result["factors"]) == 19
    assert result["trace"]
    assert outbox_rows(settings) == []  # nothing saved


def test_preview_refuses_points_outside_the_band(client: TestClient, settings: EvaluationSettings) -> None:
    # DB31114/Z 017-2025 表 A.3 预算执行率: 95% → 中, so 5.0 (高) is refused naming the factor and range
    body = {**CONTRACT, "scores": {"funds.budget_execution": 5.0, "effectiveness.output": 7}}

    response = preview(client, settings, body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert set(errors) == {"body.scores.funds.budget_execution", "body.scores.effectiveness.output"}
    assert "4.8 > X ≥ 3.6" in errors["body.scores.funds.budget_execution"]
    assert "10 ≥ X ≥ 8" in errors["body.scores.effectiveness.output"]


def test_unmeasured_factor_takes_any_points_up_to_its_maximum(client: TestClient, settings: EvaluationSettings) -> None:
    ok = preview(client, settings, {"scores": {"funds.financial_management": 5, "team.staffing": 0}})
    too_many = preview(client, settings, {"scores": {"funds.financial_management": 5.01}})

    assert ok.status_code == 200
    assert ok.json()["factors"]["funds.financial_management"]["allowed"] == [0.0, 5.0]
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "body.scores.funds.financial_management"


def test_preview_applies_vetoes(client: TestClient, settings: EvaluationSettings) -> None:
    # DB31114/Z 017-2025 表 A.2 安全管理: 如有安全事故则整个项目管理为 0 分
    marks = {factor.code: factor.max_points for factor in scoring_models()[0].factors}
    body = {"scores": marks, "vetoes": {"safety_accident": True}}

    result = preview(client, settings, body).json()

    assert result["total"] == 74
    assert result["groups"]["implementation"] == 0
    assert [veto["code"] for veto in result["vetoes_applied"]] == ["safety_accident"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scores": {"funds.nothing": 1}}, "body.scores.funds.nothing"),
        ({"vetoes": {"bribery": True}}, "body.vetoes.bribery"),
        ({"measures": {"budget_actual": 1}}, "body.measures.budget_planned"),
        ({"measures": {"budget_planned": 0, "budget_actual": 0}}, "body.measures.budget_planned"),
        ({"measures": {"unknown": 1}}, "body.measures.unknown"),
        ({"measures": {"progress_aspects_matched": 6}}, "body.measures.progress_aspects_matched"),
    ],
)
def test_bad_preview_names_the_field(
    client: TestClient, settings: EvaluationSettings, body: dict[str, Any], field: str
) -> None:
    response = preview(client, settings, body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_preview_needs_an_evaluator(client: TestClient, settings: EvaluationSettings) -> None:
    assert client.post("/api/v1/scoring/preview", json=CONTRACT).status_code == 401
    forbidden = client.post(
        "/api/v1/scoring/preview", json=CONTRACT, headers=bearer_header(settings, "collector", sub="c")
    )
    assert forbidden.status_code == 403


# --- versions of the scoring model ---------------------------------------------------------------------------------


def test_new_model_version_takes_effect_later_and_keeps_the_old(
    client: TestClient, settings: EvaluationSettings
) -> None:
    federation = bearer_header(settings, "federation_admin", sub="federation-1")
    seed = client.get("/api/v1/scoring-models/current", headers=federation).json()
    start = today_in_china() + timedelta(days=30)
    # A notice reads the safety veto as the whole evaluation.
    vetoes = [
        {**veto, "scope": "evaluation", "target": None} if veto["code"] == "safety_accident" else veto
        for veto in seed["vetoes"]
    ]
    new = {**seed, "id": "db31114-z017-2025-notice-1", "effective_from": start.isoformat(), "vetoes": vetoes}

    created = client.post("/api/v1/scoring-models", json={"model": new, "reason": "区残联通知"}, headers=federation)

    assert created.status_code == 201, created.text
    assert client.get("/api/v1/scoring-models/current", headers=federation).json()["id"] == seed["id"]
    later = client.get("/api/v1/scoring-models/current", params={"on": start.isoformat()}, headers=federation)
    assert later.json()["id"] == "db31114-z017-2025-notice-1"
    listed = client.get("/api/v1/scoring-models", headers=federation).json()
    assert [(item["id"], item["source"]) for item in listed] == [
        (seed["id"], "seed"),
        ("db31114-z017-2025-notice-1", "admin"),
    ]
    again = client.post("/api/v1/scoring-models", json={"model": new, "reason": "again"}, headers=federation)
    assert again.status_code == 409
    assert len(query_rows(settings, "SELECT id FROM scoring_model")) == 1


def test_model_version_cannot_be_retroactive_or_broken(client: TestClient, settings: EvaluationSettings) -> None:
    federation = bearer_header(settings, "federation_admin", sub="federation-1")
    seed = client.get("/api/v1/scoring-models/current", headers=federation).json()
    today = {**seed, "id": "retro", "effective_from": today_in_china().isoformat()}
    broken = {
        **seed,
        "id": "broken",
        "effective_from": (today_in_china() + timedelta(days=5)).isoformat(),
        "total_points": 90,
    }

    retro = client.post("/api/v1/scoring-models", json={"model": today, "reason": "x"}, headers=federation)
    invalid = client.post("/api/v1/scoring-models", json={"model": broken, "reason": "x"}, headers=federation)
    by_assessor = client.post(
        "/api/v1/scoring-models", json={"model": broken, "reason": "x"}, headers=assessor(settings)
    )

    assert retro.status_code == 422
    assert retro.json()["errors"][0]["field"] == "body.model.effective_from"
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "body.model"
    assert by_assessor.status_code == 403


def test_safety_points_between_the_cap_and_the_medium_band_are_refused(
    client: TestClient, settings: EvaluationSettings
) -> None:
    # DB 31114/Z 017-2025 表 A.2 安全管理 低: "以上几个方面不符合要求的 0 分到 0.5 分".
    refused = preview(client, settings, {"scores": {"implementation.safety": 0.6}})
    capped = preview(client, settings, {"scores": {"implementation.safety": 0.5}})

    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["body.scores.implementation.safety"]
    assert "0.5 ≥ X ≥ 0" in refused.json()["errors"][0]["message"]
    assert capped.status_code == 200, capped.text
    assert capped.json()["factors"]["implementation.safety"]["band"] == "low"
