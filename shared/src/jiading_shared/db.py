"""Database engines and sessions: PostgreSQL in production, SQLite in the embedded run.

Each service declares its tables on its own registry (`new_table_base`) so that five services can be imported into
one test process without their metadata mixing; the infrastructure tables are copied into every service's metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry, sessionmaker
from sqlmodel import Session, SQLModel

from jiading_shared.errors import ProblemError
from jiading_shared.infra_tables import install_infra_tables


def new_table_base(service: str) -> type[SQLModel]:
    """A declarative base with its own metadata for one service's tables (plus the infrastructure tables)."""
    service_registry = registry()
    install_infra_tables(service_registry.metadata)

    class ServiceTable(SQLModel, registry=service_registry):
        pass

    ServiceTable.__name__ = f"{service.title().replace('-', '').replace('_', '')}Table"
    return ServiceTable


def metadata_of(base: type[SQLModel]) -> MetaData:
    return base.metadata


def create_db_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _make_sqlite_transactional(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)


def _make_sqlite_transactional(engine: Engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself (SQLAlchemy docs,
    "Serializable isolation / Savepoints / Transactional DDL"). WAL lets the relay read while a request writes."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Database:
    """Engine plus session factory for one service."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_db_engine(url, echo=echo)
        self.session_factory = sessionmaker(self.engine, class_=Session, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any exception."""
        with self.session_factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def conflict_on_unique_violation(session: Session, find_conflict: Callable[[], ProblemError | None]) -> Iterator[None]:
    """Run the block in a savepoint; when it violates a unique key, raise the 409 `find_conflict` returns.

    The savepoint keeps the session usable after the violation, so `find_conflict` can look up which value is already
    taken and name its field. When it finds none (None), the violation has another cause and propagates unchanged."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        conflict = find_conflict()
        if conflict is None:
            raise
        raise conflict from exc
