"""Pure rules of one-time notification."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Problem(StrEnum):
    MISSING = "missing"  # 材料不齐全
    NOT_IN_LEGAL_FORM = "not_in_legal_form"  # 不符合法定形式


@dataclass(frozen=True)
class MaterialState:
    """What the ticket knew about one checklist material when a notice was issued."""

    code: str
    required: bool
    in_hand: bool  # provided or completed on the spot before the notice


def unlisted_missing(checklist: Iterable[MaterialState], listed: Iterable[str]) -> list[str]:
    """Required materials neither in hand nor listed: a first notice that leaves them out would not be one-time."""
    named = set(listed)
    return [m.code for m in checklist if m.required and not m.in_hand and m.code not in named]


def breaches(
    first_notice_listed: Iterable[str],
    missing_at_first: Iterable[str],
    in_hand_at_first: Iterable[str],
    later_items: Mapping[str, Problem],
) -> list[str]:
    """Materials a later notice asks for that the first notice should have named (7.3.2.1 一次性告知):

    - missing now and already missing at the first notice, but not named there;
    - found not in legal form now although it was in hand at the first notice and not named there.

    A material named in the first notice (a reminder) or one brought after it (a new defect) is no breach."""
    listed = set(first_notice_listed)
    missing_then = set(missing_at_first)
    in_hand_then = set(in_hand_at_first)
    found: list[str] = []
    for code, problem in later_items.items():
        if code in listed:
            continue
        missing_before = problem is Problem.MISSING and code in missing_then
        defect_overlooked = problem is Problem.NOT_IN_LEGAL_FORM and code in in_hand_then
        if missing_before or defect_overlooked:
            found.append(code)
    return found
