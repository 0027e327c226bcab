"""The coverage report: a few grouped counts per area, summed per town."""

from collections import defaultdict
from datetime import date

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from collection.places.models import Area
from collection.registrations.models import DuplicateDetection, Registration, RegistrationStatus
from collection.reports.models import AreaCoverage, Coverage, CoverageReport, TownCoverage
from collection.visits.models import RoomState, RoomStatus

COUNTED = tuple(Coverage.model_fields)


def coverage(session: Session, areas: list[str] | None, today: date) -> CoverageReport:
    def state_is(state: RoomState) -> object:
        return func.sum(case((col(RoomStatus.state) == state.value, 1), else_=0))

    room_query = select(
        RoomStatus.area,
        func.count(),
        state_is(RoomState.COLLECTED),
        state_is(RoomState.VACANT),
        state_is(RoomState.NEVER_VISITED),
        func.sum(case((col(RoomStatus.next_visit_due) < today, 1), else_=0)),
    ).group_by(RoomStatus.area)
    registration_query = select(
        Registration.area,
        func.sum(case((col(Registration.status) == RegistrationStatus.ACTIVE.value, 1), else_=0)),
    ).group_by(Registration.area)
    duplicate_query = select(
        DuplicateDetection.area,
        func.count(),
        func.sum(case((col(DuplicateDetection.resolution).is_not(None), 1), else_=0)),
    ).group_by(DuplicateDetection.area)
    area_query = select(Area).order_by(Area.code)
    if areas is not None:
        room_query = room_query.where(col(RoomStatus.area).in_(areas))
        registration_query = registration_query.where(col(Registration.area).in_(areas))
        duplicate_query = duplicate_query.where(col(DuplicateDetection.area).in_(areas))
        area_query = area_query.where(col(Area.code).in_(areas))

    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    for area, total, collected, vacant, never, overdue in session.exec(room_query).all():  # type: ignore[call-overload]
        counts[area].update(
            rooms_total=total,
            collected=collected or 0,
            vacant=vacant or 0,
            never_visited=never or 0,
            visited=total - (never or 0),
            overdue=overdue or 0,
        )
    for area, active in session.exec(registration_query).all():  # type: ignore[call-overload]
        counts[area].update(active_registrations=active or 0)
    for area, found, resolved in session.exec(duplicate_query).all():  # type: ignore[call-overload]
        counts[area].update(duplicates_found=found, duplicates_resolved=resolved or 0)

    area_rows = [
        AreaCoverage(area=a.code, committee=a.committee, town=a.town, **counts[a.code])
        for a in session.exec(area_query).all()
    ]
    towns: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    for row in area_rows:
        for field in COUNTED:
            towns[row.town][field] += getattr(row, field)
    return CoverageReport(
        as_of=today,
        areas=area_rows,
        towns=[TownCoverage(town=town, **values) for town, values in sorted(towns.items())],
    )
