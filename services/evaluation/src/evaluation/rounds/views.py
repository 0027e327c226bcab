"""HTTP routes of evaluation rounds: create with a panel, score, self-evaluate, preview, publish, revise, read and
export results."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from evaluation.projects import service as projects_service
from evaluation.rounds import rules, service
from evaluation.rounds.models import (
    ObservedMeasures,
    RevisionIn,
    RoundIn,
    RoundOut,
    RoundResultDocument,
    RoundResultSummary,
    ScoreSheetIn,
    ScoreSheetOut,
    SelfEvaluationIn,
    SelfEvaluationOut,
)
from jiading_shared.auth import Principal, Role, require_roles
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep, found_or_404
from jiading_shared.types import VersionPath

router = APIRouter(tags=["rounds 评价"])

# DB 31114/Z 017-2025 4.1: the 残联 leads and forms the panel of experts or a third-party body.
Federation = Annotated[Principal, Depends(require_roles(Role.FEDERATION_ADMIN))]
Assessor = Annotated[Principal, Depends(require_roles(Role.ASSESSOR, Role.THIRD_PARTY_ASSESSOR))]
Evaluator = Annotated[
    Principal, Depends(require_roles(Role.FEDERATION_ADMIN, Role.ASSESSOR, Role.THIRD_PARTY_ASSESSOR))
]
# The provider reports its self-evaluation through its own system, or the 残联 records it.
SelfEvaluator = Annotated[Principal, Depends(require_roles(Role.FEDERATION_ADMIN, Role.EXTERNAL_SYSTEM))]
ResultReader = Annotated[
    Principal,
    Depends(require_roles(Role.FEDERATION_ADMIN, Role.ASSESSOR, Role.THIRD_PARTY_ASSESSOR, Role.EXTERNAL_SYSTEM)),
]


@router.post("/projects/{project_id}/rounds", status_code=201, summary="Open an evaluation round with its panel")
def create_round(
    project_id: uuid.UUID, body: RoundIn, principal: Federation, session: SessionDep, response: Response
) -> RoundOut:
    project = projects_service.project_or_404(session, project_id)
    created = service.create_round(session, project, body, created_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/rounds/{created.id}"
    return created


@router.get("/rounds/{round_id}", summary="A round: status, panel and who has scored")
def get_round(round_id: uuid.UUID, principal: Evaluator, session: SessionDep) -> RoundOut:
    return service.round_out(session, service.round_or_404(session, round_id))


@router.put("/rounds/{round_id}/observed-measures", summary="Figures the panel establishes by review")
def set_observed_measures(
    round_id: uuid.UUID, body: ObservedMeasures, principal: Federation, session: SessionDep
) -> RoundOut:
    return service.set_observed_measures(session, service.round_or_404(session, round_id), body)


@router.put(
    "/rounds/{round_id}/sheet",
    summary="The calling assessor's own scores (422 when points fall outside the band a measure fixes)",
)
def submit_sheet(round_id: uuid.UUID, body: ScoreSheetIn, principal: Assessor, session: SessionDep) -> ScoreSheetOut:
    return service.submit_sheet(session, service.round_or_404(session, round_id), principal, body)


@router.get("/rounds/{round_id}/sheets", summary="Score sheets (an assessor sees only their own until publication)")
def list_sheets(round_id: uuid.UUID, principal: Evaluator, session: SessionDep, page: PageDep) -> list[ScoreSheetOut]:
    return page.slice(service.list_sheets(session, service.round_or_404(session, round_id), principal))


@router.get("/rounds/{round_id}/history", summary="Audit trail: who changed which sheet, what and why")
def sheet_history(
    round_id: uuid.UUID, principal: Federation, session: SessionDep, page: PageDep
) -> list[dict[str, Any]]:
    service.round_or_404(session, round_id)
    return page.slice(service.sheet_history(session, round_id))


@router.put("/rounds/{round_id}/self-evaluation", summary="The provider's self-evaluation (自评, 5.2.5.5)")
def submit_self_evaluation(
    round_id: uuid.UUID, body: SelfEvaluationIn, principal: SelfEvaluator, session: SessionDep
) -> SelfEvaluationOut:
    evaluation_round = service.round_in_scope(session, principal, round_id)
    return service.submit_self_evaluation(session, evaluation_round, body, submitted_by=principal.sub)


@router.get("/rounds/{round_id}/self-evaluation", summary="The provider's self-evaluation")
def get_self_evaluation(round_id: uuid.UUID, principal: ResultReader, session: SessionDep) -> SelfEvaluationOut:
    service.round_in_scope(session, principal, round_id)
    found = service.get_self_evaluation(session, round_id)
    return found_or_404(found, "self-evaluation-not-found", f"round {round_id} has no self-evaluation")


@router.get("/rounds/{round_id}/preview", summary="The result the sheets give now, with disagreements; not saved")
def preview_round(round_id: uuid.UUID, principal: Federation, session: SessionDep) -> RoundResultDocument:
    return service.preview_round(session, service.round_or_404(session, round_id), by=principal.sub)


@router.post("/rounds/{round_id}/publish", summary="Publish and lock the round (version 1)")
def publish_round(round_id: uuid.UUID, principal: Federation, session: SessionDep) -> RoundResultDocument:
    return service.publish(session, service.round_or_404(session, round_id), published_by=principal.sub)


@router.post("/rounds/{round_id}/revisions", status_code=201, summary="Revise a published round (new version)")
def revise_round(
    round_id: uuid.UUID, body: RevisionIn, principal: Federation, session: SessionDep
) -> RoundResultDocument:
    return service.revise(session, service.round_or_404(session, round_id), body, revised_by=principal.sub)


@router.get("/rounds/{round_id}/results", summary="Published versions, oldest first")
def list_results(
    round_id: uuid.UUID, principal: ResultReader, session: SessionDep, page: PageDep
) -> list[RoundResultSummary]:
    service.round_in_scope(session, principal, round_id)
    return page.slice(service.list_results(session, round_id))


@router.get("/rounds/{round_id}/results/{version}", summary="One published version with its explanation trace")
def get_result(
    round_id: uuid.UUID, version: VersionPath, principal: ResultReader, session: SessionDep
) -> RoundResultDocument:
    service.round_in_scope(session, principal, round_id)
    return service.get_result(session, round_id, version)


@router.get(
    "/rounds/{round_id}/results/{version}/export",
    summary="Export a published version as JSON or CSV",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def export_result(
    round_id: uuid.UUID,
    version: VersionPath,
    principal: ResultReader,
    session: SessionDep,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
) -> Response:
    service.round_in_scope(session, principal, round_id)
    document = service.get_result(session, round_id, version)
    filename = f"evaluation-{round_id}-v{version}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "csv":
        return Response(rules.result_csv(document.score), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(document.model_dump_json(), media_type="application/json", headers=headers)
