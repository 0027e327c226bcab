"""`python -m assist_desk.bench`: the performance targets of issue 5, measured on PostgreSQL.

1. Ticket creation: the service runs under uvicorn (`--workers`, default 2) on a fresh PostgreSQL database; `--clients`
   concurrent clients (default 50) each POST /api/v1/tickets until `--requests` tickets exist, first back to back
   (saturation: latency is mostly queueing), then paced (each client starts one every `--pace-ms`, default 1,000 ms,
   i.e. 50 desks offering 50 tickets/s); latency is measured client-side per request (p50/p95/p99, throughput).
   Broker off: the relay is not on the request path.
2. Institution summary: `--summary-tickets` tickets (default 200,000) spread over one year are bulk-loaded for one
   institution (with reviews, notices, rectifications and call-backs on a share of them); GET
   /api/v1/institutions/{id}/summary for the whole year is timed `--summary-runs` times, then the district summary
   (JSON and CSV) over the same year.

Figures only, no pass/fail (targets: creation p95 < 50 ms at 50 clients; summary < 2 s) — docs/benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from assist_desk import models_registry  # noqa: F401 (all tables)
from assist_desk.notices.models import OneTimeNotice
from assist_desk.reviews.models import CallbackTask, Rectification, Review
from assist_desk.settings import AssistSettings
from assist_desk.testing import MATTER, TOWN
from assist_desk.tickets.models import Ticket
from jiading_shared.auth import mint_token
from jiading_shared.db import Database
from jiading_shared.devtools.bench_http import LoadResult, run_clients, start_service, stop_service
from jiading_shared.testing.broker import free_port
from jiading_shared.testing.postgres import create_database, drop_database, server_url

FORMS = ["self_service", "accompanied", "video"]
CHANNELS = ["hotline_12345", "institution_phone", "online_text", "online_voice", "online_video", "in_hall"]
STATES = ["completed"] * 14 + ["resolved", "not_accepted", "ended_early", "guided_to_window", "in_service"]
FALLBACK = [None] * 9 + ["consultation", "coordination", "complaint", "not_accepted"]
LEVELS = ["very_satisfied"] * 5 + ["satisfied"] * 3 + ["basically_satisfied", "dissatisfied", "very_dissatisfied"]


def seed(base: str, settings: AssistSettings) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    office = {"Authorization": f"Bearer {mint_token(settings, sub='bench-office', roles=['service_office_admin'])}"}
    assistant = {"Authorization": f"Bearer {mint_token(settings, sub='bench-1', roles=['assistant'], town=TOWN)}"}
    with httpx.Client(base_url=base, timeout=30) as client:
        institution = client.post(
            "/api/v1/institutions",
            json={
                "kind": "centre",
                "name": "嘉定区政务服务中心",
                "town": TOWN,
                "assistance_forms": ["self_service", "accompanied", "fallback", "video"],
            },
            headers=office,
        ).json()
        member = client.post(
            f"/api/v1/institutions/{institution['id']}/staff",
            json={"name": "王帮办", "team": "general", "employment": "full_time", "source": "institution"},
            headers=assistant,
        ).json()
        client.post(
            f"/api/v1/staff/{member['id']}/trainings",
            json={"kind": "pre_job", "topic": "岗前培训", "trained_on": "2025-02-20", "hours": 8},
            headers=assistant,
        ).raise_for_status()
        client.post("/api/v1/matters", json=MATTER, headers=office).raise_for_status()
    return assistant, institution, member


async def create_tickets(
    base: str, headers: dict[str, str], institution: dict, member: dict, clients: int, total: int, pace_ms: float = 0
) -> LoadResult:
    """Each client posts tickets back to back (`pace_ms` 0: the service saturated), or starts one every `pace_ms`
    (a desk with think time: 50 desks at 1,000 ms offer 50 tickets/s)."""

    async def send(client: httpx.AsyncClient, n: int, _request: int) -> httpx.Response:
        body = {
            "institution_id": institution["id"],
            "channel": CHANNELS[n % len(CHANNELS)],
            "form": FORMS[n % len(FORMS)],
            "target": {"kind": "natural_person", "name": "张三明", "mobile": f"138{random.randint(0, 10**8 - 1):08d}"},
            "matter_code": "BIZ-001",
            "summary": "办理个体工商户设立登记",
            "staff_id": member["id"],
        }
        return await client.post("/api/v1/tickets", json=body, headers=headers)

    return await run_clients(base, send, clients=clients, total=total, pace_ms=pace_ms)


def bulk_load(database: Database, institution_id: str, staff_id: str, count: int, year_start: datetime) -> float:
    """`count` tickets over one year for the institution, and the records a summary reads; returns seconds."""
    rng = random.Random(22)
    institution = uuid.UUID(institution_id)
    staff = uuid.UUID(staff_id)
    started = time.perf_counter()
    batch = 5000
    for offset in range(0, count, batch):
        tickets, reviews, cases, notices, callbacks = [], [], [], [], []
        for _ in range(min(batch, count - offset)):
            received = year_start + timedelta(seconds=rng.randint(0, 364 * 86400))
            due = received + timedelta(days=rng.choice([1, 2, 3, 7]))
            state = rng.choice(STATES)
            finished = received + timedelta(hours=rng.randint(1, 120)) if state != "in_service" else None
            ticket_id = uuid.uuid4()
            tickets.append(
                {
                    "id": ticket_id,
                    "institution_id": institution,
                    "town": TOWN,
                    "channel": rng.choice(CHANNELS),
                    "form": rng.choice(FORMS),
                    "target_kind": "natural_person",
                    "matter_code": "BIZ-001",
                    "matter_version": 1,
                    "summary": "bench",
                    "state": state,
                    "fallback_type": rng.choice(FALLBACK),
                    "first_responder_id": staff,
                    "current_handler_id": staff,
                    "needs_staff_assistance": False,
                    "received_at": received,
                    "due_at": due,
                    "time_limit_rule": "bench",
                    "time_limit_explain": "bench",
                    "time_limit_provisional": False,
                    "policy_version": 1,
                    "finished_at": finished,
                    "created_by": "bench",
                    "overdue_at": due if finished is None or finished > due else None,
                }
            )
            if finished is not None and rng.random() < 0.3:
                review_id = uuid.uuid4()
                level = rng.choice(LEVELS)
                reviews.append(
                    {
                        "id": review_id,
                        "ticket_id": ticket_id,
                        "institution_id": institution,
                        "level": level,
                        "reviewed_at": finished,
                        "recorded_by": "bench",
                    }
                )
                if level in ("dissatisfied", "very_dissatisfied"):
                    cases.append(
                        {
                            "id": uuid.uuid4(),
                            "review_id": review_id,
                            "ticket_id": ticket_id,
                            "institution_id": institution,
                            "town": TOWN,
                            "state": rng.choice(["open", "closed"]),
                            "opened_at": finished,
                            "due_at": finished + timedelta(days=7),
                            "due_explain": "bench",
                            "policy_version": 1,
                        }
                    )
            if rng.random() < 0.1:
                notices.append(
                    {
                        "id": uuid.uuid4(),
                        "ticket_id": ticket_id,
                        "seq": 1,
                        "institution_id": institution,
                        "matter_code": "BIZ-001",
                        "matter_version": 1,
                        "items": [],
                        "missing_at_issue": [],
                        "in_hand_at_issue": [],
                        "breach": rng.random() < 0.05,
                        "breach_materials": [],
                        "issued_at": received,
                        "issued_by": "bench",
                    }
                )
            if finished is not None and rng.random() < 0.1:
                callbacks.append(
                    {
                        "id": uuid.uuid4(),
                        "ticket_id": ticket_id,
                        "institution_id": institution,
                        "town": TOWN,
                        "week_start": (finished - timedelta(days=finished.weekday())).date(),
                        "policy_version": 1,
                        "selected_at": finished,
                    }
                )
        with database.session() as session:
            for table, rows in (
                (Ticket, tickets),
                (Review, reviews),
                (Rectification, cases),
                (OneTimeNotice, notices),
                (CallbackTask, callbacks),
            ):
                if rows:
                    session.execute(insert(table.__table__), rows)  # type: ignore[attr-defined]
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m assist_desk.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pace-ms", type=float, default=1000, help="second, paced run: each client starts a ticket every PACE_MS"
    )
    parser.add_argument("--summary-tickets", type=int, default=200_000)
    parser.add_argument("--summary-runs", type=int, default=5)
    args = parser.parse_args(argv)

    admin_url, throwaway = server_url()
    url = create_database(admin_url, prefix="assist_bench")
    from jiading_shared.migrations import upgrade

    upgrade("assist_desk", url)
    settings = AssistSettings(database_url=url)
    port = free_port()
    env = {"DATABASE_URL": url, "KAFKA_ENABLED": "false", "SCHEDULERS_ENABLED": "false", "MIGRATE_ON_START": "false"}
    server = start_service("assist_desk", "ASSIST_", port, workers=args.workers, env=env)
    base = f"http://127.0.0.1:{port}"
    database = Database(url)
    try:
        headers, institution, member = seed(base, settings)
        # Warm-up: connections, imports, caches.
        asyncio.run(create_tickets(base, headers, institution, member, args.clients, args.clients * 2))
        for pace_ms in (0.0, args.pace_ms):
            result = asyncio.run(
                create_tickets(base, headers, institution, member, args.clients, args.requests, pace_ms)
            )
            mode = "back to back (saturated)" if not pace_ms else f"each client one ticket every {pace_ms:.0f} ms"
            print(
                f"ticket creation: {args.requests} tickets, {args.clients} concurrent clients {mode}, "
                f"{args.workers} uvicorn workers, PostgreSQL"
            )
            print(f"  {result.summary()}")

        year_start = datetime(2025, 1, 1, tzinfo=UTC)
        loaded = bulk_load(database, institution["id"], member["id"], args.summary_tickets, year_start)
        print(f"institution summary: {args.summary_tickets} tickets over 2025 loaded in {loaded:.1f} s")
        office = {"Authorization": f"Bearer {mint_token(settings, sub='bench-office', roles=['service_office_admin'])}"}
        timings: list[float] = []
        year = {"from": date(2025, 1, 1).isoformat(), "to": date(2025, 12, 31).isoformat()}
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(args.summary_runs):
                started = time.perf_counter()
                response = client.get(
                    f"/api/v1/institutions/{institution['id']}/summary",
                    params=year,
                    headers=office,
                )
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
        total = response.json()["tickets"]
        print(
            f"  whole-year summary over {total} tickets: median {statistics.median(timings):.0f} ms  "
            f"max {max(timings):.0f} ms  ({args.summary_runs} runs)"
        )
        for path in ("/api/v1/reports/district-summary", "/api/v1/reports/district-summary.csv"):
            timings = []
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(args.summary_runs):
                    started = time.perf_counter()
                    client.get(path, params=year, headers=office).raise_for_status()
                    timings.append((time.perf_counter() - started) * 1000)
            print(
                f"  whole-year {path.rsplit('/', 1)[1]}: median {statistics.median(timings):.0f} ms  "
                f"max {max(timings):.0f} ms  ({args.summary_runs} runs)"
            )
    finally:
        stop_service(server)
        database.dispose()
        drop_database(admin_url, url)
        if throwaway is not None:
            throwaway.stop()


if __name__ == "__main__":
    main()
