"""HTTP routes of self-declarations: the 随申办 channel (role external_system) submits; the area's 协管员 confirms or
rejects; the station's police read."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlmodel import Session

from collection.declarations import service
from collection.declarations.models import (
    ConfirmationIn,
    DeclarationStatus,
    RejectionIn,
    SelfDeclaration,
    SelfDeclarationIn,
    SelfDeclarationOut,
)
from collection.places.scope import AreaScope, collection_scope, read_scope
from collection.registrations import service as registrations
from collection.registrations.models import RegistrationOut
from collection.visits.rules import local_date
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.ratelimit import RATE_LIMIT_RESPONSES, rate_limit
from jiading_shared.service import API_PREFIX, BlobsDep, PiiDep, SessionDep

router = APIRouter(tags=["self-declarations 自主填报"])

Channel = Annotated[Principal, Depends(require_roles(Role.EXTERNAL_SYSTEM))]
Reader = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE, Role.EXTERNAL_SYSTEM))]
Collector = Annotated[Principal, Depends(require_roles(Role.COLLECTOR))]


def _visible(session: Session, principal: Principal, row: SelfDeclaration | None) -> bool:
    if row is None:
        return False
    if principal.has_role(Role.EXTERNAL_SYSTEM) and row.submitted_by == principal.sub:
        return True  # the channel follows up its own submissions (status, reason of a rejection)
    return read_scope(session, principal).allows(row.area)


def declaration_in_scope(session: Session, scope: AreaScope, declaration_id: uuid.UUID) -> SelfDeclaration:
    row = session.get(SelfDeclaration, declaration_id)
    if row is None or not scope.allows(row.area):
        raise ProblemError(404, "self-declaration-not-found", f"no self-declaration {declaration_id}")
    return row


@router.post(
    "/self-declarations",
    status_code=201,
    summary="Submit a self-declaration from 随申办 (自主申报): face-verified form and materials; lands pending",
    dependencies=[Depends(rate_limit("self-declarations"))],
    responses=RATE_LIMIT_RESPONSES,
)
def submit_declaration(
    body: SelfDeclarationIn, principal: Channel, session: SessionDep, vault: PiiDep, blobs: BlobsDep, response: Response
) -> SelfDeclarationOut:
    row = service.submit(session, vault, blobs, body, submitted_by=principal.sub, today=local_date(datetime.now(UTC)))
    response.headers["Location"] = f"{API_PREFIX}/self-declarations/{row.id}"
    return service.declaration_out(session, vault, row)


@router.get("/self-declarations", summary="Self-declarations of the caller's areas, oldest first (pending by default)")
def list_declarations(
    principal: Reader,
    session: SessionDep,
    vault: PiiDep,
    page: PageDep,
    status: DeclarationStatus | None = DeclarationStatus.PENDING,
) -> list[SelfDeclarationOut]:
    scope = read_scope(session, principal)
    areas = None if scope.everything else sorted(scope.codes)
    rows = page.rows(service.list_declarations(session, areas, status, page.fetch, page.offset))
    return [service.declaration_out(session, vault, row) for row in rows]


@router.get("/self-declarations/{declaration_id}", summary="A self-declaration, personal information masked")
def get_declaration(
    declaration_id: uuid.UUID, principal: Reader, session: SessionDep, vault: PiiDep
) -> SelfDeclarationOut:
    row = session.get(SelfDeclaration, declaration_id)
    if not _visible(session, principal, row):
        raise ProblemError(404, "self-declaration-not-found", f"no self-declaration {declaration_id}")
    assert row is not None
    return service.declaration_out(session, vault, row)


@router.get(
    "/self-declarations/{declaration_id}/materials/{position}",
    summary="An uploaded material, for the area's 协管员 and the station's police",
)
def get_material(
    declaration_id: uuid.UUID,
    position: int,
    principal: Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE))],
    session: SessionDep,
    blobs: BlobsDep,
) -> Response:
    declaration_in_scope(session, read_scope(session, principal), declaration_id)
    material = next((m for m in service.materials_of(session, declaration_id) if m.position == position), None)
    if material is None:
        raise ProblemError(404, "material-not-found", f"no material {position} in self-declaration {declaration_id}")
    return Response(
        blobs.get(material.blob_key),
        media_type=material.content_type,
        headers={"ETag": f'"{material.blob_key}"', "Cache-Control": "private, no-store"},
    )


@router.post(
    "/self-declarations/{declaration_id}/confirmation",
    status_code=201,
    summary="The area's 协管员 confirms a pending self-declaration: the registration is created",
)
def confirm_declaration(
    declaration_id: uuid.UUID,
    body: ConfirmationIn,
    principal: Collector,
    session: SessionDep,
    vault: PiiDep,
    response: Response,
) -> RegistrationOut:
    row = declaration_in_scope(session, collection_scope(session, principal), declaration_id)
    registration = service.confirm(
        session, vault, row, by=principal.sub, visit_id=body.visit_id, today=local_date(datetime.now(UTC))
    )
    response.headers["Location"] = f"{API_PREFIX}/registrations/{registration.id}"
    return registrations.registration_out(session, vault, registration)


@router.post(
    "/self-declarations/{declaration_id}/rejection",
    summary="The area's 协管员 rejects a pending self-declaration, with the reason",
)
def reject_declaration(
    declaration_id: uuid.UUID, body: RejectionIn, principal: Collector, session: SessionDep, vault: PiiDep
) -> SelfDeclarationOut:
    row = declaration_in_scope(session, collection_scope(session, principal), declaration_id)
    service.reject(session, row, by=principal.sub, reason=body.reason)
    return service.declaration_out(session, vault, row)
