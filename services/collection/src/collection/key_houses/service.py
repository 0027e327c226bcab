"""Key houses: list import (all or nothing, dry run, per-row problems), verification tasks, verification updating
the people registered there, progress per police station (DB 31114/Z 003-2025 4, 5.1)."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import case, func, insert, update
from sqlmodel import Session, col, select

from collection.key_houses.events import KEY_HOUSE_VERIFIED, KeyHouseVerified
from collection.key_houses.models import (
    KeyHouseImportOut,
    KeyHouseList,
    KeyHouseTask,
    RowProblemOut,
    StationProgressOut,
    TaskStatus,
    VerificationIn,
)
from collection.key_houses.rules import NewResident, RowProblem, VerifierRole, new_resident_problem, parse_key_house_csv
from collection.places.models import Area, Building, Room
from collection.places.scope import AreaScope
from collection.registrations import service as registrations
from collection.registrations.models import RegistrationChannel
from jiading_shared.errors import FieldError, ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.pii import PiiVault

CHUNK = 5000


def import_list(
    session: Session, text: str, scope: AreaScope, *, police_station: str | None, uploaded_by: str, dry_run: bool
) -> KeyHouseImportOut:
    """Check every row; write the list and its tasks only when no row has a problem (all or nothing)."""
    rows, problems = parse_key_house_csv(text)
    codes = [row.house_code for row in rows]
    places: dict[str, tuple[uuid.UUID, str, str]] = {}
    for start in range(0, len(codes), CHUNK):
        found = session.exec(
            select(Room.house_code, Room.id, Area.code, Area.police_station)
            .join(Building, col(Building.id) == col(Room.building_id))
            .join(Area, col(Area.code) == col(Building.area))
            .where(col(Room.house_code).in_(codes[start : start + CHUNK]))
        ).all()
        places.update({code: (room_id, area, station) for code, room_id, area, station in found})
    for row in rows:
        place = places.get(row.house_code)
        if place is None:
            problems.append(RowProblem(row.line, "house_code", "no room has this house code"))
        elif not scope.allows(place[1]):
            problems.append(RowProblem(row.line, "house_code", "the room lies outside your police station's areas"))
    problems.sort(key=lambda p: p.line)
    valid = [row for row in rows if row.house_code in places and scope.allows(places[row.house_code][1])]
    room_ids = [places[row.house_code][0] for row in valid]
    superseded = 0
    for start in range(0, len(room_ids), CHUNK):
        superseded += session.exec(
            select(func.count())
            .select_from(KeyHouseTask)
            .where(col(KeyHouseTask.room_id).in_(room_ids[start : start + CHUNK]))
            .where(KeyHouseTask.status == TaskStatus.PENDING.value)
        ).one()
    outcome = KeyHouseImportOut(
        dry_run=dry_run,
        list_id=None,
        rows=len(rows) + len({p.line for p in problems if p.line > 1}),
        tasks_created=0 if problems else len(valid),
        tasks_superseded=0 if problems else superseded,
        errors=[RowProblemOut(line=p.line, field=p.field, reason=p.reason) for p in problems],
    )
    if problems or dry_run:
        if not dry_run:
            raise ProblemError(
                422,
                "import-rejected",
                f"{len(problems)} problem(s) in the key-house list; nothing was imported",
                errors=[FieldError(field=f"line {p.line}.{p.field}", message=p.reason) for p in problems],
            )
        if problems:
            outcome.tasks_created = len(valid)  # what the valid rows would give once the others are fixed
        return outcome
    now = datetime.now(UTC)
    listed = KeyHouseList(police_station=police_station, rows=len(valid), uploaded_by=uploaded_by, uploaded_at=now)
    session.add(listed)
    session.flush()
    for start in range(0, len(room_ids), CHUNK):
        session.execute(
            update(KeyHouseTask)
            .where(col(KeyHouseTask.room_id).in_(room_ids[start : start + CHUNK]))
            .where(col(KeyHouseTask.status) == TaskStatus.PENDING.value)
            .values(status=TaskStatus.SUPERSEDED.value)
        )
    tasks = [
        {
            "id": uuid.uuid4(),
            "list_id": listed.id,
            "line": row.line,
            "room_id": places[row.house_code][0],
            "house_code": row.house_code,
            "area": places[row.house_code][1],
            "police_station": places[row.house_code][2],
            "house_type": row.house_type,
            "maintenance_requirement": row.maintenance_requirement,
            "status": TaskStatus.PENDING.value,
            "created_at": now,
        }
        for row in valid
    ]
    for start in range(0, len(tasks), CHUNK):
        session.execute(insert(KeyHouseTask), tasks[start : start + CHUNK])
    session.flush()
    outcome.list_id = listed.id
    return outcome


def verify(
    session: Session,
    vault: PiiVault,
    task: KeyHouseTask,
    data: VerificationIn,
    *,
    by: str,
    role: VerifierRole,
    today: date,
) -> KeyHouseTask:
    """Apply the check to the people of the room (003 5.1.4) and close the task: every active registration must be
    accounted for, moved-out people are deregistered, newly found people registered; then `key_house.verified`
    naming who checked and in which role (the area's 协管员, or the station's 社区民警 on site, 003 5.1.2)."""
    if task.status != TaskStatus.PENDING.value:
        raise ProblemError(409, "not-pending", f"key-house task {task.id} is {task.status}")
    # Checked before anything is written: the forms of the people found must register them at this house.
    problem = new_resident_problem(
        [NewResident(form.house_code, form.action) for form in data.new_residents], task.house_code
    )
    if problem is not None:
        raise field_error(422, *problem)
    active = {row.id: row for row in registrations.registrations_of_room(session, task.room_id, active_only=True)}
    moved = {item.registration_id: item for item in data.moved_out}
    for position, registration_id in enumerate(data.still_resident):
        if registration_id not in active:
            raise field_error(422, f"body.still_resident.{position}", "not an active registration of this room")
        if registration_id in moved:
            raise field_error(422, f"body.still_resident.{position}", "also listed as moved out")
    for position, registration_id in enumerate(moved):
        if registration_id not in active:
            raise field_error(
                422, f"body.moved_out.{position}.registration_id", "not an active registration of this room"
            )
    unaccounted = sorted(str(rid) for rid in active if rid not in moved and rid not in set(data.still_resident))
    if unaccounted:
        raise field_error(
            422,
            "body.still_resident",
            f"every active registration must be confirmed or moved out: {', '.join(unaccounted)}",
        )
    for registration_id, item in moved.items():
        registrations.end_registration(session, active[registration_id], by=by, reason=item.reason)
    place = registrations.place_of_room(session, task.room_id)
    assert place is not None
    for position, form in enumerate(data.new_residents):
        try:
            registrations.register(
                session, vault, form, place, channel=RegistrationChannel.VISIT, registered_by=by, today=today
            )
        except ProblemError as problem:
            for error in problem.errors or []:
                error.field = error.field.replace("body.", f"body.new_residents.{position}.", 1)
            raise
    task.status = TaskStatus.VERIFIED.value
    task.verified_by = by
    task.verified_role = role.value
    task.verified_at = data.verified_at
    task.note = data.note
    task.persons_confirmed = len(data.still_resident)
    task.persons_deregistered = len(moved)
    task.persons_registered = len(data.new_residents)
    session.add(task)
    session.flush()
    enqueue(
        session,
        KEY_HOUSE_VERIFIED,
        KeyHouseVerified(
            task_id=task.id,
            room_id=task.room_id,
            house_code=task.house_code,
            area=task.area,
            police_station=task.police_station,
            house_type=task.house_type,
            verified_by=by,
            verified_role=role.value,
            verified_at=data.verified_at,
            persons_confirmed=task.persons_confirmed,
            persons_deregistered=task.persons_deregistered,
            persons_registered=task.persons_registered,
        ),
        key=task.house_code,
    )
    return task


def list_tasks(
    session: Session, areas: Sequence[str] | None, status: TaskStatus | None, limit: int, offset: int = 0
) -> list[KeyHouseTask]:
    query = select(KeyHouseTask)
    if areas is not None:
        query = query.where(col(KeyHouseTask.area).in_(list(areas)))
    if status is not None:
        query = query.where(KeyHouseTask.status == status.value)
    query = query.order_by(col(KeyHouseTask.created_at), col(KeyHouseTask.line), col(KeyHouseTask.id))
    return list(session.exec(query.limit(limit).offset(offset)).all())


def progress(session: Session, stations: Sequence[str] | None) -> list[StationProgressOut]:
    """Per police station, then per area: tasks (superseded ones excluded), verified, pending (003 5.1.2 督促)."""
    verified = func.sum(case((col(KeyHouseTask.status) == TaskStatus.VERIFIED.value, 1), else_=0))
    query = (
        select(KeyHouseTask.police_station, KeyHouseTask.area, func.count(), verified)
        .where(col(KeyHouseTask.status) != TaskStatus.SUPERSEDED.value)
        .group_by(col(KeyHouseTask.police_station), col(KeyHouseTask.area))
        .order_by(col(KeyHouseTask.police_station), col(KeyHouseTask.area))
    )
    if stations is not None:
        query = query.where(col(KeyHouseTask.police_station).in_(list(stations)))
    lines: list[StationProgressOut] = []
    totals: dict[str, list[int]] = {}
    for station, area, tasks, done in session.exec(query).all():
        done = int(done or 0)
        lines.append(_progress_line(station, area, tasks, done))
        total = totals.setdefault(station, [0, 0])
        total[0] += tasks
        total[1] += done
    return [_progress_line(station, None, *total) for station, total in totals.items()] + lines


def _progress_line(station: str, area: str | None, tasks: int, verified: int) -> StationProgressOut:
    return StationProgressOut(
        police_station=station,
        area=area,
        tasks=tasks,
        verified=verified,
        pending=tasks - verified,
        verified_share=round(verified / tasks, 4) if tasks else 0.0,
    )
