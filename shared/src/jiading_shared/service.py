"""The one way a service is put together: FastAPI app, middleware, error handlers, metrics, health, and the
background work (outbox relay, consumers, scheduled jobs) started and stopped with the app's lifespan; the route
dependencies every service uses; and `serve`, the body of every `python -m <service>`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, ClassVar, Protocol, TypeVar

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_fastapi_instrumentator import Instrumentator
from sqlalchemy import MetaData, text
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiading_shared import __version__
from jiading_shared.auth import Authenticator, Principal, town_in_scope
from jiading_shared.blobs import BlobStore
from jiading_shared.db import Database
from jiading_shared.errors import (
    PROBLEM_RESPONSES,
    ProblemError,
    document_problem_json,
    install_error_handlers,
    problem_response,
)
from jiading_shared.events.consumer import ConsumerRunner, Subscription, dead_letter_topic
from jiading_shared.events.envelope import topics_of
from jiading_shared.events.loop import StoppableLoop
from jiading_shared.events.relay import OutboxRelay
from jiading_shared.events.retention import purge_event_tables
from jiading_shared.logging import configure_logging, request_id_var, user_var
from jiading_shared.metrics import set_build_info
from jiading_shared.migrations import upgrade
from jiading_shared.nul_guard import NulByteGuardMiddleware
from jiading_shared.pii import PiiVault
from jiading_shared.settings import ServiceSettings
from jiading_shared.workdays import WorkdayCalendar

log = logging.getLogger(__name__)

# Domain routes live under one versioned prefix (the contracts of the issues: `POST /api/v1/rooms/{id}/visits`);
# protocol facades such as Open311 keep their own prefixes through `ServiceDefinition.root_routers`.
API_PREFIX = "/api/v1"
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"})
SHUTDOWN_GRACE_S = 15.0
# Every job first runs within this many seconds of start (capped by its interval), at a random moment so that
# replicas started together do not all scan the database at once.
STARTUP_JITTER_S = 10.0


@dataclass(frozen=True)
class ScheduledJob:
    """A periodic job. It runs in a worker thread with the service's Database: once shortly after the service starts
    (within STARTUP_JITTER_S), then every `interval_seconds`. With several replicas on PostgreSQL a run takes the job's
    advisory lock, so two replicas never run it at the same time."""

    name: str
    interval_seconds: float
    run: Callable[[Database], None]


@dataclass
class ServiceDefinition:
    name: str  # folder / process name, e.g. "grid-dispatch"
    short_name: str  # event and topic name, e.g. "grid"
    package: str  # python package holding `migrations/`, e.g. "grid_dispatch"
    title: str
    description: str
    settings: ServiceSettings
    metadata: MetaData
    routers: list[APIRouter] = field(default_factory=list)  # mounted under API_PREFIX
    root_routers: list[APIRouter] = field(default_factory=list)  # mounted as they are (e.g. /open311/v2)
    subscriptions: list[Subscription] = field(default_factory=list)
    scheduled_jobs: list[ScheduledJob] = field(default_factory=list)


class _RequestContextMiddleware:
    """Request id (X-Request-ID in, echoed out), user for the logs, and one structured access-log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:100] if incoming else uuid.uuid4().hex
        # Also on the scope's state: the 500 handler runs outside this middleware, after the context var is reset.
        scope.setdefault("state", {})["request_id"] = request_id
        id_token = request_id_var.set(request_id)
        user_token = user_var.set(None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            if scope.get("path") not in ("/healthz", "/readyz", "/metrics"):
                log.info(
                    "%s %s %d",
                    scope.get("method"),
                    getattr(route, "path", scope.get("path")),
                    status,
                    extra={"status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 2)},
                )
            request_id_var.reset(id_token)
            user_var.reset(user_token)


class _BodySizeLimitMiddleware:
    """413 problem+json for a request body over the limit, before any route reads it. A declared Content-Length is
    checked at once; a chunked body is read up to the limit and then replayed to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, slug="payload-too-large", detail=f"the request body exceeds {self.max_bytes} bytes"
        )
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class _Scheduler(StoppableLoop):
    def __init__(self, db: Database, job: ScheduledJob, startup_jitter_s: float | None = None) -> None:
        super().__init__()
        self.db = db
        self.job = job
        self.startup_jitter_s = STARTUP_JITTER_S if startup_jitter_s is None else startup_jitter_s

    def first_delay(self) -> float:
        # Soon after start, not a full interval later: the gauges a job refreshes exist right after a restart.
        return random.uniform(0, min(self.startup_jitter_s, self.job.interval_seconds))

    async def run(self) -> None:
        delay = self.first_delay()
        while not self.stopping:
            await self._sleep(delay)
            if self.stopping:
                break
            try:
                await asyncio.to_thread(self._run_once)
            except Exception:
                log.exception("scheduled job %s failed", self.job.name)
            delay = self.job.interval_seconds

    def _run_once(self) -> None:
        if self.db.engine.dialect.name != "postgresql":
            self.job.run(self.db)
            return
        lock_id = uuid.uuid5(uuid.NAMESPACE_URL, f"jiading-job:{self.job.name}").int % (2**62)
        with self.db.engine.connect() as connection:
            if not connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id}).scalar():
                return
            try:
                self.job.run(self.db)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                connection.commit()


async def _broker_reachable(bootstrap_servers: str, timeout_s: float = 1.0) -> bool:
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(host or "127.0.0.1", int(port)), timeout_s)
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True
    return False


def create_app(definition: ServiceDefinition) -> FastAPI:
    settings = definition.settings
    configure_logging(definition.name, level=settings.log_level, json_logs=settings.log_json)
    set_build_info(definition.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.effective_database_url, echo=settings.database_echo)
        if settings.migrate_on_start:
            await asyncio.to_thread(upgrade, definition.package, settings.effective_database_url)
        app.state.db = db
        if settings.uses_development_keys:
            log.warning("%s runs with the built-in development keys: set real keys in production", definition.name)
        loops: list[StoppableLoop] = []
        app.state.relay = None
        app.state.consumers = []
        if settings.kafka_enabled:
            dead_letter_topics = [dead_letter_topic(subscription.group_id) for subscription in definition.subscriptions]
            relay = OutboxRelay(db, settings, [*topics_of(definition.short_name), *dead_letter_topics])
            consumers = [ConsumerRunner(db, settings, subscription) for subscription in definition.subscriptions]
            app.state.relay = relay
            app.state.consumers = consumers
            loops += [relay, *consumers]
        if settings.schedulers_enabled:
            housekeeping = ScheduledJob(
                "event-table-retention",
                3600,
                lambda database: purge_event_tables(
                    database, outbox_days=settings.outbox_retention_days, inbox_days=settings.inbox_retention_days
                ),
            )
            cap = settings.scheduler_interval_cap_s
            jobs = [housekeeping, *definition.scheduled_jobs]
            if cap:
                jobs = [replace(job, interval_seconds=min(job.interval_seconds, cap)) for job in jobs]
            loops += [_Scheduler(db, job) for job in jobs]
        tasks = [asyncio.create_task(loop.run(), name=type(loop).__name__) for loop in loops]  # type: ignore[attr-defined]
        try:
            yield
        finally:
            for loop in loops:
                loop.stop()
            if tasks:
                _done, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_S)
                for task in pending:
                    task.cancel()
            db.dispose()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=__version__,
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    app.state.definition = definition
    app.state.authenticator = Authenticator.from_settings(settings)
    app.state.pii = PiiVault.from_settings(settings)
    app.state.blobs = BlobStore(settings.effective_blob_dir)
    app.state.calendar = WorkdayCalendar.from_file(settings.calendar_override_file or None)
    install_error_handlers(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_problem_json(FastAPI.openapi(app))
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(NulByteGuardMiddleware)  # inside the size limit: reads only bounded bodies
    app.add_middleware(_BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(_RequestContextMiddleware)
    # HTTP metrics on a registry of this app's own (several apps share one test process); event, domain and build
    # metrics live on the process-wide default registry. /metrics serves both.
    http_registry = CollectorRegistry()
    Instrumentator(should_group_status_codes=False, excluded_handlers=["/metrics"], registry=http_registry).instrument(
        app
    )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body = generate_latest(REGISTRY) + generate_latest(http_registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        db: Database | None = getattr(request.app.state, "db", None)
        try:
            if db is None:
                raise RuntimeError("not started")
            await asyncio.to_thread(db.ping)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        if settings.kafka_enabled:
            checks["broker"] = "ok" if await _broker_reachable(settings.kafka_bootstrap_servers) else "down"
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
        )

    for router in definition.routers:
        app.include_router(router, prefix=API_PREFIX)
    for router in definition.root_routers:
        app.include_router(router)
    return app


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back when it raises."""
    db: Database = request.app.state.db
    with db.session() as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_pii_vault(request: Request) -> PiiVault:
    """The service's personal-information vault, built once per app from its settings."""
    vault: PiiVault = request.app.state.pii
    return vault


PiiDep = Annotated[PiiVault, Depends(get_pii_vault)]


def get_blob_store(request: Request) -> BlobStore:
    """The service's store of uploaded files."""
    store: BlobStore = request.app.state.blobs
    return store


BlobsDep = Annotated[BlobStore, Depends(get_blob_store)]


# --- reading one record ---------------------------------------------------------------------------------------------

Found = TypeVar("Found")


class InTown(Protocol):
    @property
    def town(self) -> str: ...


FoundInTown = TypeVar("FoundInTown", bound=InTown)


def found_or_404(record: Found | None, slug: str, detail: str) -> Found:
    """`record`, or a 404 problem with `slug` and `detail` when there is none."""
    if record is None:
        raise ProblemError(404, slug, detail)
    return record


def found_in_town_or_404(principal: Principal, record: FoundInTown | None, slug: str, detail: str) -> FoundInTown:
    """`record` when the caller may see its town; otherwise the same 404 as for an unknown record, so that a caller
    gets no hint that the record exists in another town."""
    if record is None or not town_in_scope(principal, record.town):
        raise ProblemError(404, slug, detail)
    return record


# --- python -m <service> --------------------------------------------------------------------------------------------


class ServedSettings(Protocol):
    """What `serve` reads: `host` comes from ServiceSettings, `port` from each service's own settings."""

    model_config: ClassVar[Mapping[str, object]]
    host: str
    port: int


def serve(
    settings_class: Callable[[], ServedSettings], app_factory_path: str, argv: Sequence[str] | None = None
) -> None:
    """`python -m <package> [--host H] [--port P]`: serve the app that `app_factory_path` ("<package>.main:app_factory")
    builds. The defaults are the service's settings, i.e. its <PREFIX>HOST and <PREFIX>PORT environment variables."""
    settings = settings_class()
    package = app_factory_path.split(":")[0].split(".")[0]
    prefix = settings.model_config.get("env_prefix", "")
    parser = argparse.ArgumentParser(
        prog=f"python -m {package}", description=f"Serve the {package} API (defaults: {prefix}HOST, {prefix}PORT)."
    )
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args(argv)
    # log_config=None: uvicorn's loggers go through the service's structured logging (set up by create_app).
    uvicorn.run(app_factory_path, factory=True, host=args.host, port=args.port, log_config=None)
