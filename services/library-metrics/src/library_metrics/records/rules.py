"""Pure validation rules of facility records."""

import itertools
from enum import StrEnum

from library_metrics.indicators.rules import parse_clock


class AcquisitionSource(StrEnum):
    PURCHASE = "purchase"  # 采购
    DISTRICT_DELIVERY = "district_delivery"  # 区级图书馆配送 (农家书屋补充、百姓书社送书)


def sessions_problem(sessions: list[tuple[int, str, str]]) -> str | None:
    """Two sessions of the same weekday may not overlap (they would count their hours twice)."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, opens, closes in sessions:
        by_day.setdefault(weekday, []).append((parse_clock(opens), parse_clock(closes)))
    for weekday, spans in by_day.items():
        spans.sort()
        for (_, first_end), (second_start, _) in itertools.pairwise(spans):
            if second_start < first_end:
                return f"sessions overlap on weekday {weekday}"
    return None
