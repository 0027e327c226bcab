"""HTTP routes of the places hierarchy (towns, committees, areas with their collectors), buildings, rooms and the
room layout sketch."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from collection.places import service
from collection.places.models import (
    Area,
    AreaIn,
    AreaOut,
    BuildingIn,
    BuildingOut,
    CollectorsIn,
    CommitteeIn,
    CommitteeOut,
    RoomCertificateIn,
    RoomOut,
    SketchOut,
    TownIn,
    TownOut,
)
from collection.places.scope import collection_scope, ensure_area, read_scope, supervision_scope
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, BlobsDep, SessionDep

router = APIRouter(tags=["places 街镇/居委/责任区/实有房屋"])

# 社区综合协管员 collect (DB 31114/Z 002-2025 §4); 社区民警 supervise them (DB 31114/Z 003-2025 4.1).
Reader = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE))]
Collector = Annotated[Principal, Depends(require_roles(Role.COLLECTOR))]
Supervisor = Annotated[Principal, Depends(require_roles(Role.COMMUNITY_POLICE))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def area_or_404(session: Session, code: str) -> Area:
    area = session.get(Area, code)
    if area is None:
        raise ProblemError(404, "area-not-found", f"no area {code}")
    return area


@router.post("/towns", status_code=201, summary="Add a town (街镇)")
def create_town(body: TownIn, _admin: Admin, session: SessionDep) -> TownOut:
    return service.create_town(session, body)


@router.get("/towns", summary="Towns (街镇)")
def list_towns(_principal: Reader, session: SessionDep, page: PageDep) -> list[TownOut]:
    return page.slice(service.list_towns(session))


@router.post("/committees", status_code=201, summary="Add a residents'/villagers' committee (居/村委)")
def create_committee(body: CommitteeIn, _admin: Admin, session: SessionDep) -> CommitteeOut:
    return service.create_committee(session, body)


@router.get("/committees", summary="Committees (居/村委), optionally of one town")
def list_committees(
    _principal: Reader, session: SessionDep, page: PageDep, town: str | None = None
) -> list[CommitteeOut]:
    return page.slice(service.list_committees(session, town))


@router.post("/areas", status_code=201, summary="Add a responsibility area (责任区)")
def create_area(body: AreaIn, _admin: Admin, session: SessionDep) -> AreaOut:
    return service.create_area(session, body)


@router.get("/areas", summary="The responsibility areas (责任区) in the caller's scope, with their collectors")
def list_areas(principal: Reader, session: SessionDep, page: PageDep) -> list[AreaOut]:
    scope = read_scope(session, principal)
    return page.slice(service.list_areas(session, None if scope.everything else sorted(scope.codes)))


@router.get("/areas/{code}", summary="One responsibility area")
def get_area(code: str, principal: Reader, session: SessionDep) -> AreaOut:
    area = area_or_404(session, code)
    if not read_scope(session, principal).allows(code):
        raise ProblemError(404, "area-not-found", f"no area {code}")
    return service.area_out(session, area)


@router.put("/areas/{code}/collectors", summary="Assign the area's collectors (社区综合协管员)")
def assign_collectors(code: str, body: CollectorsIn, principal: Supervisor, session: SessionDep) -> AreaOut:
    area = area_or_404(session, code)
    ensure_area(supervision_scope(session, principal), code)
    return service.assign_collectors(session, area, body.collectors)


@router.post("/buildings", status_code=201, summary="Register a building (实有房屋) with its rooms")
def register_building(body: BuildingIn, principal: Collector, session: SessionDep, response: Response) -> BuildingOut:
    area = session.get(Area, body.area)
    if area is None:
        raise field_error(422, "body.area", f"no area {body.area}")
    ensure_area(collection_scope(session, principal), body.area)
    building = service.register_building(session, body, area, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/buildings/{building.id}"
    return building


@router.get("/buildings/{building_id}", summary="A building with its rooms")
def get_building(building_id: uuid.UUID, principal: Reader, session: SessionDep) -> BuildingOut:
    building = service.get_building_row(session, building_id)
    if building is None or not read_scope(session, principal).allows(building.area):
        raise ProblemError(404, "building-not-found", f"no building {building_id}")
    return service.get_building(session, building)


@router.put(
    "/buildings/{building_id}/sketch",
    summary="Upload the room layout sketch (简易房间分布示意图): PNG, JPEG or PDF, at most 5 MB, as the body",
)
async def upload_sketch(
    building_id: uuid.UUID, request: Request, principal: Collector, session: SessionDep, blobs: BlobsDep
) -> SketchOut:
    building = service.get_building_row(session, building_id)
    if building is None or not read_scope(session, principal).allows(building.area):
        raise ProblemError(404, "building-not-found", f"no building {building_id}")
    ensure_area(collection_scope(session, principal), building.area)
    data = await request.body()
    return service.store_sketch(session, blobs, building, data, uploaded_by=principal.sub)


@router.get("/buildings/{building_id}/sketch", summary="The building's room layout sketch (the file)")
def download_sketch(building_id: uuid.UUID, principal: Reader, session: SessionDep, blobs: BlobsDep) -> Response:
    building = service.get_building_row(session, building_id)
    if building is None or not read_scope(session, principal).allows(building.area):
        raise ProblemError(404, "building-not-found", f"no building {building_id}")
    if building.sketch_sha256 is None:
        raise ProblemError(404, "sketch-not-found", f"building {building_id} has no sketch")
    return Response(
        blobs.get(building.sketch_sha256),
        media_type=building.sketch_content_type,
        headers={"ETag": f'"{building.sketch_sha256}"'},
    )


@router.patch(
    "/rooms/{room_id}",
    summary="Update a room's ownership certificate data (权证信息, DB 31114/Z 002-2025 6.3): only the fields sent "
    "change; publishes building.room_certificate_updated",
)
def update_room(room_id: uuid.UUID, body: RoomCertificateIn, principal: Collector, session: SessionDep) -> RoomOut:
    found = service.get_room_row(session, room_id)
    if found is None or not read_scope(session, principal).allows(found[1].area):
        raise ProblemError(404, "room-not-found", f"no room {room_id}")
    room, building = found
    ensure_area(collection_scope(session, principal), building.area)
    return service.update_room_certificate(session, room, building, body, updated_by=principal.sub)
