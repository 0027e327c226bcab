"""HTTP routes of residence registrations: the form (contract `POST /api/v1/registrations`), deregistration, search
by exact ID number through the blind index, and audited disclosure of the unmasked values."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from collection.places.scope import AreaScope, collection_scope, disclosure_scope, ensure_area, read_scope
from collection.registrations import service
from collection.registrations.models import (
    DeregistrationIn,
    IdNumberSearchIn,
    Registration,
    RegistrationChannel,
    RegistrationImportIn,
    RegistrationImportOut,
    RegistrationIn,
    RegistrationOut,
)
from collection.registrations.rules import RegistrationAction
from collection.visits.rules import local_date
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, PiiDep, SessionDep

router = APIRouter(tags=["registrations 实有人口居住登记"])

Reader = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE))]
Collector = Annotated[Principal, Depends(require_roles(Role.COLLECTOR))]


def registration_in_scope(session: Session, scope: AreaScope, registration_id: uuid.UUID) -> Registration:
    row = session.get(Registration, registration_id)
    if row is None or not scope.allows(row.area):
        raise ProblemError(404, "registration-not-found", f"no registration {registration_id}")
    return row


@router.post(
    "/registrations",
    status_code=201,
    summary="Submit a residence registration form (实有人口居住登记表 A.1): 登记, or 注销 of the person's registration",
)
def submit_registration(
    body: RegistrationIn, principal: Collector, session: SessionDep, vault: PiiDep, response: Response
) -> RegistrationOut:
    place = service.place_of_house_code(session, body.house_code)
    if place is None:
        raise field_error(422, "body.house_code", f"no room has the house code {body.house_code}")
    ensure_area(collection_scope(session, principal), place.area.code)
    today = local_date(datetime.now(UTC))
    if body.action is RegistrationAction.DEREGISTER:
        return _deregister_by_form(session, vault, body, place, principal, response)
    row = service.register(
        session, vault, body, place, channel=RegistrationChannel.VISIT, registered_by=principal.sub, today=today
    )
    response.headers["Location"] = f"{API_PREFIX}/registrations/{row.id}"
    return service.registration_out(session, vault, row)


def _deregister_by_form(
    session: Session,
    vault: PiiDep,
    body: RegistrationIn,
    place: service.RoomPlace,
    principal: Principal,
    response: Response,
) -> RegistrationOut:
    """The form with 注销 ticked ends the person's active registration at that room."""
    if body.id_number is None and (body.guardian is None or body.guardian.id_number is None):
        raise field_error(422, "body.id_number", "required to deregister (or the guardian's ID number)")
    row = service.active_registration_of(session, vault, body)
    if row is None or row.room_id != place.room.id:
        raise ProblemError(404, "registration-not-found", "the person has no active registration at this room")
    service.end_registration(session, row, by=principal.sub, reason="注销 (表 A.1)")
    response.status_code = 200
    return service.registration_out(session, vault, row)


@router.get("/registrations/{registration_id}", summary="A registration, personal information masked")
def get_registration(
    registration_id: uuid.UUID, principal: Reader, session: SessionDep, vault: PiiDep
) -> RegistrationOut:
    row = registration_in_scope(session, read_scope(session, principal), registration_id)
    return service.registration_out(session, vault, row)


@router.get(
    "/registrations/{registration_id}/disclosure",
    summary="A registration unmasked, for the area's collectors and the station's police, with a stated purpose "
    "(leaves an access record)",
)
def disclose_registration(
    registration_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    vault: PiiDep,
    request: Request,
    purpose: Annotated[str, Query(min_length=4, max_length=500, description="why the unmasked values are needed")],
) -> RegistrationOut:
    # Only the area's own collectors and the station's police: not admins, not district-wide readers, even when they
    # also hold the collector or police role.
    row = session.get(Registration, registration_id)
    if row is None or not read_scope(session, principal).allows(row.area):
        raise ProblemError(404, "registration-not-found", f"no registration {registration_id}")
    if not disclosure_scope(session, principal).allows(row.area):
        raise ProblemError(403, "forbidden", "unmasked personal information is for the area's collectors and police")
    request_id = getattr(request.state, "request_id", None)
    return service.disclose(session, vault, row, principal, purpose, request_id)


@router.post(
    "/registrations/{registration_id}/deregistration", summary="Deregister (注销) a registration, with the reason"
)
def deregister(
    registration_id: uuid.UUID, body: DeregistrationIn, principal: Collector, session: SessionDep, vault: PiiDep
) -> RegistrationOut:
    scope = collection_scope(session, principal)
    row = registration_in_scope(session, scope, registration_id)
    service.end_registration(session, row, by=principal.sub, reason=body.reason)
    return service.registration_out(session, vault, row)


@router.post(
    "/registrations/search",
    summary="Registrations (history included) of the person with this exact ID number, through the blind index",
)
def search_by_id_number(
    body: IdNumberSearchIn, principal: Reader, session: SessionDep, vault: PiiDep
) -> list[RegistrationOut]:
    scope = read_scope(session, principal)
    rows = service.find_by_id_number(session, vault, body.id_number, None if scope.everything else sorted(scope.codes))
    return [service.registration_out(session, vault, row) for row in rows]


@router.get("/rooms/{room_id}/registrations", summary="Registrations at a room (active only unless history=true)")
def registrations_of_room(
    room_id: uuid.UUID, principal: Reader, session: SessionDep, vault: PiiDep, page: PageDep, history: bool = False
) -> list[RegistrationOut]:
    place = service.place_of_room(session, room_id)
    if place is None or not read_scope(session, principal).allows(place.area.code):
        raise ProblemError(404, "room-not-found", f"no room {room_id}")
    rows = page.slice(service.registrations_of_room(session, room_id, active_only=not history))
    return [service.registration_out(session, vault, row) for row in rows]


@router.post(
    "/registrations/import",
    summary="Import many registration forms: all or nothing, per-row errors, dry_run=true checks without writing",
)
def import_registrations(
    body: RegistrationImportIn, principal: Collector, session: SessionDep, vault: PiiDep, dry_run: bool = False
) -> RegistrationImportOut:
    scope = collection_scope(session, principal)
    for position, row in enumerate(body.rows):
        place = service.place_of_house_code(session, row.house_code)
        if place is not None and not scope.allows(place.area.code):
            raise field_error(403, f"body.rows.{position}.house_code", "the room lies outside your areas")
    problems = service.import_registrations(
        session, vault, body.rows, registered_by=principal.sub, today=local_date(datetime.now(UTC)), dry_run=dry_run
    )
    if problems:
        detail = f"{len(problems)} problem(s); nothing was imported"
        raise ProblemError(422, "import-rejected", detail, errors=problems)
    return RegistrationImportOut(dry_run=dry_run, rows=len(body.rows), imported=0 if dry_run else len(body.rows))
