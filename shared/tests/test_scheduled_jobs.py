"""Scheduled jobs run once shortly after the service starts (their gauges exist right after a restart), at a
jittered moment, then every interval; the interval cap still applies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, create_engine

from jiading_shared import service as service_module
from jiading_shared.db import Database
from jiading_shared.infra_tables import outbox_template
from jiading_shared.service import ScheduledJob, ServiceDefinition, _Scheduler, create_app
from jiading_shared.settings import ServiceSettings


class JobSettings(ServiceSettings):
    service_name: ClassVar[str] = "jobs"


class Runs:
    """Monotonic times at which a job ran (jobs run in worker threads)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._lock = threading.Lock()

    def job(self, name: str, interval_seconds: float) -> ScheduledJob:
        def run(_db: Database) -> None:
            with self._lock:
                self.times.append(time.monotonic())

        return ScheduledJob(name, interval_seconds, run)

    def wait_for(self, count: int, timeout: float) -> list[float]:
        deadline = time.monotonic() + timeout
        while len(self.times) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.times)


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in pairwise(times)]


def make_app(tmp_path: Path, jobs: list[ScheduledJob], cap_s: float) -> Callable[[], TestClient]:
    settings = JobSettings(
        database_url=f"sqlite:///{tmp_path}/jobs.db",
        migrate_on_start=False,
        kafka_enabled=False,
        schedulers_enabled=True,
        scheduler_interval_cap_s=cap_s,
        log_json=False,
    )
    # The event tables, so the built-in retention job (which also runs at start) has something to purge.
    outbox_template.metadata.create_all(create_engine(settings.effective_database_url))
    definition = ServiceDefinition(
        "jobs", "collection", "jobs", "Jobs", "test", settings, MetaData(), scheduled_jobs=jobs
    )
    return lambda: TestClient(create_app(definition))


def test_an_hourly_job_runs_right_after_start_and_not_again_within_the_hour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "STARTUP_JITTER_S", 0.3)
    runs = Runs()
    client = make_app(tmp_path, [runs.job("hourly-gauges", 3600)], cap_s=0)
    started = time.monotonic()
    with client():
        first = runs.wait_for(1, timeout=5)
        assert first, "the job did not run after start (it used to wait a whole interval)"
        assert first[0] - started < 0.3 + 2.0  # the jitter, plus app start-up on a busy machine
        time.sleep(1.0)
        assert len(runs.times) == 1  # the next run is an hour away


def test_the_interval_cap_still_shortens_the_interval_after_the_first_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "STARTUP_JITTER_S", 5.0)  # the cap bounds the first delay too
    runs = Runs()
    client = make_app(tmp_path, [runs.job("capped", 3600)], cap_s=0.4)
    started = time.monotonic()
    with client():
        times = runs.wait_for(3, timeout=8)
    assert len(times) >= 3
    assert times[0] - started < 0.4 + 2.0
    assert all(0.4 <= gap < 0.4 + 1.0 for gap in gaps(times[:3])), gaps(times)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_first_run_at_start_then_every_interval(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # On PostgreSQL each run goes through the job's advisory lock.
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else f"sqlite:///{tmp_path}/j.db"
    db = Database(url)
    runs = Runs()
    interval = 0.5
    scheduler = _Scheduler(db, runs.job(f"probe-{backend}", interval), startup_jitter_s=0.1)

    async def run_for(seconds: float) -> float:
        started = time.monotonic()
        task = asyncio.create_task(scheduler.run())
        await asyncio.sleep(seconds)
        scheduler.stop()
        await asyncio.wait_for(task, timeout=5)
        return started

    try:
        started = asyncio.run(run_for(1.35))
    finally:
        db.dispose()
    times = runs.times
    assert 2 <= len(times) <= 3, times  # at ~0-0.1 s, then ~0.5 s and ~1.0 s later
    assert times[0] - started <= 0.1 + 0.3  # the old loop first ran after a whole interval (0.5 s)
    assert all(interval <= gap < interval + 0.4 for gap in gaps(times)), gaps(times)


def test_the_first_delay_is_spread_and_never_longer_than_the_jitter_or_the_interval() -> None:
    db = Database("sqlite://")
    try:
        short = _Scheduler(db, ScheduledJob("short", 2.0, lambda _db: None), startup_jitter_s=10.0)
        long = _Scheduler(db, ScheduledJob("long", 3600.0, lambda _db: None), startup_jitter_s=10.0)
        short_delays = [short.first_delay() for _ in range(200)]
        long_delays = [long.first_delay() for _ in range(200)]
    finally:
        db.dispose()
    assert all(0 <= delay <= 2.0 for delay in short_delays)
    assert all(0 <= delay <= 10.0 for delay in long_delays)
    # Replicas started together pick different moments: the delays are spread over the window, not one value.
    assert len(set(long_delays)) > 100
    assert max(long_delays) - min(long_delays) > 5.0
