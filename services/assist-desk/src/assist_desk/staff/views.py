"""HTTP routes of assistance staff: add to an institution, register (备案), record training, list, teams."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from assist_desk.institutions.service import get_institution
from assist_desk.institutions.views import institution_in_scope
from assist_desk.staff import service
from assist_desk.staff.models import RegistrationIn, StaffIn, StaffMember, StaffOut, TeamsOut, TrainingIn
from jiading_shared.auth import Principal, Role, require_roles, town_in_scope
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import SessionDep

router = APIRouter(tags=["staff 帮办人员"])

# Institutions manage their own teams (5.2.2.2 组建帮办队伍); the service office oversees all of them.
Manager = Annotated[Principal, Depends(require_roles(Role.SERVICE_OFFICE_ADMIN, Role.ASSISTANT))]


class ActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


def staff_in_scope(session: Session, principal: Principal, staff_id: uuid.UUID) -> StaffMember:
    member = session.get(StaffMember, staff_id)
    institution = get_institution(session, member.institution_id) if member else None
    if member is None or institution is None or not town_in_scope(principal, institution.town):
        raise ProblemError(404, "staff-not-found", f"no staff member {staff_id}")
    return member


@router.post("/institutions/{institution_id}/staff", status_code=201, summary="Add a staff member to a team")
def add_staff(institution_id: uuid.UUID, body: StaffIn, principal: Manager, session: SessionDep) -> StaffOut:
    institution = institution_in_scope(session, principal, institution_id)
    return service.add_staff(session, institution, body, created_by=principal.sub)


@router.get("/institutions/{institution_id}/staff", summary="The staff of an institution")
def list_staff(institution_id: uuid.UUID, principal: Manager, session: SessionDep, page: PageDep) -> list[StaffOut]:
    institution_in_scope(session, principal, institution_id)
    return page.slice(service.staff_of(session, institution_id))


@router.get("/institutions/{institution_id}/teams", summary='The "1+2+X" team composition of an institution')
def teams(institution_id: uuid.UUID, principal: Manager, session: SessionDep) -> TeamsOut:
    institution_in_scope(session, principal, institution_id)
    return service.teams_of(session, institution_id)


@router.get("/staff/{staff_id}", summary="One staff member with their training record")
def get_staff(staff_id: uuid.UUID, principal: Manager, session: SessionDep) -> StaffOut:
    return service.staff_out(session, staff_in_scope(session, principal, staff_id))


@router.put("/staff/{staff_id}/registration", summary="Record the registration (备案) of a staff member")
def register_staff(staff_id: uuid.UUID, body: RegistrationIn, principal: Manager, session: SessionDep) -> StaffOut:
    return service.register(session, staff_in_scope(session, principal, staff_id), body)


@router.post("/staff/{staff_id}/trainings", status_code=201, summary="Record a training (岗前培训 / 日常培训)")
def add_training(staff_id: uuid.UUID, body: TrainingIn, principal: Manager, session: SessionDep) -> StaffOut:
    return service.add_training(session, staff_in_scope(session, principal, staff_id), body, recorded_by=principal.sub)


@router.put("/staff/{staff_id}/active", summary="Activate or deactivate a staff member")
def set_active(staff_id: uuid.UUID, body: ActiveIn, principal: Manager, session: SessionDep) -> StaffOut:
    return service.set_active(session, staff_in_scope(session, principal, staff_id), body.active)
