"""Reading and adding matter versions."""

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from assist_desk.lookup_cache import cache_of, forget_on_write
from assist_desk.matters.models import MatterIn, MatterOut, MatterVersion, MatterVersionIn
from assist_desk.matters.rules import duplicate_codes
from assist_desk.policy.rules import version_in_force
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error


def register_matter(session: Session, data: MatterIn, *, created_by: str) -> MatterOut:
    if session.exec(select(MatterVersion.id).where(MatterVersion.code == data.code)).first() is not None:
        raise field_error(409, "body.code", f"matter {data.code} exists; add a version instead", slug="matter-exists")
    return _add(session, data.code, data, version=1, created_by=created_by)


def add_version(session: Session, code: str, data: MatterVersionIn, *, created_by: str) -> MatterOut:
    latest = session.exec(select(func.max(MatterVersion.version)).where(MatterVersion.code == code)).one()
    if latest is None:
        raise ProblemError(404, "matter-not-found", f"no matter {code}")
    return _add(session, code, data, version=latest + 1, created_by=created_by)


def _add(session: Session, code: str, data: MatterVersionIn, *, version: int, created_by: str) -> MatterOut:
    duplicates = duplicate_codes(data.materials)
    if duplicates:
        raise field_error(422, "body.materials", f"material codes listed twice: {', '.join(duplicates)}")
    now = datetime.now(UTC)
    row = MatterVersion(
        code=code,
        version=version,
        name=data.name,
        department_code=data.department_code,
        materials=[material.model_dump(mode="json") for material in data.materials],
        time_limits={form.value: limit.model_dump(mode="json") for form, limit in data.time_limits.items()},
        effective_from=data.effective_from or now,
        note=data.note,
        created_by=created_by,
        created_at=now,
    )
    conflict = ProblemError(409, "matter-version-conflict", f"matter {code} got a new version meanwhile; retry")
    with conflict_on_unique_violation(session, lambda: conflict):
        session.add(row)
        session.flush()
    forget_on_write(session, MATTER_VERSIONS_CACHE, code)
    return matter_out(row)


def versions_of(session: Session, code: str) -> list[MatterVersion]:
    query = select(MatterVersion).where(MatterVersion.code == code).order_by(MatterVersion.version)
    return list(session.exec(query).all())


def matter_in_force(session: Session, code: str, at: datetime | None = None) -> MatterVersion | None:
    return version_in_force(versions_of(session, code), at or datetime.now(UTC))


MATTER_VERSIONS_CACHE = "matter-versions"


def cached_matter_in_force(session: Session, code: str, at: datetime | None = None) -> MatterVersion | None:
    """Like `matter_in_force`, from the per-process cache of the matter's versions (versions are never edited; a new
    one is seen at once here, within the cache's TTL on other replicas). The result is a detached snapshot."""

    def load() -> tuple[MatterVersion, ...] | None:
        rows = versions_of(session, code)
        return tuple(MatterVersion(**row.model_dump(warnings=False)) for row in rows) or None

    versions = cache_of(session, MATTER_VERSIONS_CACHE).get(code, load)
    return version_in_force(versions or (), at or datetime.now(UTC))


def matter_version(session: Session, code: str, version: int) -> MatterVersion | None:
    query = select(MatterVersion).where(MatterVersion.code == code, MatterVersion.version == version)
    return session.exec(query).first()


def list_in_force(session: Session) -> list[MatterOut]:
    codes = session.exec(select(MatterVersion.code).distinct().order_by(MatterVersion.code)).all()
    current = (matter_in_force(session, code) for code in codes)
    return [matter_out(row) for row in current if row is not None]


def matter_out(row: MatterVersion) -> MatterOut:
    return MatterOut.model_validate(row.model_dump(warnings=False, exclude={"id"}))
