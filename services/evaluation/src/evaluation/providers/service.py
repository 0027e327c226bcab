"""Database reads and writes of providers."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from evaluation.providers.events import PROVIDER_REGISTERED, ProviderRegistered
from evaluation.providers.models import (
    Provider,
    ProviderContactOut,
    ProviderDocument,
    ProviderDocumentOut,
    ProviderIn,
    ProviderOut,
)
from evaluation.providers.rules import CONTACT_PHONE_CONTEXT
from jiading_shared.auth import Principal, Role
from jiading_shared.blobs import BlobStore
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.pii import EncryptedColumn, PiiVault, declare_encrypted_columns, mask_mobile, record_reveal

declare_encrypted_columns(
    Provider.metadata, EncryptedColumn("provider", "contact_phone_ciphertext", CONTACT_PHONE_CONTEXT)
)


@dataclass(frozen=True)
class ProviderScope:
    """Whose projects the caller acts on: every provider's (the 残联, the assessors) or one provider's (its own system,
    role external_system, named by the token's `dept` = the provider's 统一社会信用代码)."""

    everything: bool
    provider_id: uuid.UUID | None = None

    def allows(self, provider_id: uuid.UUID) -> bool:
        return self.everything or provider_id == self.provider_id


def provider_scope(session: Session, principal: Principal) -> ProviderScope:
    """A provider's system reports and reads its own projects only; a token that names no provider is refused, and
    one naming a provider not registered here sees nothing."""
    if principal.is_admin or principal.has_role(Role.FEDERATION_ADMIN, Role.ASSESSOR, Role.THIRD_PARTY_ASSESSOR):
        return ProviderScope(everything=True)
    if not principal.dept:
        raise ProblemError(
            403,
            "provider-not-named",
            "an external system acts for one provider: its token's `dept` must be the provider's 统一社会信用代码",
        )
    provider_id = session.exec(select(Provider.id).where(Provider.unified_social_credit_code == principal.dept)).first()
    return ProviderScope(everything=False, provider_id=provider_id)


def register_provider(session: Session, vault: PiiVault, data: ProviderIn, *, registered_by: str) -> ProviderOut:
    """Store the provider (contact number encrypted) and queue `provider.registered` in the caller's transaction."""
    phone = vault.seal(data.contact_phone, kind="phone", context=CONTACT_PHONE_CONTEXT)
    provider = Provider(
        name=data.name,
        unified_social_credit_code=data.unified_social_credit_code,
        contact_name=data.contact_name,
        contact_phone_ciphertext=phone.ciphertext,
        contact_phone_index=phone.index,
        registered_by=registered_by,
        registered_at=datetime.now(UTC),
    )
    with conflict_on_unique_violation(session, lambda: _credit_code_conflict(session, data)):
        session.add(provider)
        session.flush()
    payload = ProviderRegistered(
        provider_id=provider.id,
        name=provider.name,
        unified_social_credit_code=provider.unified_social_credit_code,
        registered_by=registered_by,
        registered_at=provider.registered_at,
    )
    enqueue(session, PROVIDER_REGISTERED, payload, key=str(provider.id))
    return _provider_out(provider, data.contact_phone)


def get_provider(session: Session, vault: PiiVault, provider_id: uuid.UUID) -> ProviderOut | None:
    provider = session.get(Provider, provider_id)
    if provider is None:
        return None
    return _provider_out(provider, vault.open(provider.contact_phone_ciphertext, context=CONTACT_PHONE_CONTEXT))


def reveal_contact(
    session: Session,
    vault: PiiVault,
    provider_id: uuid.UUID,
    principal: Principal,
    purpose: str,
    request_id: str | None,
) -> ProviderContactOut | None:
    """The contact number unmasked, after the access record is written in the same transaction."""
    provider = session.get(Provider, provider_id)
    if provider is None:
        return None
    record_reveal(
        session,
        principal,
        purpose=purpose,
        record_type="provider",
        record_id=str(provider.id),
        fields=["contact_phone"],
        request_id=request_id,
    )
    phone = vault.open(provider.contact_phone_ciphertext, context=CONTACT_PHONE_CONTEXT)
    return ProviderContactOut(id=provider.id, contact_name=provider.contact_name, contact_phone=phone)


def _credit_code_conflict(session: Session, data: ProviderIn) -> ProblemError | None:
    code = data.unified_social_credit_code
    if session.exec(select(Provider.id).where(Provider.unified_social_credit_code == code)).first() is None:
        return None
    return field_error(
        409, "body.unified_social_credit_code", f"provider {code} is already registered", slug="provider-taken"
    )


def _provider_out(provider: Provider, contact_phone: str) -> ProviderOut:
    # Masked by default; an unmasked read is a separate, audited route.
    return ProviderOut(
        id=provider.id,
        name=provider.name,
        unified_social_credit_code=provider.unified_social_credit_code,
        contact_name=provider.contact_name,
        contact_phone=mask_mobile(contact_phone),
        registered_by=provider.registered_by,
        registered_at=provider.registered_at,
    )


# --- qualification documents (5.1.2.5) ------------------------------------------------------------------------------

DOCUMENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


def add_document(
    session: Session, blobs: BlobStore, provider_id: uuid.UUID, *, kind: str, title: str, data: bytes, uploaded_by: str
) -> ProviderDocumentOut | None:
    """Store a qualification document of the provider; None when there is no such provider."""
    if session.get(Provider, provider_id) is None:
        return None
    stored = blobs.put(data, field="body", allowed_types=DOCUMENT_TYPES, max_bytes=DOCUMENT_MAX_BYTES)
    document = ProviderDocument(
        provider_id=provider_id,
        kind=kind,
        title=title,
        blob_key=stored.key,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by=uploaded_by,
        uploaded_at=datetime.now(UTC),
    )
    session.add(document)
    session.flush()
    return ProviderDocumentOut.model_validate(document.model_dump())


def list_documents(session: Session, provider_id: uuid.UUID) -> list[ProviderDocumentOut]:
    statement = select(ProviderDocument).where(ProviderDocument.provider_id == provider_id)
    rows = session.exec(statement.order_by(ProviderDocument.uploaded_at)).all()  # type: ignore[arg-type]
    return [ProviderDocumentOut.model_validate(row.model_dump()) for row in rows]
