"""App factory of the library-metrics service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from jiading_shared.service import ServiceDefinition, create_app
from library_metrics.facilities import scheduled as facilities_scheduled
from library_metrics.facilities.views import router as facilities_router
from library_metrics.settings import LibrarySettings
from library_metrics.tables import metadata


def build_app(settings: LibrarySettings | None = None) -> FastAPI:
    return create_app(
        ServiceDefinition(
            name=LibrarySettings.service_name,
            short_name="library",
            package="library_metrics",
            title="Jiading library-metrics service 公共文化设施",
            description="Libraries, reading rooms and cultural centres by tier (DB 31114/Z 005, 006, 007).",
            settings=settings or LibrarySettings(),
            metadata=metadata,
            routers=[facilities_router],
            scheduled_jobs=[*facilities_scheduled.JOBS],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
