"""Pure rules of the scoring model (DB 31114/Z 017—2025 4.2, 表 1, 附录 A): the model's own soundness, the measures of
formulas (1)–(3), the band a measured value fixes, the points an assessor may give, aggregation over a panel, vetoes
and the indicators of §5. No I/O: everything here is decided from its arguments.

Band rule (one rule for every gap and overlap the tables' wording leaves, README "Bands"): a measured value that fits
exactly one band takes it; one that fits two takes the band with more points; one that fits none takes the adjacent
band with fewer points; and a band's further conditions (`requires`), when unmet, send the value to the next band down.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel

from evaluation.scoring.models import (
    Band,
    BandCode,
    Factor,
    Indicator,
    MeasureInputs,
    MeasureRange,
    ScoringModel,
    VetoScope,
)

# DB 31114/Z 017-2025 4.2: "总分 100 分".
TOTAL_POINTS = 100

# The measures a band may name, with how each is obtained (the formulas are the standard's, so they are code).
MEASURES: dict[str, str] = {
    "budget_execution_rate": "预算执行率 C = A / B (5.3.1.2 公式 1)",
    "persons_completion_rate": "服务人次完成率 F = D / E (5.4.1.2 公式 2)",
    "frequencies_completion_rate": "服务频次完成率 F = D / E (5.4.1.2 公式 2)",
    "output_completion_rate": "产出完成率: the lower of 服务人次 and 服务频次 completion rates (表 A.4 产出目标)",
    "satisfaction_rate": "满意率 I = G / H (5.4.3 公式 3), G = the lowest of the six aspects",
    "budget_adjustment_ratio": "预算调整比例 (5.3.4.3)",
    "progress_aspects_matched": "aspects of the five that match the bid and schedule (表 A.2 进度管理)",
    "mobilised_audiences": "audiences of the six mobilised (表 A.2 资源动员)",
    "articles_in_year": "articles accepted by 一网一台一微一刊 in the year (5.2.4.2)",
    "articles_in_first_half": "articles accepted in the first half of the year (5.2.4.2)",
    "quality_target_completion_rate": "质量目标完成率 (表 A.4 质量目标)",
    "impact_points": "影响分: district recognitions 1 each up to 3, above district 2 each up to 6 (表 A.4 影响目标)",
    "complaint_handling_rate": "有效投诉处置及时率 (5.2.2.5)",
}

BandRule = Literal["unmeasured", "range", "overlap", "gap", "requirement"]


def exact(value: float | int | Fraction) -> Fraction:
    """An exact number: 0.95 is 95/100, not the binary float nearest to it, so band edges compare exactly."""
    return value if isinstance(value, Fraction) else Fraction(str(value))


def as_float(value: Fraction, digits: int = 4) -> float:
    return float(round(value, digits))


def plain(value: float | int) -> str:
    """950000 rather than 9.5e+05."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def percent(value: Fraction) -> str:
    return f"{float(value * 100):.2f}%"


# --- the model's soundness -----------------------------------------------------------------------------------------


def scoring_model_problems(model: ScoringModel) -> list[str]:
    """Everything that makes `model` unusable; empty when it is sound. Codes are unique, each factor belongs to its
    group, group points are the sum of their factors', the maxima add up to 100, each factor's three bands 高/中/低
    tile 0..max without gap or overlap, a measured factor's bands all name its measure, and vetoes target something
    that exists."""
    problems: list[str] = []
    for kind, codes in (
        ("group", [group.code for group in model.groups]),
        ("factor", [factor.code for factor in model.factors]),
        ("veto", [veto.code for veto in model.vetoes]),
    ):
        problems += [f"{kind} code {code} appears {count} times" for code, count in Counter(codes).items() if count > 1]
    for group in model.groups:
        problems += [
            f"factor {factor.code} is not named after its group {group.code}"
            for factor in group.factors
            if not factor.code.startswith(f"{group.code}.")
        ]
        factor_points = sum(factor.max_points for factor in group.factors)
        if factor_points != group.max_points:
            problems.append(
                f"group {group.code} has {group.max_points} points but its factors add up to {factor_points}"
            )
    for factor in model.factors:
        problems += _band_problems(factor)
    factor_total = sum(factor.max_points for factor in model.factors)
    if model.total_points != TOTAL_POINTS:
        problems.append(f"the model totals {model.total_points} points, not {TOTAL_POINTS}")
    if factor_total != model.total_points:
        problems.append(f"the factors add up to {factor_total} points, not {model.total_points}")
    group_codes = {group.code for group in model.groups}
    factor_codes = {factor.code for factor in model.factors}
    for veto in model.vetoes:
        targets = {VetoScope.FACTOR: factor_codes, VetoScope.GROUP: group_codes}.get(veto.scope)
        if targets is None and veto.target is not None:
            problems.append(f"veto {veto.code} covers the whole evaluation and takes no target")
        if targets is not None and veto.target not in targets:
            problems.append(f"veto {veto.code} targets {veto.target}, which is no {veto.scope.value}")
    problems += [
        f"indicator {indicator.code} reads unknown measure {indicator.measure}"
        for indicator in model.indicators
        if indicator.measure not in MEASURES
    ]
    return problems


def _band_problems(factor: Factor) -> list[str]:
    problems: list[str] = []
    codes = [band.band for band in factor.bands]
    if codes != [BandCode.HIGH, BandCode.MEDIUM, BandCode.LOW]:
        return [f"factor {factor.code} must list its bands high, medium, low; it lists {[str(c) for c in codes]}"]
    high, medium, low = factor.bands
    if not (high.max_points == factor.max_points and high.max_inclusive):
        problems.append(f"factor {factor.code}: band high must reach {factor.max_points} inclusive")
    if low.min_points != 0:
        problems.append(f"factor {factor.code}: band low must start at 0")
    for upper, lower in ((high, medium), (medium, low)):
        if lower.max_points != upper.min_points or lower.max_inclusive:
            problems.append(
                f"factor {factor.code}: band {lower.band.value} must end just below {upper.min_points:g}, "
                f"where band {upper.band.value} starts"
            )
    for band in factor.bands:
        if band.min_points >= band.max_points:
            problems.append(f"factor {factor.code}: band {band.band.value} has an empty point range")
        if band.points_cap is not None and not band.min_points <= band.points_cap < band.max_points:
            problems.append(
                f"factor {factor.code}: band {band.band.value} caps its points at {band.points_cap:g}, "
                f"outside its range {band.min_points:g}..{band.max_points:g}"
            )
        named = [band.when, *band.requires] if band.when else list(band.requires)
        problems += [
            f"factor {factor.code}: band {band.band.value} reads unknown measure {condition.measure}"
            for condition in named
            if condition.measure not in MEASURES
        ]
        if factor.measure is None and band.when is not None:
            problems.append(f"factor {factor.code} has no measure but band {band.band.value} names one")
        if factor.measure is not None and (band.when is None or band.when.measure != factor.measure):
            problems.append(f"factor {factor.code}: band {band.band.value} must cover values of {factor.measure}")
    if factor.measure is not None and factor.measure not in MEASURES:
        problems.append(f"factor {factor.code} reads unknown measure {factor.measure}")
    return problems


# --- measures ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    value: Fraction
    explanation: str


def measure_input_problems(inputs: MeasureInputs) -> list[tuple[str, str]]:
    """(field, message) for figures that cannot go together: a numerator without its denominator or the reverse, and
    counts that exceed their whole."""
    problems: list[tuple[str, str]] = []
    pairs = (
        ("budget_actual", "budget_planned"),
        ("persons_done", "persons_planned"),
        ("frequencies_done", "frequencies_planned"),
        ("satisfied", "satisfied_planned"),
        ("complaints_handled_in_time", "complaints_valid"),
    )
    for part, whole in pairs:
        has_part, has_whole = getattr(inputs, part) is not None, getattr(inputs, whole) is not None
        if has_part and not has_whole:
            problems.append((whole, f"is needed with {part}"))
        if has_whole and not has_part:
            problems.append((part, f"is needed with {whole}"))
    if (
        inputs.articles_in_year is not None
        and inputs.articles_in_first_half is not None
        and inputs.articles_in_first_half > inputs.articles_in_year
    ):
        problems.append(("articles_in_first_half", "cannot exceed articles_in_year"))
    if (
        inputs.complaints_valid is not None
        and inputs.complaints_handled_in_time is not None
        and inputs.complaints_handled_in_time > inputs.complaints_valid
    ):
        problems.append(("complaints_handled_in_time", "cannot exceed complaints_valid"))
    return problems


def impact_points(district: int, above_district: int, model: ScoringModel) -> Fraction:
    """表 A.4 影响目标: district-level reports, honours, articles 1 point each up to 3; above district 2 each up to 6;
    never more than the factor's maximum."""
    rule = model.impact_points
    district_points = min(exact(rule.district_points_each) * district, exact(rule.district_cap))
    above_points = min(exact(rule.above_district_points_each) * above_district, exact(rule.above_district_cap))
    factor = model.factor("effectiveness.impact")
    ceiling = exact(factor.max_points) if factor else district_points + above_points
    return min(district_points + above_points, ceiling)


def derive_measures(inputs: MeasureInputs, model: ScoringModel) -> dict[str, Measured]:
    """The measures the figures allow, each with the formula and numbers it came from. Expects figures that passed
    `measure_input_problems`."""
    measured: dict[str, Measured] = {}

    def ratio(name: str, label: str, numerator: float | int | None, denominator: float | int | None) -> None:
        if numerator is None or denominator is None:
            return
        value = exact(numerator) / exact(denominator)
        measured[name] = Measured(value, f"{label} = {plain(numerator)} / {plain(denominator)} = {percent(value)}")

    ratio("budget_execution_rate", "预算执行率 C = A / B (公式 1)", inputs.budget_actual, inputs.budget_planned)
    ratio("persons_completion_rate", "服务人次完成率 F = D / E (公式 2)", inputs.persons_done, inputs.persons_planned)
    ratio(
        "frequencies_completion_rate",
        "服务频次完成率 F = D / E (公式 2)",
        inputs.frequencies_done,
        inputs.frequencies_planned,
    )
    persons, frequencies = measured.get("persons_completion_rate"), measured.get("frequencies_completion_rate")
    if persons and frequencies:
        lower = min(persons.value, frequencies.value)
        measured["output_completion_rate"] = Measured(
            lower, f"the lower of 服务人次 {percent(persons.value)} and 服务频次 {percent(frequencies.value)}"
        )
    ratio("satisfaction_rate", "满意率 I = G / H (公式 3)", inputs.satisfied, inputs.satisfied_planned)
    ratio(
        "complaint_handling_rate",
        "有效投诉处置及时率",
        inputs.complaints_handled_in_time,
        inputs.complaints_valid if inputs.complaints_valid else None,
    )
    if inputs.complaints_valid == 0:
        # No valid complaint: nothing was left unhandled (5.2.2.5 asks for 100% of those received).
        measured["complaint_handling_rate"] = Measured(Fraction(1), "有效投诉处置及时率: no valid complaint = 100%")
    for name in (
        "budget_adjustment_ratio",
        "progress_aspects_matched",
        "mobilised_audiences",
        "articles_in_year",
        "articles_in_first_half",
        "quality_target_completion_rate",
    ):
        value = getattr(inputs, name)
        if value is not None:
            measured[name] = Measured(exact(value), f"{name} = {plain(value)} (given)")
    if inputs.district_recognitions is not None or inputs.above_district_recognitions is not None:
        district, above = inputs.district_recognitions or 0, inputs.above_district_recognitions or 0
        points = impact_points(district, above, model)
        measured["impact_points"] = Measured(
            points, f"影响分 = {district} 区级 and {above} 区级以上 recognitions → {float(points):g}"
        )
    return measured


# --- bands ---------------------------------------------------------------------------------------------------------


def in_range(condition: MeasureRange, value: Fraction) -> bool:
    """Whether `value` meets the condition as worded ("以上/以下" inclusive, "大于/小于/少于" exclusive)."""
    if condition.lower is not None:
        lower = exact(condition.lower)
        if value < lower or (value == lower and not condition.lower_inclusive):
            return False
    if condition.upper is not None:
        upper = exact(condition.upper)
        if value > upper or (value == upper and not condition.upper_inclusive):
            return False
    return True


def _entirely_below(condition: MeasureRange, value: Fraction) -> bool:
    if condition.upper is None:
        return False
    upper = exact(condition.upper)
    return upper < value or (upper == value and not condition.upper_inclusive)


def _entirely_above(condition: MeasureRange, value: Fraction) -> bool:
    if condition.lower is None:
        return False
    lower = exact(condition.lower)
    return lower > value or (lower == value and not condition.lower_inclusive)


@dataclass(frozen=True)
class BandDecision:
    """The band a measure fixes for a factor, and which part of the band rule decided it."""

    band: Band | None  # None: the factor is not measured (no measure, or its figures are missing)
    rule: BandRule
    measure: str | None = None
    value: Fraction | None = None
    explanation: str = ""
    missing: tuple[str, ...] = ()


def _measures_named(factor: Factor) -> list[str]:
    names = [factor.measure] if factor.measure else []
    for band in factor.bands:
        names += [condition.measure for condition in band.requires if condition.measure not in names]
    return names


def decide_band(factor: Factor, measures: Mapping[str, Fraction]) -> BandDecision:
    """The band the measured value fixes (表 A.2–A.4), by the band rule of this module."""
    if factor.measure is None:
        return BandDecision(None, "unmeasured", explanation=f"{factor.code} is assessed, not measured")
    missing = tuple(name for name in _measures_named(factor) if name not in measures)
    if missing:
        return BandDecision(
            None,
            "unmeasured",
            measure=factor.measure,
            explanation=f"{factor.code}: no band fixed, missing {', '.join(missing)}",
            missing=missing,
        )
    value = measures[factor.measure]
    shown = _show(factor.measure, value)
    ranked = sorted(factor.bands, key=lambda band: band.max_points, reverse=True)
    fitting = [band for band in ranked if band.when and in_range(band.when, value)]
    rule: BandRule
    if len(fitting) == 1:
        chosen, rule = fitting[0], "range"
        explanation = f"{shown} is {chosen.when.text if chosen.when else ''} → {chosen.label}"
    elif fitting:
        chosen, rule = fitting[0], "overlap"
        worded = "; ".join(f"{band.label} {band.when.text if band.when else ''}" for band in fitting)
        explanation = (
            f"{shown} fits two bands as written ({worded}) → overlap rule: the band with more points, {chosen.label}"
        )
    else:
        below = [band for band in ranked if band.when and _entirely_below(band.when, value)]
        above = [band for band in ranked if band.when and _entirely_above(band.when, value)]
        neighbours = []
        if below:
            neighbours.append(max(below, key=lambda band: exact(band.when.upper or 0) if band.when else 0))
        if above:
            neighbours.append(min(above, key=lambda band: exact(band.when.lower or 0) if band.when else 0))
        chosen = min(neighbours, key=lambda band: band.max_points)
        rule = "gap"
        worded = "; ".join(f"{band.label} {band.when.text if band.when else ''}" for band in neighbours)
        explanation = (
            f"{shown} fits no band as written ({worded}) → gap rule: the adjacent band with fewer points, "
            f"{chosen.label}"
        )
    unmet = [condition for condition in chosen.requires if not in_range(condition, measures[condition.measure])]
    while unmet:
        position = ranked.index(chosen)
        if position == len(ranked) - 1:
            break
        missed = "; ".join(f"{c.text} ({_show(c.measure, measures[c.measure])})" for c in unmet)
        chosen, rule = ranked[position + 1], "requirement"
        explanation += f"; misses {missed} → next band down, {chosen.label}"
        unmet = [condition for condition in chosen.requires if not in_range(condition, measures[condition.measure])]
    return BandDecision(chosen, rule, measure=factor.measure, value=value, explanation=explanation)


def _show(measure: str, value: Fraction) -> str:
    is_rate = measure.endswith(("_rate", "_ratio"))
    return f"{measure} {percent(value) if is_rate else f'{float(value):g}'}"


def allowed_range(factor: Factor, decision: BandDecision) -> tuple[Fraction, Fraction, bool]:
    """(lowest, highest, highest included) points an assessor may give: the fixed band's range, or 0..max."""
    if decision.band is None:
        return Fraction(0), exact(factor.max_points), True
    band = decision.band
    if band.points_cap is not None:
        return exact(band.min_points), exact(band.points_cap), True
    return exact(band.min_points), exact(band.max_points), band.max_inclusive


def allowed_text(lowest: Fraction, highest: Fraction, inclusive: bool) -> str:
    return f"{float(highest):g} {'≥' if inclusive else '>'} X ≥ {float(lowest):g}"


def points_problem(factor: Factor, decision: BandDecision, points: Fraction) -> str | None:
    """Why `points` may not be given for `factor` under `decision`, or None when they may."""
    lowest, highest, inclusive = allowed_range(factor, decision)
    if lowest <= points <= highest and (inclusive or points < highest):
        capped = band_of_points(factor, points)
        if capped.points_cap is None or points <= exact(capped.points_cap):
            return None
        # A band whose 说明 caps it (表 A.2 安全管理 低: "0 分到 0.5 分"): the points above the cap belong to no band.
        return (
            f"{float(points):g} points fall in band {capped.label}, whose 说明 allows only {capped.points_text} "
            f"({capped.description})"
        )
    where = f"band {decision.band.label} ({decision.explanation})" if decision.band else f"0..{factor.max_points}"
    return (
        f"{float(points):g} points are outside the allowed range {allowed_text(lowest, highest, inclusive)} of {where}"
    )


def band_of_points(factor: Factor, points: Fraction) -> Band:
    """The band whose point range holds `points` (the bands tile 0..max, checked by scoring_model_problems)."""
    for band in factor.bands:
        lowest, highest = exact(band.min_points), exact(band.max_points)
        if lowest <= points <= highest and (band.max_inclusive or points < highest):
            return band
    return factor.bands[-1]


# --- panel aggregation ---------------------------------------------------------------------------------------------

Aggregation = Literal["mean", "median"]


def aggregate(values: Iterable[Fraction], method: Aggregation) -> Fraction:
    """One figure from the assessors' points for a factor: mean (default) or median."""
    points = list(values)
    if not points:
        raise ValueError("no points to aggregate")
    if method == "median":
        return Fraction(statistics.median(points))
    return sum(points, Fraction(0)) / len(points)


@dataclass(frozen=True)
class Disagreement:
    factor: str
    bands: dict[str, str]  # assessor → band


def aggregate_panel(
    model: ScoringModel, sheets: Mapping[str, Mapping[str, Fraction]], method: Aggregation
) -> tuple[dict[str, Fraction], list[Disagreement]]:
    """Per factor, the aggregate of the assessors who scored it, and the factors whose assessors chose different
    bands (flagged for discussion)."""
    aggregated: dict[str, Fraction] = {}
    disagreements: list[Disagreement] = []
    for factor in model.factors:
        given = {assessor: sheet[factor.code] for assessor, sheet in sheets.items() if factor.code in sheet}
        if not given:
            continue
        aggregated[factor.code] = aggregate(given.values(), method)
        bands = {assessor: band_of_points(factor, points).band.value for assessor, points in given.items()}
        if len(set(bands.values())) > 1:
            disagreements.append(Disagreement(factor.code, dict(sorted(bands.items()))))
    return aggregated, disagreements


def majority_findings(findings: Mapping[str, Iterable[str]]) -> tuple[set[str], set[str]]:
    """Veto findings of a panel: (held by more than half of the assessors, held by some but not a majority)."""
    counts: Counter[str] = Counter(code for codes in findings.values() for code in set(codes))
    panel = len(findings)
    majority = {code for code, count in counts.items() if count * 2 > panel}
    return majority, set(counts) - majority


# --- the score -----------------------------------------------------------------------------------------------------


class MeasureOut(BaseModel):
    name: str
    value: float
    explanation: str


class FactorResult(BaseModel):
    code: str
    name: str
    group: str
    max_points: int
    clause: str
    annex: str
    points: float | None
    points_before_vetoes: float | None
    band: BandCode | None
    band_label: str | None
    measured_band: BandCode | None
    band_rule: BandRule
    band_explanation: str
    allowed: tuple[float, float]
    allowed_text: str
    measure: MeasureOut | None
    vetoed_by: list[str] = []
    evidence: list[dict[str, str]] = []


class VetoApplied(BaseModel):
    code: str
    name: str
    scope: VetoScope
    target: str | None
    clause: str
    explanation: str
    factors: list[str]
    points_removed: float


class IndicatorResult(BaseModel):
    name: str
    measure: str
    value: float | None
    target: float
    comparison: str
    met: bool | None
    clause: str


class ScoreResult(BaseModel):
    scoring_model_id: str
    total: float
    max_total: int
    groups: dict[str, float]
    factors: dict[str, FactorResult]
    vetoes_applied: list[VetoApplied]
    indicators: dict[str, IndicatorResult]
    unscored: list[str]
    trace: list[str]


@dataclass
class ScoreInputs:
    measures: dict[str, Measured]
    points: dict[str, Fraction]
    vetoes: set[str]
    evidence: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def decide_bands(model: ScoringModel, measures: Mapping[str, Measured]) -> dict[str, BandDecision]:
    values = {name: measured.value for name, measured in measures.items()}
    return {factor.code: decide_band(factor, values) for factor in model.factors}


def points_problems(
    model: ScoringModel, decisions: Mapping[str, BandDecision], points: Mapping[str, Fraction]
) -> list[tuple[str, str]]:
    """(factor code, message) for every unknown factor and every points outside the allowed range."""
    problems: list[tuple[str, str]] = []
    for code, given in points.items():
        factor = model.factor(code)
        if factor is None:
            problems.append((code, "is not a factor of the scoring model"))
            continue
        message = points_problem(factor, decisions[code], given)
        if message:
            problems.append((code, message))
    return problems


def score(model: ScoringModel, inputs: ScoreInputs) -> ScoreResult:
    """The result of one evaluation: bands fixed by the measures, the points (already checked against them), vetoes
    applied after aggregation, group and total sums, the indicators of §5, and a trace explaining each step."""
    decisions = decide_bands(model, inputs.measures)
    trace = [f"scoring model {model.id} ({model.standard}, in force from {model.effective_from.isoformat()})"]
    trace += [f"measure {name}: {measured.explanation}" for name, measured in inputs.measures.items()]
    final: dict[str, Fraction | None] = {factor.code: inputs.points.get(factor.code) for factor in model.factors}
    vetoed_by: dict[str, list[str]] = {factor.code: [] for factor in model.factors}
    applied: list[VetoApplied] = []
    for veto in model.vetoes:
        if veto.code not in inputs.vetoes:
            continue
        if veto.scope is VetoScope.EVALUATION:
            targets = [factor.code for factor in model.factors]
        elif veto.scope is VetoScope.GROUP:
            targets = [factor.code for factor in model.factors if factor.code.startswith(f"{veto.target}.")]
        else:
            targets = [veto.target] if veto.target else []
        removed = sum((final[code] or Fraction(0) for code in targets), Fraction(0))
        for code in targets:
            final[code] = Fraction(0)
            vetoed_by[code].append(veto.code)
        applied.append(
            VetoApplied(
                code=veto.code,
                name=veto.name,
                scope=veto.scope,
                target=veto.target,
                clause=veto.clause,
                explanation=veto.explanation,
                factors=targets,
                points_removed=as_float(removed, 2),
            )
        )
        trace.append(
            f"veto {veto.code} ({veto.name}, {veto.clause}): {veto.scope.value} {veto.target or ''} scores 0, "
            f"{float(removed):g} points removed"
        )
    factors: dict[str, FactorResult] = {}
    groups: dict[str, float] = {}
    total = Fraction(0)
    values = {name: measured.value for name, measured in inputs.measures.items()}
    for group in model.groups:
        group_points = Fraction(0)
        for factor in group.factors:
            decision = decisions[factor.code]
            points = final[factor.code]
            lowest, highest, inclusive = allowed_range(factor, decision)
            band = band_of_points(factor, points) if points is not None else decision.band
            measure = None
            if decision.measure and decision.value is not None:
                measure = MeasureOut(
                    name=decision.measure,
                    value=as_float(decision.value),
                    explanation=inputs.measures[decision.measure].explanation,
                )
            factors[factor.code] = FactorResult(
                code=factor.code,
                name=factor.name,
                group=group.code,
                max_points=factor.max_points,
                clause=factor.clause,
                annex=factor.annex,
                points=as_float(points, 2) if points is not None else None,
                points_before_vetoes=(
                    as_float(inputs.points[factor.code], 2) if factor.code in inputs.points else None
                ),
                band=band.band if band else None,
                band_label=band.label if band else None,
                measured_band=decision.band.band if decision.band else None,
                band_rule=decision.rule,
                band_explanation=decision.explanation,
                allowed=(float(lowest), float(highest)),
                allowed_text=allowed_text(lowest, highest, inclusive),
                measure=measure,
                vetoed_by=vetoed_by[factor.code],
                evidence=inputs.evidence.get(factor.code, []),
            )
            if decision.band is not None:
                trace.append(f"{factor.code} {factor.name}: {decision.explanation}")
            if points is not None:
                group_points += points
                trace.append(f"{factor.code}: {float(points):g} of {factor.max_points} points")
        groups[group.code] = as_float(group_points, 2)
        total += group_points
        trace.append(f"group {group.code} {group.name}: {float(group_points):g} of {group.max_points}")
    trace.append(f"total {float(total):g} of {model.total_points}")
    return ScoreResult(
        scoring_model_id=model.id,
        total=as_float(total, 2),
        max_total=model.total_points,
        groups=groups,
        factors=factors,
        vetoes_applied=applied,
        indicators={indicator.code: indicator_result(indicator, values) for indicator in model.indicators},
        unscored=[code for code, points in final.items() if points is None],
        trace=trace,
    )


def indicator_result(indicator: Indicator, measures: Mapping[str, Fraction]) -> IndicatorResult:
    """A §5 target against its measure: met, missed, or unknown (None) when the measure is missing."""
    value = measures.get(indicator.measure)
    met = None
    if value is not None:
        target = exact(indicator.target)
        met = value >= target if indicator.comparison == "at_least" else value <= target
    return IndicatorResult(
        name=indicator.name,
        measure=indicator.measure,
        value=as_float(value) if value is not None else None,
        target=indicator.target,
        comparison=indicator.comparison,
        met=met,
        clause=indicator.clause,
    )
