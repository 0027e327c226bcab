"""Database reads and writes of residence registrations: 不重复 (one active registration per person), history,
encryption of personal information, masked output and audited disclosure."""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, insert, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from collection.places.models import Area, Building, Room, Town
from collection.registrations import rules
from collection.registrations.events import (
    REGISTRATION_DEREGISTERED,
    REGISTRATION_REGISTERED,
    RegistrationDeregistered,
    RegistrationRegistered,
)
from collection.registrations.models import (
    DuplicateDetection,
    DuplicateKind,
    DuplicateResolution,
    GuardianOut,
    HouseholdAddressOut,
    Registration,
    RegistrationChannel,
    RegistrationIn,
    RegistrationOut,
    RegistrationStatus,
)
from collection.tables import metadata
from jiading_shared.auth import Principal
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import FieldError, ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.pii import (
    EncryptedColumn,
    PiiVault,
    declare_encrypted_columns,
    mask_id_number,
    mask_mobile,
    mask_name,
    record_pii_access,
)

CONTEXT = "collection.registration"
PII_FIELDS = ("id_number", "landline", "mobile", "guardian.id_number")
declare_encrypted_columns(
    metadata,
    *(
        EncryptedColumn("registration", f"{field}_cipher", f"{CONTEXT}.{field}")
        for field in ("id_number", "landline", "mobile", "guardian_id_number")
    ),
)
MOVED = "registered at a new address (不重复)"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoomPlace:
    room: Room
    building: Building
    area: Area
    town: Town

    @property
    def address(self) -> str:
        """居住地址 (DB 31114/Z 001-2025 A.2.1, 表 A.1 "区/县 街道/镇 路 弄 号 室"): the 街道/镇 by its name."""
        b = self.building
        lane = f"{b.lane}弄" if b.lane else ""
        return f"{b.district} {self.town.name} {b.road}{lane}{b.number}号{self.room.room_no}室"


def place_of_room(session: Session, room_id: uuid.UUID) -> RoomPlace | None:
    room = session.get(Room, room_id)
    if room is None:
        return None
    building = session.get(Building, room.building_id)
    area = session.get(Area, building.area) if building else None
    town = session.get(Town, area.town) if area else None
    if building is None or area is None or town is None:
        return None
    return RoomPlace(room, building, area, town)


def place_of_house_code(session: Session, house_code: str) -> RoomPlace | None:
    room_id = session.exec(select(Room.id).where(Room.house_code == house_code)).first()
    return place_of_room(session, room_id) if room_id else None


def form_problems(data: RegistrationIn, today: date) -> list[FieldError]:
    guardian = data.guardian
    facts = rules.FormFacts(
        has_id_number=data.id_number is not None,
        residence_reason=data.residence_reason,
        residence_reason_other=data.residence_reason_other,
        guardian_name=guardian.name if guardian else None,
        guardian_id_number=guardian.id_number if guardian else None,
        guardian_relation=guardian.relation if guardian else None,
        guardian_household_address=guardian.household_address if guardian else None,
        filled_on=data.filled_on,
        person_category=data.person_category,
        household_province=data.household_address.province,
    )
    return [
        FieldError(field=f"body.{field}", message=reason) for field, reason in rules.cross_field_problems(facts, today)
    ]


def person_key(vault: PiiVault, data: RegistrationIn) -> str:
    """Who the person is, for 不重复: the blind index of the ID number; for a person without one, of the guardian's ID
    number together with the person's name."""
    if data.id_number:
        return vault.blind_index(data.id_number, kind="id_number")
    assert data.guardian is not None
    assert data.guardian.id_number is not None
    return vault.blind_index(f"{data.guardian.id_number}|{data.name}", kind="ward")


def build_registration(
    vault: PiiVault,
    data: RegistrationIn,
    place: RoomPlace,
    *,
    channel: RegistrationChannel,
    registered_by: str,
    now: datetime,
) -> Registration:
    """The row for a valid form, personal information sealed (no database access)."""
    return Registration(
        **registration_values(vault, data, place, channel=channel, registered_by=registered_by, now=now)
    )


def registration_values(
    vault: PiiVault,
    data: RegistrationIn,
    place: RoomPlace,
    *,
    channel: RegistrationChannel,
    registered_by: str,
    now: datetime,
) -> dict[str, Any]:
    """The column values of the row for a valid form, personal information sealed. The bulk import inserts these
    directly: building an ORM object per row cost half of the import's time."""
    id_cipher = id_index = birth = None
    if data.id_number:
        id_cipher, id_index = vault.protect(data.id_number, "id_number", f"{CONTEXT}.id_number")
        birth = rules.birth_date_of(data.id_number)  # the number was checked when the form was parsed
    guardian = data.guardian
    guardian_cipher = guardian_index = None
    if guardian and guardian.id_number:
        guardian_cipher, guardian_index = vault.protect(
            guardian.id_number, "id_number", f"{CONTEXT}.guardian_id_number"
        )
    mobile_cipher = mobile_index = None
    if data.mobile:
        mobile_cipher, mobile_index = vault.protect(data.mobile, "mobile", f"{CONTEXT}.mobile")
    return dict(
        id=uuid.uuid4(),
        room_id=place.room.id,
        area=place.area.code,
        form_no=data.form_no,
        person_category=data.person_category.value,
        name=data.name,
        id_number_cipher=id_cipher,
        id_number_index=id_index,
        birth_date=birth,
        ethnicity=data.ethnicity.value,
        household_province=data.household_address.province,
        household_city=data.household_address.city,
        household_detail=data.household_address.detail,
        education=data.education.value if data.education else None,
        residence_type=data.residence_type.value,
        residence_reason=data.residence_reason.value,
        residence_reason_other=data.residence_reason_other,
        landline_cipher=vault.cipher.encrypt(data.landline, context=f"{CONTEXT}.landline") if data.landline else None,
        mobile_cipher=mobile_cipher,
        mobile_index=mobile_index,
        photo_collected=data.photo_collected,
        filled_by=data.filled_by,
        filled_on=data.filled_on,
        guardian_name=guardian.name if guardian else None,
        guardian_id_number_cipher=guardian_cipher,
        guardian_id_number_index=guardian_index,
        guardian_relation=guardian.relation if guardian else None,
        guardian_household_address=guardian.household_address if guardian else None,
        status=RegistrationStatus.ACTIVE.value,
        person_key=person_key(vault, data),
        channel=channel.value,
        registered_by=registered_by,
        registered_at=now,
    )


def register(
    session: Session,
    vault: PiiVault,
    data: RegistrationIn,
    place: RoomPlace,
    *,
    channel: RegistrationChannel,
    registered_by: str,
    today: date,
) -> Registration:
    """Register the person at the room. An active registration of the same person at another room is deregistered
    (with a link to the new one, so the history stays); at the same room it is a duplicate (409). Either way the
    duplicate is recorded for the coverage report (不重复)."""
    if data.action is not rules.RegistrationAction.REGISTER:
        # DB 31114/Z 001-2025 A.2.3: a form with 注销 ticked ends a registration; it never creates one.
        raise field_error(422, "body.action", "only a 登记 form registers a person; 注销 ends a registration")
    problems = form_problems(data, today)
    if problems:
        raise ProblemError(
            422, "validation-error", "; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems
        )
    now = datetime.now(UTC)
    row = build_registration(vault, data, place, channel=channel, registered_by=registered_by, now=now)
    assert row.person_key is not None
    previous = session.exec(
        select(Registration).where(Registration.person_key == row.person_key).with_for_update()
    ).first()
    field = "body.id_number" if data.id_number else "body.guardian.id_number"
    if previous is not None and previous.room_id == place.room.id:
        record_refused_duplicate(
            session,
            detection_values(
                place,
                row.person_key,
                DuplicateKind.SAME_ROOM,
                channel=channel,
                by=registered_by,
                now=now,
                existing=previous.id,
                resolution=DuplicateResolution.REFUSED,
            ),
        )
        raise ProblemError(
            409,
            "already-registered",
            f"the person already has an active registration {previous.id} at this room",
            errors=[FieldError(field=field, message=f"already registered here as {previous.id}")],
        )
    if previous is not None:
        end_registration(session, previous, by=registered_by, reason=MOVED, superseded_by=row.id, now=now)

    def concurrent_conflict() -> ProblemError:
        record_refused_duplicate(
            session,
            detection_values(
                place,
                row.person_key or "",
                DuplicateKind.CONCURRENT,
                channel=channel,
                by=registered_by,
                now=now,
                resolution=DuplicateResolution.REFUSED,
            ),
        )
        return field_error(409, field, "registered concurrently by someone else; try again", slug="already-registered")

    with conflict_on_unique_violation(session, concurrent_conflict):
        session.add(row)
        session.flush()
    if previous is not None:
        # The move resolves the duplicate in this very transaction: recorded with it, undone with it.
        session.add(
            DuplicateDetection(
                **detection_values(
                    place,
                    row.person_key,
                    DuplicateKind.NEW_ADDRESS,
                    channel=channel,
                    by=registered_by,
                    now=now,
                    existing=previous.id,
                    resolution=DuplicateResolution.MOVED,
                )
            )
        )
    resolve_import_repeats(session, [row.person_key], now)
    enqueue(
        session,
        REGISTRATION_REGISTERED,
        RegistrationRegistered(
            registration_id=row.id,
            room_id=place.room.id,
            house_code=place.room.house_code,
            town=place.area.town,
            area=place.area.code,
            person_category=row.person_category,
            channel=row.channel,
            registered_at=now,
        ),
        key=str(row.id),
    )
    return row


# --- duplicates found (不重复, DB 31114/Z 001-2025 6.1) ------------------------------------------------------------

_PENDING_DETECTIONS = "collection.registrations.pending_duplicate_detections"
_LISTENING = "collection.registrations.detections_listener"


def detection_values(
    place: RoomPlace,
    person: str,
    kind: DuplicateKind,
    *,
    channel: RegistrationChannel,
    by: str,
    now: datetime,
    existing: uuid.UUID | None = None,
    resolution: DuplicateResolution | None = None,
) -> dict[str, Any]:
    return dict(
        id=uuid.uuid4(),
        area=place.area.code,
        room_id=place.room.id,
        person_key=person,
        kind=kind.value,
        channel=channel.value,
        existing_registration_id=existing,
        detected_by=by,
        detected_at=now,
        resolution=resolution.value if resolution else None,
        resolved_at=now if resolution else None,
    )


def record_refused_duplicate(session: Session, values: dict[str, Any]) -> None:
    """Record a duplicate whose refusal (409, or a refused import) rolls the caller's transaction back, so that the
    coverage report still counts it. It is written in its own short transaction once the caller's transaction has
    ended (after_transaction_end): inside that transaction the rollback would lose it, and a second connection could
    not write before it ends (on SQLite the request holds the write lock from BEGIN IMMEDIATE)."""
    session.info.setdefault(_PENDING_DETECTIONS, []).append(values)
    if not session.info.get(_LISTENING):
        event.listen(session, "after_transaction_end", _write_pending_detections)
        session.info[_LISTENING] = True


def _write_pending_detections(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint ended, not the caller's transaction
        return
    pending = session.info.pop(_PENDING_DETECTIONS, None)
    if not pending:
        return
    try:
        with session.get_bind().engine.begin() as connection:
            connection.execute(insert(DuplicateDetection.__table__), pending)  # type: ignore[attr-defined]
    except SQLAlchemyError:
        # A lost count must not turn the refusal the caller is getting into a server error.
        logger.exception("could not record %d duplicate registration(s) found", len(pending))


def resolve_import_repeats(session: Session, person_keys: Sequence[str], now: datetime) -> None:
    """A person found twice in a refused import is resolved once they are registered (once)."""
    table = DuplicateDetection.__table__  # type: ignore[attr-defined]
    for start in range(0, len(person_keys), 5000):
        session.execute(
            update(table)
            .where(table.c.person_key.in_(person_keys[start : start + 5000]), table.c.resolution.is_(None))
            .values(resolution=DuplicateResolution.REGISTERED_ONCE.value, resolved_at=now)
        )


def end_registration(
    session: Session,
    row: Registration,
    *,
    by: str,
    reason: str,
    superseded_by: uuid.UUID | None = None,
    now: datetime | None = None,
) -> None:
    if row.status != RegistrationStatus.ACTIVE.value:
        raise ProblemError(409, "not-active", f"registration {row.id} is already deregistered")
    now = now or datetime.now(UTC)
    row.status = RegistrationStatus.DEREGISTERED.value
    row.person_key = None
    row.deregistered_by = by
    row.deregistered_at = now
    row.deregistration_reason = reason
    row.superseded_by = superseded_by
    session.add(row)
    session.flush()
    place = place_of_room(session, row.room_id)
    assert place is not None
    enqueue(
        session,
        REGISTRATION_DEREGISTERED,
        RegistrationDeregistered(
            registration_id=row.id,
            room_id=row.room_id,
            house_code=place.room.house_code,
            town=place.area.town,
            area=place.area.code,
            reason=reason,
            superseded_by=superseded_by,
            deregistered_at=now,
        ),
        key=str(row.id),
    )


def active_registration_of(session: Session, vault: PiiVault, data: RegistrationIn) -> Registration | None:
    return session.exec(select(Registration).where(Registration.person_key == person_key(vault, data))).first()


def find_by_id_number(
    session: Session, vault: PiiVault, id_number: str, areas: Sequence[str] | None
) -> list[Registration]:
    """Every registration (history included) of the person with this exact ID number, newest first."""
    try:
        index = vault.blind_index(id_number, kind="id_number")
    except ValueError:
        return []
    query = select(Registration).where(Registration.id_number_index == index)
    if areas is not None:
        query = query.where(col(Registration.area).in_(list(areas)))
    return list(session.exec(query.order_by(col(Registration.registered_at).desc())).all())


def registrations_of_room(session: Session, room_id: uuid.UUID, *, active_only: bool) -> list[Registration]:
    query = select(Registration).where(Registration.room_id == room_id)
    if active_only:
        query = query.where(Registration.status == RegistrationStatus.ACTIVE.value)
    return list(session.exec(query.order_by(col(Registration.registered_at).desc())).all())


def link_registrations_to_visit(
    session: Session, visit_id: uuid.UUID, room_id: uuid.UUID, registration_ids: Sequence[uuid.UUID]
) -> None:
    """A `collected` visit names the registrations made during it: they must be active registrations of the room."""
    for position, registration_id in enumerate(registration_ids):
        row = session.get(Registration, registration_id)
        if row is None or row.room_id != room_id or row.status != RegistrationStatus.ACTIVE.value:
            raise field_error(422, f"body.registration_ids.{position}", "not an active registration of this room")
        row.visit_id = visit_id
        session.add(row)
    session.flush()


# --- output ---------------------------------------------------------------------------------------------------------


def disclose(
    session: Session, vault: PiiVault, row: Registration, principal: Principal, purpose: str, request_id: str | None
) -> RegistrationOut:
    """The registration unmasked, after writing the access record in the same transaction."""
    fields = [
        field
        for field, cipher in (
            ("id_number", row.id_number_cipher),
            ("landline", row.landline_cipher),
            ("mobile", row.mobile_cipher),
            ("guardian.id_number", row.guardian_id_number_cipher),
        )
        if cipher
    ] + ["name"]
    record_pii_access(
        session,
        tables=metadata.tables["pii_access_audit"],
        actor_sub=principal.sub,
        actor_name=principal.name,
        actor_roles=sorted(principal.roles),
        purpose=purpose,
        record_type="registration",
        record_id=str(row.id),
        fields=fields,
        request_id=request_id,
    )
    return registration_out(session, vault, row, unmasked=True)


def registration_out(
    session: Session, vault: PiiVault, row: Registration, *, unmasked: bool = False
) -> RegistrationOut:
    place = place_of_room(session, row.room_id)
    assert place is not None

    def reveal(cipher: str | None, field: str, mask: object) -> str | None:
        if cipher is None:
            return None
        plain = vault.open(cipher, context=f"{CONTEXT}.{field}")
        return plain if unmasked else mask(plain)  # type: ignore[operator]

    guardian = None
    if row.guardian_name or row.guardian_id_number_cipher:
        guardian = GuardianOut(
            name=row.guardian_name if unmasked or not row.guardian_name else mask_name(row.guardian_name),
            id_number=reveal(row.guardian_id_number_cipher, "guardian_id_number", mask_id_number),
            relation=row.guardian_relation,
            household_address=row.guardian_household_address,
        )
    ethnicity = rules.Ethnicity(row.ethnicity)
    reason = rules.ResidenceReason(row.residence_reason)
    return RegistrationOut(
        id=row.id,
        form_no=row.form_no,
        room_id=row.room_id,
        house_code=place.room.house_code,
        residence_address=place.address,
        area=row.area,
        person_category=rules.PersonCategory(row.person_category),
        name=row.name if unmasked else mask_name(row.name),
        id_number=reveal(row.id_number_cipher, "id_number", mask_id_number),
        birth_date=row.birth_date,
        ethnicity=ethnicity,
        ethnicity_label=rules.ETHNICITY_LABELS[ethnicity],
        household_address=HouseholdAddressOut(
            province=row.household_province, city=row.household_city, detail=row.household_detail
        ),
        education=rules.Education(row.education) if row.education else None,
        residence_type=rules.ResidenceType(row.residence_type),
        residence_reason=reason,
        residence_reason_label=rules.RESIDENCE_REASON_LABELS[reason],
        residence_reason_other=row.residence_reason_other,
        landline=reveal(row.landline_cipher, "landline", mask_mobile),
        mobile=reveal(row.mobile_cipher, "mobile", mask_mobile),
        photo_collected=row.photo_collected,
        filled_by=row.filled_by,
        filled_on=row.filled_on,
        guardian=guardian,
        status=RegistrationStatus(row.status),
        channel=RegistrationChannel(row.channel),
        visit_id=row.visit_id,
        registered_by=row.registered_by,
        registered_at=row.registered_at,
        deregistered_at=row.deregistered_at,
        deregistration_reason=row.deregistration_reason,
        superseded_by=row.superseded_by,
        masked=not unmasked,
    )


# --- bulk import ----------------------------------------------------------------------------------------------------


def import_registrations(
    session: Session,
    vault: PiiVault,
    forms: Sequence[RegistrationIn],
    *,
    registered_by: str,
    today: date,
    dry_run: bool = False,
) -> list[FieldError]:
    """Register many valid forms at once (channel `import`): all or nothing. Returns the per-row problems (row
    position in the field path); when there are any, nothing is written. Only 登记 forms are imported. A person
    already active elsewhere is moved (the old registration ends, 不重复) exactly as for a single form; a person
    already active at the same room, or listed twice, is refused. Every duplicate found is recorded (not in a dry
    run, which writes nothing)."""
    from jiading_shared.events.outbox import enqueue_many

    problems: list[tuple[int, FieldError]] = []
    places: dict[str, RoomPlace] = {}
    codes = sorted({f.house_code for f in forms})
    for start in range(0, len(codes), 5000):
        found = session.exec(
            select(Room, Building, Area, Town)
            .join(Building, col(Building.id) == col(Room.building_id))
            .join(Area, col(Area.code) == col(Building.area))
            .join(Town, col(Town.code) == col(Area.town))
            .where(col(Room.house_code).in_(codes[start : start + 5000]))
        ).all()
        places.update({room.house_code: RoomPlace(room, building, area, town) for room, building, area, town in found})
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    accepted: dict[str, tuple[int, RegistrationIn, RoomPlace]] = {}  # person key -> the row that registers them
    refused: list[dict[str, Any]] = []

    def detection(place: RoomPlace, key: str, kind: DuplicateKind, **more: Any) -> dict[str, Any]:
        return detection_values(place, key, kind, channel=RegistrationChannel.IMPORT, by=registered_by, now=now, **more)

    for position, data in enumerate(forms):
        if data.action is not rules.RegistrationAction.REGISTER:
            # DB 31114/Z 001-2025 A.2.3: a 注销 form ends a registration; importing it would register the person.
            message = "only 登记 forms can be imported; a 注销 form is submitted on its own"
            problems.append((position, FieldError(field=f"rows.{position}.action", message=message)))
            continue
        place = places.get(data.house_code)
        if place is None:
            message = "no room has this house code"
            problems.append((position, FieldError(field=f"rows.{position}.house_code", message=message)))
            continue
        row_problems = form_problems(data, today)
        problems += [
            (position, FieldError(field=f"rows.{position}.{p.field[5:]}", message=p.message)) for p in row_problems
        ]
        if row_problems:
            continue
        row = registration_values(
            vault, data, place, channel=RegistrationChannel.IMPORT, registered_by=registered_by, now=now
        )
        key = row["person_key"]
        if key in accepted:
            message = f"repeats row {accepted[key][0]}"
            problems.append((position, FieldError(field=f"rows.{position}.id_number", message=message)))
            refused.append(detection(place, key, DuplicateKind.IMPORT_REPEAT))
            continue
        accepted[key] = (position, data, place)
        rows.append(row)
    keys = [row["person_key"] for row in rows]
    previous_by_key: dict[str, Registration] = {}
    for start in range(0, len(keys), 5000):
        active = session.exec(
            select(Registration).where(col(Registration.person_key).in_(keys[start : start + 5000]))
        ).all()
        previous_by_key.update({row.person_key: row for row in active if row.person_key})
    for key, previous in previous_by_key.items():
        position, data, place = accepted[key]
        if previous.room_id == place.room.id:
            field = f"rows.{position}.{'id_number' if data.id_number else 'guardian.id_number'}"
            message = f"already registered at this room as {previous.id}"
            problems.append((position, FieldError(field=field, message=message)))
            refused.append(
                detection(
                    place, key, DuplicateKind.SAME_ROOM, existing=previous.id, resolution=DuplicateResolution.REFUSED
                )
            )
    if dry_run:
        return [problem for _, problem in sorted(problems, key=lambda item: item[0])]
    for values in refused:
        record_refused_duplicate(session, values)
    if problems:
        return [problem for _, problem in sorted(problems, key=lambda item: item[0])]
    new_by_key = {row["person_key"]: row for row in rows}
    moves: list[dict[str, Any]] = []
    for key, previous in previous_by_key.items():
        end_registration(
            session, previous, by=registered_by, reason=MOVED, superseded_by=new_by_key[key]["id"], now=now
        )
        moves.append(
            detection(
                accepted[key][2],
                key,
                DuplicateKind.NEW_ADDRESS,
                existing=previous.id,
                resolution=DuplicateResolution.MOVED,
            )
        )
    places_by_room = {place.room.id: place for place in places.values()}
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        session.execute(insert(Registration), chunk)
        enqueue_many(
            session,
            REGISTRATION_REGISTERED,
            [
                (
                    RegistrationRegistered(
                        registration_id=row["id"],
                        room_id=row["room_id"],
                        house_code=places_by_room[row["room_id"]].room.house_code,
                        town=places_by_room[row["room_id"]].area.town,
                        area=row["area"],
                        person_category=row["person_category"],
                        channel=row["channel"],
                        registered_at=now,
                    ),
                    str(row["id"]),
                )
                for row in chunk
            ],
        )
    if moves:
        session.execute(insert(DuplicateDetection.__table__), moves)  # type: ignore[attr-defined]
    resolve_import_repeats(session, keys, now)
    session.flush()
    return []
