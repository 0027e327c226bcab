"""HTTP routes of the scoring model."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from evaluation.scoring import service
from evaluation.scoring.models import ScoringModel
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.service import found_or_404

router = APIRouter(prefix="/scoring-models", tags=["scoring 评价因子"])

Evaluator = Annotated[
    Principal, Depends(require_roles(Role.FEDERATION_ADMIN, Role.ASSESSOR, Role.THIRD_PARTY_ASSESSOR))
]


@router.get("/current", summary="The scoring model in force (19 factors, 100 points)")
def current_scoring_model(
    principal: Evaluator,
    on: Annotated[date | None, Query(description="the day to ask about; default today (China time)")] = None,
) -> ScoringModel:
    day = on or service.today_in_china()
    model = service.model_in_force(service.scoring_models(), day)
    return found_or_404(model, "no-scoring-model", f"no scoring model is in force on {day.isoformat()}")
