"""HTTP routes of grids: register one, list a town's grids, read one."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid_dispatch.grids import service
from grid_dispatch.grids.models import GridIn, GridOut
from grid_dispatch.grids.rules import GridLevel
from jiading_shared.auth import Principal, Role, ensure_town, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep, found_in_town_or_404

router = APIRouter(prefix="/grids", tags=["grids 网格"])

# The 城运中心 keeps the grid register; 参勤 officers and 城运队员 work inside the grids and read it.
Registrar = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER))]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.DISPATCHER, Role.COMMANDER, Role.DUTY_OFFICER, Role.OPERATIONS_PATROL)),
]


@router.post("", status_code=201, summary="Register a sector grid (片区网格) or unit grid (村居网格)")
def register_grid(body: GridIn, principal: Registrar, session: SessionDep, response: Response) -> GridOut:
    ensure_town(principal, body.town)
    grid = service.register_grid(session, body, registered_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/grids/{grid.code}"
    return grid


@router.get("", summary="Grids of a town (the caller's own town unless district-wide)")
def list_grids(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50, description="街道/镇 code")] = None,
    level: Annotated[GridLevel | None, Query(description="sector_grid / grid")] = None,
) -> list[GridOut]:
    if town is None and not principal.is_district_wide():
        town = principal.town
    ensure_town(principal, town)
    return page.slice(service.list_grids(session, town=town, level=level))


@router.get("/{code}", summary="One grid")
def get_grid(code: str, principal: Reader, session: SessionDep) -> GridOut:
    grid = service.get_grid(session, code)
    return found_in_town_or_404(principal, grid, "grid-not-found", f"no grid {code}")
