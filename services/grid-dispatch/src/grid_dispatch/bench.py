"""`python -m grid_dispatch.bench`: figures for the issue-4 targets, no pass/fail.

1. Routing decisions per second, in-process: a table of 200 rules and a directory of 500 unit grids (10 towns).
2. Incident creation latency (p50/p95/p99) with 50 concurrent HTTP clients against the service under uvicorn in its own
   processes on PostgreSQL (a fresh database on the server `jiading_shared.testing.postgres` finds), twice: back to
   back (saturation) and paced (each client files one incident every --pace-ms, default 1 s: 50 desks at 50/s).
3. Event-to-incident latency (p50/p95/p99): refusal.reported CloudEvents published to a tansu broker, measured until
   the incident row is committed by the service's own consumer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import create_engine, text

from grid_dispatch.departments.rules import UnitType
from grid_dispatch.incidents.rules import CompiledRouting, DepartmentEntry, RoutingInput, decide_route
from grid_dispatch.rulesets.models import RoutingBody, RoutingRule
from grid_dispatch.settings import GridSettings
from jiading_shared.auth import mint_token
from jiading_shared.devtools.bench_http import LoadResult, percentile, run_clients, start_service, stop_service
from jiading_shared.events.envelope import build_headers
from jiading_shared.migrations import upgrade
from jiading_shared.testing.broker import TansuBroker, free_port
from jiading_shared.testing.postgres import create_database, drop_database, server_url

TOWNS = [f"town-{index:02d}" for index in range(10)]
CATEGORIES = [f"cat_{index:02d}" for index in range(40)]
UNIT_TYPES = list(UnitType)


def routing_table(grids: list[tuple[str, str]], rules: int = 200) -> RoutingBody:
    rng = random.Random(7)
    table = []
    for index in range(rules):
        town, grid = rng.choice(grids)
        narrow = index % 3
        table.append(
            RoutingRule(
                rule_id=f"B{index:03d}",
                category=CATEGORIES[index % len(CATEGORIES)],
                towns=[town] if narrow == 1 else [],
                grids=[grid] if narrow == 2 else [],
                unit_type=rng.choice(UNIT_TYPES),
            )
        )
    return RoutingBody(rules=table, fallback_unit_type=None)


def bench_routing(decisions: int) -> float:
    grids = [(TOWNS[index % 10], f"G{index:03d}") for index in range(500)]
    directory = {
        town: {
            f"{town}-{unit_type.value}": DepartmentEntry(f"{town}-{unit_type.value}", unit_type, ())
            for unit_type in UNIT_TYPES
        }
        for town in TOWNS
    }
    compiled = CompiledRouting(routing_table(grids))
    rng = random.Random(11)
    inputs = [
        RoutingInput(rng.choice(CATEGORIES), town, grid, None)
        for town, grid in (rng.choice(grids) for _ in range(decisions))
    ]
    started = time.perf_counter()
    for data in inputs:
        decide_route(compiled, data, directory[data.town])
    return decisions / (time.perf_counter() - started)


def seed(base: str, token: str) -> None:
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=h, timeout=30) as client:
        client.post("/api/v1/grids", json={"code": "B-01", "name": "片区", "level": "sector_grid", "town": "jd-bench"})
        for index in range(20):
            client.post(
                "/api/v1/grids",
                json={
                    "code": f"B-01-{index:02d}",
                    "name": "网格",
                    "level": "grid",
                    "town": "jd-bench",
                    "parent_code": "B-01",
                },
            )
        for code, unit_type in (
            ("B-PS", "police_station"),
            ("B-CG", "enforcement_squad"),
            ("B-SJ", "market_regulation_office"),
        ):
            client.post(
                "/api/v1/departments",
                json={"code": code, "name": code, "town": "jd-bench", "unit_type": unit_type, "liaison_name": "联络人"},
            )


async def create_incidents(base: str, token: str, clients: int, total: int, pace_ms: float = 0.0) -> LoadResult:
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "category": "street_vending",
        "town": "jd-bench",
        "title": "占道",
        "description": "bench",
        "source": "hotline",
    }

    async def send(client: httpx.AsyncClient, number: int, request: int) -> httpx.Response:
        grid = f"B-01-{(number + request) % 20:02d}"
        return await client.post("/api/v1/incidents", json={**body, "grid": grid}, headers=headers)

    return await run_clients(base, send, clients=clients, total=total, pace_ms=pace_ms)


async def publish_refusals(bootstrap: str, events: int, rate: float) -> dict[str, float]:
    sent: dict[str, float] = {}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    try:
        for _ in range(events):
            room = str(uuid.uuid4())
            event_id = str(uuid.uuid4())
            payload = {
                "room_id": room,
                "house_code": "12345678",
                "town": "jd-bench",
                "area": "A",
                "grid": "B-01-01",
                "police_station": "B-PS",
                "refusals": 2,
                "last_visit_at": datetime.now(UTC).isoformat(),
            }
            sent[event_id] = time.time()
            await producer.send_and_wait(
                "collection.refusal",
                json.dumps(payload).encode(),
                key=room.encode(),
                headers=build_headers(
                    event_id=event_id,
                    source="/services/collection",
                    event_type="cn.jiading.collection.refusal.reported.v1",
                    subject=room,
                    time=datetime.now(UTC),
                ),
            )
            await asyncio.sleep(1 / rate)
    finally:
        await producer.stop()
    return sent


def event_latencies(url: str, sent: dict[str, float], timeout_s: float) -> list[float]:
    """Commit time of each incident (its reported_at, written in the consumer's transaction) minus publish time."""
    engine = create_engine(url)
    deadline = time.monotonic() + timeout_s
    rows: dict[str, float] = {}
    try:
        while time.monotonic() < deadline and len(rows) < len(sent):
            with engine.connect() as connection:
                for event_id, reported_at in connection.execute(
                    text("SELECT source_event_id, reported_at FROM incident WHERE source_event_id IS NOT NULL")
                ):
                    rows[event_id] = reported_at.timestamp()
            time.sleep(0.2)
    finally:
        engine.dispose()
    return [rows[event_id] - published for event_id, published in sent.items() if event_id in rows]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m grid_dispatch.bench", description=__doc__)
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000, help="incidents per creation run")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--pace-ms", type=float, default=1000, help="paced run: each client files one every PACE_MS")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--event-rate", type=float, default=100.0, help="events per second")
    args = parser.parse_args()

    rate = bench_routing(args.decisions)
    print(f"routing: {rate:,.0f} decisions/s (200 rules, 500 grids, {args.decisions:,} decisions, one core)")

    admin_url, throwaway = server_url()
    url = create_database(admin_url, prefix="gridbench")
    upgrade("grid_dispatch", url)
    broker = TansuBroker()
    broker.start()
    port = free_port()
    env = {
        "DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "SCHEDULERS_ENABLED": "false",
        "MIGRATE_ON_START": "false",
    }
    server = start_service("grid_dispatch", "GRID_", port, workers=args.workers, env=env)
    try:
        token = mint_token(GridSettings(database_url=url), sub="bench", roles=["dispatcher"], town="jd-bench")
        base = f"http://127.0.0.1:{port}"
        seed(base, token)
        asyncio.run(create_incidents(base, token, args.clients, args.clients * 2))  # warm-up
        for pace_ms in (0.0, args.pace_ms):
            result = asyncio.run(create_incidents(base, token, args.clients, args.requests, pace_ms))
            mode = "back to back (saturated)" if not pace_ms else f"each client one every {pace_ms:.0f} ms"
            print(
                f"incident creation: {args.requests} incidents, {args.clients} concurrent clients {mode}, "
                f"{args.workers} uvicorn workers, PostgreSQL, relay and consumer running"
            )
            print(f"  {result.summary()}")
        time.sleep(3)  # the consumers join their group
        sent = asyncio.run(publish_refusals(broker.bootstrap, args.events, args.event_rate))
        delays = event_latencies(url, sent, timeout_s=60)
        print(
            f"event to incident ({len(delays)}/{len(sent)} events at {args.event_rate:.0f}/s): "
            f"p50 {statistics.median(delays) * 1000:.1f} ms, p95 {percentile(delays, 0.95) * 1000:.1f} ms, "
            f"p99 {percentile(delays, 0.99) * 1000:.1f} ms"
        )
    finally:
        stop_service(server)
        broker.stop()
        drop_database(admin_url, url)
        if throwaway is not None:
            throwaway.stop()


if __name__ == "__main__":
    main()
