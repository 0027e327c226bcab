"""Database reads and writes of visits, room statuses and visit rule versions."""

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Date, Select, String, Text, Update, and_, case, cast, func, literal, or_, update
from sqlmodel import Session, col, select

from collection.visits import rules
from collection.visits.events import REFUSAL_REPORTED, VISIT_OVERDUE, RefusalReported, RevisitReason, VisitOverdue
from collection.visits.models import (
    RefusalGrounds,
    RoomState,
    RoomStatus,
    RoomStatusOut,
    Visit,
    VisitIn,
    VisitOut,
    VisitOutcome,
    VisitRuleIn,
    VisitRuleOut,
    VisitRuleVersion,
)
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.events.outbox import enqueue_many, enqueue_selected
from jiading_shared.types import CLOCK_SKEW
from jiading_shared.workdays import WorkdayCalendar

UNASSIGNED = "unassigned"


def start_tracking_rooms(session: Session, room_ids: Iterable[uuid.UUID], *, area: str) -> None:
    """Every new room starts as never visited (不遗漏: it shows on the work list until someone goes there)."""
    session.add_all(RoomStatus(room_id=room_id, area=area) for room_id in room_ids)
    session.flush()


# --- rule versions --------------------------------------------------------------------------------------------------


def rules_in_force(session: Session, on: date) -> VisitRuleVersion:
    row = session.exec(
        select(VisitRuleVersion)
        .where(VisitRuleVersion.effective_from <= on)
        .order_by(col(VisitRuleVersion.effective_from).desc(), col(VisitRuleVersion.version).desc())
        .limit(1)
    ).first()
    if row is None:
        raise ProblemError(409, "no-visit-rules", f"no visit rule version is in force on {on}")
    return row


def as_rules(row: VisitRuleVersion) -> rules.VisitRules:
    return rules.VisitRules(
        version=row.version,
        occupied_absent_working_days=row.occupied_absent_working_days,
        vacant_months=row.vacant_months,
        refusal_threshold=row.refusal_threshold,
        refusal_window_days=row.refusal_window_days,
    )


def add_rule_version(session: Session, data: VisitRuleIn, *, created_by: str) -> VisitRuleOut:
    """A new version; earlier versions stay as they are (decisions keep pointing at the version they used)."""
    latest = session.exec(select(func.max(VisitRuleVersion.version))).one() or 0
    row = VisitRuleVersion(version=latest + 1, **data.model_dump(), created_by=created_by, created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return VisitRuleOut(**row.model_dump())


def list_rule_versions(session: Session) -> list[VisitRuleOut]:
    rows = session.exec(select(VisitRuleVersion).order_by(VisitRuleVersion.version)).all()
    return [VisitRuleOut(**row.model_dump()) for row in rows]


# --- visits ---------------------------------------------------------------------------------------------------------


class RoomContext:
    """What a visit needs to know about its room: its codes for the events."""

    def __init__(self, room_id: uuid.UUID, house_code: str, town: str, area: str, grid: str, police_station: str):
        self.room_id = room_id
        self.house_code = house_code
        self.town = town
        self.area = area
        self.grid = grid
        self.police_station = police_station


def record_visit(
    session: Session,
    room: RoomContext,
    data: VisitIn,
    *,
    collector: str,
    calendar: WorkdayCalendar,
    now: datetime | None = None,
) -> VisitOut:
    now = now or datetime.now(UTC)
    if data.visited_at > now + CLOCK_SKEW:
        raise field_error(422, "body.visited_at", "a visit cannot lie in the future")
    if data.registration_ids and data.outcome is not VisitOutcome.COLLECTED:
        raise field_error(422, "body.registration_ids", "registrations go with a `collected` visit only")
    if data.owner_uncooperative and not rules.owner_uncooperative_allowed(data.outcome):
        raise field_error(
            422, "body.owner_uncooperative", "房主不配合采集 (owner_uncooperative) goes with a `refused` visit only"
        )
    visited_on = rules.local_date(data.visited_at)
    rule_row = rules_in_force(session, visited_on)
    visit_rules = as_rules(rule_row)
    status = session.get(RoomStatus, room.room_id, with_for_update=True)
    if status is None:  # rooms created before status tracking existed
        status = RoomStatus(room_id=room.room_id, area=room.area)
    deadline = rules.revisit_deadline(data.outcome, visited_on, visit_rules, calendar)

    refusals: int | None = None
    report = False
    grounds: RefusalGrounds | None = None
    if data.outcome is VisitOutcome.REFUSED:
        window_start = data.visited_at - timedelta(days=visit_rules.refusal_window_days)
        earlier = session.exec(
            select(Visit.visited_at).where(
                Visit.room_id == room.room_id,
                Visit.outcome == VisitOutcome.REFUSED.value,
                Visit.visited_at >= window_start,
            )
        ).all()
        decision = rules.refusal_decision(
            [_aware(moment) for moment in earlier],
            data.visited_at,
            visit_rules,
            already_flagged=status.refusal_flagged_at is not None,
            owner_uncooperative=data.owner_uncooperative,
        )
        refusals, report, grounds = decision.refusals_in_window, decision.report, decision.grounds

    visit = Visit(
        room_id=room.room_id,
        area=room.area,
        visited_at=data.visited_at,
        collector=collector,
        outcome=data.outcome.value,
        note=data.note,
        neighbour_info=data.neighbour_info,
        departure_intention=data.departure_intention,
        owner_uncooperative=data.owner_uncooperative,
        next_visit_due=deadline.due if deadline else None,
        due_provisional=deadline.provisional if deadline else False,
        due_explanation=deadline.explanation if deadline else None,
        refusals_in_window=refusals,
        refusal_reported=report,
        rule_version=visit_rules.version,
        recorded_at=now,
    )
    session.add(visit)
    session.flush()

    # A late entry for an older visit does not overwrite the status a newer visit set.
    last = _aware(status.last_visit_at) if status.last_visit_at else None
    if last is None or data.visited_at >= last:
        change = rules.status_after(data.outcome, deadline, status.next_visit_due, status.due_provisional)
        status.state = change.state.value
        status.last_visit_at = data.visited_at
        status.next_visit_due = change.next_visit_due
        status.due_provisional = change.due_provisional
        if change.clears_flag:
            status.refusal_flagged_at = None
    if report:
        assert grounds is not None  # a reported refusal always has its grounds (rules.refusal_decision)
        status.refusal_flagged_at = now
        payload = RefusalReported(
            room_id=room.room_id,
            house_code=room.house_code,
            town=room.town,
            area=room.area,
            grid=room.grid,
            police_station=room.police_station,
            refusals=refusals or 1,
            last_visit_at=data.visited_at,
            grounds=grounds,
        )
        enqueue(session, REFUSAL_REPORTED, payload, key=str(room.room_id))
    session.add(status)
    session.flush()
    return visit_out(visit, data.registration_ids)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def visit_out(visit: Visit, registration_ids: list[uuid.UUID] | None = None) -> VisitOut:
    return VisitOut(
        **visit.model_dump(exclude={"recorded_at", "outcome", "visited_at"}),
        outcome=VisitOutcome(visit.outcome),
        visited_at=_aware(visit.visited_at),
        registration_ids=registration_ids or [],
    )


def visits_of_room(session: Session, room_id: uuid.UUID) -> list[VisitOut]:
    rows = session.exec(select(Visit).where(Visit.room_id == room_id).order_by(col(Visit.visited_at).desc())).all()
    return [visit_out(row) for row in rows]


# --- room status and the work list ----------------------------------------------------------------------------------


def door_address(road: str, lane: str | None, number: str, room_no: str) -> str:
    """路 弄 号 室, as on the door (001 A.1 address to the door number)."""
    return " ".join(part for part in (road, f"{lane}弄" if lane else "", f"{number}号", f"{room_no}室") if part)


def status_out(status: RoomStatus, room: object, building: object, today: date) -> RoomStatusOut:
    room_no = getattr(room, "room_no", "")
    return room_status_out(
        status.room_id,
        status.area,
        status.state,
        status.last_visit_at,
        status.next_visit_due,
        status.due_provisional,
        status.refusal_flagged_at,
        getattr(room, "house_code", ""),
        room_no,
        building.id,  # type: ignore[attr-defined]
        getattr(building, "road", ""),
        getattr(building, "lane", None),
        getattr(building, "number", ""),
        today=today,
    )


def room_status_out(
    room_id: uuid.UUID,
    area: str,
    state: str,
    last_visit_at: datetime | None,
    next_visit_due: date | None,
    due_provisional: bool,
    refusal_flagged_at: datetime | None,
    house_code: str,
    room_no: str,
    building_id: uuid.UUID,
    road: str,
    lane: str | None,
    number: str,
    *,
    today: date,
) -> RoomStatusOut:
    """A room's status as the API shows it, from the columns of its status, room and building."""
    days = rules.days_overdue(next_visit_due, today)
    return RoomStatusOut(
        room_id=room_id,
        house_code=house_code,
        room_no=room_no,
        building_id=building_id,
        address=door_address(road, lane, number, room_no),
        area=area,
        state=RoomState(state),
        last_visit_at=last_visit_at,
        next_visit_due=next_visit_due,
        due_provisional=due_provisional,
        overdue=days > 0,
        days_overdue=days,
        refusal_flagged=refusal_flagged_at is not None,
    )


def work_list(
    session: Session, areas: list[str], *, today: date, horizon_days: int, limit: int, offset: int = 0
) -> list[RoomStatusOut]:
    """Rooms due or overdue in `areas` (deadline within `horizon_days`, or waiting without a deadline), most urgent
    first."""
    from collection.places.models import Building, Room

    if not areas:
        return []
    waiting = [state.value for state in rules.NEEDS_WORK]
    condition = and_(
        col(RoomStatus.area).in_(areas),
        or_(
            col(RoomStatus.next_visit_due) <= today + timedelta(days=horizon_days),
            and_(col(RoomStatus.next_visit_due).is_(None), col(RoomStatus.state).in_(waiting)),
        ),
    )
    # Rank in SQL with a LIMIT (an area may hold thousands of never-visited rooms) and read plain columns of the page
    # in the same statement: a collector's phone asks for this list all day. The buckets mirror
    # rules.work_list_rank; test_visits_api checks the order through the API.
    due = col(RoomStatus.next_visit_due)
    bucket = case((due < today, 0), (due == today, 1), (due.is_(None), 2), else_=3)
    ranked = (
        select(
            RoomStatus.room_id,
            RoomStatus.area,
            RoomStatus.state,
            RoomStatus.last_visit_at,
            RoomStatus.next_visit_due,
            RoomStatus.due_provisional,
            RoomStatus.refusal_flagged_at,
            Room.house_code,
            Room.room_no,
            Building.id,
            Building.road,
            Building.lane,
            Building.number,
        )
        .join(Room, col(Room.id) == col(RoomStatus.room_id))
        .join(Building, col(Building.id) == col(Room.building_id))
        .where(condition)
        .order_by(bucket, due, col(RoomStatus.room_id))
        .limit(limit)
        .offset(offset)
    )
    return [room_status_out(*row, today=today) for row in session.exec(ranked).all()]


# --- the overdue scan -----------------------------------------------------------------------------------------------


def scan_overdue(session: Session, *, today: date, batch_size: int = 5000) -> Counter[str]:
    """Publish visit.overdue once for every deadline that passed and was not reported; return the overdue rooms per
    area (all of them, reported now or before).

    One UPDATE marks every newly missed deadline as reported and returns those rows, so the rows marked are exactly
    the rows reported even if a visit changes a deadline meanwhile, and the table is read once (a cold start after a
    migration can find 100,000+ missed deadlines at once). On PostgreSQL the events are built by the database in the
    same statement; elsewhere (the embedded SQLite) in Python, in batches."""
    overdue_per_area: Counter[str] = Counter(
        dict(
            session.exec(
                select(RoomStatus.area, func.count())
                .where(col(RoomStatus.next_visit_due) < today)
                .group_by(RoomStatus.area)
            ).all()
        )
    )
    if session.connection().dialect.name == "postgresql":
        enqueue_selected(session, VISIT_OVERDUE, _overdue_events_selected(today))
    else:
        _enqueue_overdue_events(session, today, batch_size)
    session.flush()
    return overdue_per_area


def _mark_missed_deadlines(today: date) -> Update:
    """UPDATE room_status: mark each deadline that passed and was not reported yet as reported, returning the room,
    its area, the deadline, the state and the house code."""
    from collection.places.models import Room

    return (
        update(RoomStatus)
        .where(
            col(RoomStatus.next_visit_due) < today,
            or_(
                col(RoomStatus.overdue_reported_due).is_(None),
                col(RoomStatus.overdue_reported_due) != col(RoomStatus.next_visit_due),
            ),
        )
        .values(overdue_reported_due=RoomStatus.next_visit_due)
        .returning(
            RoomStatus.room_id,
            RoomStatus.area,
            RoomStatus.next_visit_due,
            RoomStatus.state,
            select(Room.house_code)
            .where(col(Room.id) == col(RoomStatus.room_id))
            .scalar_subquery()
            .label("house_code"),
        )
        .execution_options(synchronize_session=False)
    )


def _overdue_events_selected(today: date) -> Select[Any]:
    """The VisitOverdue payloads as PostgreSQL JSON, one per newly missed deadline (the Python twin is
    _enqueue_overdue_events; test_overdue_scan_postgres checks both give the same payloads)."""
    from collection.places.models import Area, AreaCollector

    marked = _mark_missed_deadlines(today).cte("marked")
    first_collector = (
        select(AreaCollector.area, func.min(AreaCollector.collector_sub).label("collector_sub"))
        .group_by(AreaCollector.area)
        .subquery("first_collector")
    )
    payload = func.json_build_object(
        "room_id", marked.c.room_id,
        "house_code", marked.c.house_code,
        "town", Area.town,
        "area", marked.c.area,
        "grid", Area.grid,
        "collector", func.coalesce(first_collector.c.collector_sub, UNASSIGNED),
        "due_date", marked.c.next_visit_due,
        "days_overdue", literal(today, Date) - marked.c.next_visit_due,
        "reason", case((marked.c.state.in_([reason.value for reason in RevisitReason]), marked.c.state), else_=None),
    )  # fmt: skip
    return select(cast(marked.c.room_id, String).label("event_key"), cast(payload, Text).label("payload")).select_from(
        marked.join(Area, col(Area.code) == marked.c.area).outerjoin(
            first_collector, first_collector.c.area == marked.c.area
        )
    )


def _enqueue_overdue_events(session: Session, today: date, batch_size: int) -> None:
    from collection.places.models import Area, AreaCollector

    newly_missed = session.execute(_mark_missed_deadlines(today)).all()
    if not newly_missed:
        return
    areas = {area.code: area for area in session.exec(select(Area)).all()}
    collectors: dict[str, str] = {}
    for assignment in session.exec(select(AreaCollector).order_by(AreaCollector.collector_sub)).all():
        collectors.setdefault(assignment.area, assignment.collector_sub)
    reasons = {reason.value: reason for reason in RevisitReason}
    for start in range(0, len(newly_missed), batch_size):
        batch = newly_missed[start : start + batch_size]
        events: list[tuple[BaseModel, str]] = []
        for room_id, area_code, due, state, house_code in batch:
            area = areas[area_code]
            payload = VisitOverdue(
                room_id=room_id,
                house_code=house_code,
                town=area.town,
                area=area_code,
                grid=area.grid,
                collector=collectors.get(area_code, UNASSIGNED),
                due_date=due,
                days_overdue=rules.days_overdue(due, today),
                reason=reasons.get(state),
            )
            events.append((payload, str(room_id)))
        enqueue_many(session, VISIT_OVERDUE, events)
