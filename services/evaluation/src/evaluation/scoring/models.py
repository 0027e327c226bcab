"""The scoring model as data: what the YAML files in `evaluation/data/` hold and what the API returns."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Factor(BaseModel):
    """评价因子."""

    model_config = _STRICT

    code: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$", description="<group>.<factor>, e.g. funds.budget_execution")
    name: str = Field(description="因子名称 as in the standard's table")
    max_points: int = Field(gt=0, description="权重值 (分): the most the factor scores")
    clause: str = Field(description="clause stating the requirement, e.g. 5.3.1")
    annex: str = Field(description="annex table scoring the factor, e.g. 表 A.3")


class FactorGroup(BaseModel):
    """评价项目: one of the four groups of factors."""

    model_config = _STRICT

    code: str = Field(pattern=r"^[a-z_]+$")
    name: str
    max_points: int = Field(gt=0)
    clause: str
    factors: list[Factor] = Field(min_length=1)


class ScoringModel(BaseModel):
    """One version of the scoring model, in force from `effective_from` until a later version takes over."""

    model_config = _STRICT

    id: str = Field(description="version id, e.g. db31114-z017-2025")
    title: str
    standard: str = Field(description="the standard the model comes from")
    published_on: date
    effective_from: date
    clause: str = Field(description="clause defining the model, e.g. 4.2, 表 1")
    total_points: int = Field(gt=0)
    groups: list[FactorGroup] = Field(min_length=1)

    @property
    def factors(self) -> list[Factor]:
        return [factor for group in self.groups for factor in group.factors]
