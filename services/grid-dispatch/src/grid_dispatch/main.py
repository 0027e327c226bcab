"""App factory of the grid-dispatch service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from grid_dispatch.grids import scheduled as grids_scheduled
from grid_dispatch.grids.views import router as grids_router
from grid_dispatch.settings import GridSettings
from grid_dispatch.tables import metadata
from jiading_shared.service import ServiceDefinition, create_app


def build_app(settings: GridSettings | None = None) -> FastAPI:
    return create_app(
        ServiceDefinition(
            name=GridSettings.service_name,
            short_name="grid",
            package="grid_dispatch",
            title="Jiading grid-dispatch service 网格协调",
            description="Sector grids (片区网格) and unit grids (村居网格) of each town (DB 31114/Z 009, 010).",
            settings=settings or GridSettings(),
            metadata=metadata,
            routers=[grids_router],
            scheduled_jobs=[*grids_scheduled.JOBS],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
