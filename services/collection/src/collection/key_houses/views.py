"""HTTP routes of key houses (重点房, DB 31114/Z 003-2025): the police upload the list, the area's 协管员 verify,
the police follow the progress per station."""

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
from collection.places.scope import collection_scope, read_scope, supervision_scope
from collection.visits.rules import local_date
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.blobs import text_upload
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import PiiDep, SessionDep

router = APIRouter(tags=["key houses 重点房"])

Police = Annotated[Principal, Depends(require_roles(Role.COMMUNITY_POLICE, Role.ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.COLLECTOR, Role.COMMUNITY_POLICE))]
Collector = Annotated[Principal, Depends(require_roles(Role.COLLECTOR))]
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
    summary="Record the check of a key house: confirm, deregister and register its people; publishes "
    "key_house.verified",
)
def verify_key_house(
    task_id: uuid.UUID,
    body: Annotated[VerificationIn, Body()],
    principal: Collector,
    session: SessionDep,
    vault: PiiDep,
) -> KeyHouseTaskOut:
    task = session.get(KeyHouseTask, task_id)
    if task is None or not collection_scope(session, principal).allows(task.area):
        raise ProblemError(404, "key-house-task-not-found", f"no key-house task {task_id}")
    done = service.verify(session, vault, task, body, by=principal.sub, today=local_date(datetime.now(UTC)))
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
