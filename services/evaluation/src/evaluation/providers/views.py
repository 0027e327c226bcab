"""HTTP routes of providers: register one, read one."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from evaluation.projects.models import QualificationKind
from evaluation.providers import service
from evaluation.providers.models import ProviderContactOut, ProviderDocumentOut, ProviderIn, ProviderOut
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, BlobsDep, PiiDep, SessionDep, found_or_404

router = APIRouter(prefix="/providers", tags=["providers 承接机构"])

# The 残联 leads project management and evaluation (DB 31114/Z 017-2025 4.1); assessors read who they evaluate.
Registrar = Annotated[Principal, Depends(require_roles(Role.FEDERATION_ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.FEDERATION_ADMIN, Role.ASSESSOR, Role.THIRD_PARTY_ASSESSOR))]


@router.post("", status_code=201, summary="Register a provider (承接机构)")
def register_provider(
    body: ProviderIn, principal: Registrar, session: SessionDep, vault: PiiDep, response: Response
) -> ProviderOut:
    provider = service.register_provider(session, vault, body, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/providers/{provider.id}"
    return provider


@router.get("/{provider_id}", summary="One provider, contact number masked")
def get_provider(provider_id: uuid.UUID, principal: Reader, session: SessionDep, vault: PiiDep) -> ProviderOut:
    provider = service.get_provider(session, vault, provider_id)
    return found_or_404(provider, "provider-not-found", f"no provider {provider_id}")


@router.get(
    "/{provider_id}/contact",
    summary="The contact number unmasked, for the 残联 with a stated purpose (leaves an access record)",
)
def provider_contact(
    provider_id: uuid.UUID,
    principal: Registrar,
    session: SessionDep,
    vault: PiiDep,
    request: Request,
    purpose: Annotated[str, Query(min_length=2, max_length=500, description="why the unmasked value is needed")],
) -> ProviderContactOut:
    request_id = getattr(request.state, "request_id", None)
    contact = service.reveal_contact(session, vault, provider_id, principal, purpose, request_id)
    return found_or_404(contact, "provider-not-found", f"no provider {provider_id}")


@router.post(
    "/{provider_id}/documents",
    status_code=201,
    summary="Attach a qualification document (资质证明材料, 5.1.2.5): the request body is the file (pdf, jpeg, png)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}} for media in sorted(service.DOCUMENT_TYPES)
            },
        }
    },
)
async def add_document(
    provider_id: uuid.UUID,
    request: Request,
    principal: Registrar,
    session: SessionDep,
    blobs: BlobsDep,
    kind: Annotated[QualificationKind, Query(description="机构概况 / 年度财务报表 / 规范化评估等级证书 / other")],
    title: Annotated[str, Query(min_length=1, max_length=300)],
) -> ProviderDocumentOut:
    data = await request.body()
    document = service.add_document(
        session, blobs, provider_id, kind=kind.value, title=title, data=data, uploaded_by=principal.sub
    )
    return found_or_404(document, "provider-not-found", f"no provider {provider_id}")


@router.get("/{provider_id}/documents", summary="Qualification documents of the provider")
def list_documents(
    provider_id: uuid.UUID, principal: Reader, session: SessionDep, page: PageDep
) -> list[ProviderDocumentOut]:
    return page.slice(service.list_documents(session, provider_id))
