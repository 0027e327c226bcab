"""Database reads and writes of joint rectification: application, ordered sign-offs, summary and reopening."""

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from grid_dispatch.departments.models import Department
from grid_dispatch.departments.rules import UnitType
from grid_dispatch.incidents.rules import CHINA
from grid_dispatch.joint_rectification.events import (
    RECTIFICATION_APPROVED,
    RECTIFICATION_COMPLETED,
    RECTIFICATION_POLICE_NOTIFIED,
    RECTIFICATION_REJECTED,
    RECTIFICATION_REOPENED,
    RECTIFICATION_REQUESTED,
    RectificationEvent,
)
from grid_dispatch.joint_rectification.models import (
    JointRectification,
    NextActionIn,
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
    HalfDay,
    RectificationState,
    TaskRole,
    TaskState,
    clashes,
    notice_short_by,
    sign_off_problem,
    signer_problem,
    start_of,
    summary_too_early,
    task_units,
)
from grid_dispatch.rulesets import service as rulesets
from grid_dispatch.rulesets.models import DutyStandardBody
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


# Actions that hold their time: approved ones and those already summarised (a summary follows the action's end).
_HOLDING_STATES = (RectificationState.APPROVED.value, RectificationState.COMPLETED.value)


def _check_clashes(session: Session, row: JointRectification) -> None:
    approved = session.exec(
        select(JointRectification).where(
            col(JointRectification.state).in_(_HOLDING_STATES),
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


@dataclass(frozen=True)
class _Schedule:
    action_date: date
    half_day: HalfDay
    hour: int
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    police_stations: list[str]  # the town's 派出所 told of a 联勤联动 action; empty otherwise
    notified_on: date | None


def _police_stations(session: Session, town: str) -> list[str]:
    query = select(Department.code).where(Department.town == town, Department.unit_type == UnitType.POLICE_STATION)
    return sorted(session.exec(query))


def _schedule(
    session: Session,
    calendar: WorkdayCalendar,
    standard: rulesets.RuleSet[DutyStandardBody],
    *,
    town: str,
    action_date: date,
    half_day: HalfDay,
    hour: int,
    duration_hours: int,
    joint_duty_action: bool,
    override_reason: str | None,
    may_override_notice: bool,
    prefix: str,
) -> _Schedule:
    """The checks every action's time passes: not in the past and, for a 联勤联动 action, notice to the town's
    派出所 the working days ahead the duty standard in force asks (DB 31114/Z 010-2025 4.2.1.1). The notice leaves
    with the filing, so it is dated today: no client-declared date."""
    today = datetime.now(CHINA).date()
    if action_date < today:
        raise field_error(422, f"{prefix}.action_date", "the action cannot be in the past")
    police: list[str] = []
    if joint_duty_action:
        police = _police_stations(session, town)
        if not police:
            raise field_error(
                422,
                f"{prefix.split('.')[0]}.joint_duty_action",
                f"town {town} has no 派出所 registered to notify (DB 31114/Z 010-2025 4.2.1.1)",
            )
        required = standard.body.joint_action_notice_working_days
        short = notice_short_by(calendar, today, action_date, required)
        if short and not override_reason:
            raise ProblemError(
                422,
                "notice-too-short",
                f"a 联勤联动 action is notified to the 派出所 {required} working days ahead (DB 31114/Z 010-2025 "
                f"4.2.1.1, {standard.label}); notified today ({today}), {short} working day(s) short",
                errors=[FieldError(field=f"{prefix}.action_date", message=f"{short} working day(s) short")],
            )
        if short and not may_override_notice:
            raise ProblemError(403, "forbidden", "only a commander may accept shorter notice")
    starts_at = datetime.combine(action_date, start_of(action_date, half_day, hour), tzinfo=CHINA)
    return _Schedule(
        action_date=action_date,
        half_day=half_day,
        hour=hour,
        starts_at=starts_at.astimezone(UTC),
        ends_at=(starts_at + timedelta(hours=duration_hours)).astimezone(UTC),
        police_stations=police,
        notified_on=today if joint_duty_action else None,
    )


def _notify_police(session: Session, row: JointRectification, stations: list[str], actor: str) -> None:
    """DB 31114/Z 010-2025 4.2.1.1: the 城运中心 tells the 派出所综合指挥室 the action's time — a task each 派出所
    sees in its list and signs for (签收), and an event for the police's own systems."""
    if not stations:
        return
    now = datetime.now(UTC)
    for code in stations:
        session.add(
            RectificationTask(
                rectification_id=row.id,
                town=row.town,
                department_code=code,
                role=TaskRole.POLICE_NOTICE,
                head_count=None,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                state=TaskState.ASSIGNED,
                created_at=now,
            )
        )
    session.flush()
    _emit(session, RECTIFICATION_POLICE_NOTIFIED, row, actor, notified=stations)


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
    schedule = _schedule(
        session,
        calendar,
        standard,
        town=session_town,
        action_date=data.action_date,
        half_day=data.half_day,
        hour=data.hour,
        duration_hours=data.duration_hours,
        joint_duty_action=data.joint_duty_action,
        override_reason=data.notice_override_reason,
        may_override_notice=may_override_notice,
        prefix="body",
    )
    if data.reopened_from is not None and session.get(JointRectification, data.reopened_from) is None:
        raise field_error(422, "body.reopened_from", f"no joint rectification {data.reopened_from}")
    now = datetime.now(UTC)
    row = JointRectification(
        town=session_town,
        applicant_department=data.applicant_department,
        contact_name=data.contact_name,
        contact_phone_ciphertext=vault.seal(data.contact_phone, kind="phone", context=CONTACT_PHONE_CONTEXT).ciphertext,
        content=data.content,
        plan=data.plan,
        action_date=schedule.action_date,
        half_day=schedule.half_day,
        hour=schedule.hour,
        starts_at=schedule.starts_at,
        ends_at=schedule.ends_at,
        command_unit=data.command_unit,
        command_leader=data.command_leader,
        participants=[p.model_dump() for p in data.participants],
        vehicles=[v.model_dump(mode="json") for v in data.vehicles],
        joint_duty_action=data.joint_duty_action,
        police_notified_on=schedule.notified_on,
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
    _notify_police(session, row, schedule.police_stations, actor)
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
    same_person = signer_problem(row.sign_offs, actor)
    if same_person is not None:
        raise ProblemError(
            409,
            "sign-off-same-person",
            f"{same_person}: each sign-off of form B.1 is given by a different person (DB 31114/Z 009-2025 附录 B)",
            errors=[FieldError(field="body.signer_name", message=same_person)],
        )
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
        _cancel_open_tasks(session, row)
        _emit(session, RECTIFICATION_REJECTED, row, actor, reason=data.reason)
    elif row.state is RectificationState.APPROVED:
        _assign_tasks(session, row)
        _emit(session, RECTIFICATION_APPROVED, row, actor)
    return rectification_out(row, contact_phone(vault, row))


def file_summary(
    session: Session,
    vault: PiiVault,
    blobs: BlobStore,
    calendar: WorkdayCalendar,
    row: JointRectification,
    data: SummaryIn,
    *,
    actor: str,
    may_override_notice: bool,
) -> RectificationOut:
    """C.1 by the lead unit after the action; an unsolved problem opens a new special rectification (009 4.2.3)."""
    if row.state != RectificationState.APPROVED:
        raise ProblemError(
            409, "rectification-not-approved", f"a summary follows an approved action; current state: {row.state}"
        )
    ends_at = assume_utc(row.ends_at)
    if summary_too_early(datetime.now(UTC), ends_at):
        message = f"the action ends at {ends_at.isoformat()}; the summary is filed after it"
        raise ProblemError(
            409,
            "rectification-not-finished",
            f"{message} (DB 31114/Z 009-2025 附录 C 注: 在联合整治结束后填写)",
            errors=[FieldError(field="ends_at", message=message)],
        )
    if data.solved and data.next_action is not None:
        raise field_error(422, "body.next_action", "only an unsolved problem is rectified again")
    if not data.solved and data.next_action is None:
        raise field_error(
            422, "body.next_action", "an unsolved problem gets a new special rectification: give its time (009 4.2.3)"
        )
    reopened = None
    if data.next_action is not None:  # checked before anything is stored
        reopened = _reopened(session, calendar, row, data.next_action, actor, may_override_notice)
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
        "reopened_as": str(reopened[0].id) if reopened else None,
    }
    row.state = RectificationState.COMPLETED
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    _emit(session, RECTIFICATION_COMPLETED, row, actor)
    if reopened is not None:
        new, stations = reopened
        session.add(new)
        session.flush()
        _emit(session, RECTIFICATION_REOPENED, new, actor, reason=f"not solved by {row.id}")
        _notify_police(session, new, stations, actor)
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
    if task.state == TaskState.CANCELLED:
        raise ProblemError(409, "task-cancelled", f"task {task.id} was withdrawn: the application was rejected")
    now = datetime.now(UTC)
    if task.role != TaskRole.POLICE_NOTICE:  # the 派出所 signs for a notice (签收) as soon as it has it
        rectification = session.get(JointRectification, task.rectification_id)
        if rectification is None or rectification.state not in (
            RectificationState.APPROVED,
            RectificationState.COMPLETED,
        ):
            raise ProblemError(409, "rectification-not-approved", "the joint rectification is not approved")
        if now < assume_utc(task.starts_at):
            raise ProblemError(
                409,
                "task-not-started",
                f"the action starts at {assume_utc(task.starts_at).isoformat()}; report after it",
            )
    task.state = TaskState.COMPLETED
    task.report = data.report
    task.deployed_head_count = data.deployed_head_count
    task.completed_by, task.completed_at = actor, now
    session.add(task)
    session.flush()
    return TaskOut.model_validate(task, from_attributes=True)


def _reopened(
    session: Session,
    calendar: WorkdayCalendar,
    row: JointRectification,
    when: NextActionIn,
    actor: str,
    may_override_notice: bool,
) -> tuple[JointRectification, list[str]]:
    """The new special rectification (009 4.2.3) with the same B.1 content at the time the applicant gives, awaiting
    its own sign-offs. Its time passes the checks of an application, and a 联勤联动 action is notified afresh
    (010 4.2.1.1): nothing of the first action's notice is carried over."""
    standard = rulesets.duty_standard(session)
    schedule = _schedule(
        session,
        calendar,
        standard,
        town=row.town,
        action_date=when.action_date,
        half_day=when.half_day,
        hour=when.hour,
        duration_hours=when.duration_hours,
        joint_duty_action=row.joint_duty_action,
        override_reason=when.notice_override_reason,
        may_override_notice=may_override_notice,
        prefix="body.next_action",
    )
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
                "plan",
                "command_unit",
                "command_leader",
                "participants",
                "vehicles",
                "joint_duty_action",
            )
        },
        action_date=schedule.action_date,
        half_day=schedule.half_day,
        hour=schedule.hour,
        starts_at=schedule.starts_at,
        ends_at=schedule.ends_at,
        police_notified_on=schedule.notified_on,
        notice_override_reason=when.notice_override_reason,
        notice_rule_version=standard.label,
        state=RectificationState.PENDING_APPLICANT_LEADER,
        sign_offs=[],
        reopened_from=row.id,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _check_clashes(session, new)
    return new, schedule.police_stations


def _cancel_open_tasks(session: Session, row: JointRectification) -> None:
    """A rejected application will not take place: its open notices to the 派出所 are withdrawn."""
    open_tasks = session.exec(
        select(RectificationTask).where(
            RectificationTask.rectification_id == row.id, RectificationTask.state == TaskState.ASSIGNED
        )
    )
    for task in open_tasks:
        task.state = TaskState.CANCELLED
        session.add(task)
    session.flush()


def _emit(
    session: Session,
    spec: EventSpec[Any],
    row: JointRectification,
    actor: str,
    reason: str | None = None,
    notified: list[str] | None = None,
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
        notified_departments=notified or [],
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
