"""App factory of the collection service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from collection import models  # noqa: F401 (every domain's tables on the metadata)
from collection.declarations.views import router as declarations_router
from collection.key_houses.views import router as key_houses_router
from collection.places.views import router as places_router
from collection.publicity import scheduled as publicity_scheduled
from collection.publicity.views import router as publicity_router
from collection.registrations.views import router as registrations_router
from collection.reports import scheduled as reports_scheduled
from collection.reports.views import router as reports_router
from collection.settings import CollectionSettings
from collection.tables import metadata
from collection.visits import scheduled as visits_scheduled
from collection.visits.views import router as visits_router
from jiading_shared.service import ServiceDefinition, create_app


def build_app(settings: CollectionSettings | None = None) -> FastAPI:
    return create_app(
        ServiceDefinition(
            name=CollectionSettings.service_name,
            short_name="collection",
            package="collection",
            title="Jiading collection service 实有人口信息采集",
            description=(
                "Places (街镇 → 居/村委 → 责任区 → 实有房屋 → 间 with 8-digit house codes), residence registrations "
                "(表 A.1), door-to-door visits with revisit deadlines and refusal reports (DB 31114/Z 001, 002)."
            ),
            settings=settings or CollectionSettings(),
            metadata=metadata,
            routers=[
                places_router,
                visits_router,
                registrations_router,
                declarations_router,
                key_houses_router,
                publicity_router,
                reports_router,
            ],
            scheduled_jobs=[*visits_scheduled.JOBS, *publicity_scheduled.JOBS, *reports_scheduled.JOBS],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
