"""Regressions of what the API fuzz run found in the evaluation service (docs/fuzzing.md), on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from jiading_shared.types import INT4_MAX

from .conftest import PROVIDER, project_body

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("suffix", ["", "/export"])
def test_result_version_beyond_integer_is_a_422_naming_it(pg_client: TestClient, as_user, suffix: str) -> None:
    # Found: GET /rounds/{id}/results/2147483648 was a 500 (PostgreSQL: integer out of range).
    headers = as_user("federation", "federation_admin")
    round_id = uuid.uuid4()

    too_big = pg_client.get(f"/api/v1/rounds/{round_id}/results/{INT4_MAX + 1}{suffix}", headers=headers)
    largest = pg_client.get(f"/api/v1/rounds/{round_id}/results/{INT4_MAX}{suffix}", headers=headers)

    assert too_big.status_code == 422, too_big.text
    assert too_big.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in too_big.json()["errors"]] == ["path.version"]
    assert largest.status_code == 404, largest.text


def test_preview_documents_its_422_as_a_problem(pg_client: TestClient) -> None:
    # The route's own 422 entry replaced the app's and documented no content at all.
    responses = pg_client.get("/openapi.json").json()["paths"]["/api/v1/scoring/preview"]["post"]["responses"]
    assert list(responses["422"]["content"]) == ["application/problem+json"]


# --- non-finite and out-of-range numbers (audit: NaN, Infinity, 1e308 made 500s) -----------------------------------

JSON_BODY = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ('{"scores": {"funds.budget_execution": NaN}}', ["body.scores.funds.budget_execution"]),
        ('{"scores": {"funds.budget_execution": Infinity}}', ["body.scores.funds.budget_execution"]),
        ('{"scores": {"funds.budget_execution": -Infinity}}', ["body.scores.funds.budget_execution"]),
        ('{"scores": {"funds.budget_execution": 1e308}}', ["body.scores.funds.budget_execution"]),
        ('{"measures": {"budget_adjustment_ratio": Infinity}}', ["body.measures.budget_adjustment_ratio"]),
        ('{"measures": {"budget_adjustment_ratio": NaN}}', ["body.measures.budget_adjustment_ratio"]),
        ('{"measures": {"budget_actual": NaN, "budget_planned": 1}}', ["body.measures.budget_actual"]),
        (
            '{"measures": {"budget_actual": 1e308, "budget_planned": 1e-308}}',
            ["body.measures.budget_actual", "body.measures.budget_planned"],
        ),
        (
            '{"measures": {"persons_done": 1' + "0" * 400 + ', "persons_planned": 1}}',
            ["body.measures.persons_done"],
        ),
        ('{"measures": {"quality_target_completion_rate": NaN}}', ["body.measures.quality_target_completion_rate"]),
    ],
)
def test_preview_refuses_non_finite_and_huge_numbers_naming_the_field(
    pg_client: TestClient, as_user, raw: str, fields: list[str]
) -> None:
    # Found by the audit: NaN / Infinity in scores or measures and 1e308 / 1e-308 budgets were 500s (Fraction and
    # float overflow). A number that is not finite or lies beyond the bounds is bad input: 422 naming the field.
    response = pg_client.post(
        "/api/v1/scoring/preview", content=raw, headers={**as_user("expert-a", "assessor"), **JSON_BODY}
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert sorted(error["field"] for error in response.json()["errors"]) == fields


def test_preview_takes_tiny_and_edge_numbers(pg_client: TestClient, as_user) -> None:
    # The bounds are not too tight: a tiny positive score, the smallest budget (1 分) and the largest figures score.
    body = {
        "scores": {"team.staffing": 1e-300},
        "measures": {"budget_actual": 1e15, "budget_planned": 0.01, "budget_adjustment_ratio": 1e6},
    }
    response = pg_client.post("/api/v1/scoring/preview", json=body, headers=as_user("expert-a", "assessor"))

    assert response.status_code == 200, response.text
    assert response.json()["factors"]["funds.budget_adjustment"]["measured_band"] == "low"


def _open_round(client: TestClient, as_user) -> tuple[str, dict[str, str]]:
    federation = as_user("federation-1", "federation_admin")
    provider = client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    project = client.post("/api/v1/projects", json=project_body(provider["id"]), headers=federation).json()
    created = client.post(
        f"/api/v1/projects/{project['id']}/rounds",
        json={"name": "终期评估", "panel": [{"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"}]},
        headers=federation,
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], federation


@pytest.mark.parametrize("number", ["NaN", "Infinity", "1e308", "-1"])
def test_sheets_refuse_non_finite_and_out_of_range_points(pg_client: TestClient, as_user, number: str) -> None:
    # Same path as the preview: the assessor's sheet, the provider's self-evaluation and a revision's sheets.
    round_id, federation = _open_round(pg_client, as_user)
    expert = {**as_user("expert-a", "assessor"), **JSON_BODY}
    raw_sheet = '{"scores": {"team.staffing": NUMBER}}'.replace("NUMBER", number)

    sheet = pg_client.put(f"/api/v1/rounds/{round_id}/sheet", content=raw_sheet, headers=expert)
    own = pg_client.put(
        f"/api/v1/rounds/{round_id}/self-evaluation",
        content='{"scores": {"team.staffing": NUMBER}, "report": "自评报告"}'.replace("NUMBER", number),
        headers={**federation, **JSON_BODY},
    )
    assert (
        pg_client.put(
            f"/api/v1/rounds/{round_id}/sheet", json={"scores": {"team.staffing": 2}}, headers=expert
        ).status_code
        == 200
    )
    assert pg_client.post(f"/api/v1/rounds/{round_id}/publish", headers=federation).status_code == 200
    revision = pg_client.post(
        f"/api/v1/rounds/{round_id}/revisions",
        content='{"reason": "更正", "sheets": {"expert-a": SHEET}}'.replace("SHEET", raw_sheet),
        headers={**federation, **JSON_BODY},
    )

    for response, field in (
        (sheet, "body.scores.team.staffing"),
        (own, "body.scores.team.staffing"),
        (revision, "body.sheets.expert-a.scores.team.staffing"),
    ):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in response.json()["errors"]] == [field]


def test_observed_measures_refuse_nan(pg_client: TestClient, as_user) -> None:
    round_id, federation = _open_round(pg_client, as_user)

    response = pg_client.put(
        f"/api/v1/rounds/{round_id}/observed-measures",
        content='{"quality_target_completion_rate": NaN}',
        headers={**federation, **JSON_BODY},
    )

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["body.quality_target_completion_rate"]
