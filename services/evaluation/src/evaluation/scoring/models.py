"""The scoring model as data: what the YAML files in `evaluation/data/` and the `scoring_model` table hold, and what
the API returns."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Date, DateTime

from evaluation.tables import EvaluationTable

_STRICT = ConfigDict(extra="forbid", frozen=True)


class BandCode(StrEnum):
    """程度 of 附录 A."""

    HIGH = "high"  # 高
    MEDIUM = "medium"  # 中
    LOW = "low"  # 低


BAND_LABELS = {BandCode.HIGH: "高", BandCode.MEDIUM: "中", BandCode.LOW: "低"}


class MeasureRange(BaseModel):
    """The measured values a band covers, as the table words them: "以上/以下" inclusive, "大于/小于/少于" not."""

    model_config = _STRICT

    measure: str
    lower: float | None = None
    lower_inclusive: bool = True
    upper: float | None = None
    upper_inclusive: bool = True
    text: str = Field(description="the table's wording, e.g. 85%以上，且小于 95%")


class Band(BaseModel):
    """One 程度 of a factor: its point range (赋值) and, for a measured factor, the measured values it covers."""

    model_config = _STRICT

    band: BandCode
    min_points: float = Field(ge=0, description="lowest points of the band (always inclusive: 'X ≥ min')")
    max_points: float = Field(gt=0)
    max_inclusive: bool = Field(description="true for '10 ≥ X', false for '8 > X'")
    points_cap: float | None = Field(
        default=None,
        ge=0,
        description="a tighter ceiling (inclusive) the 说明 sets within the band: 表 A.2 安全管理 低 '0 分到 0.5 分'",
    )
    description: str = Field(description="说明 of the table")
    when: MeasureRange | None = Field(default=None, description="measured values the band covers")
    requires: list[MeasureRange] = Field(
        default_factory=list, description="further conditions; a value that misses one takes the next band down"
    )

    @property
    def label(self) -> str:
        return BAND_LABELS[self.band]

    @property
    def points_text(self) -> str:
        if self.points_cap is not None:
            return f"{self.points_cap:g} ≥ X ≥ {self.min_points:g}"
        upper = "≥" if self.max_inclusive else ">"
        return f"{self.max_points:g} {upper} X ≥ {self.min_points:g}"


class Factor(BaseModel):
    """评价因子."""

    model_config = _STRICT

    code: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$", description="<group>.<factor>, e.g. funds.budget_execution")
    name: str = Field(description="因子名称 as in the standard's table")
    max_points: int = Field(gt=0, description="权重值 (分): the most the factor scores")
    clause: str = Field(description="clause stating the requirement, e.g. 5.3.1")
    annex: str = Field(description="annex table scoring the factor, e.g. 表 A.3")
    measure: str | None = Field(default=None, description="the measure that fixes the band; none = assessed freely")
    bands: list[Band] = Field(min_length=3, max_length=3, description="高 / 中 / 低, most points first")


class FactorGroup(BaseModel):
    """评价项目: one of the four groups of factors."""

    model_config = _STRICT

    code: str = Field(pattern=r"^[a-z_]+$")
    name: str
    max_points: int = Field(gt=0)
    clause: str
    factors: list[Factor] = Field(min_length=1)


class ImpactPointsRule(BaseModel):
    """表 A.4 影响目标: points per recognition and caps."""

    model_config = _STRICT

    district_points_each: float = Field(ge=0)
    district_cap: float = Field(ge=0)
    above_district_points_each: float = Field(ge=0)
    above_district_cap: float = Field(ge=0)
    clause: str


class VetoScope(StrEnum):
    FACTOR = "factor"
    GROUP = "group"
    EVALUATION = "evaluation"


class Veto(BaseModel):
    """一票否决 / 为 0 分: what it zeroes, and why."""

    model_config = _STRICT

    code: str = Field(pattern=r"^[a-z_]+$")
    name: str
    scope: VetoScope
    target: str | None = Field(default=None, description="factor or group code; none when scope is evaluation")
    clause: str
    explanation: str


class Indicator(BaseModel):
    """A target stated in §5 (e.g. 满意率 ≥ 95%), computed and shown with the score."""

    model_config = _STRICT

    code: str
    name: str
    measure: str
    comparison: Literal["at_least", "at_most"]
    target: float
    clause: str


class ScoringModel(BaseModel):
    """One version of the scoring model, in force from `effective_from` until a later version takes over."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{2,79}$", description="version id, e.g. db31114-z017-2025")
    title: str
    standard: str = Field(description="the standard the model comes from")
    published_on: date
    effective_from: date
    clause: str = Field(description="clause defining the model, e.g. 4.2, 表 1")
    total_points: int = Field(gt=0)
    groups: list[FactorGroup] = Field(min_length=1)
    impact_points: ImpactPointsRule
    vetoes: list[Veto] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)

    @property
    def factors(self) -> list[Factor]:
        return [factor for group in self.groups for factor in group.factors]

    def factor(self, code: str) -> Factor | None:
        return next((factor for factor in self.factors if factor.code == code), None)


class ScoringModelVersion(EvaluationTable, table=True):
    """A version of the scoring model added through the admin API (the shipped seed lives in package data). Rows are
    only ever inserted: a change is a new version with a later `effective_from`."""

    __tablename__ = "scoring_model"

    id: str = sqlmodel.Field(primary_key=True, max_length=80)
    effective_from: date = sqlmodel.Field(sa_type=Date, unique=True)
    document: dict = sqlmodel.Field(sa_type=JSON)  # type: ignore[type-arg]
    reason: str = sqlmodel.Field(max_length=1000)
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class ScoringModelIn(BaseModel):
    """A new version of the scoring model, with the reason for the change (e.g. the notice that changed a band)."""

    model_config = ConfigDict(extra="forbid")

    model: ScoringModel
    reason: str = Field(min_length=1, max_length=1000, description="why: the notice or decision behind the change")


class ScoringModelSummary(BaseModel):
    id: str
    effective_from: date
    source: Literal["seed", "admin"]
    reason: str | None = None
    created_by: str | None = None


# --- scoring inputs ------------------------------------------------------------------------------------------------


# Bounds of the figures (no NaN, no infinity, nothing a formula cannot turn into a percentage): a budget is at most
# 14 digits of 元 with 分 (as the bid's `budget_planned`), counts at most a billion, a ratio at most a million times.
MAX_YUAN = 1e15
MIN_BUDGET_YUAN = 0.01
MAX_COUNT = 1_000_000_000
MAX_RATIO = 1e6
# A factor's points: never more than the model's 100 in total.
MAX_POINTS = 100

Points = Annotated[float, Field(ge=0, le=MAX_POINTS, allow_inf_nan=False)]


class MeasureInputs(BaseModel):
    """What was measured about a project: the figures of formulas (1)–(3) and the counts of 附录 A. Every field is
    optional; a factor whose measure cannot be computed accepts any points from 0 to its maximum."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    budget_actual: float | None = Field(default=None, ge=0, le=MAX_YUAN, description="A 实际支出数 (元), formula (1)")
    budget_planned: float | None = Field(
        default=None, ge=MIN_BUDGET_YUAN, le=MAX_YUAN, description="B 预算数 (元), formula (1)"
    )
    persons_done: int | None = Field(default=None, ge=0, le=MAX_COUNT, description="D 实际完成服务人次, formula (2)")
    persons_planned: int | None = Field(default=None, gt=0, le=MAX_COUNT, description="E 计划服务人次, formula (2)")
    frequencies_done: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="D 实际完成活动频次, formula (2)"
    )
    frequencies_planned: int | None = Field(default=None, gt=0, le=MAX_COUNT, description="E 计划活动频次, formula (2)")
    satisfied: int | None = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="G 满意人数 (the lowest of the six aspects of 5.4.3), formula (3)",
    )
    satisfied_planned: int | None = Field(
        default=None, gt=0, le=MAX_COUNT, description="H 计划达到的满意人数, formula (3)"
    )
    budget_adjustment_ratio: float | None = Field(
        default=None, ge=0, le=MAX_RATIO, description="预算调整比例, 0.04 = 4%"
    )
    progress_aspects_matched: int | None = Field(
        default=None,
        ge=0,
        le=5,
        description="受益对象、服务内容、服务方法、服务范围、服务进度: aspects that match the bid",
    )
    mobilised_audiences: int | None = Field(
        default=None,
        ge=0,
        le=6,
        description="服务对象、社区资源、专家、政府部门、企事业单位、社会公众: audiences mobilised",
    )
    articles_in_year: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="全年录用通讯篇数 (一网一台一微一刊)"
    )
    articles_in_first_half: int | None = Field(default=None, ge=0, le=MAX_COUNT, description="上半年录用篇数")
    quality_target_completion_rate: float | None = Field(default=None, ge=0, le=1, description="质量目标完成率")
    district_recognitions: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="区级报道、荣誉、文章 (1 分 each)"
    )
    above_district_recognitions: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="区级以上报道、荣誉、文章 (2 分 each)"
    )
    complaints_valid: int | None = Field(default=None, ge=0, le=MAX_COUNT, description="有效投诉数")
    complaints_handled_in_time: int | None = Field(default=None, ge=0, le=MAX_COUNT, description="及时处置的有效投诉数")
