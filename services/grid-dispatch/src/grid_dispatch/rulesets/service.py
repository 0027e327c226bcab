"""Reading the rule set in force and publishing new versions."""

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

from grid_dispatch.rulesets.models import (
    BODY_MODELS,
    DutyStandardBody,
    RoutingBody,
    RuleKind,
    RuleVersion,
    RuleVersionIn,
    RuleVersionOut,
    ServiceCatalogBody,
)
from grid_dispatch.rulesets.rules import version_in_force, version_label
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import FieldError, ProblemError
from jiading_shared.types import assume_utc

Body = TypeVar("Body", bound=BaseModel)

# Versions are immutable, so a parsed body can be kept for the life of the process (by row id: unique everywhere).
_PARSED: dict[uuid.UUID, BaseModel] = {}
# The version list of each kind, per database, for a few seconds: intake reads it several times per incident. A
# publication clears it in this process; other replicas see a new version within IN_FORCE_TTL_S (new versions
# normally take effect at a future date anyway).
IN_FORCE_TTL_S = 5.0
_VERSIONS: dict[tuple[str, RuleKind], tuple[float, list[tuple[uuid.UUID, int, datetime]]]] = {}
# A publication may take effect a little before the request reaches us (clock skew), never earlier.
PAST_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class RuleSet(Generic[Body]):
    kind: RuleKind
    version: int
    body: Body
    id: uuid.UUID

    @property
    def label(self) -> str:
        return version_label(self.kind, self.version)


def in_force(session: Session, kind: RuleKind, at: datetime | None = None) -> RuleSet[Any]:
    at = at or datetime.now(UTC)
    rows = _versions(session, kind)
    version = version_in_force([(row[1], row[2]) for row in rows], at)
    if version is None:
        raise ProblemError(409, "no-rules-in-force", f"no {kind} rule set is in force at {at.isoformat()}")
    row_id = next(row[0] for row in rows if row[1] == version)
    parsed = _PARSED.get(row_id)
    if parsed is None:
        row = session.get(RuleVersion, row_id)
        assert row is not None
        parsed = _PARSED[row_id] = BODY_MODELS[kind].model_validate(row.body)
    return RuleSet(kind, version, parsed, row_id)


def _cache_key(session: Session, kind: RuleKind) -> tuple[str, RuleKind]:
    return (str(session.get_bind().engine.url), kind)


def _versions(session: Session, kind: RuleKind) -> list[tuple[uuid.UUID, int, datetime]]:
    key = _cache_key(session, kind)
    cached = _VERSIONS.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    rows = [
        (row[0], row[1], assume_utc(row[2]))
        for row in session.exec(
            select(RuleVersion.id, RuleVersion.version, RuleVersion.effective_from).where(RuleVersion.kind == kind)
        )
    ]
    _VERSIONS[key] = (time.monotonic() + IN_FORCE_TTL_S, rows)
    return rows


def catalog(session: Session, at: datetime | None = None) -> RuleSet[ServiceCatalogBody]:
    return cast(RuleSet[ServiceCatalogBody], in_force(session, RuleKind.SERVICE_CATALOG, at))


def routing(session: Session, at: datetime | None = None) -> RuleSet[RoutingBody]:
    return cast(RuleSet[RoutingBody], in_force(session, RuleKind.ROUTING, at))


def duty_standard(session: Session, at: datetime | None = None) -> RuleSet[DutyStandardBody]:
    return cast(RuleSet[DutyStandardBody], in_force(session, RuleKind.DUTY_STANDARD, at))


def parse_body(kind: RuleKind, body: dict[str, Any], *, field_prefix: str = "body.body") -> BaseModel:
    """The body as its kind's model, or a 422 naming each bad field."""
    try:
        return BODY_MODELS[kind].model_validate(body)
    except ValidationError as exc:
        errors = [
            FieldError(field=".".join([field_prefix, *(str(part) for part in error["loc"])]), message=error["msg"])
            for error in exc.errors()
        ]
        raise ProblemError(
            422, "validation-error", f"invalid {kind} rule set: {errors[0].field}: {errors[0].message}", errors=errors
        ) from exc


def check_consistency(session: Session, kind: RuleKind, body: BaseModel) -> None:
    """A routing table may only name categories of the catalogue in force."""
    if kind is not RuleKind.ROUTING:
        return
    known = {category.code for category in catalog(session).body.categories}
    routing_body = cast(RoutingBody, body)
    errors = [
        FieldError(field=f"body.body.rules.{index}.category", message=f"unknown category {rule.category}")
        for index, rule in enumerate(routing_body.rules)
        if rule.category not in known
    ]
    if errors:
        raise ProblemError(422, "validation-error", f"{errors[0].field}: {errors[0].message}", errors=errors)


def publish(session: Session, kind: RuleKind, data: RuleVersionIn, *, published_by: str) -> RuleVersionOut:
    """A new version of `kind`; the versions before it stay as they were."""
    now = datetime.now(UTC)
    effective_from = assume_utc(data.effective_from) if data.effective_from else now
    if effective_from < now - PAST_TOLERANCE:
        raise ProblemError(
            422,
            "validation-error",
            "body.effective_from: a rule set cannot take effect in the past",
            errors=[FieldError(field="body.effective_from", message="must not be in the past")],
        )
    body = parse_body(kind, data.body)
    check_consistency(session, kind, body)
    latest = session.exec(
        select(RuleVersion.version).where(RuleVersion.kind == kind).order_by(RuleVersion.version.desc())  # type: ignore[attr-defined]
    ).first()
    row = RuleVersion(
        kind=kind,
        version=(latest or 0) + 1,
        effective_from=effective_from,
        body=body.model_dump(mode="json"),
        note=data.note,
        published_by=published_by,
        published_at=now,
    )
    with conflict_on_unique_violation(
        session, lambda: ProblemError(409, "rule-version-conflict", f"another {kind} version was just published; retry")
    ):
        session.add(row)
        session.flush()
    # Cleared in this process; a reader racing the commit may keep the old list for one TTL at most.
    _VERSIONS.pop(_cache_key(session, kind), None)
    return version_out(row)


def list_versions(session: Session, kind: RuleKind) -> list[RuleVersionOut]:
    rows = session.exec(select(RuleVersion).where(RuleVersion.kind == kind).order_by(RuleVersion.version)).all()
    return [version_out(row) for row in rows]


def version_out(row: RuleVersion) -> RuleVersionOut:
    return RuleVersionOut(
        kind=RuleKind(row.kind),
        version=row.version,
        effective_from=row.effective_from,
        note=row.note,
        published_by=row.published_by,
        published_at=row.published_at,
        body=row.body,
    )
