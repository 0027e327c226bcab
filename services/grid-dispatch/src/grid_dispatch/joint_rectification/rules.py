"""Pure rules of joint rectification: the sign-off order and signers, time clashes, the 3-working-day notice to the
派出所, when the summary may be filed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from jiading_shared.workdays import WorkdayCalendar


class RectificationState(StrEnum):
    PENDING_APPLICANT_LEADER = "pending_applicant_leader"  # 申请单位领导意见
    PENDING_CENTRE_LEADER = "pending_centre_leader"  # 镇（街道）城运中心领导意见
    PENDING_SUPERVISING_LEADER = "pending_supervising_leader"  # 镇（街道）分管领导意见
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"  # C.1 filed


class TaskRole(StrEnum):
    COMMAND = "command"  # 现场指挥单位
    PARTICIPANT = "participant"  # 参与单位
    POLICE_NOTICE = "police_notice"  # 告知派出所综合指挥室 (DB 31114/Z 010-2025 4.2.1.1); completing it = 签收


class TaskState(StrEnum):
    ASSIGNED = "assigned"  # 已下达
    COMPLETED = "completed"  # 已完成 (the department reported its part; for a notice: 已签收)
    CANCELLED = "cancelled"  # 已撤销 (the application was rejected before the action)


def task_units(command_unit: str, participants: list[tuple[str, int]]) -> list[tuple[str, TaskRole, int | None]]:
    """One task per department taking part (DB 31114/Z 009-2025 4.2.2): the command unit (with its head count when it
    also sends staff) and each participating unit with its head count; a unit listed twice gets one task."""
    heads: dict[str, int] = {}
    for code, count in participants:
        heads[code] = heads.get(code, 0) + count
    tasks: list[tuple[str, TaskRole, int | None]] = [(command_unit, TaskRole.COMMAND, heads.get(command_unit))]
    tasks += [(code, TaskRole.PARTICIPANT, count) for code, count in heads.items() if code != command_unit]
    return tasks


class SignOffLevel(StrEnum):
    APPLICANT_LEADER = "applicant_leader"
    CENTRE_LEADER = "centre_leader"
    SUPERVISING_LEADER = "supervising_leader"


SIGN_OFF_ORDER: dict[RectificationState, tuple[SignOffLevel, RectificationState]] = {
    RectificationState.PENDING_APPLICANT_LEADER: (
        SignOffLevel.APPLICANT_LEADER,
        RectificationState.PENDING_CENTRE_LEADER,
    ),
    RectificationState.PENDING_CENTRE_LEADER: (
        SignOffLevel.CENTRE_LEADER,
        RectificationState.PENDING_SUPERVISING_LEADER,
    ),
    RectificationState.PENDING_SUPERVISING_LEADER: (SignOffLevel.SUPERVISING_LEADER, RectificationState.APPROVED),
}


class HalfDay(StrEnum):
    AM = "am"  # 上午
    PM = "pm"  # 下午


class Vehicle(StrEnum):
    PICKUP = "pickup"  # 皮卡
    TRUCK = "truck"  # 卡车
    VAN = "van"  # 面包车
    EXCAVATOR = "excavator"  # 挖机
    LOADER = "loader"  # 铲车
    BULLDOZER = "bulldozer"  # 推土机
    OTHER = "other"  # 其他


def sign_off_problem(state: RectificationState, level: SignOffLevel) -> str | None:
    """DB 31114/Z 009-2025 附录 B: 申请单位领导 → 城运中心领导 → 分管领导, in this order."""
    expected = SIGN_OFF_ORDER.get(state)
    if expected is None:
        return f"the application is {state}: no sign-off is pending"
    if expected[0] is not level:
        return f"the {expected[0]} signs next, not the {level}"
    return None


def signer_problem(sign_offs: Iterable[dict[str, object]], signer: str) -> str | None:
    """附录 B 表 B.1: 申请单位领导, 城运中心领导 and 分管领导 each sign; one person gives one of the sign-offs only."""
    for entry in sign_offs:
        if entry.get("signer") == signer:
            return f"{signer} already signed this application as the {entry.get('level')}"
    return None


def summary_too_early(now: datetime, ends_at: datetime) -> bool:
    """附录 C 注: 本表由申请单位在联合整治结束后填写 — not before the action's end."""
    return now < ends_at


@dataclass(frozen=True)
class Action:
    id: str
    town: str
    starts_at: datetime
    ends_at: datetime
    units: frozenset[str]  # participating department codes and the command unit


def clashes(candidate: Action, approved: Iterable[Action]) -> list[tuple[str, str]]:
    """B.1 note 2 (整治时间须与城运中心事先协调确定，以免引起工作时间冲突): an approved action whose window overlaps
    clashes when it is in the same town or uses one of the same units. Returns (action id, why) for each."""
    found = []
    for other in approved:
        if other.id == candidate.id or not (
            other.starts_at < candidate.ends_at and candidate.starts_at < other.ends_at
        ):
            continue
        shared = sorted(candidate.units & other.units)
        if shared:
            found.append((other.id, f"uses the same unit(s) {', '.join(shared)}"))
        elif other.town == candidate.town:
            found.append((other.id, f"same town {other.town} in the same window"))
    return found


def start_of(action_day: date, half_day: HalfDay, hour: int) -> time:
    """B.1 整治时间 `年 月 日上(下)午 时`: hour 1-12 of the morning or afternoon as a clock time."""
    return time(hour % 12 + (12 if half_day is HalfDay.PM else 0))


def notice_short_by(calendar: WorkdayCalendar, notified_on: date, action_day: date, required: int) -> int:
    """DB 31114/Z 010-2025 4.2.1.1: 提前3个工作日告知派出所. Working days missing from the notice (0 = enough)."""
    given = calendar.working_days_between(notified_on, action_day)
    return max(required - given, 0)
