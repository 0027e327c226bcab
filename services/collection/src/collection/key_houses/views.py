"""HTTP routes of key houses (重点房, DB 31114/Z 003-2025): the police upload the list, the area's 协管员 (or the
station's 社区民警 on site) verify, the police follow the progress per station."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request

from collection.key_houses import service
from collection.key_houses.models import (
    KeyHouseImportOut,
    KeyHouseTask,
    KeyHouseTaskOut,
    StationProgressOut,
    TaskStatus,
    VerificationIn,
)
from collection.key_houses.rules import verifier_role
from collection.places.scope import collector_areas, read_scope, station_areas, supervision_scope
from collection.visits.rules import local_date
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.blobs import text_upload
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import PiiDep, SessionDep

router = APIRouter(tags=["key houses 重点房"])

Police = Annotated[Principal, Depends(require_roles(Role.COMMUNITY_POLICE, Role.ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE))]
# 003 4.2, 5.1.3: the area's 协管员 check; 003 4.1, 5.1.2: the station's 社区民警 check on site too.
Verifier = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE))]
MAX_LIST_BYTES = 10 * 1024 * 1024


@router.post(
    "/key-house-lists",
    summary="Upload a key-house list (重点房名单, CSV: house_code, house_type, maintenance_requirement): all or "
    "nothing, per-row problems, dry_run=true shows the outcome without writing",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
)
async def upload_key_house_list(
    request: Request,
    principal: Police,
    session: SessionDep,
    dry_run: bool = False,
) -> KeyHouseImportOut:
    # UTF-8 (with or without BOM), or GB 18030 as spreadsheets save it on Chinese desktops.
    text = text_upload(await request.body(), field="body", max_bytes=MAX_LIST_BYTES, encodings=("utf-8-sig", "gb18030"))
    scope = supervision_scope(session, principal)
    return service.import_list(
        session,
        text,
        scope,
        police_station=principal.dept,
        uploaded_by=principal.sub,
        dry_run=dry_run,
    )


@router.get("/key-house-tasks", summary="Key-house verification tasks of the caller's areas (pending by default)")
def list_key_house_tasks(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    status: TaskStatus | None = TaskStatus.PENDING,
) -> list[KeyHouseTaskOut]:
    scope = read_scope(session, principal)
    areas = None if scope.everything else sorted(scope.codes)
    rows = page.rows(service.list_tasks(session, areas, status, page.fetch, page.offset))
    return [KeyHouseTaskOut.model_validate(row, from_attributes=True) for row in rows]


@router.post(
    "/key-house-tasks/{task_id}/verification",
    summary="Record the check of a key house (by the area's 协管员 or the station's 社区民警): confirm, deregister "
    "and register its people; publishes key_house.verified",
)
def verify_key_house(
    task_id: uuid.UUID,
    body: Annotated[VerificationIn, Body()],
    principal: Verifier,
    session: SessionDep,
    vault: PiiDep,
) -> KeyHouseTaskOut:
    task = session.get(KeyHouseTask, task_id)
    role = None
    if task is not None:
        role = verifier_role(
            collector_of_area=principal.has_role(Role.COLLECTOR)
            and task.area in collector_areas(session, principal.sub),
            police_of_station=principal.has_role(Role.COMMUNITY_POLICE)
            and task.area in station_areas(session, principal.dept),
            admin=principal.is_admin,
        )
    if task is None or role is None:
        # Another area's or station's task answers as an unknown one (its existence is not revealed).
        raise ProblemError(404, "key-house-task-not-found", f"no key-house task {task_id}")
    done = service.verify(session, vault, task, body, by=principal.sub, role=role, today=local_date(datetime.now(UTC)))
    return KeyHouseTaskOut.model_validate(done, from_attributes=True)


@router.get(
    "/key-houses/progress",
    summary="Verification progress per police station and area (the station's own for police; all for district)",
)
def key_house_progress(
    principal: Annotated[Principal, Depends(require_roles(Role.COMMUNITY_POLICE, Role.ADMIN, Role.COMMANDER))],
    session: SessionDep,
    page: PageDep,
) -> list[StationProgressOut]:
    if principal.is_district_wide() or principal.is_admin:
        return page.slice(service.progress(session, None))
    return page.slice(service.progress(session, [principal.dept] if principal.dept else []))
