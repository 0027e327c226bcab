"""App factory of the grid-dispatch service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from grid_dispatch.departments.views import router as departments_router
from grid_dispatch.duty import scheduled as duty_scheduled
from grid_dispatch.duty.views import router as duty_router
from grid_dispatch.grids import scheduled as grids_scheduled
from grid_dispatch.grids.views import router as grids_router
from grid_dispatch.incidents import consumers as incident_consumers
from grid_dispatch.incidents import scheduled as incidents_scheduled
from grid_dispatch.incidents.views import router as incidents_router
from grid_dispatch.incidents.views import simulation_router
from grid_dispatch.joint_rectification.views import router as rectification_router
from grid_dispatch.meetings import scheduled as meetings_scheduled
from grid_dispatch.meetings.views import router as meetings_router
from grid_dispatch.open311.views import router as open311_router
from grid_dispatch.rulesets.views import router as rules_router
from grid_dispatch.settings import GridSettings
from grid_dispatch.tables import metadata
from jiading_shared.service import ServiceDefinition, create_app
from jiading_shared.workdays import default_calendar


def build_app(settings: GridSettings | None = None) -> FastAPI:
    settings = settings or GridSettings()
    calendar = default_calendar(settings.calendar_override_file or None)
    return create_app(
        ServiceDefinition(
            name=GridSettings.service_name,
            short_name="grid",
            package="grid_dispatch",
            title="Jiading grid-dispatch service 网格协调",
            description=(
                "Grids and departments, the duty standard (参勤), incidents routed to police / 城管 / 市场监管 and the "
                "other departments, weekly meetings, joint rectification and an Open311 facade (DB 31114/Z 009, 010)."
            ),
            settings=settings,
            metadata=metadata,
            routers=[
                grids_router,
                departments_router,
                duty_router,
                incidents_router,
                simulation_router,
                rules_router,
                rectification_router,
                meetings_router,
            ],
            root_routers=[open311_router],
            subscriptions=[incident_consumers.subscription(calendar)],
            scheduled_jobs=[
                *grids_scheduled.JOBS,
                *duty_scheduled.JOBS,
                *incidents_scheduled.JOBS,
                *meetings_scheduled.JOBS,
            ],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
