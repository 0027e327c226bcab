"""HTTP routes of facility records: for each kind, add one, list, import a CSV file, delete one."""

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.blobs import text_upload
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import SessionDep, found_in_town_or_404
from library_metrics.facilities.models import Facility
from library_metrics.records import service
from library_metrics.records.service import RECORD_KINDS, RecordKind

router = APIRouter(prefix="/facilities/{facility_id}", tags=["facility records 设施数据填报"])

Keeper = Annotated[Principal, Depends(require_roles(Role.CULTURE_BUREAU, Role.FACILITY_STAFF))]
MAX_CSV_BYTES = 5 * 1024 * 1024


class ImportResult(BaseModel):
    imported: int


def facility_in_scope(session: SessionDep, principal: Keeper, facility_id: uuid.UUID) -> Facility:
    """The facility, if the caller may keep its records (404 otherwise, as for an unknown one)."""
    facility = session.get(Facility, facility_id)
    return found_in_town_or_404(principal, facility, "facility-not-found", f"no facility {facility_id}")


ScopedFacility = Annotated[Facility, Depends(facility_in_scope)]


async def csv_text(request: Request) -> str:
    """The request body as UTF-8 text, read before the (synchronous) handler runs."""
    return text_upload(await request.body(), field="body", max_bytes=MAX_CSV_BYTES)


CsvText = Annotated[str, Depends(csv_text)]


def _add_routes(kind: RecordKind) -> None:
    schema: Any = kind.schema

    suffix = kind.path.replace("-", "_")

    @router.post(
        f"/{kind.path}",
        status_code=201,
        response_model=kind.out,
        summary=f"Record one: {kind.label}",
        name=f"add_{suffix}",
    )
    def add(body: schema, facility: ScopedFacility, principal: Keeper, session: SessionDep) -> BaseModel:  # type: ignore[valid-type]
        return service.add_record(session, kind, facility.id, body, recorded_by=principal.sub)

    @router.get(
        f"/{kind.path}",
        response_model=list[kind.out],
        summary=f"List: {kind.label}",
        name=f"list_{suffix}",  # type: ignore[name-defined]
    )
    def list_(
        facility: ScopedFacility,
        session: SessionDep,
        page: PageDep,
        since: Annotated[date | None, Query(alias="from", description="from this day")] = None,
        until: Annotated[date | None, Query(alias="to", description="to this day, inclusive")] = None,
    ) -> list[BaseModel]:
        records = service.list_records(
            session, kind, facility.id, since=since, until=until, limit=page.fetch, offset=page.offset
        )
        return page.rows(records)

    @router.delete(
        f"/{kind.path}/{{record_id}}",
        status_code=204,
        summary=f"Delete one (a correction): {kind.label}",
        name=f"delete_{suffix}",
    )
    def delete(record_id: uuid.UUID, facility: ScopedFacility, session: SessionDep) -> Response:
        if not service.delete_record(session, kind, facility.id, record_id):
            raise ProblemError(404, "record-not-found", f"no {kind.path} record {record_id} at this facility")
        return Response(status_code=204)

    if kind.csv:

        @router.post(
            f"/{kind.path}/import",
            status_code=201,
            summary=f"Import a CSV file (header = field names), all rows or none: {kind.label}",
            openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
            name=f"import_{suffix}",
        )
        def import_(text: CsvText, facility: ScopedFacility, principal: Keeper, session: SessionDep) -> ImportResult:
            count = service.import_csv(session, kind, facility.id, text, recorded_by=principal.sub)
            return ImportResult(imported=count)


for _kind in RECORD_KINDS:
    _add_routes(_kind)
