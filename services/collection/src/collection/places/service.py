"""Database reads and writes of the places hierarchy, buildings and rooms (no HTTP here beyond the problems a caller
can act on)."""

import uuid
from datetime import UTC, datetime

from sqlmodel import Session, col, delete, select

from collection.places.events import (
    BUILDING_REGISTERED,
    ROOM_CERTIFICATE_UPDATED,
    BuildingRegistered,
    RegisteredRoom,
    RoomCertificateUpdated,
)
from collection.places.models import (
    Area,
    AreaCollector,
    AreaIn,
    AreaOut,
    Building,
    BuildingIn,
    BuildingOut,
    CollectorIn,
    CollectorOut,
    Committee,
    CommitteeIn,
    CommitteeOut,
    Room,
    RoomCertificateIn,
    RoomOut,
    SketchOut,
    Town,
    TownIn,
    TownOut,
)
from collection.places.rules import repeated_positions
from collection.visits.service import start_tracking_rooms
from jiading_shared.blobs import BlobStore
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.pii import mask_name

# DB 31114/Z 002-2025 6.1: the sketch is a simple drawing or a photo of one; a scanned PDF is accepted too.
SKETCH_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf"})
SKETCH_MAX_BYTES = 5 * 1024 * 1024


# --- towns, committees, areas ---------------------------------------------------------------------------------------


def create_town(session: Session, data: TownIn) -> TownOut:
    _reject_existing(session, Town, data.code, "body.code", "town")
    session.add(Town(**data.model_dump()))
    session.flush()
    return TownOut(**data.model_dump())


def create_committee(session: Session, data: CommitteeIn) -> CommitteeOut:
    _reject_existing(session, Committee, data.code, "body.code", "committee")
    if session.get(Town, data.town) is None:
        raise field_error(422, "body.town", f"no town {data.town}")
    session.add(Committee(**data.model_dump()))
    session.flush()
    return CommitteeOut(**data.model_dump())


def create_area(session: Session, data: AreaIn) -> AreaOut:
    _reject_existing(session, Area, data.code, "body.code", "area")
    committee = session.get(Committee, data.committee)
    if committee is None:
        raise field_error(422, "body.committee", f"no committee {data.committee}")
    area = Area(**data.model_dump(), town=committee.town)
    session.add(area)
    session.flush()
    return area_out(session, area)


def list_towns(session: Session) -> list[TownOut]:
    return [TownOut(code=t.code, name=t.name) for t in session.exec(select(Town).order_by(Town.code)).all()]


def list_committees(session: Session, town: str | None) -> list[CommitteeOut]:
    query = select(Committee).order_by(Committee.code)
    if town:
        query = query.where(Committee.town == town)
    return [CommitteeOut(code=c.code, name=c.name, town=c.town) for c in session.exec(query).all()]


def list_areas(session: Session, codes: list[str] | None) -> list[AreaOut]:
    query = select(Area).order_by(Area.code)
    if codes is not None:
        query = query.where(col(Area.code).in_(codes))
    return [area_out(session, area) for area in session.exec(query).all()]


def area_out(session: Session, area: Area) -> AreaOut:
    collectors = session.exec(
        select(AreaCollector).where(AreaCollector.area == area.code).order_by(AreaCollector.collector_sub)
    ).all()
    return AreaOut(
        **area.model_dump(),
        collectors=[CollectorOut(sub=c.collector_sub, name=c.collector_name) for c in collectors],
    )


def assign_collectors(session: Session, area: Area, collectors: list[CollectorIn]) -> AreaOut:
    """Replace the area's collectors with `collectors`."""
    subs = [collector.sub for collector in collectors]
    repeats = repeated_positions(subs)
    if repeats:
        position, first = repeats[0]
        raise field_error(422, f"body.collectors.{position}.sub", f"repeats collectors.{first}.sub")
    session.exec(delete(AreaCollector).where(col(AreaCollector.area) == area.code))  # type: ignore[call-overload]
    now = datetime.now(UTC)
    session.add_all(
        AreaCollector(area=area.code, collector_sub=c.sub, collector_name=c.name, assigned_at=now) for c in collectors
    )
    session.flush()
    return area_out(session, area)


def _reject_existing(session: Session, table: type, code: str, field: str, what: str) -> None:
    if session.get(table, code) is not None:
        raise field_error(409, field, f"{what} {code} already exists", slug=f"{what}-exists")


# --- buildings and rooms --------------------------------------------------------------------------------------------


def register_building(session: Session, data: BuildingIn, area: Area, *, registered_by: str) -> BuildingOut:
    """Store the building and its rooms and queue `building.registered`, all in the caller's transaction."""
    _reject_repeated_rooms(data)
    if data.town is not None and data.town != area.town:
        raise field_error(422, "body.town", f"area {area.code} lies in town {area.town}")
    if data.committee is not None and data.committee != area.committee:
        raise field_error(422, "body.committee", f"area {area.code} belongs to committee {area.committee}")
    building = Building(
        **data.model_dump(exclude={"rooms", "town", "committee"}),
        town=area.town,
        committee=area.committee,
        registered_by=registered_by,
        registered_at=datetime.now(UTC),
    )
    rooms = [Room(building_id=building.id, **room.model_dump()) for room in data.rooms]
    with conflict_on_unique_violation(session, lambda: _house_code_conflict(session, data)):
        session.add(building)
        session.flush()
        session.add_all(rooms)
        session.flush()
    start_tracking_rooms(session, [room.id for room in rooms], area=area.code)
    result = building_out(building, rooms)
    payload = BuildingRegistered(
        building_id=building.id,
        district=building.district,
        town=building.town,
        committee=building.committee,
        area=building.area,
        road=building.road,
        lane=building.lane,
        number=building.number,
        is_legal=building.is_legal,
        rooms=[RegisteredRoom(room_no=room.room_no, house_code=room.house_code) for room in rooms],
        registered_by=registered_by,
        registered_at=building.registered_at,
    )
    enqueue(session, BUILDING_REGISTERED, payload, key=str(building.id))
    return result


def get_building_row(session: Session, building_id: uuid.UUID) -> Building | None:
    return session.get(Building, building_id)


def get_building(session: Session, building: Building) -> BuildingOut:
    rooms = session.exec(select(Room).where(Room.building_id == building.id).order_by(Room.room_no)).all()
    return building_out(building, list(rooms))


def store_sketch(session: Session, blobs: BlobStore, building: Building, data: bytes, *, uploaded_by: str) -> SketchOut:
    """Check and store the room layout sketch; the row keeps its checksum, type and size."""
    stored = blobs.put(data, field="body", allowed_types=SKETCH_TYPES, max_bytes=SKETCH_MAX_BYTES)
    building.sketch_sha256 = stored.sha256
    building.sketch_content_type = stored.content_type
    building.sketch_size = stored.size
    building.sketch_uploaded_by = uploaded_by
    building.sketch_uploaded_at = datetime.now(UTC)
    session.add(building)
    session.flush()
    sketch = _sketch_out(building)
    assert sketch is not None
    return sketch


def get_room_row(session: Session, room_id: uuid.UUID) -> tuple[Room, Building] | None:
    room = session.get(Room, room_id)
    building = session.get(Building, room.building_id) if room else None
    if room is None or building is None:
        return None
    return room, building


def update_room_certificate(
    session: Session, room: Room, building: Building, data: RoomCertificateIn, *, updated_by: str
) -> RoomOut:
    """Set the fields sent of the room's 权证信息 (002 6.3); queue `building.room_certificate_updated` when any
    value changed, naming the fields and who changed them (the room table keeps no history)."""
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        raise field_error(422, "body", "send at least one of certificate_no, certificate_holder, floor_area_m2")
    changed = sorted(name for name, value in changes.items() if getattr(room, name) != value)
    for name, value in changes.items():
        setattr(room, name, value)
    session.add(room)
    session.flush()
    if changed:
        payload = RoomCertificateUpdated(
            building_id=building.id,
            room_id=room.id,
            room_no=room.room_no,
            house_code=room.house_code,
            area=building.area,
            changed=changed,
            updated_by=updated_by,
            updated_at=datetime.now(UTC),
        )
        enqueue(session, ROOM_CERTIFICATE_UPDATED, payload, key=str(building.id))
    return room_out(room)


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


def _sketch_out(building: Building) -> SketchOut | None:
    if building.sketch_sha256 is None:
        return None
    return SketchOut(
        sha256=building.sketch_sha256,
        content_type=building.sketch_content_type or "",
        size=building.sketch_size or 0,
        uploaded_by=building.sketch_uploaded_by or "",
        uploaded_at=building.sketch_uploaded_at or building.registered_at,
    )


def room_out(room: Room) -> RoomOut:
    return RoomOut(
        id=room.id,
        room_no=room.room_no,
        house_code=room.house_code,
        certificate_no=room.certificate_no,
        certificate_holder=mask_name(room.certificate_holder) if room.certificate_holder else None,
        floor_area_m2=room.floor_area_m2,
    )


def building_out(building: Building, rooms: list[Room]) -> BuildingOut:
    return BuildingOut(
        **building.model_dump(
            exclude={
                "sketch_sha256",
                "sketch_content_type",
                "sketch_size",
                "sketch_uploaded_by",
                "sketch_uploaded_at",
            }
        ),
        rooms=[room_out(room) for room in rooms],
        sketch=_sketch_out(building),
    )
