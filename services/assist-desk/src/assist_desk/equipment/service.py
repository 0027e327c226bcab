"""Database reads and writes of devices and their checks."""

import uuid
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from assist_desk.equipment.models import CheckIn, CheckOut, Device, DeviceCheck, DeviceIn, DeviceOut
from assist_desk.equipment.rules import (
    CheckKind,
    CheckResult,
    DeviceKind,
    daily_check_missed,
    monthly_inspection_missed,
)
from assist_desk.time_limits.rules import to_local
from jiading_shared.errors import field_error
from jiading_shared.workdays import WorkdayCalendar


def add_device(session: Session, institution_id: uuid.UUID, data: DeviceIn) -> Device:
    device = Device(
        institution_id=institution_id,
        **data.model_dump(warnings=False),
        status=CheckResult.OK,
        created_at=datetime.now(UTC),
    )
    session.add(device)
    session.flush()
    return device


def record_check(session: Session, device: Device, data: CheckIn, *, checked_by: str, today: date) -> CheckOut:
    if data.checked_on > today:
        raise field_error(422, "body.checked_on", "a check cannot be recorded for a future day")
    if data.checked_on < device.in_service_since:
        raise field_error(422, "body.checked_on", "the device was not in service yet")
    check = DeviceCheck(
        device_id=device.id, **data.model_dump(warnings=False), checked_by=checked_by, recorded_at=datetime.now(UTC)
    )
    session.add(check)
    # The newest check of either kind decides the device's status: a late entry for an older day, daily or monthly,
    # neither clears a failure nor raises one (8.3). On the same day the one recorded last wins (a re-check after a
    # repair).
    if data.checked_on >= status_checked_on(device):
        device.status = data.result
    if data.kind is CheckKind.DAILY:
        device.last_daily_check_on = max(data.checked_on, device.last_daily_check_on or data.checked_on)
    else:
        device.last_monthly_inspection_on = max(data.checked_on, device.last_monthly_inspection_on or data.checked_on)
    session.add(device)
    session.flush()
    return CheckOut.model_validate(check.model_dump(warnings=False))


def status_checked_on(device: Device) -> date:
    """The day of the check that set the device's status: the newest of either kind (before any: in service)."""
    days = [day for day in (device.last_daily_check_on, device.last_monthly_inspection_on) if day is not None]
    return max(days, default=device.in_service_since)


def devices_of(session: Session, institution_id: uuid.UUID) -> list[Device]:
    query = select(Device).where(Device.institution_id == institution_id).order_by(Device.kind, Device.label)
    return list(session.exec(query).all())


def checks_of(session: Session, device_id: uuid.UUID) -> list[CheckOut]:
    query = select(DeviceCheck).where(DeviceCheck.device_id == device_id).order_by(DeviceCheck.checked_on)
    return [CheckOut.model_validate(check.model_dump(warnings=False)) for check in session.exec(query).all()]


def device_out(device: Device, calendar: WorkdayCalendar, today: date) -> DeviceOut:
    return DeviceOut(
        **device.model_dump(warnings=False, exclude={"created_at"}),
        daily_check_missed_on=daily_check_missed(device.last_daily_check_on, today, calendar, device.in_service_since)
        if device.active
        else None,
        monthly_inspection_missed=device.active
        and monthly_inspection_missed(device.last_monthly_inspection_on, today, device.in_service_since),
    )


def self_service_needs_staff(session: Session, institution_id: uuid.UUID) -> bool:
    """True when a self-service terminal of the institution failed its latest check: 自助办 there then needs a staff
    member's help (8.3 a: equipment is checked so that it runs; a failed terminal cannot serve alone)."""
    query = select(Device.id).where(
        Device.institution_id == institution_id,
        Device.kind == DeviceKind.SELF_SERVICE_TERMINAL,
        Device.active,
        Device.status == CheckResult.FAILED,
    )
    return session.exec(query.limit(1)).first() is not None


def local_today() -> date:
    return to_local(datetime.now(UTC)).date()
