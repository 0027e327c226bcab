"""Database reads and writes of facilities."""

import uuid
from datetime import UTC, datetime

from sqlmodel import Session, select

from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import FieldError, ProblemError, field_error
from jiading_shared.events import enqueue
from library_metrics.facilities.events import FACILITY_REGISTERED, FacilityRegistered
from library_metrics.facilities.models import Facility, FacilityIn, FacilityOut
from library_metrics.facilities.rules import area_problems, parent_problem


def register_facility(session: Session, data: FacilityIn, *, registered_by: str) -> FacilityOut:
    """Store the facility and queue `facility.registered` in the caller's transaction."""
    _check(session, data)
    facility = Facility(**data.model_dump(), registered_by=registered_by, registered_at=datetime.now(UTC))
    with conflict_on_unique_violation(session, lambda: _name_conflict(session, data)):
        session.add(facility)
        session.flush()
    result = FacilityOut.model_validate(facility, from_attributes=True)
    payload = FacilityRegistered.model_validate({**result.model_dump(), "facility_id": result.id})
    enqueue(session, FACILITY_REGISTERED, payload, key=str(result.id))
    return result


def get_facility(session: Session, facility_id: uuid.UUID) -> FacilityOut | None:
    facility = session.get(Facility, facility_id)
    return FacilityOut.model_validate(facility, from_attributes=True) if facility is not None else None


def _check(session: Session, data: FacilityIn) -> None:
    problems = {
        f"body.{field}": message
        for field, message in area_problems(
            data.floor_area_m2, data.usable_area_m2, data.public_service_area_m2
        ).items()
    }
    parent_exists = data.parent_id is not None and session.get(Facility, data.parent_id) is not None
    parent = parent_problem(data.tier, data.parent_id is not None, parent_exists)
    if parent is not None:
        problems["body.parent_id"] = parent
    if problems:
        errors = [FieldError(field=field, message=message) for field, message in problems.items()]
        raise ProblemError(422, "validation-error", f"invalid fields: {', '.join(problems)}", errors=errors)


def _name_conflict(session: Session, data: FacilityIn) -> ProblemError | None:
    query = select(Facility.id).where(Facility.town == data.town, Facility.name == data.name)
    if session.exec(query).first() is None:
        return None
    return field_error(
        409, "body.name", f"town {data.town} already has a facility named {data.name}", slug="facility-name-taken"
    )
