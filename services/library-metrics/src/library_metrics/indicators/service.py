"""Database reads and writes of rule versions; rule sets are cached per version (versions never change)."""

import threading
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func
from sqlmodel import Session, select

from jiading_shared.errors import FieldError, ProblemError
from library_metrics.indicators.models import (
    IndicatorRule,
    RuleIn,
    RuleOut,
    RuleVersion,
    RuleVersionIn,
    RuleVersionOut,
    RuleVersionSummary,
)
from library_metrics.indicators.rules import (
    Comparison,
    Rule,
    RulePeriod,
    RuleScope,
    RuleSet,
    rule_problems,
    version_in_force,
)

SEED_FILE = "indicator-rules-2025.yaml"


# Rows added after version 1, each file loaded by one migration as a re-issued version (see the file's header).
SUPPLEMENT_FILES = ("indicator-rules-2025-supplement-1.yaml",)


@cache
def seed_document() -> dict[str, Any]:
    """The rule table as the standards state it (package data), checked row by row: what version 1 holds."""
    return rule_document(SEED_FILE)


@cache
def rule_document(name: str) -> dict[str, Any]:
    """One rule data file of the package (the seed or a supplement), checked row by row."""
    text = resources.files("library_metrics.indicators").joinpath("data", name).read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    for row in document["rules"]:
        problems = rule_problems(RuleIn.model_validate(row))
        if problems:
            raise ValueError(f"{name}: rule {row['rule_id']}: {problems}")
    return document


def seed_rows() -> list[RuleIn]:
    return [RuleIn.model_validate(row) for row in seed_document()["rules"]]


_cache_lock = threading.Lock()
_rule_sets: dict[tuple[str, int], RuleSet] = {}


def rule_set_in_force(session: Session, on: date) -> RuleSet | None:
    """The rules in force on `on`. One small query for the version list; the rows of a version are read once per
    database and process, since a version never changes."""
    versions = session.exec(select(RuleVersion)).all()
    version = version_in_force(versions, on)
    if version is None:
        return None
    key = (str(session.get_bind().url), version.version)
    cached = _rule_sets.get(key)
    if cached is not None and cached.effective_from == version.effective_from:
        return cached
    rows = session.exec(select(IndicatorRule).where(IndicatorRule.version_id == version.id)).all()
    rule_set = RuleSet(
        version=version.version,
        effective_from=version.effective_from,
        rules=tuple(sorted((_rule_of(row) for row in rows), key=lambda rule: rule.rule_id)),
    )
    with _cache_lock:
        _rule_sets[key] = rule_set
    return rule_set


def seed_rules() -> tuple[Rule, ...]:
    """The seeded rules as the engine reads them (what version 1 holds)."""
    return tuple(_rule_of(row) for row in seed_rows())


def standard_rules() -> tuple[Rule, ...]:
    """Version 1 with every supplement applied (by rule id): what a freshly migrated database has in force."""
    rows = {row.rule_id: row for row in seed_rows()}
    for name in SUPPLEMENT_FILES:
        rows.update((row["rule_id"], RuleIn.model_validate(row)) for row in rule_document(name)["rules"])
    return tuple(_rule_of(row) for row in rows.values())


def _rule_of(row: IndicatorRule | RuleIn) -> Rule:
    return Rule(
        rule_id=row.rule_id,
        clause=row.clause,
        scope=RuleScope(row.scope),
        tiers=frozenset(row.tiers),
        metric=row.metric,
        comparison=Comparison(row.comparison),
        threshold=float(row.threshold),
        unit=row.unit,
        period=RulePeriod(row.period),
        params=dict(row.params),
        requirement=row.requirement,
    )


def list_versions(session: Session) -> list[RuleVersionSummary]:
    counts = dict(
        session.exec(select(IndicatorRule.version_id, func.count()).group_by(IndicatorRule.version_id)).all()  # type: ignore[arg-type]
    )
    versions = session.exec(select(RuleVersion).order_by(RuleVersion.version)).all()
    return [_summary(version, counts.get(version.id, 0)) for version in versions]


def get_version(session: Session, number: int) -> RuleVersionOut | None:
    version = session.exec(select(RuleVersion).where(RuleVersion.version == number)).first()
    if version is None:
        return None
    return _version_out(session, version)


def version_out_in_force(session: Session, on: date) -> RuleVersionOut | None:
    version = version_in_force(session.exec(select(RuleVersion)).all(), on)
    return _version_out(session, version) if version is not None else None


def create_version(session: Session, data: RuleVersionIn, *, created_by: str) -> RuleVersionOut:
    """A new version built on the one in force the day before it takes effect. Nothing is edited in place."""
    versions = session.exec(select(RuleVersion)).all()
    base = version_in_force(versions, date.fromordinal(data.effective_from.toordinal() - 1))
    rules: dict[str, RuleIn] = {}
    if base is not None:
        base_rows = session.exec(select(IndicatorRule).where(IndicatorRule.version_id == base.id)).all()
        rules = {row.rule_id: _rule_in(row) for row in base_rows}
    errors = _change_errors(data, rules)
    if errors:
        raise ProblemError(
            422, "validation-error", f"invalid fields: {', '.join(e.field for e in errors)}", errors=errors
        )
    for rule_id in data.retire:
        rules.pop(rule_id)
    for rule in data.rules:
        rules[rule.rule_id] = rule
    number = max((version.version for version in versions), default=0) + 1
    version = RuleVersion(
        version=number,
        effective_from=data.effective_from,
        reason=data.reason,
        based_on=base.version if base is not None else None,
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    session.add(version)
    session.flush()
    session.add_all(IndicatorRule(version_id=version.id, **rule.model_dump()) for rule in rules.values())
    session.flush()
    return _version_out(session, version)


def _change_errors(data: RuleVersionIn, base_rules: dict[str, RuleIn]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not data.rules and not data.retire:
        errors.append(FieldError(field="body.rules", message="a new version changes at least one rule"))
    seen: set[str] = set()
    for index, rule in enumerate(data.rules):
        if rule.rule_id in seen:
            errors.append(FieldError(field=f"body.rules.{index}.rule_id", message="listed twice"))
        seen.add(rule.rule_id)
        errors += [
            FieldError(field=f"body.rules.{index}.{field}", message=message)
            for field, message in rule_problems(rule).items()
        ]
    for index, rule_id in enumerate(data.retire):
        if rule_id not in base_rules:
            errors.append(FieldError(field=f"body.retire.{index}", message=f"no rule {rule_id} in force then"))
        elif rule_id in seen:
            errors.append(FieldError(field=f"body.retire.{index}", message="both changed and retired"))
    return errors


def _rule_in(row: IndicatorRule) -> RuleIn:
    return RuleIn.model_validate(row, from_attributes=True)


def _summary(version: RuleVersion, rule_count: int) -> RuleVersionSummary:
    return RuleVersionSummary.model_validate({**version.model_dump(), "rule_count": rule_count})


def _version_out(session: Session, version: RuleVersion) -> RuleVersionOut:
    rows = session.exec(
        select(IndicatorRule).where(IndicatorRule.version_id == version.id).order_by(IndicatorRule.rule_id)
    ).all()
    rules = [RuleOut.model_validate(row, from_attributes=True) for row in rows]
    return RuleVersionOut.model_validate({**_summary(version, len(rules)).model_dump(), "rules": rules})
