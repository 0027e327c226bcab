"""Database reads and writes of projects: the bid, the actuals, evidence, and the figures the scoring reads."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlmodel import Session, col, func, select

from evaluation.projects import rules
from evaluation.projects.models import (
    ActivityRecord,
    ActivityRecordIn,
    ActivityRecordOut,
    ArchiveItem,
    ArchiveItemIn,
    ArchiveItemOut,
    Article,
    ArticleIn,
    ArticleOut,
    AssistanceProject,
    BudgetAdjustment,
    BudgetAdjustmentIn,
    BudgetAdjustmentOut,
    Complaint,
    ComplaintIn,
    ComplaintOut,
    Evidence,
    EvidenceOut,
    Expenditure,
    ExpenditureIn,
    ExpenditureOut,
    Mobilisation,
    MobilisationIn,
    MobilisationOut,
    PlannedActivity,
    PlannedActivityOut,
    ProjectIn,
    ProjectOut,
    ProjectRecord,
    Recognition,
    RecognitionIn,
    RecognitionOut,
    RecordIn,
    RecordOut,
    SafetyIncident,
    SafetyIncidentIn,
    SafetyIncidentOut,
    SatisfactionSurvey,
    SatisfactionSurveyIn,
    SatisfactionSurveyOut,
    WithdrawalIn,
    to_fen,
    to_yuan,
)
from evaluation.providers.models import Provider
from evaluation.providers.service import provider_scope
from evaluation.rounds.models import EvaluationRound, RoundStatus
from evaluation.scoring.models import MeasureInputs
from evaluation.scoring.service import today_in_china
from jiading_shared.auth import Principal, Role
from jiading_shared.blobs import BlobStore
from jiading_shared.errors import ProblemError, field_error

EVIDENCE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class RecordKind:
    """One kind of actual: the path segment under /projects/{id}/, its table and schemas."""

    path: str
    label: str
    table: type[ProjectRecord]
    schema_in: type[RecordIn]
    schema_out: type[RecordOut]

    @property
    def date_field(self) -> str:
        return rules.RECORD_DATES[self.path][0]

    @property
    def date_rule(self) -> rules.DateRule:
        return rules.RECORD_DATES[self.path][1]


RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind("activities", "活动开展 (5.4.1.1, 5.2.5.3)", ActivityRecord, ActivityRecordIn, ActivityRecordOut),
    RecordKind("expenditures", "项目支出 (5.3.1)", Expenditure, ExpenditureIn, ExpenditureOut),
    RecordKind("budget-adjustments", "预算调整 (5.3.4)", BudgetAdjustment, BudgetAdjustmentIn, BudgetAdjustmentOut),
    RecordKind("articles", "通讯录用 (5.2.4.2)", Article, ArticleIn, ArticleOut),
    RecordKind("recognitions", "报道、荣誉、文章 (5.4.4.2)", Recognition, RecognitionIn, RecognitionOut),
    RecordKind("complaints", "投诉及处置 (5.2.2.5)", Complaint, ComplaintIn, ComplaintOut),
    RecordKind(
        "satisfaction-surveys", "满意度调查 (5.4.3)", SatisfactionSurvey, SatisfactionSurveyIn, SatisfactionSurveyOut
    ),
    RecordKind("safety-incidents", "安全事件 (5.2.7)", SafetyIncident, SafetyIncidentIn, SafetyIncidentOut),
    RecordKind("archive-items", "档案 (5.2.6)", ArchiveItem, ArchiveItemIn, ArchiveItemOut),
    RecordKind("mobilisations", "资源动员 (5.2.3)", Mobilisation, MobilisationIn, MobilisationOut),
)


def project_or_404(session: Session, project_id: uuid.UUID) -> AssistanceProject:
    project = session.get(AssistanceProject, project_id)
    if project is None:
        raise ProblemError(404, "project-not-found", f"no project {project_id}")
    return project


def project_in_scope(session: Session, principal: Principal, project_id: uuid.UUID) -> AssistanceProject:
    """The project, when the caller may act on it; another provider's project answers 404 like an unknown id."""
    project = project_or_404(session, project_id)
    if not provider_scope(session, principal).allows(project.provider_id):
        raise ProblemError(404, "project-not-found", f"no project {project_id}")
    return project


def lock_project(session: Session, project_id: uuid.UUID, *, exclusive: bool) -> None:
    """Serialise record writes (shared lock) against publication and revision (exclusive), so that no record slips in
    between the check that no round is published and the publication itself."""
    statement = select(AssistanceProject.id).where(AssistanceProject.id == project_id)
    session.exec(statement.with_for_update(read=not exclusive)).first()


def create_project(session: Session, data: ProjectIn, *, created_by: str) -> ProjectOut:
    if session.get(Provider, data.provider_id) is None:
        raise field_error(422, "body.provider_id", f"no provider {data.provider_id}")
    if not data.start_date.year <= data.service_year <= data.end_date.year:
        raise field_error(422, "body.service_year", "must be a year of the project's period start_date..end_date")
    project = AssistanceProject(
        provider_id=data.provider_id,
        name=data.name,
        service_year=data.service_year,
        start_date=data.start_date,
        end_date=data.end_date,
        target_disability_types=[str(kind) for kind in data.target_disability_types],
        budget_planned_fen=to_fen(data.budget_planned),
        satisfied_planned=data.satisfied_planned,
        staffing_plan=[item.model_dump(mode="json") for item in data.staffing_plan],
        schedule=[item.model_dump(mode="json") for item in data.schedule],
        quality_targets=data.quality_targets,
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    session.add(project)
    session.flush()
    for activity in data.planned_activities:
        session.add(
            PlannedActivity(
                project_id=project.id,
                name=activity.name,
                planned_persons=activity.planned_persons,
                planned_frequency=activity.planned_frequency,
                disability_types=[str(kind) for kind in activity.disability_types],
            )
        )
    session.flush()
    return project_out(session, project)


def planned_activities(session: Session, project_id: uuid.UUID) -> list[PlannedActivity]:
    statement = select(PlannedActivity).where(PlannedActivity.project_id == project_id).order_by(PlannedActivity.name)
    return list(session.exec(statement).all())


def project_out(session: Session, project: AssistanceProject) -> ProjectOut:
    return ProjectOut.model_validate(
        {
            **project.model_dump(exclude={"budget_planned_fen"}),
            "budget_planned": to_yuan(project.budget_planned_fen),
            "planned_activities": [
                PlannedActivityOut.model_validate(activity.model_dump())
                for activity in planned_activities(session, project.id)
            ],
        }
    )


def list_projects(session: Session, provider_id: uuid.UUID | None, service_year: int | None) -> list[ProjectOut]:
    statement = select(AssistanceProject).order_by(AssistanceProject.created_at)
    if provider_id is not None:
        statement = statement.where(AssistanceProject.provider_id == provider_id)
    if service_year is not None:
        statement = statement.where(AssistanceProject.service_year == service_year)
    return [project_out(session, project) for project in session.exec(statement).all()]


def _published_round(session: Session, project_id: uuid.UUID) -> EvaluationRound | None:
    statement = select(EvaluationRound).where(
        EvaluationRound.project_id == project_id, EvaluationRound.status == RoundStatus.PUBLISHED
    )
    return session.exec(statement).first()


def _ensure_provider_may_change(session: Session, project: AssistanceProject, principal: Principal) -> None:
    """The provider's own system (the party scored) changes its actuals only until a round of the project is
    published; the 残联 may still correct them, and a revision of the round then picks the correction up."""
    lock_project(session, project.id, exclusive=False)
    if principal.satisfies(Role.FEDERATION_ADMIN):
        return
    published = _published_round(session, project.id)
    if published is not None:
        raise ProblemError(
            409,
            "project-round-published",
            f"round {published.id} of project {project.id} is published: the provider's system can no longer add or "
            "withdraw its records; the 残联 corrects them, and a revision of the round picks the correction up",
        )


def add_record(
    session: Session, kind: RecordKind, project: AssistanceProject, data: RecordIn, *, principal: Principal
) -> RecordOut:
    day = getattr(data, kind.date_field)
    problem = rules.record_date_problem(day, kind.date_rule, project.start_date, project.end_date, today_in_china())
    if problem:
        raise field_error(422, f"body.{kind.date_field}", problem)
    if isinstance(data, ActivityRecordIn):
        activity = session.get(PlannedActivity, data.planned_activity_id)
        if activity is None or activity.project_id != project.id:
            raise field_error(422, "body.planned_activity_id", "not a planned activity of this project")
    _ensure_provider_may_change(session, project, principal)
    record = kind.table(
        **data.row_fields(), project_id=project.id, recorded_by=principal.sub, recorded_at=datetime.now(UTC)
    )
    session.add(record)
    session.flush()
    return kind.schema_out.model_validate(record.model_dump())


def withdraw_record(
    session: Session,
    kind: RecordKind,
    project: AssistanceProject,
    record_id: uuid.UUID,
    data: WithdrawalIn,
    *,
    principal: Principal,
) -> RecordOut:
    """Withdraw a record entered by mistake: the row stays (listed, with who withdrew it, when and why) and no longer
    counts in the measures or proves a veto."""
    _ensure_provider_may_change(session, project, principal)
    record = session.get(kind.table, record_id, with_for_update=True, populate_existing=True)
    if record is None or record.project_id != project.id:
        raise ProblemError(404, "record-not-found", f"no {kind.path} record {record_id} on project {project.id}")
    if record.withdrawn_at is not None:
        raise ProblemError(
            409,
            "record-withdrawn",
            f"record {record_id} was withdrawn on {record.withdrawn_at.isoformat()} by {record.withdrawn_by}",
        )
    record.withdrawn_at = datetime.now(UTC)
    record.withdrawn_by = principal.sub
    record.withdrawal_reason = data.reason
    session.add(record)
    session.flush()
    return kind.schema_out.model_validate(record.model_dump())


def list_records(session: Session, kind: RecordKind, project_id: uuid.UUID) -> list[RecordOut]:
    """Every record, withdrawn ones included (they carry withdrawn_at): the history stays readable."""
    table = kind.table
    statement = select(table).where(table.project_id == project_id).order_by(table.recorded_at)  # type: ignore[attr-defined]
    return [kind.schema_out.model_validate(row.model_dump()) for row in session.exec(statement).all()]


Row = TypeVar("Row", bound=ProjectRecord)


def _counted(table: type[ProjectRecord], project: AssistanceProject) -> list[Any]:
    """Conditions of the records that count: of this project, not withdrawn, dated where the kind's rule allows (the
    API refuses other dates; this keeps older rows from counting too)."""
    path = next(kind.path for kind in RECORD_KINDS if kind.table is table)
    field, rule = rules.RECORD_DATES[path]
    day = getattr(table, field)
    conditions = [
        table.project_id == project.id,  # type: ignore[attr-defined]
        col(table.withdrawn_at).is_(None),
        day >= project.start_date,
    ]
    if rule == rules.DateRule.WITHIN_PERIOD:
        conditions.append(day <= project.end_date)
    return conditions


def _rows(session: Session, table: type[Row], project: AssistanceProject) -> list[Row]:
    return list(session.exec(select(table).where(*_counted(table, project))).all())


def _activity_totals(session: Session, project: AssistanceProject) -> dict[uuid.UUID, rules.ActivityTotals]:
    # Summed in the database: a project may hold tens of thousands of activity records.
    statement = (
        select(
            ActivityRecord.planned_activity_id,
            func.coalesce(func.sum(ActivityRecord.persons_served), 0),
            func.count(),
        )
        .where(*_counted(ActivityRecord, project))
        .group_by(ActivityRecord.planned_activity_id)
    )
    return {
        activity_id: rules.ActivityTotals(int(persons), int(sessions))
        for activity_id, persons, sessions in session.exec(statement).all()
    }


def _expenditure_fen(session: Session, project: AssistanceProject) -> int:
    statement = select(func.coalesce(func.sum(Expenditure.amount_fen), 0)).where(*_counted(Expenditure, project))
    return int(session.exec(statement).one())


def project_records(session: Session, project: AssistanceProject) -> rules.ProjectRecords:
    return rules.ProjectRecords(
        start_date=project.start_date,
        end_date=project.end_date,
        budget_planned_fen=project.budget_planned_fen,
        satisfied_planned=project.satisfied_planned,
        planned_activities=planned_activities(session, project.id),
        activity_totals=_activity_totals(session, project),
        expenditure_fen=_expenditure_fen(session, project),
        adjustments=_rows(session, BudgetAdjustment, project),
        articles=_rows(session, Article, project),
        recognitions=_rows(session, Recognition, project),
        complaints=_rows(session, Complaint, project),
        surveys=_rows(session, SatisfactionSurvey, project),
        incidents=_rows(session, SafetyIncident, project),
        mobilisations=_rows(session, Mobilisation, project),
    )


def project_measures(session: Session, project: AssistanceProject) -> tuple[MeasureInputs, set[str]]:
    """The project's figures for the scoring model and the vetoes its records prove."""
    records = project_records(session, project)
    return rules.measure_inputs(records), rules.vetoes_from_records(records)


# --- evidence ------------------------------------------------------------------------------------------------------


def add_evidence(
    session: Session,
    blobs: BlobStore,
    project: AssistanceProject,
    *,
    factor_code: str,
    known_factors: set[str],
    title: str,
    data: bytes,
    uploaded_by: str,
) -> EvidenceOut:
    if factor_code not in known_factors:
        raise field_error(422, "query.factor", f"{factor_code} is not a factor of the scoring model")
    stored = blobs.put(data, field="body", allowed_types=EVIDENCE_TYPES, max_bytes=EVIDENCE_MAX_BYTES)
    evidence = Evidence(
        project_id=project.id,
        factor_code=factor_code,
        title=title,
        blob_key=stored.key,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by=uploaded_by,
        uploaded_at=datetime.now(UTC),
    )
    session.add(evidence)
    session.flush()
    return EvidenceOut.model_validate(evidence.model_dump())


def list_evidence(session: Session, project_id: uuid.UUID) -> list[EvidenceOut]:
    statement = select(Evidence).where(Evidence.project_id == project_id).order_by(Evidence.uploaded_at)
    return [EvidenceOut.model_validate(row.model_dump()) for row in session.exec(statement).all()]


def evidence_by_factor(session: Session, project_id: uuid.UUID) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    for item in list_evidence(session, project_id):
        grouped.setdefault(item.factor_code, []).append(
            {"id": str(item.id), "title": item.title, "blob_key": item.blob_key, "content_type": item.content_type}
        )
    return grouped


def evidence_row(session: Session, project_id: uuid.UUID, evidence_id: uuid.UUID) -> Evidence:
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.project_id != project_id:
        raise ProblemError(404, "evidence-not-found", f"no evidence {evidence_id} on project {project_id}")
    return evidence
