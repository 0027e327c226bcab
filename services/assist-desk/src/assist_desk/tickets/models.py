"""Vocabulary of tickets."""

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
