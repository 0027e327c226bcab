"""The scoring models shipped as package data, and the one in force on a given day."""

from datetime import date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import yaml

from evaluation.scoring.models import ScoringModel
from evaluation.scoring.rules import scoring_model_problems

CHINA = ZoneInfo("Asia/Shanghai")


class ScoringModelError(ValueError):
    """A scoring model file that does not parse or breaks the model's rules."""


@cache
def scoring_models() -> tuple[ScoringModel, ...]:
    """Every `data/scoring-model-*.yaml`, checked, oldest first. Read once per process."""
    models: list[ScoringModel] = []
    for entry in sorted(resources.files("evaluation").joinpath("data").iterdir(), key=lambda item: item.name):
        if not (entry.name.startswith("scoring-model-") and entry.name.endswith(".yaml")):
            continue
        model = ScoringModel.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
        problems = scoring_model_problems(model)
        if problems:
            raise ScoringModelError(f"{entry.name}: {'; '.join(problems)}")
        models.append(model)
    effective_dates = [model.effective_from for model in models]
    if len(set(effective_dates)) != len(effective_dates):
        raise ScoringModelError("two scoring models take effect on the same day")
    return tuple(sorted(models, key=lambda model: model.effective_from))


def model_in_force(models: tuple[ScoringModel, ...], on: date) -> ScoringModel | None:
    """The latest model that took effect on or before `on`."""
    in_force = [model for model in models if model.effective_from <= on]
    return in_force[-1] if in_force else None


def today_in_china() -> date:
    return datetime.now(CHINA).date()
