"""Database reads and writes of joint rectification: application, ordered sign-offs, summary and reopening."""

import base64
import binascii
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from grid_dispatch.departments.models import Department
from grid_dispatch.incidents.rules import CHINA
from grid_dispatch.joint_rectification.events import (
    RECTIFICATION_APPROVED,
    RECTIFICATION_COMPLETED,
    RECTIFICATION_REJECTED,
    RECTIFICATION_REOPENED,
    RECTIFICATION_REQUESTED,
    RectificationEvent,
)
from grid_dispatch.joint_rectification.models import (
    JointRectification,
    RectificationContactOut,
    RectificationIn,
    RectificationOut,
    RectificationTask,
    SignOffIn,
    SummaryIn,
    TaskCompleteIn,
    TaskOut,
)
from grid_dispatch.joint_rectification.rules import (
    SIGN_OFF_ORDER,
    Action,
    RectificationState,
    TaskState,
    clashes,
    notice_short_by,
    sign_off_problem,
    start_of,
    task_units,
)
from grid_dispatch.rulesets import service as rulesets
from jiading_shared.auth import Principal
from jiading_shared.blobs import BlobStore
from jiading_shared.errors import FieldError, ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.events.envelope import EventSpec
from jiading_shared.pii import EncryptedColumn, PiiVault, declare_encrypted_columns, mask_text, record_reveal
from jiading_shared.types import assume_utc
from jiading_shared.workdays import WorkdayCalendar

CONTACT_PHONE_CONTEXT = "grid-dispatch:joint_rectification.contact_phone"
declare_encrypted_columns(
    JointRectification.metadata,
    EncryptedColumn("joint_rectification", "contact_phone_ciphertext", CONTACT_PHONE_CONTEXT),
)
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
PHOTO_MAX_BYTES = 5 * 1024 * 1024


def _units(row: JointRectification) -> frozenset[str]:
    return frozenset([row.command_unit, *(p["department_code"] for p in row.participants)])


def _action(row: JointRectification) -> Action:
    return Action(str(row.id), row.town, assume_utc(row.starts_at), assume_utc(row.ends_at), _units(row))


def _check_clashes(session: Session, row: JointRectification) -> None:
    approved = session.exec(
        select(JointRectification).where(
            JointRectification.state == RectificationState.APPROVED,
            JointRectification.starts_at < row.ends_at,
            JointRectification.ends_at > row.starts_at,
        )
    ).all()
    found = clashes(_action(row), [_action(other) for other in approved])
    if found:
        detail = "; ".join(f"approved action {other_id} {why}" for other_id, why in found)
        raise ProblemError(409, "rectification-time-clash", f"time clashes (DB 31114/Z 009-2025 B.1 note 2): {detail}")


def _department(session: Session, code: str, town: str, field: str) -> Department:
    department = session.get(Department, code)
    if department is None or department.town != town:
        raise field_error(422, field, f"no department {code} in town {town}")
    return department


def apply(
    session: Session,
    vault: PiiVault,
    calendar: WorkdayCalendar,
    data: RectificationIn,
    *,
    actor: str,
    may_override_notice: bool,
) -> RectificationOut:
    session_town = data_town(session, data)
    _department(session, data.command_unit, session_town, "body.command_unit")
    for index, participant in enumerate(data.participants):
        _department(session, participant.department_code, session_town, f"body.participants.{index}.department_code")
    standard = rulesets.duty_standard(session)
    today = datetime.now(CHINA).date()
    if data.action_date < today:
        raise field_error(422, "body.action_date", "the action cannot be in the past")
    notified_on = data.police_notified_on or today
    if data.joint_duty_action:
        short = notice_short_by(calendar, notified_on, data.action_date, standard.body.joint_action_notice_working_days)
        if short and not data.notice_override_reason:
            raise ProblemError(
                422,
                "notice-too-short",
                f"a 联勤联动 action is notified to the 派出所 {standard.body.joint_action_notice_working_days} working "
                f"days ahead (DB 31114/Z 010-2025 4.2.1.1, {standard.label}); {short} working day(s) short",
                errors=[FieldError(field="body.police_notified_on", message=f"{short} working day(s) short")],
            )
        if short and not may_override_notice:
            raise ProblemError(403, "forbidden", "only a commander may accept shorter notice")
    if data.reopened_from is not None and session.get(JointRectification, data.reopened_from) is None:
        raise field_error(422, "body.reopened_from", f"no joint rectification {data.reopened_from}")
    starts_at = datetime.combine(data.action_date, start_of(data.action_date, data.half_day, data.hour), tzinfo=CHINA)
    now = datetime.now(UTC)
    row = JointRectification(
        town=session_town,
        applicant_department=data.applicant_department,
        contact_name=data.contact_name,
        contact_phone_ciphertext=vault.seal(data.contact_phone, kind="phone", context=CONTACT_PHONE_CONTEXT).ciphertext,
        content=data.content,
        action_date=data.action_date,
        half_day=data.half_day,
        hour=data.hour,
        starts_at=starts_at.astimezone(UTC),
        ends_at=(starts_at + timedelta(hours=data.duration_hours)).astimezone(UTC),
        command_unit=data.command_unit,
        command_leader=data.command_leader,
        participants=[p.model_dump() for p in data.participants],
        vehicles=[v.model_dump(mode="json") for v in data.vehicles],
        joint_duty_action=data.joint_duty_action,
        police_notified_on=notified_on if data.joint_duty_action else None,
        notice_override_reason=data.notice_override_reason,
        notice_rule_version=standard.label,
        state=RectificationState.PENDING_APPLICANT_LEADER,
        sign_offs=[],
        reopened_from=data.reopened_from,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _check_clashes(session, row)
    session.add(row)
    session.flush()
    _emit(session, RECTIFICATION_REQUESTED, row, actor)
    return rectification_out(row, data.contact_phone)


def data_town(session: Session, data: RectificationIn) -> str:
    department = session.get(Department, data.applicant_department)
    if department is None:
        raise field_error(422, "body.applicant_department", f"no department {data.applicant_department}")
    return department.town


def sign_off(
    session: Session, vault: PiiVault, row: JointRectification, data: SignOffIn, *, actor: str
) -> RectificationOut:
    state = RectificationState(row.state)
    problem = sign_off_problem(state, data.level)
    if problem is not None:
        raise ProblemError(409, "sign-off-out-of-order", f"{problem}; current state: {state}")
    if not data.approve and not data.reason:
        raise field_error(422, "body.reason", "a rejection needs a reason")
    entry = {
        "level": data.level.value,
        "approve": data.approve,
        "signer": actor,
        "signer_name": data.signer_name,
        "reason": data.reason,
        "signed_on": datetime.now(CHINA).date().isoformat(),
    }
    row.sign_offs = [*row.sign_offs, entry]
    if not data.approve:
        row.state = RectificationState.REJECTED
    else:
        row.state = SIGN_OFF_ORDER[state][1]
        if row.state is RectificationState.APPROVED:
            _check_clashes(session, row)  # another action may have been approved since the application
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    if row.state is RectificationState.REJECTED:
        _emit(session, RECTIFICATION_REJECTED, row, actor, reason=data.reason)
    elif row.state is RectificationState.APPROVED:
        _assign_tasks(session, row)
        _emit(session, RECTIFICATION_APPROVED, row, actor)
    return rectification_out(row, contact_phone(vault, row))


def file_summary(
    session: Session, vault: PiiVault, blobs: BlobStore, row: JointRectification, data: SummaryIn, *, actor: str
) -> RectificationOut:
    """C.1 by the lead unit after the action; an unsolved problem opens a new special rectification (009 4.2.3)."""
    if row.state != RectificationState.APPROVED:
        raise ProblemError(
            409, "rectification-not-approved", f"a summary follows an approved action; current state: {row.state}"
        )
    photos: dict[str, list[dict[str, Any]]] = {}
    for field in ("before_photos", "after_photos"):
        photos[field] = []
        for index, encoded in enumerate(getattr(data, field)):
            try:
                raw = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise field_error(422, f"body.{field}.{index}", "not base64") from exc
            stored = blobs.put(raw, field=f"body.{field}.{index}", allowed_types=PHOTO_TYPES, max_bytes=PHOTO_MAX_BYTES)
            photos[field].append({"key": stored.key, "content_type": stored.content_type, "size": stored.size})
    row.summary = {
        "results": data.results,
        "solved": data.solved,
        **photos,
        "filed_by": actor,
        "filed_at": datetime.now(UTC).isoformat(),
    }
    row.state = RectificationState.COMPLETED
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    _emit(session, RECTIFICATION_COMPLETED, row, actor)
    if not data.solved:
        _reopen(session, row, actor)
    return rectification_out(row, contact_phone(vault, row))


def _assign_tasks(session: Session, row: JointRectification) -> None:
    """On approval each participating department gets its task (DB 31114/Z 009-2025 4.2.2)."""
    now = datetime.now(UTC)
    participants = [(p["department_code"], int(p["head_count"])) for p in row.participants]
    for department_code, role, head_count in task_units(row.command_unit, participants):
        session.add(
            RectificationTask(
                rectification_id=row.id,
                town=row.town,
                department_code=department_code,
                role=role,
                head_count=head_count,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                state=TaskState.ASSIGNED,
                created_at=now,
            )
        )
    session.flush()


def list_tasks(
    session: Session,
    *,
    town: str | None,
    department: str | None,
    rectification_id: uuid.UUID | None,
    state: TaskState | None,
) -> list[TaskOut]:
    query = select(RectificationTask).order_by(RectificationTask.starts_at, RectificationTask.department_code)
    for column, value in (
        (RectificationTask.town, town),
        (RectificationTask.department_code, department),
        (RectificationTask.rectification_id, rectification_id),
        (RectificationTask.state, state),
    ):
        if value is not None:
            query = query.where(column == value)
    return [TaskOut.model_validate(task, from_attributes=True) for task in session.exec(query.limit(1000))]


def get_task(session: Session, task_id: uuid.UUID) -> RectificationTask | None:
    return session.get(RectificationTask, task_id)


def complete_task(session: Session, task: RectificationTask, data: TaskCompleteIn, *, actor: str) -> TaskOut:
    if task.state == TaskState.COMPLETED:
        raise ProblemError(409, "task-completed", f"task {task.id} was completed at {task.completed_at}")
    rectification = session.get(JointRectification, task.rectification_id)
    if rectification is None or rectification.state not in (RectificationState.APPROVED, RectificationState.COMPLETED):
        raise ProblemError(409, "rectification-not-approved", "the joint rectification is not approved")
    now = datetime.now(UTC)
    if now < assume_utc(task.starts_at):
        raise ProblemError(
            409, "task-not-started", f"the action starts at {assume_utc(task.starts_at).isoformat()}; report after it"
        )
    task.state = TaskState.COMPLETED
    task.report = data.report
    task.deployed_head_count = data.deployed_head_count
    task.completed_by, task.completed_at = actor, now
    session.add(task)
    session.flush()
    return TaskOut.model_validate(task, from_attributes=True)


def _reopen(session: Session, row: JointRectification, actor: str) -> JointRectification:
    """A new special rectification with the same B.1 content one week later, awaiting its own sign-offs; the date is a
    proposal the applicant coordinates with the 城运中心 (B.1 note 2)."""
    now = datetime.now(UTC)
    new = JointRectification(
        **{
            name: getattr(row, name)
            for name in (
                "town",
                "applicant_department",
                "contact_name",
                "contact_phone_ciphertext",
                "content",
                "half_day",
                "hour",
                "command_unit",
                "command_leader",
                "participants",
                "vehicles",
                "joint_duty_action",
                "police_notified_on",
                "notice_rule_version",
            )
        },
        action_date=row.action_date + timedelta(days=7),
        starts_at=assume_utc(row.starts_at) + timedelta(days=7),
        ends_at=assume_utc(row.ends_at) + timedelta(days=7),
        state=RectificationState.PENDING_APPLICANT_LEADER,
        sign_offs=[],
        reopened_from=row.id,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    session.flush()
    _emit(session, RECTIFICATION_REOPENED, new, actor, reason=f"not solved by {row.id}")
    return new


def _emit(
    session: Session, spec: EventSpec[Any], row: JointRectification, actor: str, reason: str | None = None
) -> None:
    payload = RectificationEvent(
        rectification_id=row.id,
        town=row.town,
        applicant_department=row.applicant_department,
        state=RectificationState(row.state),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        command_unit=row.command_unit,
        participants=[p["department_code"] for p in row.participants],
        joint_duty_action=row.joint_duty_action,
        actor=actor,
        reason=reason,
        reopened_from=row.reopened_from,
    )
    enqueue(session, spec, payload, key=str(row.id))


def contact_phone(vault: PiiVault, row: JointRectification) -> str:
    return vault.open(row.contact_phone_ciphertext, context=CONTACT_PHONE_CONTEXT)


def reveal_contact(
    session: Session,
    vault: PiiVault,
    row: JointRectification,
    principal: Principal,
    purpose: str,
    request_id: str | None,
) -> RectificationContactOut:
    """The contact's phone unmasked, after the access record is written in the same transaction."""
    record_reveal(
        session,
        principal,
        purpose=purpose,
        record_type="joint_rectification",
        record_id=str(row.id),
        fields=["contact_phone"],
        request_id=request_id,
    )
    return RectificationContactOut(id=row.id, contact_name=row.contact_name, contact_phone=contact_phone(vault, row))


def get(session: Session, rectification_id: uuid.UUID) -> JointRectification | None:
    return session.get(JointRectification, rectification_id)


def list_rectifications(
    session: Session, vault: PiiVault, *, town: str | None, department: str | None, state: RectificationState | None
) -> list[RectificationOut]:
    query = select(JointRectification).order_by(JointRectification.starts_at)
    if town is not None:
        query = query.where(JointRectification.town == town)
    if state is not None:
        query = query.where(JointRectification.state == state)
    rows = list(session.exec(query))
    if department is not None:  # a department's tasks: the actions it takes part in
        rows = [row for row in rows if department in _units(row) or row.applicant_department == department]
    return [rectification_out(row, contact_phone(vault, row)) for row in rows]


def rectification_out(row: JointRectification, phone: str) -> RectificationOut:
    return RectificationOut(
        **{name: getattr(row, name) for name in RectificationOut.model_fields if hasattr(row, name)},
        contact_phone_masked=mask_text(phone, 3, 4),
    )
