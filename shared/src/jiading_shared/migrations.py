"""Alembic, the same way for every service: each service keeps its own `migrations/` folder inside its package,
whose env.py calls `run_env(metadata)`; the service migrates itself on start in the embedded run."""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from jiading_shared.db import create_db_engine


def alembic_config(package: str, url: str) -> Config:
    """Alembic configuration for `package` (its migrations live in `<package>/migrations`)."""
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(package: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(package, url), revision)


def downgrade(package: str, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(package, url), revision)


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's migrations/env.py."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, target_metadata)
        return
    engine: Engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn, target_metadata)
    finally:
        engine.dispose()


def _run(connection: object, target_metadata: MetaData) -> None:
    is_sqlite = connection.dialect.name == "sqlite"  # type: ignore[attr-defined]
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
        compare_server_default=False,
    )
    with context.begin_transaction():
        context.run_migrations()
