"""Database reads and writes of buildings and rooms (no HTTP here beyond the problems a caller can act on)."""

import uuid
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from collection.places.events import BUILDING_REGISTERED, BuildingRegistered
from collection.places.models import Building, BuildingIn, BuildingOut, Room, RoomOut
from collection.places.rules import repeated_positions
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue


def register_building(session: Session, data: BuildingIn, *, registered_by: str) -> BuildingOut:
    """Store the building and its rooms and queue `building.registered`, all in the caller's transaction."""
    _reject_repeated_rooms(data)
    building = Building(
        **data.model_dump(exclude={"rooms"}), registered_by=registered_by, registered_at=datetime.now(UTC)
    )
    rooms = [Room(building_id=building.id, **room.model_dump()) for room in data.rooms]
    with conflict_on_unique_violation(session, lambda: _house_code_conflict(session, data)):
        session.add(building)
        session.flush()
        session.add_all(rooms)
        session.flush()
    result = _building_out(building, rooms)
    payload = BuildingRegistered.model_validate({**result.model_dump(exclude={"id"}), "building_id": result.id})
    enqueue(session, BUILDING_REGISTERED, payload, key=str(result.id))
    return result


def get_building(session: Session, building_id: uuid.UUID) -> BuildingOut | None:
    building = session.get(Building, building_id)
    if building is None:
        return None
    rooms = session.exec(select(Room).where(Room.building_id == building_id).order_by(Room.room_no)).all()
    return _building_out(building, list(rooms))


def _reject_repeated_rooms(data: BuildingIn) -> None:
    for field in ("room_no", "house_code"):
        repeats = repeated_positions([getattr(room, field) for room in data.rooms])
        if repeats:
            position, first = repeats[0]
            raise field_error(422, f"body.rooms.{position}.{field}", f"repeats rooms.{first}.{field}")


def _house_code_conflict(session: Session, data: BuildingIn) -> ProblemError | None:
    codes = [room.house_code for room in data.rooms]
    taken = set(session.exec(select(Room.house_code).where(col(Room.house_code).in_(codes))).all())
    for position, code in enumerate(codes):
        if code in taken:
            return field_error(
                409,
                f"body.rooms.{position}.house_code",
                f"house code {code} is already registered",
                slug="house-code-taken",
            )
    return None


def _building_out(building: Building, rooms: list[Room]) -> BuildingOut:
    return BuildingOut(
        **building.model_dump(),
        rooms=[RoomOut(room_no=room.room_no, house_code=room.house_code) for room in rooms],
    )
