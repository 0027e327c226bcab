"""Database reads and writes of rounds: panels, sheets, the provider's self-evaluation, publication and revisions."""

import uuid
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from sqlmodel import Session, select

from evaluation.projects import service as projects_service
from evaluation.projects.models import AssistanceProject
from evaluation.providers.service import provider_scope
from evaluation.rounds import rules as round_rules
from evaluation.rounds.events import PROJECT_SCORED, FactorScore, ProjectScored
from evaluation.rounds.metrics import PUBLISHED_SCORES
from evaluation.rounds.models import (
    Disagreement,
    EvaluationRound,
    ObservedMeasures,
    PanelMember,
    PanelMemberOut,
    RevisionIn,
    RoundIn,
    RoundOut,
    RoundResult,
    RoundResultDocument,
    RoundResultSummary,
    RoundStatus,
    ScoreSheet,
    ScoreSheetChange,
    ScoreSheetIn,
    ScoreSheetOut,
    SelfEvaluation,
    SelfEvaluationIn,
    SelfEvaluationOut,
)
from evaluation.scoring import rules as scoring_rules
from evaluation.scoring import service as scoring_service
from evaluation.scoring.models import MeasureInputs, ScoringModel
from jiading_shared.auth import Principal, Role
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import FieldError, ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.metrics import on_commit


def round_or_404(session: Session, round_id: uuid.UUID) -> EvaluationRound:
    evaluation_round = session.get(EvaluationRound, round_id)
    if evaluation_round is None:
        raise ProblemError(404, "round-not-found", f"no evaluation round {round_id}")
    return evaluation_round


def round_in_scope(session: Session, principal: Principal, round_id: uuid.UUID) -> EvaluationRound:
    """The round, when the caller may act on its project (a provider's system: its own projects only); otherwise 404
    like an unknown id."""
    evaluation_round = round_or_404(session, round_id)
    project = session.get(AssistanceProject, evaluation_round.project_id)
    if project is None or not provider_scope(session, principal).allows(project.provider_id):
        raise ProblemError(404, "round-not-found", f"no evaluation round {round_id}")
    return evaluation_round


def lock_round(session: Session, evaluation_round: EvaluationRound) -> EvaluationRound:
    """The round re-read under a row lock: concurrent sheet writes, publications and revisions of one round run one
    after the other, and each sees the status and version the one before left."""
    statement = (
        select(EvaluationRound)
        .where(EvaluationRound.id == evaluation_round.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).one()


def _lock_for_result(session: Session, evaluation_round: EvaluationRound) -> EvaluationRound:
    # The project first (exclusive: no record write of the provider slips in), then the round; always in this order.
    projects_service.lock_project(session, evaluation_round.project_id, exclusive=True)
    return lock_round(session, evaluation_round)


def _panel(session: Session, round_id: uuid.UUID) -> list[PanelMember]:
    statement = select(PanelMember).where(PanelMember.round_id == round_id).order_by(PanelMember.assessor_sub)
    return list(session.exec(statement).all())


def _sheets(session: Session, round_id: uuid.UUID) -> dict[str, ScoreSheet]:
    statement = select(ScoreSheet).where(ScoreSheet.round_id == round_id)
    return {sheet.assessor_sub: sheet for sheet in session.exec(statement).all()}


def _model(session: Session, evaluation_round: EvaluationRound) -> ScoringModel:
    model = scoring_service.model_by_id(session, evaluation_round.scoring_model_id)
    if model is None:  # a seed file removed from a release: keep old rounds explainable, fail loudly
        raise ProblemError(409, "scoring-model-missing", f"scoring model {evaluation_round.scoring_model_id} is gone")
    return model


def round_out(session: Session, evaluation_round: EvaluationRound) -> RoundOut:
    sheets = _sheets(session, evaluation_round.id)
    return RoundOut(
        id=evaluation_round.id,
        project_id=evaluation_round.project_id,
        name=evaluation_round.name,
        scoring_model_id=evaluation_round.scoring_model_id,
        aggregation=evaluation_round.aggregation,  # type: ignore[arg-type]
        status=RoundStatus(evaluation_round.status),
        observed_measures=ObservedMeasures.model_validate(evaluation_round.observed_measures),
        published_version=evaluation_round.published_version,
        panel=[
            PanelMemberOut(
                assessor_sub=member.assessor_sub,
                name=member.name,
                kind=member.kind,  # type: ignore[arg-type]
                submitted=member.assessor_sub in sheets,
            )
            for member in _panel(session, evaluation_round.id)
        ],
        created_by=evaluation_round.created_by,
        created_at=evaluation_round.created_at,
    )


def create_round(session: Session, project: AssistanceProject, data: RoundIn, *, created_by: str) -> RoundOut:
    subs = [member.assessor_sub for member in data.panel]
    repeated = sorted({sub for sub in subs if subs.count(sub) > 1})
    if repeated:
        raise field_error(422, "body.panel", f"assessors listed twice: {', '.join(repeated)}")
    model = scoring_service.current_model_or_problem(session)
    evaluation_round = EvaluationRound(
        project_id=project.id,
        name=data.name,
        scoring_model_id=model.id,
        aggregation=data.aggregation,
        status=RoundStatus.OPEN,
        observed_measures=data.observed_measures.model_dump(),
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    session.add(evaluation_round)
    session.flush()
    for member in data.panel:
        session.add(
            PanelMember(
                round_id=evaluation_round.id, assessor_sub=member.assessor_sub, name=member.name, kind=member.kind
            )
        )
    session.flush()
    return round_out(session, evaluation_round)


def _ensure_open(evaluation_round: EvaluationRound) -> None:
    if evaluation_round.status != RoundStatus.OPEN:
        raise ProblemError(
            409,
            "round-published",
            f"round {evaluation_round.id} is published and locked; change it through a revision with a reason",
        )


def set_observed_measures(session: Session, evaluation_round: EvaluationRound, observed: ObservedMeasures) -> RoundOut:
    evaluation_round = lock_round(session, evaluation_round)
    _ensure_open(evaluation_round)
    evaluation_round.observed_measures = observed.model_dump()
    session.add(evaluation_round)
    session.flush()
    return round_out(session, evaluation_round)


# --- the figures a round scores against ----------------------------------------------------------------------------


def _measures(
    session: Session, evaluation_round: EvaluationRound, model: ScoringModel
) -> tuple[MeasureInputs, dict[str, scoring_rules.Measured], set[str]]:
    project = projects_service.project_or_404(session, evaluation_round.project_id)
    recorded, vetoes = projects_service.project_measures(session, project)
    observed = {key: value for key, value in evaluation_round.observed_measures.items() if value is not None}
    inputs = recorded.model_copy(update=observed)
    return inputs, scoring_service.checked_measures(inputs, model, field_prefix="measures"), vetoes


def _checked_sheet(
    model: ScoringModel, measures: dict[str, scoring_rules.Measured], sheet: ScoreSheetIn, *, field_prefix: str
) -> tuple[dict[str, Fraction], set[str]]:
    vetoes = scoring_service.checked_vetoes(model, sheet.vetoes, field_prefix=f"{field_prefix}.vetoes")
    points = scoring_service.checked_points(model, measures, sheet.scores, field_prefix=f"{field_prefix}.scores")
    unknown = [code for code in sheet.comments if model.factor(code) is None]
    if unknown:
        raise field_error(422, f"{field_prefix}.comments.{unknown[0]}", "is not a factor of the scoring model")
    return points, vetoes


def _sheet_document(sheet: ScoreSheet) -> dict[str, Any]:
    return {"scores": dict(sheet.scores), "vetoes": sorted(sheet.veto_findings), "comments": dict(sheet.comments)}


def _write_sheet(
    session: Session,
    evaluation_round: EvaluationRound,
    assessor_sub: str,
    data: ScoreSheetIn,
    vetoes: set[str],
    *,
    changed_by: str,
    reason: str | None,
) -> ScoreSheet:
    sheet = _sheets(session, evaluation_round.id).get(assessor_sub)
    before = _sheet_document(sheet) if sheet else None
    now = datetime.now(UTC)
    if sheet is None:
        sheet = ScoreSheet(
            round_id=evaluation_round.id,
            assessor_sub=assessor_sub,
            scores={},
            veto_findings=[],
            comments={},
            submitted_at=now,
        )
    sheet.scores = dict(data.scores)
    sheet.veto_findings = sorted(vetoes)
    sheet.comments = dict(data.comments)
    sheet.submitted_at = now
    session.add(sheet)
    session.add(
        ScoreSheetChange(
            round_id=evaluation_round.id,
            assessor_sub=assessor_sub,
            changed_by=changed_by,
            changed_at=now,
            reason=reason,
            before=before,
            after=_sheet_document(sheet),
        )
    )
    session.flush()
    return sheet


def _sheet_out(sheet: ScoreSheet) -> ScoreSheetOut:
    return ScoreSheetOut(
        round_id=sheet.round_id,
        assessor_sub=sheet.assessor_sub,
        scores=sheet.scores,
        veto_findings=sheet.veto_findings,
        comments=sheet.comments,
        submitted_at=sheet.submitted_at,
    )


def submit_sheet(
    session: Session, evaluation_round: EvaluationRound, principal: Principal, data: ScoreSheetIn
) -> ScoreSheetOut:
    """An assessor's own scores: only a member of the panel, only while the round is open, only within the bands the
    project's measures fix."""
    evaluation_round = lock_round(session, evaluation_round)
    _ensure_open(evaluation_round)
    if principal.sub not in {member.assessor_sub for member in _panel(session, evaluation_round.id)}:
        raise ProblemError(403, "not-on-panel", f"{principal.sub} is not on the panel of round {evaluation_round.id}")
    model = _model(session, evaluation_round)
    _inputs, measures, _vetoes = _measures(session, evaluation_round, model)
    _points, vetoes = _checked_sheet(model, measures, data, field_prefix="body")
    sheet = _write_sheet(session, evaluation_round, principal.sub, data, vetoes, changed_by=principal.sub, reason=None)
    return _sheet_out(sheet)


def list_sheets(session: Session, evaluation_round: EvaluationRound, principal: Principal) -> list[ScoreSheetOut]:
    """The 残联 sees every sheet; an assessor sees only their own until the round is published (they score on their
    own)."""
    sheets = sorted(_sheets(session, evaluation_round.id).values(), key=lambda sheet: sheet.assessor_sub)
    sees_all = principal.satisfies(Role.FEDERATION_ADMIN) or evaluation_round.status == RoundStatus.PUBLISHED
    return [_sheet_out(sheet) for sheet in sheets if sees_all or sheet.assessor_sub == principal.sub]


def sheet_history(session: Session, round_id: uuid.UUID) -> list[dict[str, Any]]:
    statement = (
        select(ScoreSheetChange).where(ScoreSheetChange.round_id == round_id).order_by(ScoreSheetChange.changed_at)
    )
    return [
        {
            "assessor_sub": change.assessor_sub,
            "changed_by": change.changed_by,
            "changed_at": change.changed_at.isoformat(),
            "reason": change.reason,
            "changes": round_rules.sheet_changes(change.before, change.after),
        }
        for change in session.exec(statement).all()
    ]


def submit_self_evaluation(
    session: Session, evaluation_round: EvaluationRound, data: SelfEvaluationIn, *, submitted_by: str
) -> SelfEvaluationOut:
    """自评 (5.2.5.5): kept apart from the panel; checked only against each factor's 0..max."""
    evaluation_round = lock_round(session, evaluation_round)
    _ensure_open(evaluation_round)
    model = _model(session, evaluation_round)
    errors = []
    for code, points in data.scores.items():
        factor = model.factor(code)
        if factor is None:
            errors.append(FieldError(field=f"body.scores.{code}", message="is not a factor of the scoring model"))
        elif not 0 <= points <= factor.max_points:
            errors.append(FieldError(field=f"body.scores.{code}", message=f"must be within 0 and {factor.max_points}"))
    if errors:
        raise ProblemError(422, "validation-error", "self-evaluation points out of range", errors=errors)
    row = session.get(SelfEvaluation, evaluation_round.id) or SelfEvaluation(
        round_id=evaluation_round.id, scores={}, report="", submitted_by=submitted_by, submitted_at=datetime.now(UTC)
    )
    row.scores, row.report = dict(data.scores), data.report
    row.submitted_by, row.submitted_at = submitted_by, datetime.now(UTC)
    session.add(row)
    session.flush()
    return _self_evaluation_out(row)


def _self_evaluation_out(row: SelfEvaluation) -> SelfEvaluationOut:
    return SelfEvaluationOut(
        round_id=row.round_id,
        scores=row.scores,
        total=round(sum(row.scores.values()), 2),
        report=row.report,
        submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
    )


def get_self_evaluation(session: Session, round_id: uuid.UUID) -> SelfEvaluationOut | None:
    row = session.get(SelfEvaluation, round_id)
    return _self_evaluation_out(row) if row else None


# --- scoring, publication, revisions -------------------------------------------------------------------------------


def compute(
    session: Session,
    evaluation_round: EvaluationRound,
    *,
    version: int,
    reason: str | None,
    published_by: str,
) -> RoundResultDocument:
    """The round's result from the sheets as they stand: every sheet re-checked against the bands the project's
    current figures fix, aggregated per factor, vetoes applied after aggregation."""
    model = _model(session, evaluation_round)
    project = projects_service.project_or_404(session, evaluation_round.project_id)
    inputs, measures, record_vetoes = _measures(session, evaluation_round, model)
    sheets = _sheets(session, evaluation_round.id)
    checked: dict[str, dict[str, Fraction]] = {}
    findings: dict[str, set[str]] = {}
    documents: dict[str, ScoreSheetIn] = {}
    for sub, sheet in sorted(sheets.items()):
        document = ScoreSheetIn(
            scores=sheet.scores, vetoes={code: True for code in sheet.veto_findings}, comments=sheet.comments
        )
        checked[sub], findings[sub] = _checked_sheet(model, measures, document, field_prefix=f"sheets.{sub}")
        documents[sub] = document
    points, disagreements = scoring_rules.aggregate_panel(model, checked, evaluation_round.aggregation)  # type: ignore[arg-type]
    majority, minority = scoring_rules.majority_findings(findings)
    result = scoring_rules.score(
        model,
        scoring_rules.ScoreInputs(
            measures=measures,
            points=points,
            vetoes=majority | record_vetoes,
            evidence=projects_service.evidence_by_factor(session, project.id),
        ),
    )
    result.trace.insert(1, f"panel of {len(checked)}; points per factor combined by {evaluation_round.aggregation}")
    result.trace += [f"veto {code} proved by the project's records" for code in sorted(record_vetoes)]
    result.trace += [f"veto {code} found by a majority of the panel" for code in sorted(majority - record_vetoes)]
    result.trace += [f"veto {code} found by a minority only: for discussion, not applied" for code in sorted(minority)]
    self_row = session.get(SelfEvaluation, evaluation_round.id)
    return RoundResultDocument(
        round_id=evaluation_round.id,
        project_id=project.id,
        provider_id=project.provider_id,
        version=version,
        reason=reason,
        aggregation=evaluation_round.aggregation,  # type: ignore[arg-type]
        published_by=published_by,
        published_at=datetime.now(UTC),
        score=result,
        measure_inputs=inputs.model_dump(exclude_none=True),
        sheets=documents,
        disagreements=[Disagreement(factor=item.factor, bands=item.bands) for item in disagreements],
        veto_findings_in_minority=sorted(minority - record_vetoes),
        vetoes_from_records=sorted(record_vetoes),
        self_evaluation=round_rules.self_evaluation_comparison(self_row.scores, result) if self_row else None,
    )


def _version_taken(round_id: uuid.UUID, version: int) -> ProblemError:
    return ProblemError(
        409, "version-taken", f"version {version} of round {round_id} was published meanwhile; re-read the round"
    )


def _store_and_announce(session: Session, evaluation_round: EvaluationRound, document: RoundResultDocument) -> None:
    # The round lock serialises publications; the unique key is the last guard, and its violation a 409, not a 500.
    with conflict_on_unique_violation(session, lambda: _version_taken(evaluation_round.id, document.version)):
        session.add(
            RoundResult(
                round_id=evaluation_round.id,
                version=document.version,
                total=document.score.total,
                scoring_model_id=document.score.scoring_model_id,
                document=document.model_dump(mode="json"),
                reason=document.reason,
                published_by=document.published_by,
                published_at=document.published_at,
            )
        )
        session.flush()
    evaluation_round.status = RoundStatus.PUBLISHED
    evaluation_round.published_version = document.version
    session.add(evaluation_round)
    session.flush()
    payload = ProjectScored(
        project_id=document.project_id,
        provider_id=document.provider_id,
        round_id=document.round_id,
        version=document.version,
        scoring_model_id=document.score.scoring_model_id,
        total=document.score.total,
        groups=document.score.groups,
        factors={
            code: FactorScore(points=factor.points, band=factor.band.value if factor.band else None)
            for code, factor in document.score.factors.items()
        },
        vetoes_applied=[veto.code for veto in document.score.vetoes_applied],
        reason=document.reason,
        published_by=document.published_by,
        published_at=document.published_at,
    )
    enqueue(session, PROJECT_SCORED, payload, key=str(document.project_id))
    total = document.score.total
    on_commit(session, lambda: PUBLISHED_SCORES.observe(total))


def preview_round(session: Session, evaluation_round: EvaluationRound, *, by: str) -> RoundResultDocument:
    return compute(
        session, evaluation_round, version=evaluation_round.published_version + 1, reason=None, published_by=by
    )


def publish(session: Session, evaluation_round: EvaluationRound, *, published_by: str) -> RoundResultDocument:
    """Lock the round and publish version 1: every panel member must have scored."""
    evaluation_round = _lock_for_result(session, evaluation_round)
    _ensure_open(evaluation_round)
    submitted = set(_sheets(session, evaluation_round.id))
    missing = [
        member.assessor_sub for member in _panel(session, evaluation_round.id) if member.assessor_sub not in submitted
    ]
    if missing:
        raise ProblemError(409, "panel-incomplete", f"not scored yet by: {', '.join(missing)}")
    document = compute(session, evaluation_round, version=1, reason=None, published_by=published_by)
    _store_and_announce(session, evaluation_round, document)
    return document


def revise(
    session: Session, evaluation_round: EvaluationRound, data: RevisionIn, *, revised_by: str
) -> RoundResultDocument:
    """A change after publication: the corrected sheets and figures, the reason, a new version; older versions stay.
    A revision with a reason only picks up corrected records (a record withdrawn since the last version)."""
    evaluation_round = _lock_for_result(session, evaluation_round)
    if evaluation_round.status != RoundStatus.PUBLISHED:
        raise ProblemError(409, "round-not-published", "an open round is changed by re-scoring, not by a revision")
    if data.revises_version is not None and data.revises_version != evaluation_round.published_version:
        raise ProblemError(
            409,
            "version-superseded",
            f"the revision corrects version {data.revises_version}, but version {evaluation_round.published_version} "
            "has been published since; re-read it and revise that",
            errors=[FieldError(field="body.revises_version", message="is no longer the latest published version")],
        )
    panel = {member.assessor_sub for member in _panel(session, evaluation_round.id)}
    model = _model(session, evaluation_round)
    if data.observed_measures is not None:
        evaluation_round.observed_measures = data.observed_measures.model_dump()
        session.add(evaluation_round)
    _inputs, measures, _vetoes = _measures(session, evaluation_round, model)
    for sub, sheet in data.sheets.items():
        if sub not in panel:
            raise field_error(422, f"body.sheets.{sub}", "is not on the panel of this round")
        _points, vetoes = _checked_sheet(model, measures, sheet, field_prefix=f"body.sheets.{sub}")
        _write_sheet(session, evaluation_round, sub, sheet, vetoes, changed_by=revised_by, reason=data.reason)
    document = compute(
        session,
        evaluation_round,
        version=evaluation_round.published_version + 1,
        reason=data.reason,
        published_by=revised_by,
    )
    if not data.sheets and data.observed_measures is None:
        latest = get_result(session, evaluation_round.id, evaluation_round.published_version)
        if (latest.measure_inputs, latest.vetoes_from_records) == (
            document.measure_inputs,
            document.vetoes_from_records,
        ):
            raise field_error(
                422,
                "body.sheets",
                "a revision changes at least one sheet, the observed measures or the project's records",
            )
    _store_and_announce(session, evaluation_round, document)
    return document


def list_results(session: Session, round_id: uuid.UUID) -> list[RoundResultSummary]:
    statement = select(RoundResult).where(RoundResult.round_id == round_id).order_by(RoundResult.version)
    return [
        RoundResultSummary(
            version=row.version,
            total=row.total,
            scoring_model_id=row.scoring_model_id,
            reason=row.reason,
            published_by=row.published_by,
            published_at=row.published_at,
        )
        for row in session.exec(statement).all()
    ]


def get_result(session: Session, round_id: uuid.UUID, version: int | None) -> RoundResultDocument:
    statement = select(RoundResult).where(RoundResult.round_id == round_id)
    if version is None:
        statement = statement.order_by(RoundResult.version.desc())  # type: ignore[attr-defined]
    else:
        statement = statement.where(RoundResult.version == version)
    row = session.exec(statement).first()
    if row is None:
        raise ProblemError(404, "result-not-found", f"round {round_id} has no published result {version or ''}".strip())
    return RoundResultDocument.model_validate(row.document)
