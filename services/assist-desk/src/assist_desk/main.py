"""App factory of the assist-desk service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from assist_desk.institutions import scheduled as institutions_scheduled
from assist_desk.institutions.views import router as institutions_router
from assist_desk.settings import AssistSettings
from assist_desk.tables import metadata
from assist_desk.tickets import events as ticket_events
from jiading_shared.service import ServiceDefinition, create_app

# Declared for grid-dispatch to consume; imported so the relay creates its topic before the first escalation.
DECLARED_WITHOUT_ENDPOINT = (ticket_events.TICKET_ESCALATED,)


def build_app(settings: AssistSettings | None = None) -> FastAPI:
    return create_app(
        ServiceDefinition(
            name=AssistSettings.service_name,
            short_name="assist",
            package="assist_desk",
            title="Jiading assist-desk service 小嘉帮办",
            description="Service institutions and the assistance forms they offer (DB 31114/Z 022).",
            settings=settings or AssistSettings(),
            metadata=metadata,
            routers=[institutions_router],
            scheduled_jobs=[*institutions_scheduled.JOBS],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
