"""Self-declarations: submission from the 随申办 channel, review by the area's 协管员 (DB 31114/Z 001-2025 §4, §5)."""

import base64
import binascii
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from collection.declarations.models import (
    MATERIAL_TYPES,
    MAX_MATERIAL_BYTES,
    DeclarationApp,
    DeclarationMaterial,
    DeclarationStatus,
    MaterialOut,
    SelfDeclaration,
    SelfDeclarationIn,
    SelfDeclarationOut,
)
from collection.registrations import service as registrations
from collection.registrations.models import Registration, RegistrationChannel, RegistrationIn
from collection.registrations.rules import RegistrationAction
from collection.tables import metadata
from collection.visits.models import Visit
from jiading_shared.blobs import BlobStore
from jiading_shared.errors import FieldError, ProblemError, field_error
from jiading_shared.pii import EncryptedColumn, PiiVault, declare_encrypted_columns, mask_id_number, mask_name

FORM_CONTEXT = "collection.self_declaration.form"
declare_encrypted_columns(metadata, EncryptedColumn("self_declaration", "form_cipher", FORM_CONTEXT))


def submit(
    session: Session, vault: PiiVault, blobs: BlobStore, data: SelfDeclarationIn, *, submitted_by: str, today: date
) -> SelfDeclaration:
    """Check the declaration exactly as a form filled at the door (表 A.1 rules), keep it pending."""
    if not data.face_verified:
        # DB 31114/Z 001-2025 5.2.4–5.2.5: the declarant reaches the form only after face verification.
        raise field_error(422, "body.face_verified", "a self-declaration needs a passed face verification (5.2.4)")
    if data.form.action is not RegistrationAction.REGISTER:
        raise field_error(422, "body.form.action", "a self-declaration registers (登记); 注销 is done by the 协管员")
    place = registrations.place_of_house_code(session, data.form.house_code)
    if place is None:
        raise field_error(422, "body.form.house_code", f"no room has the house code {data.form.house_code}")
    problems = [
        FieldError(field=f"body.form.{p.field[5:]}", message=p.message)
        for p in registrations.form_problems(data.form, today)
    ]
    if problems:
        raise ProblemError(
            422, "validation-error", "; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems
        )
    files = [_decode(material.content_base64, position) for position, material in enumerate(data.materials)]
    row = SelfDeclaration(
        room_id=place.room.id,
        area=place.area.code,
        app=data.app.value,
        external_reference=data.external_reference,
        declarant_name=data.form.name,
        form_cipher=vault.cipher.encrypt(data.form.model_dump_json(), context=FORM_CONTEXT),
        id_number_index=vault.blind_index(data.form.id_number, kind="id_number") if data.form.id_number else None,
        face_verified=True,
        face_verified_at=data.face_verified_at,
        preferred_visit_date=data.preferred_visit_date,
        submitted_by=submitted_by,
        submitted_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    for position, (material, content) in enumerate(zip(data.materials, files, strict=True)):
        stored = blobs.put(
            content,
            field=f"body.materials.{position}.content_base64",
            allowed_types=MATERIAL_TYPES,
            max_bytes=MAX_MATERIAL_BYTES,
        )
        session.add(
            DeclarationMaterial(
                declaration_id=row.id,
                position=position,
                name=material.name,
                blob_key=stored.key,
                content_type=stored.content_type,
                size=stored.size,
            )
        )
    session.flush()
    return row


def _decode(text: str, position: int) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise field_error(422, f"body.materials.{position}.content_base64", "not valid base64") from None


def form_of(vault: PiiVault, row: SelfDeclaration) -> RegistrationIn:
    return RegistrationIn.model_validate_json(vault.open(row.form_cipher, context=FORM_CONTEXT))


def ensure_pending(row: SelfDeclaration) -> None:
    if row.status != DeclarationStatus.PENDING.value:
        raise ProblemError(409, "not-pending", f"self-declaration {row.id} is already {row.status}")


def confirm(
    session: Session,
    vault: PiiVault,
    row: SelfDeclaration,
    *,
    by: str,
    visit_id: uuid.UUID | None,
    today: date,
) -> Registration:
    """The 协管员 checked the declaration: it becomes a registration (channel self_declaration), with 不重复 applied
    exactly as for a form filled at the door (a move ends the old registration; a duplicate at the room is a 409)."""
    ensure_pending(row)
    place = registrations.place_of_room(session, row.room_id)
    assert place is not None
    if visit_id is not None:
        visit = session.get(Visit, visit_id)
        if visit is None or visit.room_id != row.room_id:
            raise field_error(422, "body.visit_id", "not a visit to the declared room")
    registration = registrations.register(
        session,
        vault,
        form_of(vault, row),
        place,
        channel=RegistrationChannel.SELF_DECLARATION,
        registered_by=by,
        today=today,
    )
    if visit_id is not None:
        registrations.link_registrations_to_visit(session, visit_id, row.room_id, [registration.id])
    row.status = DeclarationStatus.CONFIRMED.value
    row.reviewed_by = by
    row.reviewed_at = datetime.now(UTC)
    row.registration_id = registration.id
    session.add(row)
    session.flush()
    return registration


def reject(session: Session, row: SelfDeclaration, *, by: str, reason: str) -> None:
    ensure_pending(row)
    row.status = DeclarationStatus.REJECTED.value
    row.reviewed_by = by
    row.reviewed_at = datetime.now(UTC)
    row.rejection_reason = reason
    session.add(row)
    session.flush()


def list_declarations(
    session: Session, areas: Sequence[str] | None, status: DeclarationStatus | None, limit: int, offset: int = 0
) -> list[SelfDeclaration]:
    query = select(SelfDeclaration)
    if areas is not None:
        query = query.where(col(SelfDeclaration.area).in_(list(areas)))
    if status is not None:
        query = query.where(SelfDeclaration.status == status.value)
    query = query.order_by(col(SelfDeclaration.submitted_at), col(SelfDeclaration.id))
    return list(session.exec(query.limit(limit).offset(offset)).all())


def materials_of(session: Session, declaration_id: uuid.UUID) -> list[DeclarationMaterial]:
    query = select(DeclarationMaterial).where(DeclarationMaterial.declaration_id == declaration_id)
    return list(session.exec(query.order_by(col(DeclarationMaterial.position))).all())


def declaration_out(session: Session, vault: PiiVault, row: SelfDeclaration) -> SelfDeclarationOut:
    form = form_of(vault, row)
    return SelfDeclarationOut(
        id=row.id,
        room_id=row.room_id,
        house_code=form.house_code,
        area=row.area,
        app=DeclarationApp(row.app),
        external_reference=row.external_reference,
        declarant_name=mask_name(row.declarant_name),
        id_number=mask_id_number(form.id_number) if form.id_number else None,
        face_verified=row.face_verified,
        face_verified_at=row.face_verified_at,
        preferred_visit_date=row.preferred_visit_date,
        status=DeclarationStatus(row.status),
        submitted_at=row.submitted_at,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        rejection_reason=row.rejection_reason,
        registration_id=row.registration_id,
        materials=[
            MaterialOut(position=m.position, name=m.name, content_type=m.content_type, size=m.size, sha256=m.blob_key)
            for m in materials_of(session, row.id)
        ],
    )
