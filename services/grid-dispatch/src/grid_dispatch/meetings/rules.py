"""Pure rules of weekly meetings (DB 31114/Z 009-2025 4.1.1, form A.1; DB 31114/Z 010-2025 4.2.1.2, 4.2.2.3,
4.2.3.3): the week a meeting belongs to, who must attend, which grids missed their meeting, action item status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from grid_dispatch.incidents.rules import CHINA


class MeetingKind(StrEnum):
    SECTOR_GRID = "sector_grid"  # 片区网格每周工作例会 (DB 31114/Z 009-2025 4.1.1)
    POLICE_LIAISON = "police_liaison"  # 派出所与街镇城运中心每周例会 (DB 31114/Z 010-2025 4.2.1.2)


MEETING_KIND_LABELS: dict[MeetingKind, str] = {
    MeetingKind.SECTOR_GRID: "片区网格每周工作例会",
    MeetingKind.POLICE_LIAISON: "派出所–城运中心每周例会",
}


class ItemState(StrEnum):
    OPEN = "open"  # 推进中: carried forward to each following meeting until closed
    DONE = "done"  # 已完成


class ItemStatus(StrEnum):
    """An open item's standing against its due date (a closed item is `done`)."""

    OPEN = "open"
    OVERDUE = "overdue"  # 逾期
    DONE = "done"


def iso_week(at: datetime) -> str:
    """The ISO week (China time) a meeting held at `at` counts for, written `2025-W07`."""
    year, week, _ = at.astimezone(CHINA).isocalendar()
    return f"{year}-W{week:02d}"


def item_status(state: ItemState, due_on: date, today: date) -> ItemStatus:
    if state is ItemState.DONE:
        return ItemStatus.DONE
    return ItemStatus.OVERDUE if due_on < today else ItemStatus.OPEN


@dataclass(frozen=True)
class Attendance:
    """Departments that must attend and did not (DB 31114/Z 010-2025 4.2.2.3, 4.2.3.3)."""

    required: tuple[str, ...]
    absent: tuple[str, ...]


def attendance(required: Iterable[str], attended: Iterable[str]) -> Attendance:
    required_codes = tuple(sorted(set(required)))
    present = set(attended)
    return Attendance(required_codes, tuple(code for code in required_codes if code not in present))


@dataclass(frozen=True)
class SubjectCompliance:
    kind: MeetingKind
    subject: str  # sector grid code, or the 派出所's department code
    meeting_id: str | None  # None: the week had no meeting
    absent: tuple[str, ...]  # required departments missing from the attendees

    @property
    def held(self) -> bool:
        return self.meeting_id is not None

    @property
    def compliant(self) -> bool:
        return self.held and not self.absent


def meeting_compliance(
    subjects: Sequence[tuple[MeetingKind, str]],
    meetings: Mapping[tuple[MeetingKind, str], tuple[str, Sequence[str]]],
    required_attendees: Mapping[tuple[MeetingKind, str], Sequence[str]],
) -> list[SubjectCompliance]:
    """For each subject that must meet weekly, its meeting of the week (id, attending departments) if any, and the
    required departments absent from it. A missed meeting lists no absentees: the whole meeting is missing."""
    report = []
    for subject in subjects:
        found = meetings.get(subject)
        if found is None:
            report.append(SubjectCompliance(subject[0], subject[1], None, ()))
            continue
        meeting_id, attended = found
        absent = attendance(required_attendees.get(subject, ()), attended).absent
        report.append(SubjectCompliance(subject[0], subject[1], meeting_id, absent))
    return report
