"""The scoring model and providers over HTTP, against a migrated SQLite database and the outbox."""

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient

from evaluation.main import build_app
from evaluation.scoring.rules import scoring_model_problems
from evaluation.scoring.service import model_in_force, scoring_models
from evaluation.settings import EvaluationSettings
from jiading_shared.testing.services import api_fixtures, bearer_header, outbox_rows, query_rows

USCC = "91310114MA1GT12348"


settings, client = api_fixtures(EvaluationSettings, build_app)


def auth(settings: EvaluationSettings, *roles: str) -> dict[str, str]:
    return bearer_header(settings, *roles, sub="federation-1")


PROVIDER = {
    "name": "嘉定区阳光助残服务社",
    "unified_social_credit_code": USCC.lower(),
    "contact_name": "王老师",
    "contact_phone": "+86 138 1234 5678",
}

# --- scoring model -------------------------------------------------------------------------------------------------


def test_current_scoring_model(client: TestClient, settings: EvaluationSettings) -> None:
    response = client.get("/api/v1/scoring-models/current", headers=auth(settings, "third_party_assessor"))

    assert response.status_code == 200, response.text
    model = response.json()
    # DB 31114/Z 017-2025 4.2, Table 1: 4 groups, 19 factors, 100 points.
    assert model["id"] == "db31114-z017-2025"
    assert [(group["code"], group["name"], group["max_points"]) for group in model["groups"]] == [
        ("team", "项目团队", 10),
        ("implementation", "项目实施", 26),
        ("funds", "资金管理", 26),
        ("effectiveness", "项目效能", 38),
    ]
    factors = {factor["code"]: factor["max_points"] for group in model["groups"] for factor in group["factors"]}
    assert len(factors) == 19
    assert sum(factors.values()) == 100
    assert factors["implementation.progress"] == 10
    assert factors["effectiveness.impact"] == 8


def test_no_scoring_model_before_the_standard_took_effect(client: TestClient, settings: EvaluationSettings) -> None:
    # DB 31114/Z 017-2025 took effect on 2025-02-12.
    before = client.get(
        "/api/v1/scoring-models/current", params={"on": "2025-02-11"}, headers=auth(settings, "assessor")
    )
    on_the_day = client.get(
        "/api/v1/scoring-models/current", params={"on": "2025-02-12"}, headers=auth(settings, "assessor")
    )

    assert before.status_code == 404
    assert before.headers["content-type"] == "application/problem+json"
    assert on_the_day.status_code == 200


def test_scoring_model_needs_an_evaluator(client: TestClient, settings: EvaluationSettings) -> None:
    assert client.get("/api/v1/scoring-models/current").status_code == 401
    assert client.get("/api/v1/scoring-models/current", headers=auth(settings, "collector")).status_code == 403


def test_shipped_scoring_models_keep_their_rules() -> None:
    # DB 31114/Z 017-2025 Table 1: 19 factors, 100 points.
    [model] = scoring_models()
    assert scoring_model_problems(model) == []
    assert model_in_force(scoring_models(), date(2026, 1, 1)) is model


def test_scoring_rule_catches_broken_models() -> None:
    model = scoring_models()[0]
    funds = model.groups[2]
    broken = model.model_copy(
        update={
            "groups": [
                *model.groups[:2],
                funds.model_copy(update={"factors": [*funds.factors, funds.factors[0]]}),
                model.groups[3],
            ]
        }
    )

    assert scoring_model_problems(broken) == [
        "factor code funds.budget_execution appears 2 times",
        "group funds has 26 points but its factors add up to 32",
        "the factors add up to 106 points, not 100",
    ]


# --- providers -----------------------------------------------------------------------------------------------------


def test_register_provider(client: TestClient, settings: EvaluationSettings) -> None:
    response = client.post("/api/v1/providers", json=PROVIDER, headers=auth(settings, "federation_admin"))

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["unified_social_credit_code"] == USCC
    assert created["contact_phone"] == "138****5678"
    assert response.headers["location"] == f"/api/v1/providers/{created['id']}"
    [event] = outbox_rows(settings)
    assert event["event_type"] == "cn.jiading.evaluation.provider.registered.v1"
    assert event["topic"] == "evaluation.provider"
    assert event["event_key"] == created["id"]
    assert "13812345678" not in event["payload"]
    assert json.loads(event["payload"])["unified_social_credit_code"] == USCC
    [stored] = query_rows(settings, "SELECT contact_phone_ciphertext FROM provider")
    assert "13812345678" not in stored["contact_phone_ciphertext"]

    read = client.get(f"/api/v1/providers/{created['id']}", headers=auth(settings, "assessor"))
    assert read.json() == created


def test_provider_registration_needs_the_federation(client: TestClient, settings: EvaluationSettings) -> None:
    assert client.post("/api/v1/providers", json=PROVIDER).status_code == 401
    forbidden = client.post("/api/v1/providers", json=PROVIDER, headers=auth(settings, "assessor"))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unified_social_credit_code": "91310114MA1GT12349"}, "body.unified_social_credit_code"),  # check character
        ({"contact_phone": "12345"}, "body.contact_phone"),
        ({"name": ""}, "body.name"),
    ],
)
def test_invalid_provider_names_the_field(
    client: TestClient, settings: EvaluationSettings, change: dict[str, str], field: str
) -> None:
    response = client.post("/api/v1/providers", json={**PROVIDER, **change}, headers=auth(settings, "federation_admin"))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_same_credit_code_conflicts_and_nothing_more_is_written(
    client: TestClient, settings: EvaluationSettings
) -> None:
    headers = auth(settings, "federation_admin")
    client.post("/api/v1/providers", json=PROVIDER, headers=headers)

    response = client.post("/api/v1/providers", json={**PROVIDER, "name": "另一家机构"}, headers=headers)

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "body.unified_social_credit_code"
    assert query_rows(settings, "SELECT name FROM provider") == [{"name": PROVIDER["name"]}]
    assert len(outbox_rows(settings)) == 1


def test_unknown_provider_is_not_found(client: TestClient, settings: EvaluationSettings) -> None:
    response = client.get(
        "/api/v1/providers/7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00", headers=auth(settings, "federation_admin")
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
