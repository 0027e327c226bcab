"""`python -m library_metrics.bench`: the compliance targets of issue 6 — a year's compliance for 1,000 facilities
over all rules (< 10 s on PostgreSQL) and one facility's compliance over HTTP (p95 < 100 ms).

A fresh PostgreSQL database (TEST_DATABASE_URL, else 127.0.0.1:5432, else a throwaway server) is migrated and filled
with a district of facilities in realistic proportions and a year of records each (opening pattern, events,
collection, acquisitions, monthly usage, shelving, shelf checks, requests, reference questions, complaints, surveys,
staff, training, volunteers). Prints figures; no pass/fail."""

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert

from jiading_shared.auth import mint_token
from jiading_shared.db import Database
from jiading_shared.migrations import upgrade
from jiading_shared.testing.postgres import create_database, drop_database, server_url
from jiading_shared.workdays import WorkdayCalendar
from library_metrics.compliance.rules import CHINA, Period
from library_metrics.compliance.service import evaluate_many
from library_metrics.facilities.models import Facility
from library_metrics.main import build_app
from library_metrics.records import models as m
from library_metrics.settings import LibrarySettings

YEAR = 2026
# Share of each tier among the district's facilities (the district library and the towns' libraries are few).
TIER_MIX = [
    ("district_library", 1),
    ("town_library", 12),
    ("cultural_centre", 12),
    ("cultural_subcentre", 6),
    ("village_reading_room", 300),
    ("activity_room", 300),
    ("farmhouse_library", 100),
    ("community_book_club", 100),
    ("home_study", 50),
    ("home_reading_point", 60),
    ("smart_library_24h", 20),
    ("migrant_e_reading_room", 20),
    ("other_extension_point", 19),
]
TOWNS = [f"jd-town-{i:02d}" for i in range(12)]
EVENTS_PER_YEAR = {"district_library": 220, "town_library": 25, "home_study": 22, "home_reading_point": 9}


def tiers_for(count: int) -> list[str]:
    total = sum(share for _tier, share in TIER_MIX)
    tiers = [tier for tier, share in TIER_MIX for _ in range(max(1, round(share * count / total)))]
    return tiers[:count]


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).astimezone(UTC)


def generate(url: str, count: int, seed: int = 7) -> list[uuid.UUID]:
    """Facilities and a year of their records, written with bulk inserts."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = create_engine(url)
    facilities: list[dict[str, Any]] = []
    rows: dict[Any, list[dict[str, Any]]] = {}

    def add(table: Any, facility_id: uuid.UUID, **values: Any) -> None:
        rows.setdefault(table, []).append(
            {"id": uuid.uuid4(), "facility_id": facility_id, "recorded_by": "bench", "recorded_at": now, **values}
        )

    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    for index, tier in enumerate(tiers_for(count)):
        facility_id = uuid.uuid4()
        facilities.append(
            {
                "id": facility_id,
                "tier": tier,
                "name": f"{tier}-{index}",
                "town": TOWNS[index % len(TOWNS)],
                "population_served": rng.randint(5_000, 300_000),
                "seats": rng.randint(5, 1200),
                "usable_area_m2": 4000,
                "public_service_area_m2": rng.randint(150, 3900),
                "floor_area_m2": 5000,
                "free_wifi": True,
                "film_projection": tier == "activity_room" and index % 3 == 0,
                "multi_storey": False,
                "entrance_ramp": True,
                "accessible_toilet": index % 5 != 0,
                "citywide_borrow_return": True,
                "free_service_items": ["阅读", "展览", "讲座", "培训", "演出", "电影", "亲子"],
                "registered_by": "bench",
                "registered_at": now,
            }
        )
        closes = "21:00" if tier == "district_library" else rng.choice(["17:00", "18:00", "20:00"])
        add(
            m.OpeningPattern,
            facility_id,
            effective_from=date(YEAR - 1, 1, 1),
            sessions=[{"weekday": d, "opens": "09:00", "closes": closes} for d in range(1, 8)],
        )
        for day in rng.sample(days, EVENTS_PER_YEAR.get(tier, 6)):
            add(
                m.Event,
                facility_id,
                kind=rng.choice(["reading_promotion", "lecture", "performance", "film_screening"]),
                held_on=day,
                title="活动",
                attendance=rng.randint(5, 200),
            )
        add(
            m.CollectionCount,
            facility_id,
            as_of=date(YEAR, 6, 30),
            books=rng.randint(1000, 1_000_000),
            newspaper_titles=rng.randint(5, 50),
            magazine_titles=rng.randint(5, 60),
            digital_storage_local_tb=60,
            digital_storage_self_built_tb=16,
            digital_resources_total=1000,
            digital_resources_remote=850,
        )
        for quarter in range(4):
            add(
                m.Acquisition,
                facility_id,
                received_on=date(YEAR, 3 * quarter + 1, 15),
                source=rng.choice(["purchase", "district_delivery"]),
                titles=200,
                volumes=rng.randint(100, 20_000),
            )
        for month in range(1, 13):
            add(
                m.MonthlyUsage,
                facility_id,
                month=f"{YEAR}-{month:02d}",
                loans=rng.randint(100, 100_000),
                downloads=rng.randint(0, 8_000),
            )
        for month in range(1, 13):
            arrived = date(YEAR, month, 3)
            add(
                m.Shelving,
                facility_id,
                item_type="book",
                arrived_on=arrived,
                shelved_on=arrived + timedelta(days=rng.randint(0, 25)),
                items=100,
            )
            add(m.Shelving, facility_id, item_type="newspaper", arrived_on=arrived, shelved_on=arrived, items=10)
        checks_per_day = {"district_library": 6, "town_library": 2}.get(tier, 0)
        for day in days:
            for check in range(checks_per_day):
                add(
                    m.ShelfCheck,
                    facility_id,
                    checked_at=at(day, 9 + 2 * check),
                    items_checked=500,
                    misplaced=rng.randint(0, 20),
                )
        if tier in ("district_library", "town_library"):
            for day in rng.sample(days, 60):
                asked = at(day, 10)
                add(
                    m.DocumentRequest,
                    facility_id,
                    held=rng.random() < 0.8,
                    requested_at=asked,
                    answered_at=asked + timedelta(minutes=rng.randint(5, 40)),
                )
                add(
                    m.ReferenceQuestion,
                    facility_id,
                    channel=rng.choice(["phone", "email", "in_person"]),
                    professional=False,
                    asked_at=asked,
                    answered_at=asked + timedelta(hours=rng.randint(0, 60)),
                )
            add(m.Survey, facility_id, conducted_on=date(YEAR, 10, 1), distributed=150, returned=130, satisfied=120)
            add(m.VolunteerRoster, facility_id, year=YEAR, active_teams=6, active_volunteers=220)
        for day in rng.sample(days, 4):
            add(m.Complaint, facility_id, received_at=at(day, 11), answered_at=at(day + timedelta(days=2), 11))
        for number in range(3):
            code = f"S{number}"
            add(m.StaffMember, facility_id, staff_code=code, full_time=True, joined_on=date(2020, 1, 1), left_on=None)
            for session in range(2):
                add(
                    m.Training,
                    facility_id,
                    staff_code=code,
                    started_on=date(YEAR, 4 + 4 * session, 1),
                    hours=rng.randint(10, 30),
                    days=rng.randint(1, 4),
                    topic="业务培训",
                )
    with engine.begin() as connection:
        connection.execute(insert(Facility.__table__), facilities)  # type: ignore[attr-defined]
        for table, values in rows.items():
            for start in range(0, len(values), 5000):
                connection.execute(insert(table.__table__), values[start : start + 5000])
    engine.dispose()
    total = sum(len(values) for values in rows.values())
    print(f"generated {len(facilities)} facilities and {total:,} records for {YEAR}", flush=True)
    return [facility["id"] for facility in facilities]


def bench_district(url: str, runs: int) -> list[float]:
    db = Database(url)
    calendar = WorkdayCalendar()
    timings = []
    try:
        for _ in range(runs):
            started = time.perf_counter()
            with db.session() as session:
                _rules, evaluations = evaluate_many(session, Period.of(YEAR), calendar, datetime.now(UTC))
            timings.append(time.perf_counter() - started)
        results = sum(len(evaluation.results) for evaluation in evaluations)
        print(f"district year: {len(evaluations)} facilities, {results:,} rule results", flush=True)
    finally:
        db.dispose()
    return timings


def bench_single(url: str, facility_ids: list[uuid.UUID], requests: int) -> list[float]:
    settings = LibrarySettings(
        database_url=url,
        kafka_enabled=False,
        schedulers_enabled=False,
        migrate_on_start=False,
        log_json=True,
        log_level="WARNING",
    )
    token = mint_token(settings, sub="bench", roles=["culture_bureau"])
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(11)
    timings = []
    with TestClient(build_app(settings)) as client:
        for facility_id in facility_ids[:20]:  # warm-up
            client.get(f"/api/v1/facilities/{facility_id}/compliance", params={"year": YEAR}, headers=headers)
        for _ in range(requests):
            facility_id = rng.choice(facility_ids)
            started = time.perf_counter()
            response = client.get(
                f"/api/v1/facilities/{facility_id}/compliance", params={"year": YEAR}, headers=headers
            )
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
        # the district library carries the most records (shelf checks every 2 h): its own figure
        district = facility_ids[0]
        heavy = []
        for _ in range(20):
            started = time.perf_counter()
            client.get(f"/api/v1/facilities/{district}/compliance", params={"year": YEAR}, headers=headers)
            heavy.append(time.perf_counter() - started)
        print(
            f"district library alone: median {statistics.median(heavy) * 1000:.1f} ms, max {max(heavy) * 1000:.1f} ms",
            flush=True,
        )
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--facilities", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="district evaluations to time")
    parser.add_argument("--requests", type=int, default=200, help="single-facility HTTP requests to time")
    args, _unknown = parser.parse_known_args(argv)
    admin_url, throwaway = server_url()
    url = create_database(admin_url, prefix="bench_library")
    try:
        upgrade("library_metrics", url)
        started = time.perf_counter()
        facility_ids = generate(url, args.facilities)
        print(f"data generation: {time.perf_counter() - started:.1f} s", flush=True)
        district = bench_district(url, args.runs)
        print(
            "a year's compliance, all facilities, all rules (target < 10 s): "
            + ", ".join(f"{t:.2f} s" for t in district),
            flush=True,
        )
        single = bench_single(url, facility_ids, args.requests)
        print(
            f"one facility's compliance over HTTP, {len(single)} requests (target p95 < 100 ms): "
            f"p50 {percentile(single, 0.5) * 1000:.1f} ms, p95 {percentile(single, 0.95) * 1000:.1f} ms, "
            f"p99 {percentile(single, 0.99) * 1000:.1f} ms, max {max(single) * 1000:.1f} ms",
            flush=True,
        )
    finally:
        drop_database(admin_url, url)
        if throwaway is not None:
            throwaway.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
