"""PostgreSQL for tests: TEST_DATABASE_URL, else 127.0.0.1:5432 if it answers, else a throwaway server started from
the machine's PostgreSQL binaries (initdb + pg_ctl). Each test gets a fresh database, dropped afterwards."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from jiading_shared.testing.broker import free_port, port_open

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _libpq_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="jiading-pg-"))
        self.port = free_port()
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = shutil.which("initdb") or (binaries[-1] if binaries else None)
        if initdb is None:
            raise RuntimeError("no PostgreSQL server answers and no initdb binary is installed")
        self.bin = Path(initdb).parent

    def start(self) -> str:
        data = self.directory / "data"
        run_as = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        if run_as:
            shutil.chown(self.directory, "postgres")
        subprocess.run(
            [*run_as, str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"], check=True
        )
        subprocess.run(
            [
                *run_as,
                str(self.bin / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
                "-w",
                "start",
                "-l",
                str(self.directory / "log"),
            ],
            check=True,
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        run_as = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        subprocess.run([*run_as, str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "stop"])
        shutil.rmtree(self.directory, ignore_errors=True)


def server_url() -> tuple[str, ThrowawayPostgres | None]:
    """The admin URL of a PostgreSQL server to create test databases on, and the throwaway server if one was made."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return configured, None
    if port_open("127.0.0.1", 5432):
        return DEFAULT_URL, None
    server = ThrowawayPostgres()
    return server.start(), server


def create_database(admin_url: str, prefix: str = "t") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq_dsn(admin_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_libpq_dsn(admin_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
