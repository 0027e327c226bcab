"""`python -m collection.bench [--rooms N] [--import-rows M]`: the issue-3 performance targets on PostgreSQL.

Seeds N rooms (default 1,000,000) with COPY — buildings of 20 rooms, areas of 1,000 rooms with one collector each,
room statuses spread over never visited / collected / vacant / occupied-absent with deadlines around today — then:

1. the overdue scan, twice: the first run publishes every missed deadline (cold start: none reported yet), the second
   is the steady state (nothing new); target < 5 s;
2. a collector's work list through the HTTP API, 200 requests for random collectors; target p95 < 50 ms;
3. the bulk registration import of M rows (default 100,000) through the service function the import endpoint uses
   (validation, encryption, blind index, 不重复 check, outbox); target >= 2,000 rows/s.

Uses TEST_DATABASE_URL's server, a local one on 5432, or a throwaway server; the database is dropped afterwards.
Prints figures; no pass/fail."""

import argparse
import io
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from collection.main import build_app
from collection.registrations.models import RegistrationIn
from collection.registrations.service import import_registrations
from collection.settings import CollectionSettings
from collection.testing import form, id_number
from collection.visits.rules import local_date
from collection.visits.service import scan_overdue
from jiading_shared.auth import mint_token
from jiading_shared.db import Database
from jiading_shared.migrations import upgrade
from jiading_shared.pii import PiiVault
from jiading_shared.testing.postgres import create_database, drop_database, server_url

ROOMS_PER_BUILDING = 20
ROOMS_PER_AREA = 1000


def _copy(connection: psycopg.Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def seed(url: str, rooms: int, today: date) -> tuple[list[str], list[str]]:
    """Returns (area codes, collector subjects)."""
    rng = random.Random(7)
    areas = max(1, rooms // ROOMS_PER_AREA)
    area_codes = [f"bench-a{n:05d}" for n in range(areas)]
    collectors = [f"bench-collector-{n:05d}" for n in range(areas)]
    now = datetime.now(UTC).isoformat()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        _copy(connection, "town", ["code", "name"], [("bench-town", "基准镇")])
        _copy(connection, "committee", ["code", "name", "town"], [("bench-c", "基准村", "bench-town")])
        _copy(
            connection,
            "area",
            ["code", "name", "committee", "town", "grid", "police_station"],
            [(code, code, "bench-c", "bench-town", f"g-{code}", f"ps-{n % 20}") for n, code in enumerate(area_codes)],
        )
        _copy(
            connection,
            "area_collector",
            ["area", "collector_sub", "collector_name", "assigned_at"],
            [(code, sub, sub, now) for code, sub in zip(area_codes, collectors, strict=True)],
        )
        buildings, room_rows, status_rows = [], [], []
        for index in range(rooms):
            area = area_codes[min(index // ROOMS_PER_AREA, areas - 1)]
            if index % ROOMS_PER_BUILDING == 0:
                building_id = uuid.uuid4()
                buildings.append(
                    (
                        building_id,
                        "嘉定区",
                        "bench-town",
                        "bench-c",
                        area,
                        "基准路",
                        None,
                        str(index // 20),
                        True,
                        "bench",
                        now,
                    )
                )
            room_id = uuid.uuid4()
            room_rows.append((room_id, building_id, str(101 + index % ROOMS_PER_BUILDING), f"{index:08d}"))
            draw = rng.random()
            if draw < 0.4:
                status_rows.append((room_id, area, "never_visited", None, None, False))
            elif draw < 0.7:
                status_rows.append((room_id, area, "collected", now, None, False))
            elif draw < 0.85:
                status_rows.append((room_id, area, "vacant", now, today + timedelta(days=rng.randint(-30, 30)), False))
            else:
                status_rows.append(
                    (room_id, area, "occupied_absent", now, today + timedelta(days=rng.randint(-5, 5)), False)
                )
        _copy(
            connection,
            "building",
            [
                "id",
                "district",
                "town",
                "committee",
                "area",
                "road",
                "lane",
                "number",
                "is_legal",
                "registered_by",
                "registered_at",
            ],
            buildings,
        )
        _copy(connection, "room", ["id", "building_id", "room_no", "house_code"], room_rows)
        _copy(
            connection,
            "room_status",
            ["room_id", "area", "state", "last_visit_at", "next_visit_due", "due_provisional"],
            status_rows,
        )
        connection.commit()
        connection.execute("ANALYZE")
    return area_codes, collectors


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--work-list-requests", type=int, default=200)
    args = parser.parse_args(argv)

    admin_url, throwaway = server_url()
    url = create_database(admin_url, prefix="bench_collection")
    try:
        upgrade("collection", url)
        today = local_date(datetime.now(UTC))
        started = time.perf_counter()
        area_codes, collectors = seed(url, args.rooms, today)
        print(f"seeded {args.rooms:,} rooms in {len(area_codes):,} areas: {time.perf_counter() - started:.1f} s")

        db = Database(url)
        for label in ("overdue scan, cold (all missed deadlines unreported)", "overdue scan, steady state"):
            started = time.perf_counter()
            with db.session() as session:
                per_area = scan_overdue(session, today=today)
            elapsed = time.perf_counter() - started
            with db.session() as session:
                queued = session.execute(text("SELECT count(*) FROM outbox")).scalar_one()
            print(f"{label}: {elapsed:.2f} s, {sum(per_area.values()):,} overdue rooms, {queued:,} events queued")

        settings = CollectionSettings(
            database_url=url,
            kafka_enabled=False,
            schedulers_enabled=False,
            migrate_on_start=False,
            log_json=False,
            log_level="WARNING",
        )
        rng = random.Random(11)
        timings = []
        with TestClient(build_app(settings)) as client:
            for _ in range(args.work_list_requests):
                sub = rng.choice(collectors)
                headers = {"Authorization": f"Bearer {mint_token(settings, sub=sub, roles=['collector'])}"}
                started = time.perf_counter()
                response = client.get("/api/v1/work-list", headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"work list ({args.work_list_requests} requests, ~{ROOMS_PER_AREA} rooms per area): "
            f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms"
        )

        vault = PiiVault.from_settings(settings)
        forms = [
            RegistrationIn.model_validate(
                form(
                    house_code=f"{n:08d}",
                    id_number=_unique_id(n),
                    filled_on=today.isoformat(),
                )
            )
            for n in range(min(args.import_rows, args.rooms))
        ]
        started = time.perf_counter()
        with db.session() as session:
            problems = import_registrations(session, vault, forms, registered_by="bench", today=today)
        elapsed = time.perf_counter() - started
        assert not problems, problems[:3]
        print(f"registration import: {len(forms):,} rows in {elapsed:.1f} s = {len(forms) / elapsed:,.0f} rows/s")
        db.dispose()
    finally:
        drop_database(admin_url, url)
        if throwaway is not None:
            throwaway.stop()


def _unique_id(n: int) -> str:
    """A distinct valid ID number per row: birth date and sequence from n."""
    birth = date(1960, 1, 1) + timedelta(days=n // 1000)
    return id_number(birth=birth.strftime("%Y%m%d"), sequence=f"{n % 1000:03d}")


if __name__ == "__main__":
    main()
