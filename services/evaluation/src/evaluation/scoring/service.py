"""The scoring models: the seed shipped as package data, later versions added through the admin API (rows in
`scoring_model`), the one in force on a given day, and the preview score."""

from datetime import UTC, date, datetime
from fractions import Fraction
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError
from sqlmodel import Session, select

from evaluation.scoring import rules
from evaluation.scoring.models import (
    MeasureInputs,
    ScoringModel,
    ScoringModelIn,
    ScoringModelSummary,
    ScoringModelVersion,
)
from jiading_shared.errors import FieldError, ProblemError

CHINA = ZoneInfo("Asia/Shanghai")


class ScoringModelError(ValueError):
    """A scoring model file that does not parse or breaks the model's rules."""


@cache
def scoring_models() -> tuple[ScoringModel, ...]:
    """Every seed `data/scoring-model-*.yaml`, checked, oldest first. Read once per process."""
    models: list[ScoringModel] = []
    for entry in sorted(resources.files("evaluation").joinpath("data").iterdir(), key=lambda item: item.name):
        if not (entry.name.startswith("scoring-model-") and entry.name.endswith(".yaml")):
            continue
        try:
            model = ScoringModel.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
        except ValidationError as exc:
            raise ScoringModelError(f"{entry.name}: {exc}") from exc
        problems = rules.scoring_model_problems(model)
        if problems:
            raise ScoringModelError(f"{entry.name}: {'; '.join(problems)}")
        models.append(model)
    effective_dates = [model.effective_from for model in models]
    if len(set(effective_dates)) != len(effective_dates):
        raise ScoringModelError("two scoring models take effect on the same day")
    return tuple(sorted(models, key=lambda model: model.effective_from))


def all_models(session: Session) -> tuple[ScoringModel, ...]:
    """Seed and admin versions, oldest first."""
    rows = session.exec(select(ScoringModelVersion)).all()
    added = [ScoringModel.model_validate(row.document) for row in rows]
    return tuple(sorted([*scoring_models(), *added], key=lambda model: model.effective_from))


def model_in_force(models: tuple[ScoringModel, ...], on: date) -> ScoringModel | None:
    """The latest model that took effect on or before `on`."""
    in_force = [model for model in models if model.effective_from <= on]
    return in_force[-1] if in_force else None


def model_by_id(session: Session, model_id: str) -> ScoringModel | None:
    return next((model for model in all_models(session) if model.id == model_id), None)


def today_in_china() -> date:
    return datetime.now(CHINA).date()


def current_model_or_problem(session: Session, on: date | None = None) -> ScoringModel:
    day = on or today_in_china()
    model = model_in_force(all_models(session), day)
    if model is None:
        raise ProblemError(404, "no-scoring-model", f"no scoring model is in force on {day.isoformat()}")
    return model


def list_models(session: Session) -> list[ScoringModelSummary]:
    rows = {row.id: row for row in session.exec(select(ScoringModelVersion)).all()}
    summaries = []
    for model in all_models(session):
        row = rows.get(model.id)
        summaries.append(
            ScoringModelSummary(
                id=model.id,
                effective_from=model.effective_from,
                source="admin" if row else "seed",
                reason=row.reason if row else None,
                created_by=row.created_by if row else None,
            )
        )
    return summaries


def add_model_version(session: Session, data: ScoringModelIn, *, created_by: str) -> ScoringModel:
    """A new version of the model, taking effect on a later day; versions in force are never changed."""
    model = data.model
    problems = rules.scoring_model_problems(model)
    if problems:
        raise ProblemError(
            422,
            "invalid-scoring-model",
            "the scoring model breaks its own rules",
            errors=[FieldError(field="body.model", message=problem) for problem in problems],
        )
    existing = all_models(session)
    if any(other.id == model.id for other in existing):
        raise ProblemError(
            409, "scoring-model-exists", f"scoring model {model.id} exists; a change is a new version with a new id"
        )
    if model.effective_from <= today_in_china():
        raise ProblemError(
            422,
            "scoring-model-not-in-future",
            "a new version takes effect after today: results already scored keep the version they used",
            errors=[FieldError(field="body.model.effective_from", message="must be after today (China time)")],
        )
    if any(other.effective_from == model.effective_from for other in existing):
        raise ProblemError(
            409,
            "scoring-model-date-taken",
            f"another version takes effect on {model.effective_from.isoformat()}",
            errors=[FieldError(field="body.model.effective_from", message="another version takes effect that day")],
        )
    session.add(
        ScoringModelVersion(
            id=model.id,
            effective_from=model.effective_from,
            document=model.model_dump(mode="json"),
            reason=data.reason,
            created_by=created_by,
            created_at=datetime.now(UTC),
        )
    )
    session.flush()
    return model


# --- preview -------------------------------------------------------------------------------------------------------


def checked_measures(inputs: MeasureInputs, model: ScoringModel, *, field_prefix: str) -> dict[str, rules.Measured]:
    problems = rules.measure_input_problems(inputs)
    if problems:
        raise ProblemError(
            422,
            "validation-error",
            "the measures do not go together",
            errors=[FieldError(field=f"{field_prefix}.{name}", message=message) for name, message in problems],
        )
    return rules.derive_measures(inputs, model)


def checked_points(
    model: ScoringModel,
    measures: dict[str, rules.Measured],
    scores: dict[str, float],
    *,
    field_prefix: str,
) -> dict[str, Fraction]:
    """The scores as exact numbers, or a 422 naming every factor whose points fall outside what its band allows."""
    points = {code: rules.exact(value) for code, value in scores.items()}
    problems = rules.points_problems(model, rules.decide_bands(model, measures), points)
    if problems:
        raise ProblemError(
            422,
            "score-outside-band",
            "; ".join(f"{code}: {message}" for code, message in problems),
            errors=[FieldError(field=f"{field_prefix}.{code}", message=message) for code, message in problems],
        )
    return points


def checked_vetoes(model: ScoringModel, vetoes: dict[str, bool], *, field_prefix: str) -> set[str]:
    known = {veto.code for veto in model.vetoes}
    unknown = [code for code in vetoes if code not in known]
    if unknown:
        raise ProblemError(
            422,
            "validation-error",
            "unknown veto",
            errors=[
                FieldError(field=f"{field_prefix}.{code}", message=f"not a veto of the model; known: {sorted(known)}")
                for code in unknown
            ],
        )
    return {code for code, found in vetoes.items() if found}
