"""HTTP routes of facilities: register one, read one."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from jiading_shared.auth import Principal, Role, ensure_town, require_roles
from jiading_shared.service import API_PREFIX, SessionDep, found_in_town_or_404
from library_metrics.facilities import service
from library_metrics.facilities.models import FacilityIn, FacilityOut

router = APIRouter(prefix="/facilities", tags=["facilities 公共文化设施"])

# The 文化和旅游局 oversees the whole district; facility staff keep their own town's records.
Keeper = Annotated[Principal, Depends(require_roles(Role.CULTURE_BUREAU, Role.FACILITY_STAFF))]


@router.post("", status_code=201, summary="Register a facility (library, reading room, cultural centre, ...)")
def register_facility(body: FacilityIn, principal: Keeper, session: SessionDep, response: Response) -> FacilityOut:
    ensure_town(principal, body.town)
    facility = service.register_facility(session, body, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/facilities/{facility.id}"
    return facility


@router.get("/{facility_id}", summary="One facility")
def get_facility(facility_id: uuid.UUID, principal: Keeper, session: SessionDep) -> FacilityOut:
    facility = service.get_facility(session, facility_id)
    return found_in_town_or_404(principal, facility, "facility-not-found", f"no facility {facility_id}")
