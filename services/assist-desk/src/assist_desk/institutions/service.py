"""Database reads and writes of service institutions."""

import uuid
from datetime import UTC, datetime

from sqlmodel import Session, select

from assist_desk.institutions.events import INSTITUTION_REGISTERED, InstitutionRegistered
from assist_desk.institutions.models import (
    InstitutionAssistanceForm,
    InstitutionIn,
    InstitutionOut,
    ServiceInstitution,
    StationedDepartment,
    StationedDepartmentIn,
    StationedDepartmentOut,
)
from assist_desk.institutions.rules import (
    ASSISTANCE_FORM_LABELS,
    AssistanceForm,
    in_canonical_order,
    missing_required_forms,
)
from assist_desk.lookup_cache import cache_of
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue


def register_institution(session: Session, data: InstitutionIn, *, registered_by: str) -> InstitutionOut:
    """Store the institution with its assistance forms and queue `institution.registered`, in the caller's
    transaction."""
    if data.closes_at <= data.opens_at:
        raise field_error(422, "body.closes_at", "closing time must be after opening time")
    missing = missing_required_forms(data.assistance_forms)
    if missing:
        labels = "、".join(f"{form} {ASSISTANCE_FORM_LABELS[form]}" for form in missing)
        raise field_error(
            422, "body.assistance_forms", f"every institution offers 自助办, 陪同办 and 兜底办; missing {labels}"
        )
    institution = ServiceInstitution(
        **data.model_dump(warnings=False, exclude={"assistance_forms"}),
        registered_by=registered_by,
        registered_at=datetime.now(UTC),
    )
    forms = in_canonical_order(data.assistance_forms)
    with conflict_on_unique_violation(session, lambda: _name_conflict(session, data)):
        session.add(institution)
        session.flush()
        session.add_all(InstitutionAssistanceForm(institution_id=institution.id, form=form) for form in forms)
        session.flush()
    result = _institution_out(institution, forms)
    payload = InstitutionRegistered.model_validate({**result.model_dump(warnings=False), "institution_id": result.id})
    enqueue(session, INSTITUTION_REGISTERED, payload, key=str(result.id))
    return result


def get_institution(session: Session, institution_id: uuid.UUID) -> InstitutionOut | None:
    institution = session.get(ServiceInstitution, institution_id)
    if institution is None:
        return None
    query = select(InstitutionAssistanceForm.form).where(InstitutionAssistanceForm.institution_id == institution_id)
    return _institution_out(institution, in_canonical_order(session.exec(query).all()))


INSTITUTIONS_CACHE = "institutions"
# Institutions are never edited (no endpoint changes one), so an entry may live longer than a version list.
INSTITUTION_TTL_SECONDS = 60.0


def cached_institution(session: Session, institution_id: uuid.UUID) -> InstitutionOut | None:
    """`get_institution` through the per-process cache: the ticket path reads it on every request."""
    cache = cache_of(session, INSTITUTIONS_CACHE, INSTITUTION_TTL_SECONDS)
    return cache.get(institution_id, lambda: get_institution(session, institution_id))


def add_stationed_department(
    session: Session, institution: InstitutionOut, data: StationedDepartmentIn, *, recorded_by: str
) -> StationedDepartmentOut:
    row = StationedDepartment(institution_id=institution.id, **data.model_dump(warnings=False), recorded_by=recorded_by)
    taken = field_error(
        409,
        "body.department_code",
        f"department {data.department_code} is already stationed at {institution.name}",
        slug="department-already-stationed",
    )
    with conflict_on_unique_violation(session, lambda: taken):
        session.add(row)
        session.flush()
    return StationedDepartmentOut.model_validate(row.model_dump(warnings=False))


def stationed_departments(session: Session, institution_id: uuid.UUID) -> list[StationedDepartmentOut]:
    query = (
        select(StationedDepartment)
        .where(StationedDepartment.institution_id == institution_id)
        .order_by(StationedDepartment.department_code)
    )
    return [StationedDepartmentOut.model_validate(row.model_dump(warnings=False)) for row in session.exec(query).all()]


def is_stationed(session: Session, institution_id: uuid.UUID, department_code: str) -> bool:
    return session.get(StationedDepartment, (institution_id, department_code)) is not None


def _name_conflict(session: Session, data: InstitutionIn) -> ProblemError | None:
    if session.exec(select(ServiceInstitution.id).where(ServiceInstitution.name == data.name)).first() is None:
        return None
    return field_error(
        409, "body.name", f"an institution named {data.name} is already registered", slug="institution-name-taken"
    )


def _institution_out(institution: ServiceInstitution, forms: list[AssistanceForm]) -> InstitutionOut:
    return InstitutionOut(
        id=institution.id,
        kind=institution.kind,
        name=institution.name,
        town=institution.town,
        assistance_forms=forms,
        opens_at=institution.opens_at,
        closes_at=institution.closes_at,
        registered_by=institution.registered_by,
        registered_at=institution.registered_at,
    )
