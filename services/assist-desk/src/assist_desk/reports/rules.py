"""Pure parts of the summaries: adding institutions up, and the CSV export (safe against formula injection)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from assist_desk.institutions.rules import ASSISTANCE_FORM_LABELS, INSTITUTION_KIND_LABELS, AssistanceForm
from assist_desk.reports.models import DistrictSummary, SummaryCounts
from assist_desk.reviews.rules import LEVEL_LABELS, OUTCOME_LABELS, Level, Outcome
from assist_desk.tickets.rules import CHANNEL_LABELS, FALLBACK_TYPE_LABELS, Channel, FallbackType
from jiading_shared.csv_export import csv_document

COUNTER_FIELDS = (
    "by_form",
    "by_channel",
    "by_state",
    "by_fallback_type",
    "time_limit_breaches_by_fallback_type",
    "satisfaction",
    "rectifications",
    "callbacks",
)
NUMBER_FIELDS = (
    "tickets",
    "escalations",
    "time_limit_breaches",
    "notices_issued",
    "notice_breaches",
    "bad_reviews",
)


def combine(rows: Iterable[SummaryCounts]) -> SummaryCounts:
    """The district's totals: every count and every per-key count added up."""
    numbers: Counter[str] = Counter()
    counters: dict[str, Counter[str]] = {name: Counter() for name in COUNTER_FIELDS}
    for row in rows:
        for name in NUMBER_FIELDS:
            numbers[name] += getattr(row, name)
        for name in COUNTER_FIELDS:
            counters[name].update(getattr(row, name))
    return SummaryCounts(
        **{name: numbers[name] for name in NUMBER_FIELDS},
        **{name: dict(counter) for name, counter in counters.items()},
    )


# (header, field, key): a column of the export; key None reads a number field, otherwise a key of a counter field.
COLUMNS: Sequence[tuple[str, str, str | None]] = (
    ("受理总数 tickets", "tickets", None),
    *((f"{ASSISTANCE_FORM_LABELS[form]} {form.value}", "by_form", form.value) for form in AssistanceForm),
    *((f"{CHANNEL_LABELS[channel]} {channel.value}", "by_channel", channel.value) for channel in Channel),
    ("兜底办 escalations", "escalations", None),
    *((f"兜底·{FALLBACK_TYPE_LABELS[kind]} {kind.value}", "by_fallback_type", kind.value) for kind in FallbackType),
    ("超时限 time_limit_breaches", "time_limit_breaches", None),
    *(
        (
            f"兜底·{FALLBACK_TYPE_LABELS[kind]}超时限 {kind.value}_breaches",
            "time_limit_breaches_by_fallback_type",
            kind.value,
        )
        for kind in FallbackType
    ),
    ("一次性告知 notices_issued", "notices_issued", None),
    ("一次性告知违规 notice_breaches", "notice_breaches", None),
    *((f"评价·{LEVEL_LABELS[level]} {level.value}", "satisfaction", level.value) for level in Level),
    ("差评 bad_reviews", "bad_reviews", None),
    ("整改中 rectifications_open", "rectifications", "open"),
    ("已整改 rectifications_closed", "rectifications", "closed"),
    ("整改逾期 rectifications_overdue", "rectifications", "overdue"),
    *(
        (f"整改结果·{OUTCOME_LABELS[outcome]} {outcome.value}", "rectifications", f"outcome_{outcome.value}")
        for outcome in Outcome
    ),
    ("回访抽取 callbacks_drawn", "callbacks", "drawn"),
    ("回访完成 callbacks_done", "callbacks", "done"),
    ("回访接通 callbacks_reached", "callbacks", "reached"),
)


def _value(counts: SummaryCounts, field: str, key: str | None) -> int:
    return getattr(counts, field) if key is None else getattr(counts, field).get(key, 0)


def district_csv(summary: DistrictSummary) -> str:
    """One row per institution and a total row, as a spreadsheet-safe CSV document (shared csv_export)."""
    header = ["机构 institution", "类型 kind", "镇街 town", "起 from", "止 to", *(c[0] for c in COLUMNS)]
    period = [summary.period_from.isoformat(), summary.period_to.isoformat()]
    rows: list[list[object]] = [
        [
            row.institution_name,
            INSTITUTION_KIND_LABELS[row.institution_kind],
            row.town,
            *period,
            *(_value(row, field, key) for _header, field, key in COLUMNS),
        ]
        for row in summary.institutions
    ]
    scope = f"合计 total ({summary.town})" if summary.town else "全区合计 district total"
    rows.append([scope, "", summary.town, *period, *(_value(summary.totals, f, k) for _h, f, k in COLUMNS)])
    return csv_document(header, rows)
