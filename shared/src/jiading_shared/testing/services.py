"""What every service's API tests need: the service running in-process on a fresh SQLite file, a bearer token, and
a look straight into its tables.

A test module takes its `settings` and `client` fixtures from `api_fixtures`:

    settings, client = api_fixtures(CollectionSettings, build_app)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from jiading_shared.auth import mint_token
from jiading_shared.settings import ServiceSettings

Settings = TypeVar("Settings", bound=ServiceSettings)


def embedded_settings(settings_class: type[Settings], tmp_path: Path, database_url: str | None = None) -> Settings:
    """Settings for one test: a fresh SQLite file (or `database_url`, e.g. the `postgres_url` fixture's database)
    migrated on start; no broker, no scheduled jobs, readable logs, uploads under tmp_path."""
    return settings_class(
        database_url=database_url or f"sqlite:///{tmp_path}/{settings_class.service_name}.db",
        kafka_enabled=False,
        schedulers_enabled=False,
        migrate_on_start=True,
        log_json=False,
        blob_dir=str(tmp_path / "blobs"),
    )


def api_fixtures(settings_class: type[Settings], build_app: Callable[[Settings], FastAPI]) -> tuple[Any, Any]:
    """The `settings` and `client` fixtures of a service's API tests (assign both to those names in the module)."""

    @pytest.fixture
    def settings(tmp_path: Path) -> Settings:
        return embedded_settings(settings_class, tmp_path)

    @pytest.fixture
    def client(settings: Settings) -> Iterator[TestClient]:
        # Entering the client runs the app's lifespan: the migrations, then the app is ready.
        with TestClient(build_app(settings)) as test_client:
            yield test_client

    return settings, client


def postgres_api_fixtures(settings_class: type[Settings], build_app: Callable[[Settings], FastAPI]) -> tuple[Any, Any]:
    """Like `api_fixtures`, on a fresh PostgreSQL database (the plugin's `postgres_url`); server errors come back as
    responses so a test can assert there is no 500."""

    @pytest.fixture
    def settings(postgres_url: str, tmp_path: Path) -> Settings:
        return embedded_settings(settings_class, tmp_path, postgres_url)

    @pytest.fixture
    def client(settings: Settings) -> Iterator[TestClient]:
        with TestClient(build_app(settings), raise_server_exceptions=False) as test_client:
            yield test_client

    return settings, client


def bearer_header(
    settings: ServiceSettings, *roles: str, sub: str, town: str | None = None, dept: str | None = None
) -> dict[str, str]:
    """An Authorization header with a token the service accepts, for `sub` with `roles` (and `town`, `dept`, if any)."""
    return {"Authorization": f"Bearer {mint_token(settings, sub=sub, roles=roles, town=town, dept=dept)}"}


def query_rows(settings: ServiceSettings, sql: str) -> list[dict[str, Any]]:
    """The rows a raw SQL query returns from the service's database, each as a dict."""
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return [dict(row) for row in connection.execute(text(sql)).mappings()]
    finally:
        engine.dispose()


def outbox_rows(settings: ServiceSettings) -> list[dict[str, Any]]:
    """Every event the service queued, oldest first."""
    return query_rows(settings, "SELECT * FROM outbox ORDER BY id")
