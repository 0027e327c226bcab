"""Database reads and writes of facilities, towns and committees."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session, select

from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import FieldError, ProblemError, field_error
from jiading_shared.events import enqueue
from library_metrics.facilities.events import FACILITY_REGISTERED, FacilityRegistered
from library_metrics.facilities.models import (
    Committee,
    CommitteeIn,
    CommitteeOut,
    Facility,
    FacilityIn,
    FacilityOut,
    FacilityPatch,
    Town,
    TownIn,
    TownOut,
    facility_out,
)
from library_metrics.facilities.rules import FacilityTier, area_problems, committee_problem, parent_problem


def register_facility(session: Session, data: FacilityIn, *, registered_by: str) -> FacilityOut:
    """Store the facility and queue `facility.registered` in the caller's transaction."""
    _check(session, data.tier, data.town, data)
    facility = Facility(**data.model_dump(), registered_by=registered_by, registered_at=datetime.now(UTC))
    with conflict_on_unique_violation(session, lambda: _name_conflict(session, data.town, data.name)):
        session.add(facility)
        session.flush()
    result = facility_out(facility)
    payload = FacilityRegistered.model_validate({**result.model_dump(), "facility_id": result.id})
    enqueue(session, FACILITY_REGISTERED, payload, key=str(result.id))
    return result


def update_facility(session: Session, facility: Facility, patch: FacilityPatch, *, updated_by: str) -> FacilityOut:
    """Apply the sent fields; the merged record is checked as a whole (areas nest, parent and committee exist)."""
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("free_service_items", []) is None:
        changes["free_service_items"] = []
    merged = FacilityPatch.model_validate({**_features_of(facility), **changes})
    _check(session, facility.tier, facility.town, merged, self_id=facility.id)
    for field, value in changes.items():
        setattr(facility, field, value)
    facility.updated_by = updated_by
    facility.updated_at = datetime.now(UTC)
    with conflict_on_unique_violation(session, lambda: _name_conflict(session, facility.town, facility.name)):
        session.flush()
    return facility_out(facility)


def get_facility(session: Session, facility_id: uuid.UUID) -> FacilityOut | None:
    facility = session.get(Facility, facility_id)
    return facility_out(facility) if facility is not None else None


def list_facilities(
    session: Session, *, towns: list[str] | None, tier: FacilityTier | None, limit: int, offset: int
) -> list[FacilityOut]:
    """Facilities by town then name; `towns` None = every town."""
    query = select(Facility).order_by(Facility.town, Facility.name, Facility.id).limit(limit).offset(offset)
    if towns is not None:
        query = query.where(Facility.town.in_(towns))  # type: ignore[attr-defined]
    if tier is not None:
        query = query.where(Facility.tier == tier)
    return [facility_out(facility) for facility in session.exec(query)]


def put_town(session: Session, code: str, data: TownIn, *, updated_by: str) -> tuple[TownOut, bool]:
    """Create or replace the town; True when it was created."""
    town = session.get(Town, code)
    created = town is None
    if town is None:
        town = Town(code=code, **data.model_dump(), updated_by=updated_by, updated_at=datetime.now(UTC))
        session.add(town)
    else:
        for field, value in data.model_dump().items():
            setattr(town, field, value)
        town.updated_by, town.updated_at = updated_by, datetime.now(UTC)
    session.flush()
    return TownOut.model_validate(town, from_attributes=True), created


def get_town(session: Session, code: str) -> TownOut | None:
    town = session.get(Town, code)
    return TownOut.model_validate(town, from_attributes=True) if town is not None else None


def put_committee(
    session: Session, town: str, code: str, data: CommitteeIn, *, updated_by: str
) -> tuple[CommitteeOut, bool]:
    if session.get(Town, town) is None:
        raise ProblemError(404, "town-not-found", f"no town {town}: register it with PUT /towns/{town} first")
    committee = session.exec(select(Committee).where(Committee.town == town, Committee.code == code)).first()
    created = committee is None
    if committee is None:
        committee = Committee(town=town, code=code, **data.model_dump(), updated_by=updated_by, updated_at=_now())
        session.add(committee)
    else:
        for field, value in data.model_dump().items():
            setattr(committee, field, value)
        committee.updated_by, committee.updated_at = updated_by, _now()
    session.flush()
    return CommitteeOut.model_validate(committee, from_attributes=True), created


def list_committees(session: Session, town: str) -> list[CommitteeOut]:
    query = select(Committee).where(Committee.town == town).order_by(Committee.code)
    return [CommitteeOut.model_validate(committee, from_attributes=True) for committee in session.exec(query)]


def _now() -> datetime:
    return datetime.now(UTC)


def _features_of(facility: Facility) -> dict[str, object]:
    return {field: getattr(facility, field) for field in FacilityPatch.model_fields}


def _check(
    session: Session,
    tier: FacilityTier,
    town: str,
    data: FacilityIn | FacilityPatch,
    *,
    self_id: uuid.UUID | None = None,
) -> None:
    problems = {
        f"body.{field}": message
        for field, message in area_problems(
            _decimal(data.floor_area_m2), _decimal(data.usable_area_m2), _decimal(data.public_service_area_m2)
        ).items()
    }
    parent_exists = data.parent_id is not None and session.get(Facility, data.parent_id) is not None
    parent = parent_problem(tier, data.parent_id is not None, parent_exists)
    if parent is None and self_id is not None and data.parent_id == self_id:
        parent = "a facility cannot be its own parent"
    if parent is not None:
        problems["body.parent_id"] = parent
    committee_known = data.committee_code is not None and (
        session.exec(select(Committee.id).where(Committee.town == town, Committee.code == data.committee_code)).first()
        is not None
    )
    committee = committee_problem(data.committee_code, committee_known)
    if committee is not None:
        problems["body.committee_code"] = committee
    if problems:
        errors = [FieldError(field=field, message=message) for field, message in problems.items()]
        raise ProblemError(422, "validation-error", f"invalid fields: {', '.join(problems)}", errors=errors)


def _decimal(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _name_conflict(session: Session, town: str, name: str) -> ProblemError | None:
    query = select(Facility.id).where(Facility.town == town, Facility.name == name)
    if session.exec(query).first() is None:
        return None
    return field_error(409, "body.name", f"town {town} already has a facility named {name}", slug="facility-name-taken")
