"""App factory of the library-metrics service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from jiading_shared.service import ServiceDefinition, create_app
from library_metrics.compliance import events as compliance_events  # noqa: F401 - registers the event types
from library_metrics.compliance import models as compliance_models  # noqa: F401 - registers the tables
from library_metrics.compliance import scheduled as compliance_scheduled
from library_metrics.compliance.views import router as compliance_router
from library_metrics.facilities import scheduled as facilities_scheduled
from library_metrics.facilities.views import router as facilities_router
from library_metrics.facilities.views import towns_router
from library_metrics.indicators.views import router as indicators_router
from library_metrics.records.views import router as records_router
from library_metrics.settings import LibrarySettings
from library_metrics.tables import metadata


def build_app(settings: LibrarySettings | None = None) -> FastAPI:
    return create_app(
        ServiceDefinition(
            name=LibrarySettings.service_name,
            short_name="library",
            package="library_metrics",
            title="Jiading library-metrics service 公共文化设施",
            description="Libraries, reading rooms and cultural centres by tier; indicator rules as versioned data; "
            "data capture; compliance with DB 31114/Z 005, 006, 007.",
            settings=settings or LibrarySettings(),
            metadata=metadata,
            routers=[facilities_router, towns_router, records_router, indicators_router, compliance_router],
            scheduled_jobs=[*facilities_scheduled.JOBS, *compliance_scheduled.JOBS],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
