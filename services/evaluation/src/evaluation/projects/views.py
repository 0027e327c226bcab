"""HTTP routes of projects: the bid, each kind of actual (POST to record, GET to list, POST …/{record_id}/withdraw to
withdraw one entered by mistake), evidence documents and the figures the scoring model reads."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel

from evaluation.projects import service
from evaluation.projects.models import EvidenceOut, ProjectIn, ProjectOut, WithdrawalIn
from evaluation.providers.service import provider_scope
from evaluation.scoring import service as scoring_service
from evaluation.scoring.models import MeasureInputs
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, BlobsDep, SessionDep

router = APIRouter(prefix="/projects", tags=["projects 助残公益服务项目"])

# The 残联 registers projects (4.1); the provider's own system (external_system) reports actuals into them.
Registrar = Annotated[Principal, Depends(require_roles(Role.FEDERATION_ADMIN))]
Recorder = Annotated[Principal, Depends(require_roles(Role.FEDERATION_ADMIN, Role.EXTERNAL_SYSTEM))]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.FEDERATION_ADMIN, Role.ASSESSOR, Role.THIRD_PARTY_ASSESSOR, Role.EXTERNAL_SYSTEM)),
]


@router.post("", status_code=201, summary="Register a project with its bid (投标方案)")
def create_project(body: ProjectIn, principal: Registrar, session: SessionDep, response: Response) -> ProjectOut:
    project = service.create_project(session, body, created_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/projects/{project.id}"
    return project


@router.get("", summary="Projects, optionally of one provider or one service year")
def list_projects(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    provider_id: uuid.UUID | None = None,
    service_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[ProjectOut]:
    scope = provider_scope(session, principal)
    if not scope.everything:
        if provider_id is not None and provider_id != scope.provider_id:
            raise ProblemError(403, "forbidden", "a provider's system lists its own projects only")
        if scope.provider_id is None:
            return []
        provider_id = scope.provider_id
    return page.slice(service.list_projects(session, provider_id, service_year))


@router.get("/{project_id}", summary="One project with its bid")
def get_project(project_id: uuid.UUID, principal: Reader, session: SessionDep) -> ProjectOut:
    return service.project_out(session, service.project_in_scope(session, principal, project_id))


class ProjectMeasuresOut(BaseModel):
    measures: MeasureInputs
    vetoes_from_records: list[str]


@router.get("/{project_id}/measures", summary="The figures the scoring model reads from the project's records")
def get_project_measures(project_id: uuid.UUID, principal: Reader, session: SessionDep) -> ProjectMeasuresOut:
    measures, vetoes = service.project_measures(session, service.project_in_scope(session, principal, project_id))
    return ProjectMeasuresOut(measures=measures, vetoes_from_records=sorted(vetoes))


def _add_record_routes(kind: service.RecordKind) -> None:
    schema_in: Any = kind.schema_in

    def add(project_id: uuid.UUID, body: Annotated[schema_in, Body()], principal: Recorder, session: SessionDep) -> Any:
        project = service.project_in_scope(session, principal, project_id)
        return service.add_record(session, kind, project, body, principal=principal)

    def withdraw(
        project_id: uuid.UUID, record_id: uuid.UUID, body: WithdrawalIn, principal: Recorder, session: SessionDep
    ) -> Any:
        project = service.project_in_scope(session, principal, project_id)
        return service.withdraw_record(session, kind, project, record_id, body, principal=principal)

    def list_all(project_id: uuid.UUID, principal: Reader, session: SessionDep, page: PageDep) -> Any:
        service.project_in_scope(session, principal, project_id)
        return page.slice(service.list_records(session, kind, project_id))

    router.add_api_route(
        f"/{{project_id}}/{kind.path}",
        add,
        methods=["POST"],
        status_code=201,
        response_model=kind.schema_out,
        summary=f"Record {kind.label}",
        name=f"add_{kind.path}",
    )
    router.add_api_route(
        f"/{{project_id}}/{kind.path}/{{record_id}}/withdraw",
        withdraw,
        methods=["POST"],
        response_model=kind.schema_out,
        summary=f"Withdraw a record of {kind.label} entered by mistake, with a reason (kept, no longer counted)",
        name=f"withdraw_{kind.path}",
    )
    router.add_api_route(
        f"/{{project_id}}/{kind.path}",
        list_all,
        methods=["GET"],
        response_model=list[kind.schema_out],  # type: ignore[name-defined]
        summary=f"List {kind.label}",
        name=f"list_{kind.path}",
    )


for _kind in service.RECORD_KINDS:
    _add_record_routes(_kind)


@router.post(
    "/{project_id}/evidence",
    status_code=201,
    summary="Attach an evidence document (pdf, jpeg, png) to a factor: the request body is the file",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}} for media in sorted(service.EVIDENCE_TYPES)
            },
        }
    },
)
async def add_evidence(
    project_id: uuid.UUID,
    request: Request,
    principal: Recorder,
    session: SessionDep,
    blobs: BlobsDep,
    factor: Annotated[str, Query(description="factor code, e.g. funds.budget_execution")],
    title: Annotated[str, Query(min_length=1, max_length=300)],
) -> EvidenceOut:
    data = await request.body()
    project = service.project_in_scope(session, principal, project_id)
    model = scoring_service.current_model_or_problem(session)
    return service.add_evidence(
        session,
        blobs,
        project,
        factor_code=factor,
        known_factors={item.code for item in model.factors},
        title=title,
        data=data,
        uploaded_by=principal.sub,
    )


@router.get("/{project_id}/evidence", summary="Evidence documents of the project")
def list_evidence(project_id: uuid.UUID, principal: Reader, session: SessionDep, page: PageDep) -> list[EvidenceOut]:
    service.project_in_scope(session, principal, project_id)
    return page.slice(service.list_evidence(session, project_id))


@router.get("/{project_id}/evidence/{evidence_id}/file", summary="The evidence document itself")
def get_evidence_file(
    project_id: uuid.UUID, evidence_id: uuid.UUID, principal: Reader, session: SessionDep, blobs: BlobsDep
) -> Response:
    service.project_in_scope(session, principal, project_id)
    evidence = service.evidence_row(session, project_id, evidence_id)
    return Response(blobs.get(evidence.blob_key), media_type=evidence.content_type)
