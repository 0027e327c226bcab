"""HTTP routes of weekly meetings (form A.1): record, list, read, action items, and the weekly compliance view."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid_dispatch.meetings import service
from grid_dispatch.meetings.models import ActionItemCloseIn, ActionItemOut, MeetingComplianceOut, MeetingIn, MeetingOut
from grid_dispatch.meetings.rules import ItemState, MeetingKind
from jiading_shared.auth import Principal, Role, ensure_dept, ensure_town, require_roles, town_in_scope
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, SessionDep

router = APIRouter(prefix="/meetings", tags=["weekly meetings 每周工作例会"])

# The 城运中心 guides the sector grids' meetings and keeps the records (DB 31114/Z 009-2025 4.1.1).
Recorder = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER))]
DEPARTMENT_ROLES = (Role.DUTY_OFFICER, Role.COMMUNITY_POLICE)
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.DISPATCHER, Role.COMMANDER, Role.OPERATIONS_PATROL, *DEPARTMENT_ROLES)),
]
Closer = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER, *DEPARTMENT_ROLES))]


def _department_staff(principal: Principal) -> bool:
    return not principal.is_admin and not principal.has_role(Role.DISPATCHER, Role.COMMANDER, Role.OPERATIONS_PATROL)


def _town(principal: Principal, town: str | None) -> str:
    town = town or principal.town
    if town is None:
        raise field_error(422, "query.town", "name the town")
    ensure_town(principal, town)
    return town


@router.post("", status_code=201, summary="Record a weekly meeting (form A.1) with its action items")
def record_meeting(
    body: MeetingIn,
    principal: Recorder,
    session: SessionDep,
    response: Response,
    town: Annotated[str | None, Query(max_length=50, description="街道/镇 (default: the caller's town)")] = None,
) -> MeetingOut:
    meeting = service.record_meeting(session, body, town=_town(principal, town), recorded_by=principal.sub)
    response.headers["Location"] = f"{API_PREFIX}/meetings/{meeting.id}"
    return meeting


@router.get("", summary="Meetings of a town (a department sees those it attended)")
def list_meetings(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50)] = None,
    kind: MeetingKind | None = None,
    subject: Annotated[str | None, Query(max_length=50, description="sector grid or 派出所 code")] = None,
    week: Annotated[str | None, Query(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2025-W10")] = None,
) -> list[MeetingOut]:
    meetings = service.list_meetings(session, town=_town(principal, town), kind=kind, subject=subject, week=week)
    if _department_staff(principal):
        meetings = [m for m in meetings if principal.dept in {a["department_code"] for a in m.attendees}]
    return page.slice(meetings)


@router.get("/compliance", summary="Sector grids and 派出所 that missed their weekly meeting in a week")
def compliance(
    principal: Reader,
    session: SessionDep,
    week: Annotated[str, Query(max_length=10, description="ISO week, e.g. 2025-W10")],
    town: Annotated[str | None, Query(max_length=50)] = None,
) -> MeetingComplianceOut:
    return service.compliance_report(session, _town(principal, town), week)


@router.get("/action-items", summary="Action items; a department sees its own (overdue=true: past due and open)")
def list_items(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50)] = None,
    department: Annotated[str | None, Query(max_length=50)] = None,
    subject: Annotated[str | None, Query(max_length=50)] = None,
    state: ItemState | None = None,
    overdue: bool | None = None,
) -> list[ActionItemOut]:
    if _department_staff(principal):
        department = department or principal.dept
        ensure_dept(principal, department)
    return page.slice(
        service.list_items(
            session, town=_town(principal, town), department=department, subject=subject, state=state, overdue=overdue
        )
    )


@router.post("/action-items/{item_id}/close", summary="Close an action item (its owner department or the 城运中心)")
def close_item(item_id: uuid.UUID, body: ActionItemCloseIn, principal: Closer, session: SessionDep) -> ActionItemOut:
    item = service.get_item(session, item_id)
    if item is None or not town_in_scope(principal, item.town):
        raise ProblemError(404, "action-item-not-found", f"no action item {item_id}")
    if _department_staff(principal):
        ensure_dept(principal, item.owner_department)
    return service.close_item(session, item, body.result, closed_by=principal.sub)


@router.get("/{meeting_id}", summary="One meeting record with its action items and the items it carried forward")
def get_meeting(meeting_id: uuid.UUID, principal: Reader, session: SessionDep) -> MeetingOut:
    meeting = service.get_meeting(session, meeting_id)
    if meeting is None or not town_in_scope(principal, meeting.town):
        raise ProblemError(404, "meeting-not-found", f"no meeting {meeting_id}")
    out = service.meeting_out(session, meeting)
    if _department_staff(principal) and principal.dept not in {a["department_code"] for a in out.attendees}:
        raise ProblemError(404, "meeting-not-found", f"no meeting {meeting_id}")
    return out
