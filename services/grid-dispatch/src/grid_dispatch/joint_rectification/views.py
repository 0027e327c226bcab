"""HTTP routes of joint rectification: apply (B.1), sign off in order, file the summary (C.1), list and read."""

import uuid
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query, Request, Response

from grid_dispatch.joint_rectification import service
from grid_dispatch.joint_rectification.models import (
    JointRectification,
    RectificationContactOut,
    RectificationIn,
    RectificationOut,
    SignOffIn,
    SummaryIn,
    TaskCompleteIn,
    TaskOut,
)
from grid_dispatch.joint_rectification.rules import RectificationState, SignOffLevel, TaskState
from jiading_shared.auth import Principal, Role, ensure_dept, ensure_town, require_roles, town_in_scope
from jiading_shared.errors import ProblemError
from jiading_shared.pagination import PageDep
from jiading_shared.service import API_PREFIX, BlobsDep, PiiDep, SessionDep
from jiading_shared.workdays import WorkdayCalendar

router = APIRouter(prefix="/joint-rectifications", tags=["joint rectification 联合整治"])

Applicant = Annotated[
    Principal, Depends(require_roles(Role.DUTY_OFFICER, Role.COMMUNITY_POLICE, Role.DISPATCHER, Role.COMMANDER))
]
Signer = Annotated[Principal, Depends(require_roles(Role.DUTY_OFFICER, Role.COMMANDER))]
Centre = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.COMMANDER))]
Reader = Annotated[
    Principal,
    Depends(
        require_roles(Role.DUTY_OFFICER, Role.COMMUNITY_POLICE, Role.DISPATCHER, Role.COMMANDER, Role.OPERATIONS_PATROL)
    ),
]


def _department_staff(principal: Principal) -> bool:
    return not principal.is_admin and not principal.has_role(Role.DISPATCHER, Role.COMMANDER)


def _found(session: SessionDep, principal: Principal, rectification_id: uuid.UUID) -> JointRectification:
    row = service.get(session, rectification_id)
    if row is None or not town_in_scope(principal, row.town):
        raise ProblemError(404, "rectification-not-found", f"no joint rectification {rectification_id}")
    return row


@router.post("", status_code=201, summary="Apply for a joint rectification (form B.1)")
def apply(
    body: RectificationIn,
    principal: Applicant,
    session: SessionDep,
    vault: PiiDep,
    request: Request,
    response: Response,
) -> RectificationOut:
    if _department_staff(principal):
        ensure_dept(principal, body.applicant_department)
    calendar = cast(WorkdayCalendar, request.app.state.calendar)
    town = service.data_town(session, body)
    ensure_town(principal, town)
    created = service.apply(
        session, vault, calendar, body, actor=principal.sub, may_override_notice=principal.satisfies(Role.COMMANDER)
    )
    response.headers["Location"] = f"{API_PREFIX}/joint-rectifications/{created.id}"
    return created


@router.get("", summary="Joint rectifications of a town; `department` lists the actions a department takes part in")
def list_rectifications(
    principal: Reader,
    session: SessionDep,
    vault: PiiDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50)] = None,
    department: Annotated[str | None, Query(max_length=50)] = None,
    state: RectificationState | None = None,
) -> list[RectificationOut]:
    town = town or principal.town
    if town is not None or not principal.is_district_wide():
        ensure_town(principal, town)
    if _department_staff(principal) and not principal.has_role(Role.OPERATIONS_PATROL):
        department = department or principal.dept
        ensure_dept(principal, department)
    return page.slice(service.list_rectifications(session, vault, town=town, department=department, state=state))


@router.get("/tasks", summary="Tasks of approved actions; a department sees its own")
def list_tasks(
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    town: Annotated[str | None, Query(max_length=50)] = None,
    department: Annotated[str | None, Query(max_length=50)] = None,
    rectification_id: uuid.UUID | None = None,
    state: TaskState | None = None,
) -> list[TaskOut]:
    town = town or principal.town
    if town is not None or not principal.is_district_wide():
        ensure_town(principal, town)
    if _department_staff(principal) and not principal.has_role(Role.OPERATIONS_PATROL):
        department = department or principal.dept
        ensure_dept(principal, department)
    tasks = service.list_tasks(
        session, town=town, department=department, rectification_id=rectification_id, state=state
    )
    return page.slice(tasks)


@router.post("/tasks/{task_id}/complete", summary="A participating department reports its task done")
def complete_task(task_id: uuid.UUID, body: TaskCompleteIn, principal: Applicant, session: SessionDep) -> TaskOut:
    task = service.get_task(session, task_id)
    if task is None or not town_in_scope(principal, task.town):
        raise ProblemError(404, "task-not-found", f"no rectification task {task_id}")
    if _department_staff(principal):
        ensure_dept(principal, task.department_code)
    return service.complete_task(session, task, body, actor=principal.sub)


@router.get("/{rectification_id}", summary="One joint rectification")
def get_rectification(
    rectification_id: uuid.UUID, principal: Reader, session: SessionDep, vault: PiiDep
) -> RectificationOut:
    row = _found(session, principal, rectification_id)
    return service.rectification_out(row, service.contact_phone(vault, row))


@router.get(
    "/{rectification_id}/contact",
    summary="The contact's phone unmasked, for the town's 城运中心 with a stated purpose (leaves an access record)",
)
def rectification_contact(
    rectification_id: uuid.UUID,
    principal: Centre,
    session: SessionDep,
    vault: PiiDep,
    request: Request,
    purpose: Annotated[str, Query(min_length=2, max_length=500, description="why the unmasked value is needed")],
) -> RectificationContactOut:
    row = _found(session, principal, rectification_id)
    request_id = getattr(request.state, "request_id", None)
    return service.reveal_contact(session, vault, row, principal, purpose, request_id)


@router.post("/{rectification_id}/sign-offs", summary="申请单位领导 → 城运中心领导 → 分管领导: approve or reject")
def sign_off(
    rectification_id: uuid.UUID, body: SignOffIn, principal: Signer, session: SessionDep, vault: PiiDep
) -> RectificationOut:
    row = _found(session, principal, rectification_id)
    if body.level is SignOffLevel.APPLICANT_LEADER:
        # 申请单位领导: a leader of the applying department itself, not the 城运中心 (附录 B 表 B.1)
        if principal.dept != row.applicant_department and not principal.is_admin:
            raise ProblemError(
                403, "forbidden", f"the applicant_leader signs for the applying department {row.applicant_department}"
            )
    elif not principal.satisfies(Role.COMMANDER):
        raise ProblemError(403, "forbidden", f"the {body.level} signs as a commander of the town")
    return service.sign_off(session, vault, row, body, actor=principal.sub)


@router.post("/{rectification_id}/summary", summary="File the summary (form C.1) with before and after photos")
def file_summary(
    rectification_id: uuid.UUID,
    body: SummaryIn,
    principal: Applicant,
    session: SessionDep,
    vault: PiiDep,
    blobs: BlobsDep,
    request: Request,
) -> RectificationOut:
    row = _found(session, principal, rectification_id)
    if _department_staff(principal):
        ensure_dept(principal, row.applicant_department)
    calendar = cast(WorkdayCalendar, request.app.state.calendar)
    return service.file_summary(
        session,
        vault,
        blobs,
        calendar,
        row,
        body,
        actor=principal.sub,
        may_override_notice=principal.satisfies(Role.COMMANDER),
    )
