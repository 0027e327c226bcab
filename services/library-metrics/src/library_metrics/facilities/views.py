"""HTTP routes of facilities, towns (街镇) and committees (居委/村委)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from jiading_shared.auth import Principal, Role, ensure_town, require_roles, town_in_scope
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep, found_in_town_or_404, found_or_404
from library_metrics.facilities import service
from library_metrics.facilities.models import (
    CODE_LENGTH,
    CommitteeIn,
    CommitteeOut,
    Facility,
    FacilityIn,
    FacilityOut,
    FacilityPatch,
    TownIn,
    TownOut,
)
from library_metrics.facilities.rules import FacilityTier

router = APIRouter(prefix="/facilities", tags=["facilities 公共文化设施"])
towns_router = APIRouter(prefix="/towns", tags=["towns 街镇"])

# The 文化和旅游局 oversees the whole district; facility staff keep their own town's records.
Keeper = Annotated[Principal, Depends(require_roles(Role.CULTURE_BUREAU, Role.FACILITY_STAFF))]
# Town figures (population, committees) come from the bureau, not from a facility.
Bureau = Annotated[Principal, Depends(require_roles(Role.CULTURE_BUREAU))]
Code = Annotated[str, Path(min_length=1, max_length=CODE_LENGTH, pattern=r"^[A-Za-z0-9_.-]+$")]


@router.post("", status_code=201, summary="Register a facility (library, reading room, cultural centre, ...)")
def register_facility(body: FacilityIn, principal: Keeper, session: SessionDep, response: Response) -> FacilityOut:
    ensure_town(principal, body.town)
    facility = service.register_facility(session, body, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/facilities/{facility.id}"
    return facility


@router.get("", summary="Facilities in the caller's scope, by town and name")
def list_facilities(
    principal: Keeper,
    session: SessionDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=CODE_LENGTH)] = None,
    tier: FacilityTier | None = None,
) -> list[FacilityOut]:
    if town is not None:
        ensure_town(principal, town)
        towns: list[str] | None = [town]
    else:
        towns = None if town_in_scope(principal, None) else [principal.town or ""]
    return page.rows(service.list_facilities(session, towns=towns, tier=tier, limit=page.fetch, offset=page.offset))


@router.get("/{facility_id}", summary="One facility")
def get_facility(facility_id: uuid.UUID, principal: Keeper, session: SessionDep) -> FacilityOut:
    facility = service.get_facility(session, facility_id)
    return found_in_town_or_404(principal, facility, "facility-not-found", f"no facility {facility_id}")


@router.patch("/{facility_id}", summary="Change a facility's areas, seats, equipment, accessibility or service items")
def update_facility(facility_id: uuid.UUID, body: FacilityPatch, principal: Keeper, session: SessionDep) -> FacilityOut:
    facility = found_in_town_or_404(
        principal, session.get(Facility, facility_id), "facility-not-found", f"no facility {facility_id}"
    )
    return service.update_facility(session, facility, body, updated_by=principal.sub)


@towns_router.put(
    "/{town}",
    summary="Register or update a 街镇 (residents, area)",
    responses={201: {"model": TownOut, "description": "Registered (200: updated)"}},
)
def put_town(town: Code, body: TownIn, principal: Bureau, session: SessionDep, response: Response) -> TownOut:
    result, created = service.put_town(session, town, body, updated_by=principal.sub)
    response.status_code = 201 if created else 200
    return result


@towns_router.get("/{town}", summary="One 街镇")
def get_town(town: Code, principal: Keeper, session: SessionDep) -> TownOut:
    ensure_town(principal, town)
    return found_or_404(service.get_town(session, town), "town-not-found", f"no town {town}")


@towns_router.put(
    "/{town}/committees/{code}",
    summary="Register or update a 居委/村委 of the town",
    responses={201: {"model": CommitteeOut, "description": "Registered (200: updated)"}},
)
def put_committee(
    town: Code, code: Code, body: CommitteeIn, principal: Bureau, session: SessionDep, response: Response
) -> CommitteeOut:
    result, created = service.put_committee(session, town, code, body, updated_by=principal.sub)
    response.status_code = 201 if created else 200
    return result


@towns_router.get("/{town}/committees", summary="The town's 居委/村委")
def list_committees(town: Code, principal: Keeper, session: SessionDep, page: PageDep) -> list[CommitteeOut]:
    ensure_town(principal, town)
    if service.get_town(session, town) is None:
        raise ProblemError(404, "town-not-found", f"no town {town}")
    return page.slice(service.list_committees(session, town))
