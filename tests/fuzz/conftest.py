"""Fixtures of the API fuzz run: each service in-process on a fresh, migrated PostgreSQL database, with bearer tokens
the service accepts (admin, and one scoped role per service), and the `fuzz` marker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from schemathesis.python import asgi

from jiading_shared.auth import mint_token
from jiading_shared.suite import SERVICES, SuiteService
from jiading_shared.testing.postgres import create_database, drop_database


@dataclass(frozen=True)
class Caller:
    """Who the fuzzer acts as: the token's roles and scope claims."""

    label: str
    roles: tuple[str, ...]
    town: str | None = None
    grids: tuple[str, ...] = ()
    dept: str | None = None


ADMIN = Caller("admin", ("admin",))

# One scoped role per service, its own town (and grids / department where the routes look at them).
SCOPED: dict[str, Caller] = {
    "collection": Caller("collector", ("collector",), town="jd-anting"),
    "grid-dispatch": Caller("dispatcher", ("dispatcher",), town="jd-anting", grids=("G1",)),
    "library-metrics": Caller("facility_staff", ("facility_staff",), town="jd-anting"),
    "assist-desk": Caller("assistant", ("assistant",), town="jd-anting"),
    "evaluation": Caller("assessor", ("assessor",)),
}


@dataclass(frozen=True)
class FuzzTarget:
    """One service's app on its own PostgreSQL database, and the headers of the caller the fuzzer acts as."""

    service: SuiteService
    caller: Caller
    headers: dict[str, str]
    app: Any


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: schemathesis API fuzzing of a service's OpenAPI schema")


@pytest.fixture(scope="class", params=["admin", "scoped"])
def fuzz_target(
    request: pytest.FixtureRequest, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzTarget]:
    """The test class's service (its `service` attribute) on a fresh, migrated PostgreSQL database, shared by the
    class's operations so that later cases meet the rows earlier ones created; one per caller."""
    service = next(service for service in SERVICES if service.name == request.cls.service)
    caller = ADMIN if request.param == "admin" else SCOPED[service.name]
    # A class-scoped twin of the plugin's function-scoped `postgres_url`: one fresh database per class and caller.
    database_url = create_database(postgres_admin_url)
    settings = service.settings_class()(
        database_url=database_url,
        kafka_enabled=False,
        schedulers_enabled=False,
        migrate_on_start=True,
        log_json=False,
        blob_dir=str(tmp_path_factory.mktemp("blobs")),
    )
    token = mint_token(
        settings, sub=f"fuzz-{caller.label}", roles=caller.roles, town=caller.town, grids=caller.grids, dept=caller.dept
    )
    app = service.build_app(settings)
    try:
        # Entering the client starts the app's lifespan (migrations); schemathesis keeps it running for the calls.
        with asgi.get_client(app) as client:
            assert client.get("/readyz").status_code == 200
        yield FuzzTarget(service, caller, {"Authorization": f"Bearer {token}"}, app)
    finally:
        # End the lifespan (closes the pool) so that the database can be dropped.
        asgi.shutdown_lifespans()
        drop_database(postgres_admin_url, database_url)
