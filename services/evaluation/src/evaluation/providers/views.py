"""HTTP routes of providers: register one, read one."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from evaluation.providers import service
from evaluation.providers.models import ProviderIn, ProviderOut
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.service import API_PREFIX, PiiDep, SessionDep, found_or_404

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
