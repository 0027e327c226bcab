"""pytest plugin (registered through the `pytest11` entry point of jiading-shared): fixtures for real infrastructure.

- `kafka_broker`: a tansu broker for the whole session; `fresh_broker`: one per test (for restarts).
- `postgres_url`: a fresh, empty PostgreSQL database per test. When REQUIRE_POSTGRES=1 (CI), a missing server fails
  the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiading_shared.testing.broker import TansuBroker
from jiading_shared.testing.postgres import create_database, drop_database, server_url


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    broker = TansuBroker(log_path=Path(tmp_path_factory.mktemp("tansu")) / "tansu.log")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def fresh_broker(tmp_path: Path) -> Iterator[TansuBroker]:
    broker = TansuBroker(log_path=tmp_path / "tansu.log")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    try:
        url, throwaway = server_url()
    except Exception as exc:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield url
    if throwaway is not None:
        throwaway.stop()


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    url = create_database(postgres_admin_url)
    yield url
    drop_database(postgres_admin_url, url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With REQUIRE_POSTGRES=1 (CI), a skipped PostgreSQL test is a failure: CI must prove the real database."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("REQUIRE_POSTGRES") == "1" and item.get_closest_marker("postgres"):
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped but REQUIRE_POSTGRES=1: {report.longrepr}"
