"""Every service's alembic migrations: an empty PostgreSQL database upgrades to head, the result matches the models
exactly (no autogenerate diff), and downgrades cleanly to nothing. SQLite (the embedded run) upgrades too."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect

from jiading_shared.infra_tables import INFRA_TABLE_NAMES
from jiading_shared.migrations import downgrade, upgrade
from jiading_shared.suite import SERVICES, SuiteService


def service_metadata(service: SuiteService) -> MetaData:
    importlib.import_module(f"{service.package}.main")  # registers every domain's tables
    return importlib.import_module(f"{service.package}.tables").metadata


def schema_diff(url: str, metadata: MetaData) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_postgres_upgrade_matches_models_and_downgrades(service: SuiteService, postgres_url: str) -> None:
    metadata = service_metadata(service)
    upgrade(service.package, postgres_url)
    assert set(INFRA_TABLE_NAMES) <= table_names(postgres_url)
    assert set(metadata.tables) <= table_names(postgres_url)
    assert schema_diff(postgres_url, metadata) == []
    downgrade(service.package, postgres_url, "base")
    assert table_names(postgres_url) <= {"alembic_version"}
    upgrade(service.package, postgres_url)  # and up again: downgrade left nothing behind that blocks it
    assert schema_diff(postgres_url, metadata) == []


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_sqlite_upgrade_matches_models(service: SuiteService, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/{service.name}.db"
    metadata = service_metadata(service)
    upgrade(service.package, url)
    assert schema_diff(url, metadata) == []
    downgrade(service.package, url, "base")
    assert table_names(url) <= {"alembic_version"}
