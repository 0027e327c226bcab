"""HTTP routes of buildings: register one with its rooms, read one back."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from collection.places import service
from collection.places.models import BuildingIn, BuildingOut
from jiading_shared.auth import Principal, Role, ensure_town, require_roles
from jiading_shared.service import API_PREFIX, SessionDep, found_in_town_or_404

router = APIRouter(prefix="/buildings", tags=["buildings 实有房屋"])

# 社区综合协管员 collect buildings (DB 31114/Z 002-2025 §4); 社区民警 supervise them (DB 31114/Z 003-2025 4.1).
Collector = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE))]


@router.post("", status_code=201, summary="Register a building (实有房屋) with its rooms")
def register_building(body: BuildingIn, principal: Collector, session: SessionDep, response: Response) -> BuildingOut:
    ensure_town(principal, body.town)
    building = service.register_building(session, body, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/buildings/{building.id}"
    return building


@router.get("/{building_id}", summary="A building with its rooms")
def get_building(building_id: uuid.UUID, principal: Collector, session: SessionDep) -> BuildingOut:
    building = service.get_building(session, building_id)
    return found_in_town_or_404(principal, building, "building-not-found", f"no building {building_id}")
