"""Concurrent publications, revisions and sheet writes of one round on PostgreSQL: the round row is locked, so the
requests run one after the other; those that lose the race get 409 problem+json, never a 500."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evaluation.main import build_app
from evaluation.settings import EvaluationSettings
from jiading_shared.testing.services import query_rows

from .conftest import PROVIDER, project_body

pytestmark = pytest.mark.postgres

RACERS = 4


def race(client: TestClient, method: str, path: str, bodies: list[Any], headers: list[dict[str, str]]) -> list[Any]:
    """Send the requests at once from threads released together by a barrier."""
    barrier = threading.Barrier(len(bodies))
    responses: list[Any] = [None] * len(bodies)

    def send(index: int) -> None:
        barrier.wait()
        responses[index] = client.request(method, path, json=bodies[index], headers=headers[index])

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture
def racing_client(pg_settings: EvaluationSettings) -> Any:
    # A 500 must show as a status here, not as an exception raised into one thread.
    with TestClient(build_app(pg_settings), raise_server_exceptions=False) as client:
        yield client


def scored_round(client: TestClient, as_user: Callable[..., dict[str, str]]) -> str:
    federation = as_user("federation-1", "federation_admin")
    provider = client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    project = client.post("/api/v1/projects", json=project_body(provider["id"]), headers=federation).json()
    round_id = client.post(
        f"/api/v1/projects/{project['id']}/rounds",
        json={"name": "终期评估", "panel": [{"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"}]},
        headers=federation,
    ).json()["id"]
    sheet = client.put(
        f"/api/v1/rounds/{round_id}/sheet",
        json={"scores": {"team.staffing": 2}},
        headers=as_user("expert-a", "assessor"),
    )
    assert sheet.status_code == 200, sheet.text
    return round_id


def statuses(responses: list[Any]) -> list[int]:
    return sorted(response.status_code for response in responses)


def test_concurrent_publications_one_wins_the_others_get_409(
    racing_client: TestClient, pg_settings: EvaluationSettings, as_user
) -> None:
    # DB 31114/Z 017-2025 4.1 (issue 7): publication locks the round; a second publication is refused, also in a race.
    round_id = scored_round(racing_client, as_user)
    federation = as_user("federation-1", "federation_admin")

    responses = race(
        racing_client, "POST", f"/api/v1/rounds/{round_id}/publish", [None] * RACERS, [federation] * RACERS
    )

    assert statuses(responses) == [200] + [409] * (RACERS - 1)
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"].endswith("round-published")
    assert query_rows(pg_settings, "SELECT version FROM round_result") == [{"version": 1}]


def test_concurrent_revisions_of_one_version_one_wins_the_others_get_409(
    racing_client: TestClient, pg_settings: EvaluationSettings, as_user
) -> None:
    # Revisions that name the version they correct: the first makes version 2, the others correct a superseded one.
    round_id = scored_round(racing_client, as_user)
    federation = as_user("federation-1", "federation_admin")
    assert racing_client.post(f"/api/v1/rounds/{round_id}/publish", headers=federation).status_code == 200
    bodies = [
        {"reason": f"更正 {index}", "revises_version": 1, "sheets": {"expert-a": {"scores": {"team.staffing": 1.5}}}}
        for index in range(RACERS)
    ]

    responses = race(racing_client, "POST", f"/api/v1/rounds/{round_id}/revisions", bodies, [federation] * RACERS)

    assert statuses(responses) == [201] + [409] * (RACERS - 1)
    losers = [response for response in responses if response.status_code == 409]
    assert all(response.headers["content-type"] == "application/problem+json" for response in losers)
    assert all(response.json()["errors"][0]["field"] == "body.revises_version" for response in losers)
    versions = query_rows(pg_settings, "SELECT version FROM round_result ORDER BY version")
    assert versions == [{"version": 1}, {"version": 2}]
    # Only the winner's sheet change is in the audit trail (the first submission plus one revision).
    assert len(query_rows(pg_settings, "SELECT id FROM score_sheet_change")) == 2


def test_concurrent_revisions_without_a_version_run_one_after_the_other(
    racing_client: TestClient, pg_settings: EvaluationSettings, as_user
) -> None:
    # Without revises_version each revision applies to the latest version: no 500, consecutive versions, no gap.
    round_id = scored_round(racing_client, as_user)
    federation = as_user("federation-1", "federation_admin")
    assert racing_client.post(f"/api/v1/rounds/{round_id}/publish", headers=federation).status_code == 200
    bodies = [
        {"reason": f"更正 {index}", "sheets": {"expert-a": {"scores": {"team.staffing": 1 + index / 10}}}}
        for index in range(RACERS)
    ]

    responses = race(racing_client, "POST", f"/api/v1/rounds/{round_id}/revisions", bodies, [federation] * RACERS)

    assert statuses(responses) == [201] * RACERS
    assert sorted(response.json()["version"] for response in responses) == list(range(2, RACERS + 2))
    rows = query_rows(pg_settings, "SELECT version FROM round_result ORDER BY version")
    assert [row["version"] for row in rows] == list(range(1, RACERS + 2))


def test_concurrent_first_sheets_of_one_assessor_make_one_sheet(
    racing_client: TestClient, pg_settings: EvaluationSettings, as_user
) -> None:
    # The same assessor submitting twice at once: no unique violation, one sheet, both changes in the audit trail.
    federation = as_user("federation-1", "federation_admin")
    provider = racing_client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    project = racing_client.post("/api/v1/projects", json=project_body(provider["id"]), headers=federation).json()
    round_id = racing_client.post(
        f"/api/v1/projects/{project['id']}/rounds",
        json={"name": "终期评估", "panel": [{"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"}]},
        headers=federation,
    ).json()["id"]
    expert = as_user("expert-a", "assessor")
    bodies = [{"scores": {"team.staffing": 1 + index / 10}} for index in range(RACERS)]

    responses = race(racing_client, "PUT", f"/api/v1/rounds/{round_id}/sheet", bodies, [expert] * RACERS)

    assert statuses(responses) == [200] * RACERS
    assert len(query_rows(pg_settings, "SELECT id FROM score_sheet")) == 1
    assert len(query_rows(pg_settings, "SELECT id FROM score_sheet_change")) == RACERS
