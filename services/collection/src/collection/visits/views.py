"""HTTP routes of visits: record one (the contract `POST /api/v1/rooms/{room_id}/visits`), a room's status and
history, the collector's work list, and the visit rule versions."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from collection.places.models import Area, Building, Room
from collection.places.scope import collection_scope, ensure_area, read_scope
from collection.registrations.service import link_registrations_to_visit
from collection.visits import service
from collection.visits.models import RoomStatusOut, VisitIn, VisitOut, VisitRuleIn, VisitRuleOut
from collection.visits.rules import local_date
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import Page, PageDep, pagination
from jiading_shared.service import API_PREFIX, SessionDep

# The work list keeps its larger default: a collector's day is read in one page.
WorkListPage = Annotated[Page, Depends(pagination(default=200))]

router = APIRouter(tags=["visits 上门采集"])

Reader = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE))]
Collector = Annotated[Principal, Depends(require_roles(Role.COLLECTOR))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def room_in_scope(session: Session, principal: Principal, room_id: uuid.UUID) -> tuple[Room, Building, Area]:
    """The room with its building and area; 404 when unknown or outside the caller's read scope."""
    room = session.get(Room, room_id)
    building = session.get(Building, room.building_id) if room else None
    if room is None or building is None or not read_scope(session, principal).allows(building.area):
        raise ProblemError(404, "room-not-found", f"no room {room_id}")
    area = session.get(Area, building.area)
    assert area is not None
    return room, building, area


@router.post("/rooms/{room_id}/visits", status_code=201, summary="Record a door-to-door visit (上门采集) to a room")
def record_visit(
    room_id: uuid.UUID, body: VisitIn, principal: Collector, session: SessionDep, request: Request, response: Response
) -> VisitOut:
    room, _building, area = room_in_scope(session, principal, room_id)
    ensure_area(collection_scope(session, principal), area.code)
    context = service.RoomContext(room.id, room.house_code, area.town, area.code, area.grid, area.police_station)
    visit = service.record_visit(session, context, body, collector=principal.sub, calendar=request.app.state.calendar)
    if body.registration_ids:
        link_registrations_to_visit(session, visit.id, room.id, body.registration_ids)
    response.headers["Location"] = f"{API_PREFIX}/rooms/{room_id}/visits/{visit.id}"
    return visit


@router.get("/rooms/{room_id}/visits", summary="The visits to a room, newest first (工作台账)")
def list_visits(room_id: uuid.UUID, principal: Reader, session: SessionDep, page: PageDep) -> list[VisitOut]:
    room_in_scope(session, principal, room_id)
    return page.slice(service.visits_of_room(session, room_id))


@router.get("/rooms/{room_id}/status", summary="A room's derived status and next due date")
def room_status(room_id: uuid.UUID, principal: Reader, session: SessionDep) -> RoomStatusOut:
    room, building, _area = room_in_scope(session, principal, room_id)
    from collection.visits.models import RoomStatus

    status = session.get(RoomStatus, room.id) or RoomStatus(room_id=room.id, area=building.area)
    return service.status_out(status, room, building, local_date(datetime.now(UTC)))


@router.get("/work-list", summary="The caller's work list: rooms due or overdue in their areas, most urgent first")
def work_list(
    principal: Collector,
    session: SessionDep,
    page: WorkListPage,
    horizon_days: Annotated[int, Query(ge=0, le=60, description="include deadlines up to this many days ahead")] = 0,
    area: Annotated[str | None, Query(description="one of the caller's areas")] = None,
) -> list[RoomStatusOut]:
    scope = collection_scope(session, principal)
    if area is not None:
        ensure_area(scope, area)
        areas = [area]
    elif scope.everything:
        raise ProblemError(422, "area-required", "name an area: the work list of the whole district is too long")
    else:
        areas = sorted(scope.codes)
    today = local_date(datetime.now(UTC))
    return page.rows(
        service.work_list(session, areas, today=today, horizon_days=horizon_days, limit=page.fetch, offset=page.offset)
    )


@router.get("/visit-rules", summary="Versions of the revisit and refusal rules")
def list_visit_rules(_principal: Reader, session: SessionDep, page: PageDep) -> list[VisitRuleOut]:
    return page.slice(service.list_rule_versions(session))


@router.post("/visit-rules", status_code=201, summary="Add a version of the revisit and refusal rules (by notice)")
def add_visit_rules(body: VisitRuleIn, principal: Admin, session: SessionDep) -> VisitRuleOut:
    return service.add_rule_version(session, body, created_by=principal.sub)
