"""App factory of the collection service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from collection.places import scheduled as places_scheduled
from collection.places.views import router as places_router
from collection.settings import CollectionSettings
from collection.tables import metadata
from collection.visits import events as visit_events
from jiading_shared.service import ServiceDefinition, create_app

# Declared for grid-dispatch to consume; imported so the relay creates their topic before the first visit.
DECLARED_WITHOUT_ENDPOINT = (visit_events.REFUSAL_REPORTED, visit_events.VISIT_OVERDUE)


def build_app(settings: CollectionSettings | None = None) -> FastAPI:
    return create_app(
        ServiceDefinition(
            name=CollectionSettings.service_name,
            short_name="collection",
            package="collection",
            title="Jiading collection service 实有人口信息采集",
            description="Buildings (实有房屋) and their rooms with 8-digit house codes (DB 31114/Z 001, 002).",
            settings=settings or CollectionSettings(),
            metadata=metadata,
            routers=[places_router],
            scheduled_jobs=[*places_scheduled.JOBS],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
