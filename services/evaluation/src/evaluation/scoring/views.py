"""HTTP routes of the scoring model: read the version in force, list versions, add a version, preview a score."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from evaluation.scoring import rules, service
from evaluation.scoring.models import MeasureInputs, Points, ScoringModel, ScoringModelIn, ScoringModelSummary
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep, found_or_404

router = APIRouter(prefix="/scoring-models", tags=["scoring 评价因子"])
preview_router = APIRouter(prefix="/scoring", tags=["scoring 评价因子"])

Evaluator = Annotated[
    Principal, Depends(require_roles(Role.FEDERATION_ADMIN, Role.ASSESSOR, Role.THIRD_PARTY_ASSESSOR))
]
# The 残联 leads evaluation (DB 31114/Z 017-2025 4.1) and so owns the model's versions.
Federation = Annotated[Principal, Depends(require_roles(Role.FEDERATION_ADMIN))]


@router.get("/current", summary="The scoring model in force (19 factors, 100 points, bands, vetoes)")
def current_scoring_model(
    principal: Evaluator,
    session: SessionDep,
    on: Annotated[date | None, Query(description="the day to ask about; default today (China time)")] = None,
) -> ScoringModel:
    return service.current_model_or_problem(session, on)


@router.get("", summary="Every version of the scoring model, oldest first")
def list_scoring_models(principal: Evaluator, session: SessionDep, page: PageDep) -> list[ScoringModelSummary]:
    return page.slice(service.list_models(session))


@router.get("/{model_id}", summary="One version of the scoring model")
def get_scoring_model(model_id: str, principal: Evaluator, session: SessionDep) -> ScoringModel:
    return found_or_404(service.model_by_id(session, model_id), "no-scoring-model", f"no scoring model {model_id}")


@router.post("", status_code=201, summary="Add a version of the scoring model (takes effect on a later day)")
def add_scoring_model(
    body: ScoringModelIn, principal: Federation, session: SessionDep, response: Response
) -> ScoringModel:
    model = service.add_model_version(session, body, created_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/scoring-models/{model.id}"
    return model


class PreviewIn(BaseModel):
    """Figures, points and veto findings to score without saving anything."""

    model_config = ConfigDict(extra="forbid")

    measures: MeasureInputs = Field(default_factory=MeasureInputs)
    scores: dict[str, Points] = Field(default_factory=dict, description="points per factor code")
    vetoes: dict[str, bool] = Field(default_factory=dict, description="veto code → found")


@preview_router.post(
    "/preview",
    summary="Score without saving: bands fixed by the measures, points checked, vetoes applied",
    responses={422: {"description": "a score outside the band its measure allows (the field names the factor)"}},
)
def preview_score(
    body: PreviewIn,
    principal: Evaluator,
    session: SessionDep,
    on: Annotated[date | None, Query(description="score with the model in force that day; default today")] = None,
) -> rules.ScoreResult:
    model = service.current_model_or_problem(session, on)
    measures = service.checked_measures(body.measures, model, field_prefix="body.measures")
    vetoes = service.checked_vetoes(model, body.vetoes, field_prefix="body.vetoes")
    points = service.checked_points(model, measures, body.scores, field_prefix="body.scores")
    return rules.score(model, rules.ScoreInputs(measures=measures, points=points, vetoes=vetoes))
