"""`python -m evaluation.bench`: how fast the evaluation service scores.

1. Pure scoring: `rules.score` of a fully measured project (19 factors, all bands fixed, two vetoes), per call.
2. `POST /api/v1/scoring/preview` in-process (FastAPI app, one transaction per request): `--previews` requests,
   latency p50/p95/p99.
3. A round on a large project: `--activities` activity records (plus expenditures, surveys, articles), a panel of
   `--panel` assessors each submitting a full sheet (every sheet is checked against the measured bands), then the
   round is previewed and published (measures from all records, aggregation, vetoes, result stored, event queued).

Runs on PostgreSQL (TEST_DATABASE_URL, a local server, or a throwaway one from the machine's binaries, as the tests
do) and falls back to SQLite when none is available. Figures only, no pass/fail — docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

from evaluation.main import build_app
from evaluation.projects.models import ActivityRecord, Article, Expenditure, SatisfactionSurvey
from evaluation.scoring import rules
from evaluation.scoring.models import MeasureInputs
from evaluation.scoring.service import scoring_models
from evaluation.settings import EvaluationSettings
from jiading_shared.db import Database
from jiading_shared.testing.services import bearer_header

PROVIDER = {
    "name": "基准测试助残服务社",
    "unified_social_credit_code": "91310114MA1GT12348",
    "contact_name": "王老师",
    "contact_phone": "13812345678",
}
MEASURES = {
    "budget_actual": 960000,
    "budget_planned": 1000000,
    "persons_done": 480,
    "persons_planned": 500,
    "frequencies_done": 40,
    "frequencies_planned": 40,
    "satisfied": 190,
    "satisfied_planned": 200,
    "budget_adjustment_ratio": 0.04,
    "progress_aspects_matched": 5,
    "mobilised_audiences": 5,
    "articles_in_year": 4,
    "articles_in_first_half": 1,
    "quality_target_completion_rate": 0.9,
    "district_recognitions": 2,
    "above_district_recognitions": 1,
    "complaints_valid": 1,
    "complaints_handled_in_time": 1,
}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(label: str, samples_ms: list[float]) -> None:
    print(
        f"{label}: n={len(samples_ms)} p50={percentile(samples_ms, 0.5):.2f} ms "
        f"p95={percentile(samples_ms, 0.95):.2f} ms p99={percentile(samples_ms, 0.99):.2f} ms "
        f"mean={statistics.fmean(samples_ms):.2f} ms"
    )


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return (time.perf_counter() - started) * 1000, value


def valid_scores() -> dict[str, float]:
    """Points inside the bands MEASURES fix, and the top of the range for unmeasured factors."""
    model = scoring_models()[0]
    measures = rules.derive_measures(MeasureInputs(**MEASURES), model)
    decisions = rules.decide_bands(model, measures)
    scores: dict[str, float] = {}
    for factor in model.factors:
        lowest, highest, inclusive = rules.allowed_range(factor, decisions[factor.code])
        scores[factor.code] = float(highest if inclusive else (lowest + highest) / 2)
    return scores


def bench_pure(iterations: int) -> None:
    model = scoring_models()[0]
    measures = rules.derive_measures(MeasureInputs(**MEASURES), model)
    points = {code: rules.exact(value) for code, value in valid_scores().items()}
    inputs = rules.ScoreInputs(measures=measures, points=points, vetoes={"misappropriation", "safety_accident"})
    started = time.perf_counter()
    for _ in range(iterations):
        rules.score(model, inputs)
    elapsed = time.perf_counter() - started
    print(f"pure score(): {iterations} evaluations in {elapsed:.2f} s = {elapsed / iterations * 1e6:.0f} µs each")


def database_url(tmp: Path) -> tuple[str, Callable[[], None]]:
    try:
        from jiading_shared.testing.postgres import create_database, drop_database, server_url

        admin_url, throwaway = server_url()
        url = create_database(admin_url)

        def cleanup() -> None:
            drop_database(admin_url, url)
            if throwaway is not None:
                throwaway.stop()

        return url, cleanup
    except Exception as exc:  # no PostgreSQL here: measure on SQLite and say so
        print(f"PostgreSQL unavailable ({type(exc).__name__}); measuring on SQLite")
        return f"sqlite:///{tmp}/evaluation-bench.db", lambda: None


def bulk_records(db: Database, project_id: uuid.UUID, activity_ids: list[uuid.UUID], activities: int) -> None:
    now = datetime.now(UTC)
    bookkeeping = {"project_id": project_id, "recorded_by": "bench", "recorded_at": now}
    start = date(2025, 1, 1)
    with db.session() as session:
        session.execute(
            insert(ActivityRecord),
            [
                {
                    "id": uuid.uuid4(),
                    "planned_activity_id": activity_ids[index % len(activity_ids)],
                    "held_on": start + timedelta(days=index % 360),
                    "persons_served": 12,
                    "signed_in": 12,
                    **bookkeeping,
                }
                for index in range(activities)
            ],
        )
        session.execute(
            insert(Expenditure),
            [
                {
                    "id": uuid.uuid4(),
                    "spent_on": start + timedelta(days=index % 360),
                    "amount_fen": 96_000,
                    "category": "business_activity",
                    "description": "活动经费",
                    **bookkeeping,
                }
                for index in range(1000)
            ],
        )
        session.execute(
            insert(Article),
            [
                {
                    "id": uuid.uuid4(),
                    "title": f"通讯 {index}",
                    "channel": "wechat",
                    "published_on": start + timedelta(days=index * 60),
                    **bookkeeping,
                }
                for index in range(5)
            ],
        )
        session.execute(
            insert(SatisfactionSurvey),
            [
                {
                    "id": uuid.uuid4(),
                    "surveyed_on": date(2025, 12, 1),
                    "respondents": 20,
                    "project_setting": 20,
                    "service_attitude": 20,
                    "service_quality": 19,
                    "work_efficiency": 20,
                    "integrity": 20,
                    "needs_met": 20,
                    **bookkeeping,
                }
                for _ in range(10)
            ],
        )


def bench_service(previews: int, activities: int, panel: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        url, cleanup = database_url(tmp)
        try:
            settings = EvaluationSettings(
                database_url=url,
                kafka_enabled=False,
                schedulers_enabled=False,
                migrate_on_start=True,
                log_json=True,
                log_level="WARNING",
                blob_dir=str(tmp / "blobs"),
            )
            print(f"database: {url.split('@')[-1] if '@' in url else url}")
            with TestClient(build_app(settings)) as client:
                run_service_bench(client, settings, previews, activities, panel)
        finally:
            cleanup()


def run_service_bench(
    client: TestClient, settings: EvaluationSettings, previews: int, activities: int, panel: int
) -> None:
    assessor = bearer_header(settings, "assessor", sub="bench")
    body = {"measures": MEASURES, "scores": valid_scores(), "vetoes": {"safety_accident": False}}
    for _ in range(20):  # warm-up
        client.post("/api/v1/scoring/preview", json=body, headers=assessor)
    samples = []
    for _ in range(previews):
        elapsed, response = timed(lambda: client.post("/api/v1/scoring/preview", json=body, headers=assessor))
        assert response.status_code == 200, response.text
        samples.append(elapsed)
    report("POST /scoring/preview", samples)

    federation = bearer_header(settings, "federation_admin", sub="bench-federation")
    provider = client.post("/api/v1/providers", json=PROVIDER, headers=federation).json()
    project = client.post(
        "/api/v1/projects",
        json={
            "provider_id": provider["id"],
            "name": "基准项目",
            "service_year": 2025,
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "target_disability_types": ["physical", "visual", "hearing"],
            "budget_planned": "1000000.00",
            "satisfied_planned": 200,
            "staffing_plan": [{"role": "社工", "count": 5}],
            "schedule": [{"task": "全年服务", "start": "2025-01-01", "end": "2025-12-31"}],
            "planned_activities": [
                {
                    "name": f"活动 {index}",
                    "planned_persons": activities * 12 // 20,
                    "planned_frequency": activities // 20,
                }
                for index in range(20)
            ],
        },
        headers=federation,
    ).json()
    db = Database(settings.database_url)
    try:
        elapsed, _ = timed(
            lambda: bulk_records(
                db,
                uuid.UUID(project["id"]),
                [uuid.UUID(item["id"]) for item in project["planned_activities"]],
                activities,
            )
        )
    finally:
        db.dispose()
    print(f"loaded {activities} activity records, 1000 expenditures, 10 surveys in {elapsed:.0f} ms")
    elapsed, response = timed(lambda: client.get(f"/api/v1/projects/{project['id']}/measures", headers=federation))
    print(f"GET /projects/{{id}}/measures: {elapsed:.1f} ms -> {response.json()['measures']['persons_done']} persons")
    created = client.post(
        f"/api/v1/projects/{project['id']}/rounds",
        json={
            "name": "基准评估",
            "panel": [
                {"assessor_sub": f"expert-{index}", "name": f"专家 {index}", "kind": "expert"} for index in range(panel)
            ],
            "observed_measures": {"progress_aspects_matched": 5, "quality_target_completion_rate": 0.9},
        },
        headers=federation,
    ).json()
    preview = client.get(f"/api/v1/rounds/{created['id']}/preview", headers=federation)
    scores = {code: value for code, value in preview.json()["score"]["factors"].items()}
    sheet = {
        code: (factor["allowed"][1] if factor["allowed_text"].split()[1] == "≥" else factor["allowed"][0])
        for code, factor in scores.items()
    }
    sheet_samples = []
    for index in range(panel):
        headers = bearer_header(settings, "assessor", sub=f"expert-{index}")
        elapsed, response = timed(
            lambda headers=headers: client.put(
                f"/api/v1/rounds/{created['id']}/sheet", json={"scores": sheet}, headers=headers
            )
        )
        assert response.status_code == 200, response.text
        sheet_samples.append(elapsed)
    report(f"PUT /rounds/{{id}}/sheet ({activities} activity records)", sheet_samples)
    elapsed, response = timed(lambda: client.get(f"/api/v1/rounds/{created['id']}/preview", headers=federation))
    print(f"GET /rounds/{{id}}/preview (panel {panel}): {elapsed:.1f} ms")
    elapsed, response = timed(lambda: client.post(f"/api/v1/rounds/{created['id']}/publish", headers=federation))
    assert response.status_code == 200, response.text
    print(f"POST /rounds/{{id}}/publish (panel {panel}): {elapsed:.1f} ms, total {response.json()['score']['total']}")
    elapsed, response = timed(
        lambda: client.get(
            f"/api/v1/rounds/{created['id']}/results/1/export", params={"format": "csv"}, headers=federation
        )
    )
    print(f"GET /rounds/{{id}}/results/1/export?format=csv: {elapsed:.1f} ms, {len(response.content)} bytes")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000, help="pure score() evaluations")
    parser.add_argument("--previews", type=int, default=500, help="POST /scoring/preview requests")
    parser.add_argument("--activities", type=int, default=20000, help="activity records of the large project")
    parser.add_argument("--panel", type=int, default=7, help="assessors on the panel")
    args = parser.parse_args(argv)
    bench_pure(args.iterations)
    bench_service(args.previews, args.activities, args.panel)


if __name__ == "__main__":
    main()
