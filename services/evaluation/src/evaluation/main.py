"""App factory of the evaluation service. Importing this module builds nothing; uvicorn calls `app_factory`."""

from fastapi import FastAPI

from evaluation.projects.views import router as projects_router
from evaluation.providers import scheduled as providers_scheduled
from evaluation.providers.views import router as providers_router
from evaluation.rounds.views import router as rounds_router
from evaluation.scoring import service as scoring_service
from evaluation.scoring.views import preview_router
from evaluation.scoring.views import router as scoring_router
from evaluation.settings import EvaluationSettings
from evaluation.tables import metadata
from jiading_shared.service import ServiceDefinition, create_app


def build_app(settings: EvaluationSettings | None = None) -> FastAPI:
    # A scoring model file that breaks its own rules stops the service at start, not at the first request.
    scoring_service.scoring_models()
    return create_app(
        ServiceDefinition(
            name=EvaluationSettings.service_name,
            short_name="evaluation",
            package="evaluation",
            title="Jiading evaluation service 助残公益服务项目评价",
            description=(
                "Providers (承接机构), assistance projects with bid and actuals, the DB 31114/Z 017 scoring model "
                "(19 factors, 100 points, bands, vetoes), assessor panels and published results."
            ),
            settings=settings or EvaluationSettings(),
            metadata=metadata,
            routers=[scoring_router, preview_router, providers_router, projects_router, rounds_router],
            scheduled_jobs=[*providers_scheduled.JOBS],
        )
    )


def app_factory() -> FastAPI:
    return build_app()
