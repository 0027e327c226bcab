"""HTTP routes of devices and their checks."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from assist_desk.equipment import service
from assist_desk.equipment.models import CheckIn, CheckOut, Device, DeviceIn, DeviceOut
from assist_desk.institutions.models import ServiceInstitution
from jiading_shared.auth import Principal, Role, require_roles, town_in_scope
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import SessionDep

router = APIRouter(tags=["equipment 设施设备"])

Staff = Annotated[Principal, Depends(require_roles(Role.ASSISTANT, Role.SERVICE_OFFICE_ADMIN))]


def _institution(session: Session, principal: Principal, institution_id: uuid.UUID) -> ServiceInstitution:
    institution = session.get(ServiceInstitution, institution_id)
    if institution is None or not town_in_scope(principal, institution.town):
        raise ProblemError(404, "institution-not-found", f"no institution {institution_id}")
    return institution


def _device(session: Session, principal: Principal, device_id: uuid.UUID) -> Device:
    device = session.get(Device, device_id, with_for_update=True)
    if device is None:
        raise ProblemError(404, "device-not-found", f"no device {device_id}")
    _institution(session, principal, device.institution_id)
    return device


@router.post("/institutions/{institution_id}/devices", status_code=201, summary="Register a device (8.2.1)")
def add_device(
    institution_id: uuid.UUID, body: DeviceIn, principal: Staff, session: SessionDep, request: Request
) -> DeviceOut:
    _institution(session, principal, institution_id)
    device = service.add_device(session, institution_id, body)
    return service.device_out(device, request.app.state.calendar, service.local_today())


@router.get("/institutions/{institution_id}/devices", summary="The devices of an institution and their checks due")
def list_devices(
    institution_id: uuid.UUID, principal: Staff, session: SessionDep, request: Request, page: PageDep
) -> list[DeviceOut]:
    _institution(session, principal, institution_id)
    today = service.local_today()
    devices = page.slice(service.devices_of(session, institution_id))
    return [service.device_out(d, request.app.state.calendar, today) for d in devices]


@router.post("/devices/{device_id}/checks", status_code=201, summary="Record a daily check or monthly inspection")
def record_check(device_id: uuid.UUID, body: CheckIn, principal: Staff, session: SessionDep) -> CheckOut:
    device = _device(session, principal, device_id)
    return service.record_check(session, device, body, checked_by=principal.sub, today=service.local_today())


@router.get("/devices/{device_id}/checks", summary="The check history of a device")
def list_checks(device_id: uuid.UUID, principal: Staff, session: SessionDep, page: PageDep) -> list[CheckOut]:
    _device(session, principal, device_id)
    return page.slice(service.checks_of(session, device_id))
