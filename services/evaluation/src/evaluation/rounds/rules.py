"""Pure rules of rounds: what changed between two sheets (the audit trail), the provider's self-evaluation next to
the panel's result, and the CSV form of a published result."""

from collections.abc import Mapping
from typing import Any

from evaluation.scoring.rules import ScoreResult
from jiading_shared.csv_export import csv_document

CSV_COLUMNS = (
    "row",
    "code",
    "name",
    "max_points",
    "points",
    "band",
    "allowed_min",
    "allowed_max",
    "allowed",
    "measure",
    "measured_value",
    "band_rule",
    "vetoed_by",
    "evidence",
    "clause",
)


def sheet_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Readable differences between two versions of a score sheet: factor points and veto findings."""
    old_scores: Mapping[str, float] = (before or {}).get("scores", {})
    new_scores: Mapping[str, float] = after.get("scores", {})
    changes = [
        f"{code}: {old_scores.get(code)} → {new_scores.get(code)}"
        for code in sorted(set(old_scores) | set(new_scores))
        if old_scores.get(code) != new_scores.get(code)
    ]
    old_vetoes, new_vetoes = set((before or {}).get("vetoes", [])), set(after.get("vetoes", []))
    changes += [f"veto {code} found" for code in sorted(new_vetoes - old_vetoes)]
    changes += [f"veto {code} withdrawn" for code in sorted(old_vetoes - new_vetoes)]
    return changes


def self_evaluation_comparison(self_scores: Mapping[str, float], result: ScoreResult) -> dict[str, Any]:
    """The provider's own points (5.2.5.5) beside the panel's, never mixed into them."""
    differences = {
        code: round(points - (result.factors[code].points or 0), 2)
        for code, points in self_scores.items()
        if code in result.factors
    }
    total = round(sum(self_scores.values()), 2)
    return {"scores": dict(self_scores), "total": total, "difference_to_panel": differences}


def result_csv(result: ScoreResult) -> str:
    """One row per factor, then per group, then the total and the vetoes; UTF-8 with BOM so that spreadsheet programs
    open the Chinese names correctly."""
    rows: list[tuple[object, ...]] = []
    for factor in result.factors.values():
        rows.append(
            (
                "factor",
                factor.code,
                factor.name,
                factor.max_points,
                "" if factor.points is None else f"{factor.points:g}",
                factor.band.value if factor.band else "",
                f"{factor.allowed[0]:g}",
                f"{factor.allowed[1]:g}",
                factor.allowed_text,
                factor.measure.name if factor.measure else "",
                f"{factor.measure.value:g}" if factor.measure else "",
                factor.band_rule,
                " ".join(factor.vetoed_by),
                " ".join(item["id"] for item in factor.evidence),
                f"{factor.clause}; {factor.annex}",
            )
        )
    for code, points in result.groups.items():
        rows.append(("group", code, "", "", f"{points:g}", *[""] * 10))
    rows.append(("total", "", "", result.max_total, f"{result.total:g}", *[""] * 10))
    for veto in result.vetoes_applied:
        rows.append(
            (
                "veto",
                veto.code,
                veto.name,
                "",
                f"-{veto.points_removed:g}",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                veto.clause,
            )
        )
    return csv_document(CSV_COLUMNS, rows)
