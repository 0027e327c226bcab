"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): `/open311/v2/services.json`,
`/open311/v2/services/{service_code}.json`, `/open311/v2/requests.json` (GET and form-encoded POST with `api_key`) and
`/open311/v2/requests/{id}.json`. Callers also present a bearer token (every route of the suite requires one); the
`api_key` names the calling system as the spec wants. Domain errors use the spec's error format."""

import uuid
from datetime import datetime
from typing import Annotated, Any, cast
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from grid_dispatch.grids.models import Grid
from grid_dispatch.incidents import service as incidents
from grid_dispatch.incidents.models import Incident, IncidentSource
from grid_dispatch.incidents.rules import IncidentState
from grid_dispatch.incidents.views import can_see
from grid_dispatch.open311.rules import open311_error, open311_status
from grid_dispatch.rulesets import service as rulesets
from grid_dispatch.rulesets.models import Category
from grid_dispatch.settings import GridSettings
from jiading_shared.auth import Principal, Role, town_in_scope
from jiading_shared.auth import require_roles as _require_roles
from jiading_shared.errors import PROBLEM_JSON, ProblemError
from jiading_shared.pagination import Page, PageDep, pagination
from jiading_shared.ratelimit import RATE_LIMIT_RESPONSES, rate_limit
from jiading_shared.service import SessionDep
from jiading_shared.types import assume_utc
from jiading_shared.workdays import WorkdayCalendar

# GeoReport v2 clients do not page: the default is the whole window (the spec lets an endpoint cap the count).
RequestsPage = Annotated[Page, Depends(pagination(default=500))]


class Open311Error(BaseModel):
    """One entry of a GeoReport v2 error body (a list of them, application/json)."""

    code: int
    description: str


# The facade's own errors come in the spec's format; authentication, role and validation errors stay problem+json.
OPEN311_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": list[Open311Error], "content": {PROBLEM_JSON: {}}, "description": description}
    for status, description in ((400, "Bad Request"), (403, "Forbidden"), (404, "Not Found"))
}

router = APIRouter(prefix="/open311/v2", tags=["open311 GeoReport v2"], responses=OPEN311_ERRORS)

Caller = Annotated[Principal, Depends(_require_roles(Role.EXTERNAL_SYSTEM, Role.DISPATCHER, Role.COMMANDER))]


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse(open311_error(status, description), status_code=status)


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": True,
        "type": "realtime",
        "keywords": category.group,
        "group": category.group,
    }


def _request(incident: Incident, names: dict[str, str]) -> dict[str, Any]:
    return {
        "service_request_id": str(incident.id),
        "status": open311_status(IncidentState(incident.state)),
        "status_notes": incident.status_notes,
        "service_name": names.get(incident.category, incident.category),
        "service_code": incident.category,
        "description": incident.description,
        "agency_responsible": incident.department_code,
        "service_notice": incident.routing_reason,
        "requested_datetime": assume_utc(incident.reported_at).isoformat(),
        "updated_datetime": assume_utc(incident.updated_at).isoformat(),
        # GeoReport v2: when the request is expected to be fulfilled — the resolve-by time set on 签收; before
        # acceptance it is not known yet (due_at is then only the accept limit): null
        "expected_datetime": assume_utc(incident.expected_at).isoformat() if incident.expected_at else None,
        "address": incident.address,
        "address_id": None,
        "zipcode": None,
        "lat": incident.lat,
        "long": incident.long,
        "media_url": None,
    }


def _offered(session: SessionDep) -> dict[str, Category]:
    return {category.code: category for category in rulesets.catalog(session).body.categories if category.open311}


@router.get("/services.json", summary="Service list: the incident categories offered")
def services(principal: Caller, session: SessionDep, page: PageDep) -> list[dict[str, Any]]:
    return page.slice([_service(category) for category in _offered(session).values()])


@router.get("/services/{service_code}.json", summary="Service definition", response_model=None)
def service_definition(service_code: str, principal: Caller, session: SessionDep) -> Any:
    if service_code not in _offered(session):
        return _error(404, f"no service {service_code}")
    attributes = [
        {
            "variable": True,
            "code": "town",
            "datatype": "string",
            "required": True,
            "datatype_description": "街道/镇 code (defaults to the caller's town)",
            "order": 1,
            "description": "街镇",
            "values": [],
        },
        {
            "variable": True,
            "code": "grid",
            "datatype": "string",
            "required": False,
            "datatype_description": "村居(单元)网格 code",
            "order": 2,
            "description": "网格",
            "values": [],
        },
    ]
    return {"service_code": service_code, "attributes": attributes}


@router.post(
    "/requests.json",
    summary="Create a service request (form-encoded, with api_key)",
    response_model=None,
    dependencies=[Depends(rate_limit("open311-requests"))],
    responses=RATE_LIMIT_RESPONSES,
)
async def create_request(request: Request, principal: Caller, session: SessionDep) -> Any:
    # Parsed here rather than with FastAPI's Form(): errors must come in the spec's format, and urlencoded bodies
    # need no multipart parser.
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return _error(400, "the body must be application/x-www-form-urlencoded")
    try:
        fields = {key: values[0] for key, values in parse_qs((await request.body()).decode("utf-8")).items()}
    except UnicodeDecodeError:
        return _error(400, "the body must be UTF-8")
    return await run_in_threadpool(_create_request, request, principal, session, fields)


def _create_request(request: Request, principal: Principal, session: SessionDep, fields: dict[str, str]) -> Any:
    api_key, service_code = fields.get("api_key"), fields.get("service_code")
    lat, long, address_string = fields.get("lat"), fields.get("long"), fields.get("address_string")
    description = fields.get("description")
    town, grid = fields.get("attribute[town]"), fields.get("attribute[grid]")
    settings = cast(GridSettings, request.app.state.settings)
    if not api_key or api_key not in settings.open311_api_keys:
        return _error(403, "api_key is missing or not valid")
    offered = _offered(session)
    if not service_code or service_code not in offered:
        return _error(400, f"service_code {service_code!r} is not a service of this endpoint")
    try:
        latitude = float(lat) if lat else None
        longitude = float(long) if long else None
    except ValueError:
        return _error(400, "lat and long must be numbers")
    if (latitude is None) != (longitude is None):
        return _error(400, "give both lat and long")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= cast(float, longitude) <= 180):
        return _error(400, "lat/long out of range")
    if latitude is None and not address_string:
        return _error(400, "a location is required: lat and long, or address_string")
    if not description or len(description) > 4000:
        return _error(400, "description is required (at most 4000 characters)")
    town = town or principal.town
    if not town:
        return _error(400, "attribute[town] is required")
    if not town_in_scope(principal, town):
        return _error(403, f"town {town} is out of your scope")
    if grid is not None:
        row = session.get(Grid, grid)
        if row is None or row.town != town:
            return _error(400, f"no grid {grid} in town {town}")
    calendar = cast(WorkdayCalendar, request.app.state.calendar)
    try:
        incident = incidents.create_incident(
            session,
            calendar,
            incidents.NewIncident(
                category=service_code,
                town=town,
                grid=grid,
                title=f"{offered[service_code].name}（{settings.open311_api_keys[api_key]}）"[:200],
                description=description,
                source=IncidentSource.OPEN311,
                address=address_string[:300] if address_string else None,
                lat=latitude,
                long=longitude,
            ),
            actor=principal.sub,
        )
    except ProblemError as exc:
        return _error(exc.status if exc.status < 500 else 400, exc.detail)
    return [{"service_request_id": str(incident.id), "service_notice": incident.routing_reason, "account_id": None}]


@router.get("/requests.json", summary="Service requests (those the caller may see)")
def list_requests(
    principal: Caller,
    session: SessionDep,
    page: RequestsPage,
    service_request_id: Annotated[str | None, Query(description="comma-separated ids")] = None,
    service_code: Annotated[str | None, Query()] = None,
    start_date: Annotated[datetime | None, Query()] = None,
    end_date: Annotated[datetime | None, Query()] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))?$")] = None,
) -> list[dict[str, Any]]:
    reported_by = None if principal.has_role(Role.DISPATCHER, Role.COMMANDER) or principal.is_admin else principal.sub
    town = None if principal.is_district_wide() else principal.town
    wanted_ids = None
    if service_request_id:
        # An id that is not a UUID names no request: it matches nothing rather than failing the whole list.
        wanted_ids = {found for part in service_request_id.split(",") if (found := _as_uuid(part.strip()))}
    statuses = set(status.split(",")) if status else {"open", "closed"}
    # Every filter is applied in SQL, so the page window reaches every matching request.
    found = incidents.list_incidents(
        session,
        town=town if reported_by is None else None,
        reported_by=reported_by,
        category=service_code,
        ids=wanted_ids,
        closed=None if len(statuses) == 2 else "closed" in statuses,
        reported_from=assume_utc(start_date) if start_date else None,
        reported_to=assume_utc(end_date) if end_date else None,
        limit=page.fetch,
        offset=page.offset,
    )
    names = {code: category.name for code, category in _offered(session).items()}
    return page.rows([_request(incident, names) for incident in found])


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@router.get("/requests/{service_request_id}.json", summary="One service request", response_model=None)
def get_request(service_request_id: str, principal: Caller, session: SessionDep) -> Any:
    try:
        incident_id = uuid.UUID(service_request_id)
    except ValueError:
        return _error(404, f"no service request {service_request_id}")
    incident = incidents.get_incident(session, incident_id)
    if incident is None or not can_see(principal, incident):
        return _error(404, f"no service request {service_request_id}")
    names = {code: category.name for code, category in _offered(session).items()}
    return [_request(incident, names)]
