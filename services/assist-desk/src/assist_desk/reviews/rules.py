"""Pure rules of reviews, rectifications and random call-backs."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import uuid
from collections.abc import Sequence
from enum import StrEnum


class Level(StrEnum):
    """Five-level satisfaction rating (好差评)."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


LEVEL_LABELS = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASICALLY_SATISFIED: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}
BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})


def is_bad(level: Level) -> bool:
    """不满意 or worse opens a rectification case."""
    return level in BAD_LEVELS


class Outcome(StrEnum):
    RECTIFIED_AT_ONCE = "rectified_at_once"  # 立行立改
    RECTIFIED_BY_DEADLINE = "rectified_by_deadline"  # 限期整改
    EXPLAINED = "explained"  # 解释说明
    APPEALED = "appealed"  # 申诉


OUTCOME_LABELS = {
    Outcome.RECTIFIED_AT_ONCE: "立行立改",
    Outcome.RECTIFIED_BY_DEADLINE: "限期整改",
    Outcome.EXPLAINED: "解释说明",
    Outcome.APPEALED: "申诉",
}


def closing_problem(outcome: Outcome, has_callback: bool, closed_at: dt.datetime, due_at: dt.datetime) -> str | None:
    """Why a rectification case cannot be closed this way, or None."""
    if not has_callback:
        return "record the call-back (回访) to the applicant before closing the case"
    if outcome is Outcome.RECTIFIED_BY_DEADLINE and closed_at > due_at:
        return f"the deadline {due_at.isoformat()} has passed: the case was not rectified by it"
    return None


def week_start(day: dt.date) -> dt.date:
    """Monday of the ISO week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def week_is_over(monday: dt.date, today: dt.date) -> bool:
    """A week's call-backs are drawn once it is over: drawn earlier, the sample would leave out the tickets finished
    later in the week, and a drawn week is never drawn again (4.3 e 随机抽取)."""
    return today >= monday + dt.timedelta(days=7)


def callback_sample(ticket_ids: Sequence[uuid.UUID], share_percent: int, seed: str) -> list[uuid.UUID]:
    """A random but reproducible `share_percent` of the tickets (at least one when there are any): each ticket is
    ranked by a hash of the seed and its id, so rerunning the same week picks the same tickets."""
    if not ticket_ids:
        return []
    count = max(1, math.ceil(len(ticket_ids) * share_percent / 100))
    ranked = sorted(ticket_ids, key=lambda tid: hashlib.sha256(f"{seed}:{tid}".encode()).hexdigest())
    return ranked[:count]
