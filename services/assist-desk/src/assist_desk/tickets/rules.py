"""Pure rules of assistance tickets: vocabulary, the state machine (DB 31114/Z 022-2025 7.3, 7.4.2, 7.2.1 c) and
the escalation checks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FallbackType(StrEnum):
    """The four kinds of 兜底办 (DB 31114/Z 022-2025 7.2.1 c)."""

    CONSULTATION = "consultation"  # 咨询引导类
    COORDINATION = "coordination"  # 协调办理类
    COMPLAINT = "complaint"  # 投诉建议类
    NOT_ACCEPTED = "not_accepted"  # 不予受理类


FALLBACK_TYPE_LABELS: dict[FallbackType, str] = {
    FallbackType.CONSULTATION: "咨询引导",
    FallbackType.COORDINATION: "协调办理",
    FallbackType.COMPLAINT: "投诉建议",
    FallbackType.NOT_ACCEPTED: "不予受理",
}


class Channel(StrEnum):
    """服务渠道 (DB 31114/Z 022-2025 7.1)."""

    HOTLINE_12345 = "hotline_12345"  # "12345"市民服务热线
    INSTITUTION_PHONE = "institution_phone"  # 政务服务机构咨询电话
    ONLINE_TEXT = "online_text"  # 线上人工帮办：文字
    ONLINE_VOICE = "online_voice"  # 线上人工帮办：语音
    ONLINE_VIDEO = "online_video"  # 线上人工帮办：视频
    IN_HALL = "in_hall"  # 线下帮办：政务服务场所


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.HOTLINE_12345: "12345热线",
    Channel.INSTITUTION_PHONE: "机构咨询电话",
    Channel.ONLINE_TEXT: "线上文字",
    Channel.ONLINE_VOICE: "线上语音",
    Channel.ONLINE_VIDEO: "线上视频",
    Channel.IN_HALL: "线下大厅",
}


class TargetKind(StrEnum):
    """服务对象 (DB 31114/Z 022-2025 3.2)."""

    NATURAL_PERSON = "natural_person"  # 自然人
    LEGAL_PERSON = "legal_person"  # 法人
    OTHER_ORGANISATION = "other_organisation"  # 其他组织


class TicketState(StrEnum):
    RECEIVED = "received"  # 已接待
    IN_SERVICE = "in_service"  # 帮办中
    COMPLETED = "completed"  # 已办结
    ESCALATED = "escalated"  # 已转兜底办
    COORDINATING = "coordinating"  # 协调中
    RESOLVED = "resolved"  # 兜底办结
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    ENDED_EARLY = "ended_early"  # 服务对象提前结束 (7.4.2)
    GUIDED_TO_WINDOW = "guided_to_window"  # 引导至办事窗口 (7.3.1.3)


STATE_LABELS: dict[TicketState, str] = {
    TicketState.RECEIVED: "已接待",
    TicketState.IN_SERVICE: "帮办中",
    TicketState.COMPLETED: "已办结",
    TicketState.ESCALATED: "已转兜底办",
    TicketState.COORDINATING: "协调中",
    TicketState.RESOLVED: "兜底办结",
    TicketState.NOT_ACCEPTED: "不予受理",
    TicketState.ENDED_EARLY: "提前结束",
    TicketState.GUIDED_TO_WINDOW: "已引导至窗口",
}


class Action(StrEnum):
    START = "start"
    COMPLETE = "complete"
    ESCALATE = "escalate"
    COORDINATE = "coordinate"
    RESOLVE = "resolve"
    NOT_ACCEPT = "not_accept"
    END_EARLY = "end_early"
    GUIDE_TO_WINDOW = "guide_to_window"
    HAND_OVER = "hand_over"
    ISSUE_NOTICE = "issue_notice"
    RECORD_MATERIALS = "record_materials"


OPEN_STATES = frozenset({TicketState.RECEIVED, TicketState.IN_SERVICE, TicketState.ESCALATED, TicketState.COORDINATING})
FINISHED_STATES = frozenset(set(TicketState) - OPEN_STATES)
# A rating needs a service that was given (a visitor only shown to a window has nothing to rate).
REVIEWABLE_STATES = frozenset(
    {TicketState.COMPLETED, TicketState.RESOLVED, TicketState.NOT_ACCEPTED, TicketState.ENDED_EARLY}
)

# action → (states it may start from, state it leads to; None = the state stays)
TRANSITIONS: dict[Action, tuple[frozenset[TicketState], TicketState | None]] = {
    Action.START: (frozenset({TicketState.RECEIVED}), TicketState.IN_SERVICE),
    Action.COMPLETE: (frozenset({TicketState.IN_SERVICE}), TicketState.COMPLETED),
    Action.ESCALATE: (frozenset({TicketState.RECEIVED, TicketState.IN_SERVICE}), TicketState.ESCALATED),
    Action.COORDINATE: (frozenset({TicketState.ESCALATED}), TicketState.COORDINATING),
    Action.RESOLVE: (frozenset({TicketState.ESCALATED, TicketState.COORDINATING}), TicketState.RESOLVED),
    Action.NOT_ACCEPT: (frozenset({TicketState.ESCALATED, TicketState.COORDINATING}), TicketState.NOT_ACCEPTED),
    Action.END_EARLY: (OPEN_STATES, TicketState.ENDED_EARLY),
    Action.GUIDE_TO_WINDOW: (frozenset({TicketState.RECEIVED}), TicketState.GUIDED_TO_WINDOW),
    Action.HAND_OVER: (OPEN_STATES, None),
    Action.ISSUE_NOTICE: (OPEN_STATES, None),
    Action.RECORD_MATERIALS: (OPEN_STATES, None),
}


@dataclass(frozen=True)
class IllegalTransition(Exception):
    current: TicketState
    action: Action

    def __str__(self) -> str:
        allowed = ", ".join(action.value for action in allowed_actions(self.current)) or "none (finished)"
        return (
            f"the ticket is {self.current.value} ({STATE_LABELS[self.current]}); cannot {self.action.value}. "
            f"Allowed now: {allowed}"
        )


def next_state(current: TicketState, action: Action) -> TicketState:
    """The state `action` leads to from `current`; raises IllegalTransition when it is not allowed."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise IllegalTransition(current, action)
    return target or current


def allowed_actions(current: TicketState) -> list[Action]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if current in sources]


def escalation_problem(kind: FallbackType, department: str | None) -> str | None:
    """Why an escalation request is incomplete, or None. A coordination names the department to involve
    (DB 31114/Z 022-2025 7.2.1 c 2), 7.3.2.3)."""
    if kind is FallbackType.COORDINATION and not department:
        return "协调办理 (coordination) names the department to involve"
    return None
