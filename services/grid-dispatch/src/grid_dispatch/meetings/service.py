"""Database reads and writes of weekly meetings and action items, and the weekly meeting compliance report."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from prometheus_client import Gauge
from sqlmodel import Session, col, select

from grid_dispatch.departments.models import Department
from grid_dispatch.departments.rules import UnitType, serves_grid
from grid_dispatch.duty.rules import week_bounds
from grid_dispatch.grids.models import Grid
from grid_dispatch.grids.rules import GridLevel
from grid_dispatch.incidents.models import Incident
from grid_dispatch.incidents.rules import CHINA
from grid_dispatch.meetings.models import (
    ActionItemOut,
    MeetingActionItem,
    MeetingComplianceOut,
    MeetingIn,
    MeetingOut,
    SubjectComplianceOut,
    WeeklyMeeting,
)
from grid_dispatch.meetings.rules import (
    MEETING_KIND_LABELS,
    ItemState,
    ItemStatus,
    MeetingKind,
    attendance,
    iso_week,
    item_status,
    meeting_compliance,
)
from grid_dispatch.rulesets import service as rulesets
from grid_dispatch.rulesets.models import DutyStandardBody
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.types import assume_utc

MEETINGS_MISSED = Gauge(
    "grid_weekly_meetings_missed",
    "Sector grids (片区网格) and 派出所 without their weekly meeting in the last complete ISO week "
    "(DB 31114/Z 009-2025 4.1.1, DB 31114/Z 010-2025 4.2.1.2).",
    ["town", "kind"],
)
# A meeting is recorded after it is held; a few minutes of clock skew are tolerated.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _town_departments(session: Session, town: str) -> dict[str, Department]:
    return {row.code: row for row in session.exec(select(Department).where(Department.town == town))}


def required_attendees(
    standard: DutyStandardBody,
    kind: MeetingKind,
    subject: str,
    departments: dict[str, Department],
    unit_grids_of_sector: Sequence[str],
) -> list[str]:
    """The town's departments that must attend: for a sector grid, those of the listed unit types serving it; for a
    派出所, the 派出所 and the listed units (the 城运中心)."""
    if kind is MeetingKind.SECTOR_GRID:
        types = set(standard.sector_meeting_attendee_unit_types)
        return sorted(
            code
            for code, department in departments.items()
            if department.unit_type in types and serves_grid(department.grids or [], subject, *unit_grids_of_sector)
        )
    types = set(standard.police_meeting_attendee_unit_types)
    return sorted([subject, *(code for code, d in departments.items() if d.unit_type in types)])


def _subject(session: Session, data: MeetingIn, departments: dict[str, Department], town: str) -> str:
    if data.kind is MeetingKind.SECTOR_GRID:
        if data.sector_grid is None or data.police_department is not None:
            raise field_error(422, "body.sector_grid", "a sector grid meeting names its sector grid (only)")
        grid = session.get(Grid, data.sector_grid)
        if grid is None or grid.town != town or grid.level != GridLevel.SECTOR_GRID:
            raise field_error(422, "body.sector_grid", f"no sector grid {data.sector_grid} in town {town}")
        return grid.code
    if data.police_department is None or data.sector_grid is not None:
        raise field_error(422, "body.police_department", "a police liaison meeting names its 派出所 (only)")
    police = departments.get(data.police_department)
    if police is None or police.unit_type != UnitType.POLICE_STATION:
        raise field_error(422, "body.police_department", f"no 派出所 {data.police_department} in town {town}")
    return police.code


def _unit_grids(session: Session, sector: str) -> list[str]:
    return list(session.exec(select(Grid.code).where(Grid.parent_code == sector)).all())


def record_meeting(session: Session, data: MeetingIn, *, town: str, recorded_by: str) -> MeetingOut:
    """Store form A.1, its new action items and the review of the open items it carried forward."""
    now = datetime.now(UTC)
    held_at = assume_utc(data.held_at)
    if held_at > now + FUTURE_TOLERANCE:
        raise field_error(422, "body.held_at", "a meeting is recorded after it is held")
    departments = _town_departments(session, town)
    subject = _subject(session, data, departments, town)
    for index, attendee in enumerate(data.attendees):
        if attendee.department_code not in departments:
            raise field_error(422, f"body.attendees.{index}.department_code", f"no department in town {town}")
    incident_ids = list(dict.fromkeys(data.incident_ids))
    if incident_ids:
        found = set(
            session.exec(select(Incident.id).where(col(Incident.id).in_(incident_ids), Incident.town == town)).all()
        )
        for index, incident_id in enumerate(data.incident_ids):
            if incident_id not in found:
                raise field_error(422, f"body.incident_ids.{index}", f"no incident {incident_id} in town {town}")
    held_on = held_at.astimezone(CHINA).date()
    for index, item in enumerate(data.action_items):
        if item.owner_department not in departments:
            raise field_error(422, f"body.action_items.{index}.owner_department", f"no department in town {town}")
        if item.due_on < held_on:
            raise field_error(422, f"body.action_items.{index}.due_on", "due before the meeting was held")
    week = iso_week(held_at)
    meeting = WeeklyMeeting(
        kind=data.kind,
        town=town,
        subject=subject,
        week=week,
        theme=data.theme,
        held_at=held_at,
        place=data.place,
        attendees=[attendee.model_dump() for attendee in data.attendees],
        minutes=data.minutes,
        last_week_results=data.last_week_results,
        targets=data.targets,
        incident_ids=[str(incident_id) for incident_id in incident_ids],
        carried_item_ids=[],
        recorded_by=recorded_by,
        recorded_at=now,
    )
    with conflict_on_unique_violation(session, lambda: _week_conflict(session, data.kind, subject, week)):
        session.add(meeting)
        session.flush()
    open_items = {
        item.id: item
        for item in session.exec(
            select(MeetingActionItem).where(
                MeetingActionItem.kind == data.kind,
                MeetingActionItem.subject == subject,
                MeetingActionItem.state == ItemState.OPEN,
            )
        )
    }
    reviewed: set[uuid.UUID] = set()
    for index, review in enumerate(data.item_reviews):
        item = open_items.get(review.item_id)
        if item is None or review.item_id in reviewed:
            raise field_error(
                422, f"body.item_reviews.{index}.item_id", f"no open action item {review.item_id} of {subject}"
            )
        reviewed.add(review.item_id)
        item.result = review.result
        if review.done:
            item.state = ItemState.DONE
            item.closed_by, item.closed_at = recorded_by, now
        item.last_reviewed_meeting_id = meeting.id
        session.add(item)
    carried = [item for item in open_items.values() if item.state == ItemState.OPEN]
    for item in carried:
        item.carried_count += 1
        item.last_reviewed_meeting_id = meeting.id
        session.add(item)
    meeting.carried_item_ids = [str(item.id) for item in sorted(carried, key=lambda item: item.created_at)]
    session.add(meeting)
    for item in data.action_items:
        session.add(
            MeetingActionItem(
                meeting_id=meeting.id,
                kind=data.kind,
                town=town,
                subject=subject,
                owner_department=item.owner_department,
                description=item.description,
                due_on=item.due_on,
                incident_id=item.incident_id,
                state=ItemState.OPEN,
                created_at=now,
            )
        )
    session.flush()
    return meeting_out(session, meeting)


def _week_conflict(session: Session, kind: MeetingKind, subject: str, week: str) -> ProblemError | None:
    existing = session.exec(
        select(WeeklyMeeting.id).where(
            WeeklyMeeting.kind == kind, WeeklyMeeting.subject == subject, WeeklyMeeting.week == week
        )
    ).first()
    if existing is None:
        return None
    return field_error(
        409,
        "body.held_at",
        f"{subject} already recorded its {MEETING_KIND_LABELS[kind]} of {week}: meeting {existing}",
        slug="weekly-meeting-exists",
    )


def get_meeting(session: Session, meeting_id: uuid.UUID) -> WeeklyMeeting | None:
    return session.get(WeeklyMeeting, meeting_id)


def list_meetings(
    session: Session, *, town: str | None, kind: MeetingKind | None, subject: str | None, week: str | None
) -> list[MeetingOut]:
    query = select(WeeklyMeeting).order_by(col(WeeklyMeeting.held_at).desc())
    for column, value in (
        (WeeklyMeeting.town, town),
        (WeeklyMeeting.kind, kind),
        (WeeklyMeeting.subject, subject),
        (WeeklyMeeting.week, week),
    ):
        if value is not None:
            query = query.where(column == value)
    return [meeting_out(session, meeting) for meeting in session.exec(query.limit(500))]


def meeting_out(session: Session, meeting: WeeklyMeeting) -> MeetingOut:
    kind = MeetingKind(meeting.kind)
    standard = rulesets.duty_standard(session, assume_utc(meeting.held_at))
    unit_grids = _unit_grids(session, meeting.subject) if kind is MeetingKind.SECTOR_GRID else []
    required = required_attendees(
        standard.body, kind, meeting.subject, _town_departments(session, meeting.town), unit_grids
    )
    presence = attendance(required, (attendee["department_code"] for attendee in meeting.attendees))
    raised = session.exec(
        select(MeetingActionItem)
        .where(MeetingActionItem.meeting_id == meeting.id)
        .order_by(MeetingActionItem.created_at, MeetingActionItem.owner_department)
    ).all()
    carried_ids = [uuid.UUID(item_id) for item_id in meeting.carried_item_ids]
    carried = (
        session.exec(select(MeetingActionItem).where(col(MeetingActionItem.id).in_(carried_ids))).all()
        if carried_ids
        else []
    )
    order = {item_id: index for index, item_id in enumerate(carried_ids)}
    return MeetingOut(
        id=meeting.id,
        kind=kind,
        kind_label=MEETING_KIND_LABELS[kind],
        town=meeting.town,
        subject=meeting.subject,
        week=meeting.week,
        theme=meeting.theme,
        held_at=meeting.held_at,
        place=meeting.place,
        attendees=list(meeting.attendees),
        minutes=meeting.minutes,
        last_week_results=meeting.last_week_results,
        targets=meeting.targets,
        incident_ids=[uuid.UUID(incident_id) for incident_id in meeting.incident_ids],
        required_attendees=list(presence.required),
        absent_departments=list(presence.absent),
        action_items=[item_out(item) for item in raised],
        carried_items=[item_out(item) for item in sorted(carried, key=lambda item: order[item.id])],
        rule_version=standard.label,
        recorded_by=meeting.recorded_by,
        recorded_at=meeting.recorded_at,
    )


# --- action items ---------------------------------------------------------------------------------------------------


def item_out(item: MeetingActionItem, today: datetime | None = None) -> ActionItemOut:
    state = ItemState(item.state)
    return ActionItemOut(
        id=item.id,
        meeting_id=item.meeting_id,
        kind=MeetingKind(item.kind),
        town=item.town,
        subject=item.subject,
        owner_department=item.owner_department,
        description=item.description,
        due_on=item.due_on,
        incident_id=item.incident_id,
        state=state,
        status=item_status(state, item.due_on, (today or datetime.now(UTC)).astimezone(CHINA).date()),
        carried_count=item.carried_count,
        last_reviewed_meeting_id=item.last_reviewed_meeting_id,
        result=item.result,
        closed_by=item.closed_by,
        closed_at=item.closed_at,
        created_at=item.created_at,
    )


def list_items(
    session: Session,
    *,
    town: str | None,
    department: str | None,
    subject: str | None,
    state: ItemState | None,
    overdue: bool | None,
) -> list[ActionItemOut]:
    query = select(MeetingActionItem).order_by(MeetingActionItem.due_on, MeetingActionItem.created_at)
    for column, value in (
        (MeetingActionItem.town, town),
        (MeetingActionItem.owner_department, department),
        (MeetingActionItem.subject, subject),
        (MeetingActionItem.state, state),
    ):
        if value is not None:
            query = query.where(column == value)
    items = [item_out(item) for item in session.exec(query.limit(1000))]
    if overdue is not None:
        items = [item for item in items if (item.status is ItemStatus.OVERDUE) == overdue]
    return items


def get_item(session: Session, item_id: uuid.UUID) -> MeetingActionItem | None:
    return session.get(MeetingActionItem, item_id)


def close_item(session: Session, item: MeetingActionItem, result: str, *, closed_by: str) -> ActionItemOut:
    if item.state == ItemState.DONE:
        raise ProblemError(409, "action-item-closed", f"action item {item.id} was closed at {item.closed_at}")
    item.state = ItemState.DONE
    item.result = result
    item.closed_by, item.closed_at = closed_by, datetime.now(UTC)
    session.add(item)
    session.flush()
    return item_out(item)


# --- compliance -----------------------------------------------------------------------------------------------------


def compliance_report(session: Session, town: str, week: str) -> MeetingComplianceOut:
    """Each sector grid and each 派出所 of the town: did it hold its weekly meeting, did the required units attend."""
    try:
        monday, _sunday = week_bounds(week)
    except ValueError as exc:
        raise field_error(422, "query.week", "an ISO week such as 2025-W07") from exc
    week = iso_week(datetime.combine(monday, datetime.min.time(), tzinfo=CHINA))  # normalised: 2025-W7 → 2025-W07
    standard = rulesets.duty_standard(session, datetime.combine(monday, datetime.min.time(), tzinfo=CHINA))
    grids = session.exec(select(Grid.code, Grid.parent_code, Grid.level).where(Grid.town == town)).all()
    departments = _town_departments(session, town)
    sectors = sorted(code for code, _parent, level in grids if level == GridLevel.SECTOR_GRID)
    units_of = {sector: [code for code, parent, _level in grids if parent == sector] for sector in sectors}
    police = sorted(code for code, d in departments.items() if d.unit_type == UnitType.POLICE_STATION)
    subjects = [(MeetingKind.SECTOR_GRID, sector) for sector in sectors] + [
        (MeetingKind.POLICE_LIAISON, code) for code in police
    ]
    required = {
        (kind, subject): required_attendees(standard.body, kind, subject, departments, units_of.get(subject, []))
        for kind, subject in subjects
    }
    meetings = {
        (MeetingKind(meeting.kind), meeting.subject): (
            str(meeting.id),
            [attendee["department_code"] for attendee in meeting.attendees],
        )
        for meeting in session.exec(select(WeeklyMeeting).where(WeeklyMeeting.town == town, WeeklyMeeting.week == week))
    }
    report = meeting_compliance(subjects, meetings, required)
    if week == _last_complete_week():  # the metric follows the last complete week only
        for kind in MeetingKind:
            MEETINGS_MISSED.labels(town, kind.value).set(sum(1 for e in report if e.kind is kind and not e.held))
    return MeetingComplianceOut(
        town=town,
        week=week,
        rule_version=standard.label,
        subjects=[
            SubjectComplianceOut(
                kind=entry.kind,
                subject=entry.subject,
                held=entry.held,
                meeting_id=uuid.UUID(entry.meeting_id) if entry.meeting_id else None,
                absent_departments=list(entry.absent),
                compliant=entry.compliant,
            )
            for entry in report
        ],
        missed=[entry.subject for entry in report if not entry.held],
        compliant=all(entry.compliant for entry in report),
    )


def _last_complete_week(now: datetime | None = None) -> str:
    return iso_week((now or datetime.now(UTC)) - timedelta(days=7))


def refresh_missed_metric(session: Session, towns: Sequence[str]) -> None:
    week = _last_complete_week()
    for town in towns:
        compliance_report(session, town, week)
