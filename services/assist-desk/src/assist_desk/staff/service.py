"""Database reads and writes of assistance staff."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from assist_desk.institutions.models import InstitutionOut
from assist_desk.staff.models import (
    RegistrationIn,
    StaffIn,
    StaffMember,
    StaffOut,
    StaffTraining,
    TeamCount,
    TeamsOut,
    TrainingIn,
    TrainingOut,
)
from assist_desk.staff.rules import (
    TEAM_LABELS,
    Employment,
    Team,
    TrainingKind,
    may_serve,
    missing_core_teams,
    staffing_problems,
)
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import FieldError, ProblemError, field_error


def add_staff(session: Session, institution: InstitutionOut, data: StaffIn, *, created_by: str) -> StaffOut:
    problems = staffing_problems(data.team, data.employment, data.source, data.department_code)
    if problems:
        raise ProblemError(
            422,
            "validation-error",
            "; ".join(message for _field, message in problems),
            errors=[FieldError(field=field, message=message) for field, message in problems],
        )
    member = StaffMember(
        institution_id=institution.id,
        **data.model_dump(warnings=False),
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    taken = field_error(409, "body.account_sub", f"account {data.account_sub} already belongs to a staff member")
    with conflict_on_unique_violation(session, lambda: taken):
        session.add(member)
        session.flush()
    return staff_out(session, member)


def register(session: Session, member: StaffMember, data: RegistrationIn) -> StaffOut:
    member.registration_no = data.registration_no
    member.registered_on = data.registered_on
    session.add(member)
    session.flush()
    return staff_out(session, member)


def add_training(session: Session, member: StaffMember, data: TrainingIn, *, recorded_by: str) -> StaffOut:
    session.add(
        StaffTraining(
            staff_id=member.id,
            **data.model_dump(warnings=False),
            recorded_by=recorded_by,
            recorded_at=datetime.now(UTC),
        )
    )
    session.flush()
    return staff_out(session, member)


def set_active(session: Session, member: StaffMember, active: bool) -> StaffOut:
    member.active = active
    session.add(member)
    session.flush()
    return staff_out(session, member)


def trainings_of(session: Session, staff_id: uuid.UUID) -> list[StaffTraining]:
    query = select(StaffTraining).where(StaffTraining.staff_id == staff_id).order_by(StaffTraining.trained_on)
    return list(session.exec(query).all())


def member_and_serving_problem(session: Session, staff_id: uuid.UUID) -> tuple[StaffMember | None, str | None]:
    """The staff member and why they may not serve yet (None when they may), in one round trip: the ticket path asks
    this on every reception and hand-over, and it is never cached (deactivation and training take effect at once)."""
    trained = (
        select(StaffTraining.kind)
        .where(StaffTraining.staff_id == StaffMember.id, StaffTraining.kind == TrainingKind.PRE_JOB)
        .exists()
    )
    row = session.exec(select(StaffMember, trained).where(StaffMember.id == staff_id)).first()
    if row is None:
        return None, None
    member, has_pre_job = row
    return member, may_serve([TrainingKind.PRE_JOB] if has_pre_job else [], member.active)


def staff_out(session: Session, member: StaffMember) -> StaffOut:
    trainings = trainings_of(session, member.id)
    reason = may_serve((training.kind for training in trainings), member.active)
    return StaffOut(
        **member.model_dump(warnings=False, exclude={"created_by", "created_at"}),
        trainings=[TrainingOut.model_validate(training.model_dump(warnings=False)) for training in trainings],
        may_serve=reason is None,
        may_serve_reason=reason,
    )


def staff_of(session: Session, institution_id: uuid.UUID) -> list[StaffOut]:
    query = select(StaffMember).where(StaffMember.institution_id == institution_id).order_by(StaffMember.name)
    return [staff_out(session, member) for member in session.exec(query).all()]


def teams_of(session: Session, institution_id: uuid.UUID) -> TeamsOut:
    query = (
        select(StaffMember.team, StaffMember.employment, func.count())
        .where(StaffMember.institution_id == institution_id, StaffMember.active)
        .group_by(StaffMember.team, StaffMember.employment)
    )
    counts: dict[tuple[str, str], int] = {(team, employment): n for team, employment, n in session.exec(query).all()}
    teams = [
        TeamCount(
            team=team,
            label=TEAM_LABELS[team],
            full_time=counts.get((team.value, Employment.FULL_TIME.value), 0),
            part_time=counts.get((team.value, Employment.PART_TIME.value), 0),
        )
        for team in Team
    ]
    missing = missing_core_teams(count.team for count in teams if count.full_time + count.part_time > 0)
    return TeamsOut(institution_id=institution_id, teams=teams, missing_core_teams=missing, complete=not missing)
