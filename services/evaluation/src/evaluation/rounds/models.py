"""Tables and API schemas of evaluation rounds, panels, score sheets, self-evaluations and published results."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, UniqueConstraint, Uuid

from evaluation.scoring.models import Points
from evaluation.scoring.rules import ScoreResult
from evaluation.tables import EvaluationTable
from jiading_shared.types import INT4_MAX, UtcDateTime


class RoundStatus(StrEnum):
    OPEN = "open"  # 评分中: assessors score
    PUBLISHED = "published"  # 已发布: locked; changes are revisions with a reason


class AssessorKind(StrEnum):
    """§4.1: 专家 or 第三方评估机构."""

    EXPERT = "expert"
    THIRD_PARTY = "third_party"


Aggregation = Literal["mean", "median"]


class EvaluationRound(EvaluationTable, table=True):
    __tablename__ = "evaluation_round"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    project_id: uuid.UUID = sqlmodel.Field(foreign_key="assistance_project.id", sa_type=Uuid, index=True)
    name: str = sqlmodel.Field(max_length=200)
    scoring_model_id: str = sqlmodel.Field(max_length=80)
    aggregation: str = sqlmodel.Field(max_length=10)
    status: str = sqlmodel.Field(max_length=20)
    observed_measures: dict[str, Any] = sqlmodel.Field(sa_type=JSON)
    published_version: int = 0
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class PanelMember(EvaluationTable, table=True):
    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("round_id", "assessor_sub", name="uq_panel_member_round_assessor"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    round_id: uuid.UUID = sqlmodel.Field(foreign_key="evaluation_round.id", sa_type=Uuid, index=True)
    assessor_sub: str = sqlmodel.Field(max_length=200)
    name: str = sqlmodel.Field(max_length=100)
    kind: str = sqlmodel.Field(max_length=20)


class ScoreSheet(EvaluationTable, table=True):
    """One assessor's own scores for a round, with their veto findings."""

    __tablename__ = "score_sheet"
    __table_args__ = (UniqueConstraint("round_id", "assessor_sub", name="uq_score_sheet_round_assessor"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    round_id: uuid.UUID = sqlmodel.Field(foreign_key="evaluation_round.id", sa_type=Uuid, index=True)
    assessor_sub: str = sqlmodel.Field(max_length=200)
    scores: dict[str, float] = sqlmodel.Field(sa_type=JSON)
    veto_findings: list[str] = sqlmodel.Field(sa_type=JSON)
    comments: dict[str, str] = sqlmodel.Field(sa_type=JSON)
    submitted_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class ScoreSheetChange(EvaluationTable, table=True):
    """Audit trail: who changed which sheet, when, why, and what it said before and after. Append-only."""

    __tablename__ = "score_sheet_change"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    round_id: uuid.UUID = sqlmodel.Field(foreign_key="evaluation_round.id", sa_type=Uuid, index=True)
    assessor_sub: str = sqlmodel.Field(max_length=200)
    changed_by: str = sqlmodel.Field(max_length=200)
    changed_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    reason: str | None = sqlmodel.Field(default=None, max_length=1000)
    before: dict[str, Any] | None = sqlmodel.Field(default=None, sa_type=JSON)
    after: dict[str, Any] = sqlmodel.Field(sa_type=JSON)


class SelfEvaluation(EvaluationTable, table=True):
    """自评 of the provider (5.2.5.5), kept apart from the panel's scores."""

    __tablename__ = "self_evaluation"

    round_id: uuid.UUID = sqlmodel.Field(foreign_key="evaluation_round.id", primary_key=True, sa_type=Uuid)
    scores: dict[str, float] = sqlmodel.Field(sa_type=JSON)
    report: str = sqlmodel.Field(max_length=20000)
    submitted_by: str = sqlmodel.Field(max_length=200)
    submitted_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class RoundResult(EvaluationTable, table=True):
    """A published result. Version 1 is the publication; each revision adds a version and keeps the older ones."""

    __tablename__ = "round_result"
    __table_args__ = (UniqueConstraint("round_id", "version", name="uq_round_result_round_version"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    round_id: uuid.UUID = sqlmodel.Field(foreign_key="evaluation_round.id", sa_type=Uuid, index=True)
    version: int
    total: float
    scoring_model_id: str = sqlmodel.Field(max_length=80)
    document: dict[str, Any] = sqlmodel.Field(sa_type=JSON)
    reason: str | None = sqlmodel.Field(default=None, max_length=1000)
    published_by: str = sqlmodel.Field(max_length=200)
    published_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ---------------------------------------------------------------------------------------------------


class PanelMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    assessor_sub: str = Field(min_length=1, max_length=200, description="the assessor's identity (token `sub`)")
    name: str = Field(min_length=1, max_length=100)
    kind: AssessorKind


class ObservedMeasures(BaseModel):
    """Measures the panel establishes by review rather than from recorded data."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    progress_aspects_matched: int | None = Field(
        default=None, ge=0, le=5, description="表 A.2 进度管理: aspects of five that match the bid and schedule"
    )
    quality_target_completion_rate: float | None = Field(
        default=None, ge=0, le=1, description="表 A.4 质量目标: 质量目标完成率"
    )


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="e.g. 2025 年度终期评估")
    aggregation: Aggregation = Field(default="mean", description="how the panel's points per factor are combined")
    panel: list[PanelMemberIn] = Field(min_length=1, max_length=50)
    observed_measures: ObservedMeasures = Field(default_factory=ObservedMeasures)


class PanelMemberOut(PanelMemberIn):
    submitted: bool


class RoundOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    scoring_model_id: str
    aggregation: Aggregation
    status: RoundStatus
    observed_measures: ObservedMeasures
    published_version: int
    panel: list[PanelMemberOut]
    created_by: str
    created_at: UtcDateTime


class ScoreSheetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, Points] = Field(description="points per factor code")
    vetoes: dict[str, bool] = Field(default_factory=dict, description="veto code → found by this assessor")
    comments: dict[str, str] = Field(default_factory=dict, description="factor code → the assessor's note")


class ScoreSheetOut(BaseModel):
    round_id: uuid.UUID
    assessor_sub: str
    scores: dict[str, float]
    veto_findings: list[str]
    comments: dict[str, str]
    submitted_at: UtcDateTime


class SelfEvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, Points] = Field(description="the provider's own points per factor")
    report: str = Field(min_length=1, max_length=20000, description="自评报告 (5.2.5.5)")


class SelfEvaluationOut(BaseModel):
    round_id: uuid.UUID
    scores: dict[str, float]
    total: float
    report: str
    submitted_by: str
    submitted_at: UtcDateTime


class RevisionIn(BaseModel):
    """A change to a published round: whose sheet says what now, and why."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)
    sheets: dict[str, ScoreSheetIn] = Field(default_factory=dict, description="assessor sub → the corrected sheet")
    observed_measures: ObservedMeasures | None = None
    revises_version: int | None = Field(
        default=None,
        ge=1,
        le=INT4_MAX,
        description="the published version this revision corrects: 409 when another revision has come first",
    )


class Disagreement(BaseModel):
    factor: str
    bands: dict[str, str] = Field(description="assessor → band of their points")


class RoundResultDocument(BaseModel):
    """What a published version says: the score, how it was reached, and who published it why."""

    round_id: uuid.UUID
    project_id: uuid.UUID
    provider_id: uuid.UUID
    version: int
    reason: str | None
    aggregation: Aggregation
    published_by: str
    published_at: UtcDateTime
    score: ScoreResult
    measure_inputs: dict[str, Any]
    sheets: dict[str, ScoreSheetIn]
    disagreements: list[Disagreement]
    veto_findings_in_minority: list[str]
    vetoes_from_records: list[str]
    self_evaluation: dict[str, Any] | None


class RoundResultSummary(BaseModel):
    version: int
    total: float
    scoring_model_id: str
    reason: str | None
    published_by: str
    published_at: UtcDateTime
