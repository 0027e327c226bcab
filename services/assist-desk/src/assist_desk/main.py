"""App factory of the assist-desk service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from assist_desk import models_registry  # noqa: F401 (every domain's tables on the metadata)
from assist_desk.equipment import scheduled as equipment_scheduled
from assist_desk.equipment.views import router as equipment_router
from assist_desk.institutions.views import router as institutions_router
from assist_desk.matters.views import router as matters_router
from assist_desk.notices.views import router as notices_router
from assist_desk.policy.views import router as policy_router
from assist_desk.reports.views import router as reports_router
from assist_desk.reviews import scheduled as reviews_scheduled
from assist_desk.reviews.views import router as reviews_router
from assist_desk.settings import AssistSettings
from assist_desk.staff.views import router as staff_router
from assist_desk.tables import metadata
from assist_desk.tickets import scheduled as tickets_scheduled
from assist_desk.tickets.views import router as tickets_router
from jiading_shared.service import ServiceDefinition, create_app


def build_app(settings: AssistSettings | None = None) -> FastAPI:
    return create_app(
        ServiceDefinition(
            name=AssistSettings.service_name,
            short_name="assist",
            package="assist_desk",
            title="Jiading assist-desk service 小嘉帮办",
            description="Service institutions, teams, matters, assistance tickets with escalation to 兜底办, one-time "
            "notification, time limits, satisfaction and call-backs, equipment checks (DB 31114/Z 022).",
            settings=settings or AssistSettings(),
            metadata=metadata,
            routers=[
                institutions_router,
                staff_router,
                matters_router,
                policy_router,
                tickets_router,
                notices_router,
                reviews_router,
                equipment_router,
                reports_router,
            ],
            scheduled_jobs=[*tickets_scheduled.JOBS, *reviews_scheduled.JOBS, *equipment_scheduled.JOBS],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
