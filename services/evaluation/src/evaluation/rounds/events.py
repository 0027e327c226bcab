"""Events of evaluation results (topic `evaluation.project`)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from jiading_shared.events import define_event


class FactorScore(BaseModel):
    points: float | None
    band: str | None = Field(description="high | medium | low")


class ProjectScored(BaseModel):
    """A round's result was published (version 1) or revised (version > 1)."""

    project_id: uuid.UUID
    provider_id: uuid.UUID
    round_id: uuid.UUID
    version: int = Field(description="1 = first publication; later versions are revisions with a reason")
    scoring_model_id: str = Field(description="the scoring model version the result used")
    total: float = Field(description="out of 100")
    groups: dict[str, float]
    factors: dict[str, FactorScore]
    vetoes_applied: list[str]
    reason: str | None = Field(description="why a revision was made; none for the first publication")
    published_by: str
    published_at: datetime


PROJECT_SCORED = define_event(
    service="evaluation",
    aggregate="project",
    name="scored",
    payload=ProjectScored,
    description="An assistance project's evaluation round was published or revised (DB 31114/Z 017 4.2, 附录 A).",
)
