"""Reading and adding policy versions."""

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from assist_desk.lookup_cache import cache_of, forget_on_write
from assist_desk.policy.models import AssistPolicy, PolicyIn, PolicyOut
from assist_desk.policy.rules import POLICY_CLAUSES, missing_fallback_limits, missing_form_limits, version_in_force
from assist_desk.tickets.rules import FallbackType
from assist_desk.time_limits.rules import TimeLimit
from jiading_shared.errors import ProblemError, field_error

POLICY_VERSIONS_CACHE = "policy-versions"


def policy_in_force(session: Session, at: datetime | None = None) -> AssistPolicy:
    """The version in force at `at` (default now), from the per-process cache of all versions (there are few; they
    are added, never edited). The result is a detached snapshot. The seed migration guarantees a version from
    2025-03-01."""
    at = at or datetime.now(UTC)

    def load() -> tuple[AssistPolicy, ...] | None:
        rows = session.exec(select(AssistPolicy).order_by(AssistPolicy.version)).all()
        return tuple(AssistPolicy(**row.model_dump(warnings=False)) for row in rows) or None

    policy = version_in_force(cache_of(session, POLICY_VERSIONS_CACHE).get(None, load) or (), at)
    if policy is None:
        raise ProblemError(409, "no-policy-in-force", f"no assist-desk policy is in force at {at.isoformat()}")
    return policy


def add_version(session: Session, data: PolicyIn, *, created_by: str) -> PolicyOut:
    missing_forms = missing_form_limits(data.form_time_limits)
    if missing_forms:
        raise field_error(422, "body.form_time_limits", f"a limit is needed for {', '.join(missing_forms)}")
    missing_types = missing_fallback_limits(data.fallback_time_limits)
    if missing_types:
        raise field_error(422, "body.fallback_time_limits", f"a limit is needed for {', '.join(missing_types)}")
    now = datetime.now(UTC)
    # Serialise version numbering: concurrent admins get a unique violation rather than a duplicate number.
    latest = session.exec(select(func.max(AssistPolicy.version))).one() or 0
    policy = AssistPolicy(
        version=latest + 1,
        effective_from=data.effective_from or now,
        form_time_limits={form.value: limit.model_dump(mode="json") for form, limit in data.form_time_limits.items()},
        fallback_time_limits={
            kind.value: limit.model_dump(mode="json") for kind, limit in data.fallback_time_limits.items()
        },
        warning_lead_hours=data.warning_lead_hours,
        rectification_working_days=data.rectification_working_days,
        callback_share_percent=data.callback_share_percent,
        note=data.note,
        created_by=created_by,
        created_at=now,
    )
    session.add(policy)
    session.flush()
    forget_on_write(session, POLICY_VERSIONS_CACHE, None)
    return policy_out(policy)


def list_versions(session: Session) -> list[PolicyOut]:
    rows = session.exec(select(AssistPolicy).order_by(AssistPolicy.version)).all()
    return [policy_out(row) for row in rows]


def fallback_limit(policy: AssistPolicy, kind: FallbackType) -> TimeLimit:
    return TimeLimit.model_validate(policy.fallback_time_limits[kind.value])


def form_limit(policy: AssistPolicy, form: str) -> TimeLimit:
    return TimeLimit.model_validate(policy.form_time_limits[form])


def policy_out(policy: AssistPolicy) -> PolicyOut:
    return PolicyOut.model_validate(
        {
            **policy.model_dump(warnings=False, exclude={"id"}),
            "clauses": POLICY_CLAUSES,
        }
    )
