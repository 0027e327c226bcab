"""Pure deadline arithmetic: working days from the shared calendar, working hours inside an institution's opening
hours. No I/O; every result carries a bilingual explanation of how it was reached."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from jiading_shared.workdays import WorkdayCalendar

# Deadlines are set and read in Shanghai time; they are stored in UTC.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_OPENS_AT = dt.time(9, 0)
DEFAULT_CLOSES_AT = dt.time(17, 0)
# A working-hours limit longer than this many days of opening hours is a data error, not a deadline.
MAX_SCAN_DAYS = 3660


class TimeUnit(StrEnum):
    WORKING_DAYS = "working_days"  # 工作日
    WORKING_HOURS = "working_hours"  # 工作小时 (institution opening hours on working days)


TIME_UNIT_LABELS = {TimeUnit.WORKING_DAYS: "个工作日", TimeUnit.WORKING_HOURS: "个工作小时"}


class TimeLimit(BaseModel):
    """One time limit: `amount` working days or working hours."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: int = Field(gt=0, le=365, description="how many working days / working hours")
    unit: TimeUnit = Field(description="working_days 工作日 / working_hours 工作小时")

    def label(self) -> str:
        return f"{self.amount}{TIME_UNIT_LABELS[self.unit]}"


@dataclass(frozen=True)
class OpeningHours:
    opens_at: dt.time = DEFAULT_OPENS_AT
    closes_at: dt.time = DEFAULT_CLOSES_AT

    def __post_init__(self) -> None:
        if self.closes_at <= self.opens_at:
            raise ValueError(f"closing time {self.closes_at} is not after opening time {self.opens_at}")

    def label(self) -> str:
        return f"{self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


@dataclass(frozen=True)
class DeadlineDecision:
    due_at: dt.datetime  # UTC
    provisional: bool  # part of the period lies in a year whose holiday notice is unknown
    explanation: str


def to_local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ)


def compute_deadline(
    start: dt.datetime, limit: TimeLimit, calendar: WorkdayCalendar, hours: OpeningHours, *, rule: str
) -> DeadlineDecision:
    """The deadline `limit` after `start` (aware datetime). `rule` names where the limit came from (matter and
    version, or policy version) and heads the explanation."""
    if limit.unit is TimeUnit.WORKING_DAYS:
        return _working_days_deadline(start, limit, calendar, hours, rule)
    return _working_hours_deadline(start, limit, calendar, hours, rule)


def _working_days_deadline(
    start: dt.datetime, limit: TimeLimit, calendar: WorkdayCalendar, hours: OpeningHours, rule: str
) -> DeadlineDecision:
    local_start = to_local(start)
    deadline = calendar.add_working_days(local_start.date(), limit.amount)
    due_local = dt.datetime.combine(deadline.due, hours.closes_at, tzinfo=LOCAL_TZ)
    lines = [
        f"时限依据 / Rule: {rule} — {limit.label()} ({limit.amount} {limit.unit.value}).",
        deadline.explain(),
        f"截止时间为期限届满日闭厅时间 {hours.closes_at:%H:%M} / Due at closing time on the last day: "
        f"{due_local:%Y-%m-%d %H:%M} (Asia/Shanghai).",
    ]
    return DeadlineDecision(due_local.astimezone(dt.UTC), deadline.provisional, "\n".join(lines))


def _working_hours_deadline(
    start: dt.datetime, limit: TimeLimit, calendar: WorkdayCalendar, hours: OpeningHours, rule: str
) -> DeadlineDecision:
    cursor = to_local(start)
    remaining = dt.timedelta(hours=limit.amount)
    skipped: list[str] = []
    provisional = False
    for _ in range(MAX_SCAN_DAYS):
        info = calendar.day_info(cursor.date())
        provisional = provisional or info.provisional
        opens = dt.datetime.combine(cursor.date(), hours.opens_at, tzinfo=LOCAL_TZ)
        closes = dt.datetime.combine(cursor.date(), hours.closes_at, tzinfo=LOCAL_TZ)
        if not info.is_working_day:
            skipped.append(f"- {cursor.date():%Y-%m-%d}: {info.reason_zh or info.reason} / {info.reason}")
        elif cursor < closes:
            cursor = max(cursor, opens)
            available = closes - cursor
            if remaining <= available:
                due = cursor + remaining
                lines = [
                    f"时限依据 / Rule: {rule} — {limit.label()} ({limit.amount} {limit.unit.value}).",
                    f"自 {to_local(start):%Y-%m-%d %H:%M} 起，按办公时间 {hours.label()} 计算工作小时 / "
                    f"counted in opening hours {hours.label()} from {to_local(start):%Y-%m-%d %H:%M}: "
                    f"due {due:%Y-%m-%d %H:%M} (Asia/Shanghai).",
                ]
                if skipped:
                    lines.append(f"跳过非工作日 {len(skipped)} 天 / Skipped {len(skipped)} non-working days:")
                    lines.extend(skipped)
                if provisional:
                    lines.append("暂定：涉及尚未公布放假安排的年份 / Provisional: holiday notice not yet known.")
                lines.append(f"日历版本 / Calendar: {calendar.calendar_version}")
                return DeadlineDecision(due.astimezone(dt.UTC), provisional, "\n".join(lines))
            remaining -= available
        cursor = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), hours.opens_at, tzinfo=LOCAL_TZ)
    raise ValueError(f"{limit.label()} does not fit in {MAX_SCAN_DAYS} days of opening hours")
