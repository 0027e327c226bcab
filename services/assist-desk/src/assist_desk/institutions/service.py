"""Database reads and writes of service institutions."""

import uuid
from datetime import UTC, datetime

from sqlmodel import Session, select

from assist_desk.institutions.events import INSTITUTION_REGISTERED, InstitutionRegistered
from assist_desk.institutions.models import InstitutionAssistanceForm, InstitutionIn, InstitutionOut, ServiceInstitution
from assist_desk.institutions.rules import (
    ASSISTANCE_FORM_LABELS,
    AssistanceForm,
    in_canonical_order,
    missing_required_forms,
)
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue


def register_institution(session: Session, data: InstitutionIn, *, registered_by: str) -> InstitutionOut:
    """Store the institution with its assistance forms and queue `institution.registered`, in the caller's
    transaction."""
    missing = missing_required_forms(data.assistance_forms)
    if missing:
        labels = "、".join(f"{form} {ASSISTANCE_FORM_LABELS[form]}" for form in missing)
        raise field_error(
            422, "body.assistance_forms", f"every institution offers 自助办, 陪同办 and 兜底办; missing {labels}"
        )
    institution = ServiceInstitution(
        **data.model_dump(exclude={"assistance_forms"}), registered_by=registered_by, registered_at=datetime.now(UTC)
    )
    forms = in_canonical_order(data.assistance_forms)
    with conflict_on_unique_violation(session, lambda: _name_conflict(session, data)):
        session.add(institution)
        session.flush()
        session.add_all(InstitutionAssistanceForm(institution_id=institution.id, form=form) for form in forms)
        session.flush()
    result = _institution_out(institution, forms)
    payload = InstitutionRegistered.model_validate({**result.model_dump(), "institution_id": result.id})
    enqueue(session, INSTITUTION_REGISTERED, payload, key=str(result.id))
    return result


def get_institution(session: Session, institution_id: uuid.UUID) -> InstitutionOut | None:
    institution = session.get(ServiceInstitution, institution_id)
    if institution is None:
        return None
    query = select(InstitutionAssistanceForm.form).where(InstitutionAssistanceForm.institution_id == institution_id)
    return _institution_out(institution, in_canonical_order(session.exec(query).all()))


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
        registered_by=institution.registered_by,
        registered_at=institution.registered_at,
    )
