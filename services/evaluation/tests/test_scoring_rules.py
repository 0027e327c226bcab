"""Pure rules of the scoring model: every band edge of 表 A.2–A.4 (and the 80%/60% banding given to the missing
表 A.1), every gap and overlap of the wording, formulas (1)–(3), the impact points, vetoes, aggregation and the
indicators of §5. The annex note: "以上/以下" include the number, "大于/小于/少于" do not."""

from fractions import Fraction

import pytest

from evaluation.scoring.models import MeasureInputs, Veto
from evaluation.scoring.rules import (
    ScoreInputs,
    aggregate,
    aggregate_panel,
    allowed_range,
    band_of_points,
    decide_band,
    derive_measures,
    exact,
    impact_points,
    majority_findings,
    measure_input_problems,
    points_problem,
    score,
    scoring_model_problems,
)
from evaluation.scoring.service import scoring_models

MODEL = scoring_models()[0]


def band_for(factor_code: str, **measures: float) -> tuple[str, str]:
    factor = MODEL.factor(factor_code)
    assert factor is not None
    decision = decide_band(factor, {name: exact(value) for name, value in measures.items()})
    assert decision.band is not None
    return decision.band.band.value, decision.rule


# --- 表 A.3 预算执行率 (formula 1) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "band", "rule"),
    [
        (1.10, "high", "range"),  # DB31114/Z 017-2025 表 A.3 预算执行率 高: 大于 95%
        (0.9501, "high", "range"),  # 表 A.3 预算执行率 高: just above 95%
        (0.95, "medium", "gap"),  # 表 A.3: 95% is not 大于 95% nor 小于 95% → gap → fewer points (中)
        (0.9499, "medium", "range"),  # 表 A.3 预算执行率 中: 小于 95%
        (0.85, "medium", "range"),  # 表 A.3 预算执行率 中: 85%以上 includes 85%
        (0.8499, "low", "gap"),  # 表 A.3: between 80% and 85% no band → fewer points (低)
        (0.82, "low", "gap"),  # 表 A.3: 80–85% gap
        (0.80, "low", "gap"),  # 表 A.3 预算执行率 低: 小于 80% excludes 80% → gap → 低
        (0.7999, "low", "range"),  # 表 A.3 预算执行率 低: 小于 80%
        (0.0, "low", "range"),  # 表 A.3 预算执行率 低
    ],
)
def test_budget_execution_bands(rate: float, band: str, rule: str) -> None:
    # DB31114/Z 017-2025 表 A.3 预算执行率; 附录 A 注 (以上 inclusive, 大于/小于 exclusive)
    assert band_for("funds.budget_execution", budget_execution_rate=rate) == (band, rule)


# --- 表 A.3 预算管理 (5.3.4.3 adjustment ratio) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "band", "rule"),
    [
        (0.0, "high", "range"),  # DB31114/Z 017-2025 表 A.3 预算管理 高: 小于 5%
        (0.0499, "high", "range"),  # 表 A.3 预算管理 高
        (0.05, "medium", "range"),  # 表 A.3 预算管理 中: 5%以上 includes 5%
        (0.0999, "medium", "range"),  # 表 A.3 预算管理 中: 小于 10%
        (0.10, "low", "gap"),  # 表 A.3: 10% is neither 小于 10% nor 大于 10% → gap → fewer points (低)
        (0.1001, "low", "range"),  # 表 A.3 预算管理 低: 大于 10%
    ],
)
def test_budget_adjustment_bands(ratio: float, band: str, rule: str) -> None:
    # DB31114/Z 017-2025 表 A.3 预算管理, 5.3.4.3
    assert band_for("funds.budget_adjustment", budget_adjustment_ratio=ratio) == (band, rule)


# --- 表 A.4 产出目标 (formula 2, the lower of two rates) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "band", "rule"),
    [
        (1.0, "high", "range"),  # DB31114/Z 017-2025 表 A.4 产出目标 高: 在 95%以上
        (0.95, "high", "range"),  # 表 A.4 产出目标 高: 95%以上 includes 95% (also 5.4.1.2 ≥ 95%)
        (0.9499, "medium", "range"),  # 表 A.4 产出目标 中: 小于 95%
        (0.85, "medium", "range"),  # 表 A.4 产出目标 中: 85%以上
        (0.8499, "low", "gap"),  # 表 A.4: 80–85% uncovered → fewer points (低)
        (0.8001, "low", "gap"),  # 表 A.4: gap
        (0.80, "low", "range"),  # 表 A.4 产出目标 低: 在 80%以下 includes 80%
        (0.5, "low", "range"),  # 表 A.4 产出目标 低
    ],
)
def test_output_bands(rate: float, band: str, rule: str) -> None:
    # DB31114/Z 017-2025 表 A.4 产出目标
    assert band_for("effectiveness.output", output_completion_rate=rate) == (band, rule)


def test_output_band_follows_the_lower_of_the_two_rates() -> None:
    # DB31114/Z 017-2025 5.4.1.2: 服务人次和服务频次均应达标 (formula 2); 表 A.4 产出目标
    measures = derive_measures(
        MeasureInputs(persons_done=500, persons_planned=500, frequencies_done=34, frequencies_planned=40), MODEL
    )
    assert measures["persons_completion_rate"].value == 1
    assert measures["frequencies_completion_rate"].value == Fraction(85, 100)
    assert measures["output_completion_rate"].value == Fraction(85, 100)
    factor = MODEL.factor("effectiveness.output")
    assert factor is not None
    decision = decide_band(factor, {name: item.value for name, item in measures.items()})
    assert decision.band is not None
    assert decision.band.band.value == "medium"


# --- 表 A.4 质量目标 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "band", "rule"),
    [
        (0.85, "high", "range"),  # DB31114/Z 017-2025 表 A.4 质量目标 高: 85%以上 includes 85%
        (0.8499, "medium", "gap"),  # 表 A.4: 84%–85% uncovered → fewer points (中)
        (0.84, "medium", "gap"),  # 表 A.4 质量目标 中: 小于 84% excludes 84% → gap → 中
        (0.8399, "medium", "range"),  # 表 A.4 质量目标 中
        (0.6001, "medium", "range"),  # 表 A.4 质量目标 中
        (0.60, "medium", "overlap"),  # 表 A.4: 60% is both 60%以上 (中) and 60%以下 (低) → more points (中)
        (0.5999, "low", "range"),  # 表 A.4 质量目标 低: 60%以下
    ],
)
def test_quality_bands(rate: float, band: str, rule: str) -> None:
    # DB31114/Z 017-2025 表 A.4 质量目标
    assert band_for("effectiveness.quality", quality_target_completion_rate=rate) == (band, rule)


# --- 表 A.4 效果目标 (formula 3) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "band", "rule"),
    [
        (0.95, "high", "range"),  # DB31114/Z 017-2025 表 A.4 效果目标 高: 满意率在 95%以上 (5.4.3 ≥ 95%)
        (0.9499, "medium", "range"),  # 表 A.4 效果目标 中: 小于 95%
        (0.85, "medium", "range"),  # 表 A.4 效果目标 中: 85%以上
        (0.84, "low", "gap"),  # 表 A.4: 80–85% uncovered → fewer points (低)
        (0.80, "low", "range"),  # 表 A.4 效果目标 低: 在 80%以下 includes 80%
    ],
)
def test_effect_bands(rate: float, band: str, rule: str) -> None:
    # DB31114/Z 017-2025 表 A.4 效果目标, 5.4.3
    assert band_for("effectiveness.effect", satisfaction_rate=rate) == (band, rule)


# --- 表 A.2 counts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aspects", "band", "rule"),
    [
        (5, "high", "overlap"),  # DB31114/Z 017-2025 表 A.2 进度管理 高: all 5; also "3 个以上" (中) → more points
        (4, "medium", "range"),  # 表 A.2 进度管理 中: 3 个以上
        (3, "medium", "range"),  # 表 A.2 进度管理 中: 3 个以上 includes 3
        (2, "low", "range"),  # 表 A.2 进度管理 低: 2 个以下 includes 2
        (0, "low", "range"),  # 表 A.2 进度管理 低
    ],
)
def test_progress_bands(aspects: int, band: str, rule: str) -> None:
    # DB31114/Z 017-2025 表 A.2 进度管理, 5.2.1.6
    assert band_for("implementation.progress", progress_aspects_matched=aspects) == (band, rule)


@pytest.mark.parametrize(
    ("audiences", "band"),
    [
        (6, "high"),  # DB31114/Z 017-2025 表 A.2 资源动员 高: 6 类均
        (5, "medium"),  # 表 A.2 资源动员 中: 少于 6 类 excludes 6
        (4, "medium"),  # 表 A.2 资源动员 中: 4 类以上 includes 4
        (3, "low"),  # 表 A.2 资源动员 低: 3 类以下 includes 3
        (0, "low"),  # 表 A.2 资源动员 低
    ],
)
def test_resource_mobilization_bands(audiences: int, band: str) -> None:
    # DB31114/Z 017-2025 表 A.2 资源动员, 5.2.3
    assert band_for("implementation.resource_mobilization", mobilised_audiences=audiences) == (band, "range")


@pytest.mark.parametrize(
    ("year", "first_half", "band", "rule"),
    [
        (3, 1, "high", "range"),  # DB31114/Z 017-2025 表 A.2 沟通与信息上报 高: 全年不少于 3 篇, 半年不少于 1 篇
        (5, 2, "high", "range"),  # 表 A.2 沟通与信息上报 高
        (3, 0, "medium", "requirement"),  # 5.2.4.2: 上半年不少于 1 篇 missed → next band down (中)
        (2, 1, "medium", "range"),  # 表 A.2 沟通与信息上报 中: 全年录用 1-2 篇
        (1, 0, "medium", "range"),  # 表 A.2 沟通与信息上报 中
        (0, 0, "low", "range"),  # 表 A.2 沟通与信息上报 低: 无篇数录用
    ],
)
def test_communication_bands(year: int, first_half: int, band: str, rule: str) -> None:
    # DB31114/Z 017-2025 表 A.2 沟通与信息上报, 5.2.4.2
    measured = band_for(
        "implementation.communication_reporting", articles_in_year=year, articles_in_first_half=first_half
    )
    assert measured == (band, rule)


@pytest.mark.parametrize(
    ("points", "band", "rule"),
    [
        (8, "high", "range"),  # DB31114/Z 017-2025 表 A.4 影响目标 高: 8 ≥ X ≥ 6.4
        (6.4, "high", "range"),  # 表 A.4 影响目标 高
        (6, "medium", "range"),  # 表 A.4 影响目标 中: 6.4 > X ≥ 4.8
        (4.8, "medium", "range"),  # 表 A.4 影响目标 中
        (4, "low", "range"),  # 表 A.4 影响目标 低: 4.8 > X ≥ 0
    ],
)
def test_impact_bands(points: float, band: str, rule: str) -> None:
    # DB31114/Z 017-2025 表 A.4 影响目标
    assert band_for("effectiveness.impact", impact_points=points) == (band, rule)


@pytest.mark.parametrize(
    ("district", "above", "points"),
    [
        (0, 0, 0),  # DB31114/Z 017-2025 表 A.4 影响目标: no recognition
        (2, 0, 2),  # 区级 1 分 each
        (5, 0, 3),  # 区级 最高分不超过 3 分
        (0, 2, 4),  # 区级以上 2 分 each
        (0, 4, 6),  # 区级以上 最高分不超过 6 分
        (3, 3, 8),  # 3 + 6 = 9, never more than the factor's 8 (表 1 影响目标 8 分)
        (1, 1, 3),  # 1 + 2
    ],
)
def test_impact_points(district: int, above: int, points: int) -> None:
    # DB31114/Z 017-2025 表 A.4 影响目标 高 (各得 1 分, 最高 3 分; 区级以上各得 2 分, 最高 6 分)
    assert impact_points(district, above, MODEL) == points


# --- formulas ------------------------------------------------------------------------------------------------------


def test_formulas_1_2_3() -> None:
    # DB31114/Z 017-2025 5.3.1.2 公式 (1) C = A/B; 5.4.1.2 公式 (2) F = D/E; 5.4.3 公式 (3) I = G/H
    measures = derive_measures(
        MeasureInputs(
            budget_actual=950000,
            budget_planned=1000000,
            persons_done=480,
            persons_planned=500,
            frequencies_done=40,
            frequencies_planned=40,
            satisfied=190,
            satisfied_planned=200,
        ),
        MODEL,
    )
    assert measures["budget_execution_rate"].value == Fraction(95, 100)
    assert measures["persons_completion_rate"].value == Fraction(96, 100)
    assert measures["frequencies_completion_rate"].value == 1
    assert measures["output_completion_rate"].value == Fraction(96, 100)
    assert measures["satisfaction_rate"].value == Fraction(95, 100)
    assert "950000 / 1000000" in measures["budget_execution_rate"].explanation


def test_rates_compare_exactly_at_the_edge() -> None:
    # DB31114/Z 017-2025 表 A.4 效果目标: 57/60 is exactly 95%, which is 在 95%以上 → 高 (no float rounding)
    measures = derive_measures(MeasureInputs(satisfied=57, satisfied_planned=60), MODEL)
    factor = MODEL.factor("effectiveness.effect")
    assert factor is not None
    decision = decide_band(factor, {name: item.value for name, item in measures.items()})
    assert decision.band is not None
    assert decision.band.band.value == "high"


def test_complaint_handling_rate() -> None:
    # DB31114/Z 017-2025 5.2.2.5: 处置及时率达 100%
    assert derive_measures(MeasureInputs(complaints_valid=4, complaints_handled_in_time=3), MODEL)[
        "complaint_handling_rate"
    ].value == Fraction(3, 4)
    assert (
        derive_measures(MeasureInputs(complaints_valid=0, complaints_handled_in_time=0), MODEL)[
            "complaint_handling_rate"
        ].value
        == 1
    )


def test_measure_inputs_that_do_not_go_together() -> None:
    problems = measure_input_problems(
        MeasureInputs(budget_actual=1, persons_planned=10, articles_in_year=1, articles_in_first_half=2)
    )
    assert problems == [
        ("budget_planned", "is needed with budget_actual"),
        ("persons_done", "is needed with persons_planned"),
        ("articles_in_first_half", "cannot exceed articles_in_year"),
    ]


def test_factor_without_its_figures_is_unmeasured() -> None:
    factor = MODEL.factor("implementation.communication_reporting")
    assert factor is not None
    decision = decide_band(factor, {"articles_in_year": Fraction(3)})
    assert decision.band is None
    assert decision.missing == ("articles_in_first_half",)
    assert allowed_range(factor, decision) == (0, 2, True)


# --- points against the band ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "allowed"),
    [
        (4.8, False),  # DB31114/Z 017-2025 表 A.3 预算执行率 中: 4.8 > X — 4.8 belongs to 高
        (4.79, True),  # 表 A.3 预算执行率 中
        (3.6, True),  # 表 A.3 预算执行率 中: X ≥ 3.6
        (3.59, False),  # 表 A.3 预算执行率 中
    ],
)
def test_points_must_fall_in_the_measured_band(points: float, allowed: bool) -> None:
    # DB31114/Z 017-2025 表 A.3 预算执行率 中 (4.8 > X ≥ 3.6) for a rate of 90%
    factor = MODEL.factor("funds.budget_execution")
    assert factor is not None
    decision = decide_band(factor, {"budget_execution_rate": Fraction(9, 10)})
    assert (points_problem(factor, decision, exact(points)) is None) is allowed


def test_high_band_includes_the_maximum() -> None:
    # DB31114/Z 017-2025 表 A.2 进度管理 高: 10 ≥ X ≥ 8
    factor = MODEL.factor("implementation.progress")
    assert factor is not None
    decision = decide_band(factor, {"progress_aspects_matched": Fraction(5)})
    assert points_problem(factor, decision, Fraction(10)) is None
    assert points_problem(factor, decision, Fraction(8)) is None
    assert points_problem(factor, decision, Fraction(1001, 100)) is not None


@pytest.mark.parametrize(
    ("code", "points", "band"),
    [
        ("team.staffing", 1.6, "high"),  # 表 A.1 missing: 高 ≥ 80% of 2
        ("team.staffing", 1.59, "medium"),  # 中 ≥ 60% of 2
        ("team.staffing", 1.2, "medium"),
        ("team.staffing", 1.19, "low"),
        ("team.staff_management", 4.8, "high"),  # 高 ≥ 80% of 6
        ("team.staff_management", 3.6, "medium"),  # 中 ≥ 60% of 6
        ("team.staff_management", 3.59, "low"),
        ("team.volunteer_management", 2, "high"),
        ("team.volunteer_management", 0, "low"),
    ],
)
def test_missing_table_a1_uses_eighty_and_sixty_percent(code: str, points: float, band: str) -> None:
    # DB31114/Z 017-2025 表 1 (项目团队) — 表 A.1 absent from the text: banding of the other tables (80% / 60%)
    factor = MODEL.factor(code)
    assert factor is not None
    assert band_of_points(factor, exact(points)).band.value == band


@pytest.mark.parametrize(
    ("code", "high", "medium"),
    [
        ("implementation.professional_service", 4, 3),  # DB31114/Z 017-2025 表 A.2 专业服务管理
        ("implementation.process", 1.6, 1.2),  # 表 A.2 活动流程管理
        ("implementation.archives", 1.6, 1.2),  # 表 A.2 档案管理
        ("implementation.safety", 1.6, 1.2),  # 表 A.2 安全管理
        ("funds.expenditure_compliance", 4, 3),  # 表 A.3 项目支出合规性
        ("funds.expenditure_reasonableness", 4, 3),  # 表 A.3 项目支出合理性
        ("funds.financial_management", 4, 3),  # 表 A.3 财务管理
    ],
)
def test_assessed_factor_bands(code: str, high: float, medium: float) -> None:
    # DB31114/Z 017-2025 表 A.2/A.3: factors without a measure take any points 0..max, banded by their ranges
    factor = MODEL.factor(code)
    assert factor is not None
    decision = decide_band(factor, {})
    assert decision.rule == "unmeasured"
    assert points_problem(factor, decision, exact(factor.max_points)) is None
    assert points_problem(factor, decision, Fraction(-1)) is not None
    assert band_of_points(factor, exact(high)).band.value == "high"
    assert band_of_points(factor, exact(high) - Fraction(1, 100)).band.value == "medium"
    assert band_of_points(factor, exact(medium)).band.value == "medium"
    assert band_of_points(factor, exact(medium) - Fraction(1, 100)).band.value == "low"


# --- vetoes --------------------------------------------------------------------------------------------------------

FULL_MARKS = {factor.code: exact(factor.max_points) for factor in MODEL.factors}


def test_full_marks_make_100() -> None:
    # DB31114/Z 017-2025 4.2: 总分 100 分
    result = score(MODEL, ScoreInputs(measures={}, points=FULL_MARKS, vetoes=set()))
    assert result.total == 100
    assert result.groups == {"team": 10, "implementation": 26, "funds": 26, "effectiveness": 38}
    assert result.vetoes_applied == []


def test_safety_accident_zeroes_the_implementation_group() -> None:
    # DB31114/Z 017-2025 表 A.2 安全管理: 如有安全事故则整个项目管理为 0 分
    result = score(MODEL, ScoreInputs(measures={}, points=FULL_MARKS, vetoes={"safety_accident"}))
    assert result.groups["implementation"] == 0
    assert result.total == 74
    [veto] = result.vetoes_applied
    assert veto.code == "safety_accident"
    assert veto.points_removed == 26
    assert result.factors["implementation.progress"].vetoed_by == ["safety_accident"]
    assert result.factors["implementation.progress"].points_before_vetoes == 10


@pytest.mark.parametrize(
    ("veto", "factor"),
    [
        ("spending_progress_mismatch", "funds.expenditure_reasonableness"),  # 表 A.3 项目支出合理性 低, 5.3.3.3
        ("unapproved_budget_adjustment", "funds.budget_adjustment"),  # 表 A.3 预算管理 低, 5.3.4.2
        ("misappropriation", "funds.financial_management"),  # 表 A.3 财务管理 低, 5.3.5.3
    ],
)
def test_factor_vetoes(veto: str, factor: str) -> None:
    # DB31114/Z 017-2025 表 A.3: "则本项目的评价得分为 0 分" read as the factor
    result = score(MODEL, ScoreInputs(measures={}, points=FULL_MARKS, vetoes={veto}))
    assert result.factors[factor].points == 0
    assert result.total == 95
    assert [applied.factors for applied in result.vetoes_applied] == [[factor]]


def test_veto_scope_is_data() -> None:
    # DB31114/Z 017-2025 表 A.3 财务管理: read as the whole evaluation by a later version of the model
    vetoes = [
        Veto.model_validate({**veto.model_dump(), "scope": "evaluation", "target": None})
        if veto.code == "misappropriation"
        else veto
        for veto in MODEL.vetoes
    ]
    strict = MODEL.model_copy(update={"vetoes": vetoes})
    assert scoring_model_problems(strict) == []
    result = score(strict, ScoreInputs(measures={}, points=FULL_MARKS, vetoes={"misappropriation"}))
    assert result.total == 0
    assert result.vetoes_applied[0].points_removed == 100


def test_vetoes_apply_after_aggregation_and_are_all_listed() -> None:
    result = score(MODEL, ScoreInputs(measures={}, points=FULL_MARKS, vetoes={"safety_accident", "misappropriation"}))
    assert [veto.code for veto in result.vetoes_applied] == ["safety_accident", "misappropriation"]
    assert result.total == 100 - 26 - 5
    assert any("veto safety_accident" in line for line in result.trace)


# --- indicators of §5 ----------------------------------------------------------------------------------------------


def test_indicators() -> None:
    # DB31114/Z 017-2025 5.2.2.5 (100%), 5.2.4.2 (≥3, ≥1), 5.3.4.3 (≤10%), 5.4.1.2 (≥95%), 5.4.3 (≥95%)
    measures = derive_measures(
        MeasureInputs(
            complaints_valid=2,
            complaints_handled_in_time=2,
            articles_in_year=3,
            articles_in_first_half=0,
            budget_adjustment_ratio=0.10,
            persons_done=95,
            persons_planned=100,
            frequencies_done=9,
            frequencies_planned=10,
            satisfied=94,
            satisfied_planned=100,
        ),
        MODEL,
    )
    result = score(MODEL, ScoreInputs(measures=measures, points={}, vetoes=set()))
    met = {code: indicator.met for code, indicator in result.indicators.items()}
    assert met == {
        "complaint_handling_rate": True,
        "articles_in_year": True,
        "articles_in_first_half": False,
        "budget_adjustment_ratio": True,  # 5.3.4.3 应不超过 10%: 10% itself is within
        "persons_completion_rate": True,  # 5.4.1.2 大于或等于 95%
        "frequencies_completion_rate": False,
        "satisfaction_rate": False,
    }


def test_indicator_without_its_measure_is_unknown() -> None:
    result = score(MODEL, ScoreInputs(measures={}, points={}, vetoes=set()))
    assert result.indicators["satisfaction_rate"].met is None
    assert len(result.unscored) == 19


# --- panel ---------------------------------------------------------------------------------------------------------


def test_mean_and_median() -> None:
    points = [Fraction(8), Fraction(9), Fraction(10), Fraction(5)]
    assert aggregate(points, "mean") == 8
    assert aggregate(points, "median") == Fraction(17, 2)
    with pytest.raises(ValueError, match="no points"):
        aggregate([], "mean")


def test_panel_disagreement_is_flagged() -> None:
    # DB31114/Z 017-2025 4.1 综合性评价团队: assessors in different bands are flagged for discussion
    sheets = {
        "expert-a": {"implementation.archives": Fraction(2), "funds.financial_management": Fraction(5)},
        "expert-b": {"implementation.archives": Fraction(1), "funds.financial_management": Fraction(4)},
    }
    points, disagreements = aggregate_panel(MODEL, sheets, "mean")
    assert points == {"implementation.archives": Fraction(3, 2), "funds.financial_management": Fraction(9, 2)}
    assert [(item.factor, item.bands) for item in disagreements] == [
        ("implementation.archives", {"expert-a": "high", "expert-b": "low"})
    ]


def test_veto_findings_need_a_majority() -> None:
    majority, minority = majority_findings(
        {"a": {"misappropriation"}, "b": {"misappropriation", "spending_progress_mismatch"}, "c": set()}
    )
    assert majority == {"misappropriation"}
    assert minority == {"spending_progress_mismatch"}


# --- the model's soundness -----------------------------------------------------------------------------------------


def test_seed_model_is_sound() -> None:
    # DB31114/Z 017-2025 4.2, 表 1: 4 groups, 19 factors, 100 points; every factor banded 高/中/低
    assert scoring_model_problems(MODEL) == []
    assert len(MODEL.factors) == 19
    assert all(len(factor.bands) == 3 for factor in MODEL.factors)


def test_model_with_a_band_gap_in_points_is_rejected() -> None:
    factor = MODEL.factor("funds.budget_execution")
    assert factor is not None
    medium = factor.bands[1].model_copy(update={"min_points": 3.5})
    broken_factor = factor.model_copy(update={"bands": [factor.bands[0], medium, factor.bands[2]]})
    funds = MODEL.groups[2]
    broken = MODEL.model_copy(
        update={
            "groups": [
                *MODEL.groups[:2],
                funds.model_copy(update={"factors": [broken_factor, *funds.factors[1:]]}),
                MODEL.groups[3],
            ]
        }
    )
    assert scoring_model_problems(broken) == [
        "factor funds.budget_execution: band low must end just below 3.5, where band medium starts"
    ]


def test_veto_with_unknown_target_is_rejected() -> None:
    vetoes = [MODEL.vetoes[0].model_copy(update={"target": "nowhere"}), *MODEL.vetoes[1:]]
    assert scoring_model_problems(MODEL.model_copy(update={"vetoes": vetoes})) == [
        "veto safety_accident targets nowhere, which is no group"
    ]


@pytest.mark.parametrize(
    ("points", "allowed"),
    [(0, True), (0.5, True), (0.51, False), (1.19, False), (1.2, True), (1.6, True), (2, True)],
)
def test_safety_low_band_is_capped_at_half_a_point(points: float, allowed: bool) -> None:
    # DB 31114/Z 017-2025 表 A.2 安全管理 低: "以上几个方面不符合要求的 0 分到 0.5 分" — tighter than its 赋值
    # 1.2 > X ≥ 0, so 0.5 < X < 1.2 belongs to no band; 中 and 高 are unchanged.
    factor = MODEL.factor("implementation.safety")
    assert factor is not None
    decision = decide_band(factor, {})

    problem = points_problem(factor, decision, exact(points))

    assert (problem is None) is allowed
    if not allowed:
        assert problem is not None
        assert "0.5 ≥ X ≥ 0" in problem


def test_band_cap_outside_its_band_is_rejected() -> None:
    factor = MODEL.factor("implementation.safety")
    assert factor is not None
    low = factor.bands[2].model_copy(update={"points_cap": 1.5})
    broken_factor = factor.model_copy(update={"bands": [*factor.bands[:2], low]})
    implementation = MODEL.groups[1]
    factors = [broken_factor if item.code == factor.code else item for item in implementation.factors]
    broken = MODEL.model_copy(
        update={"groups": [MODEL.groups[0], implementation.model_copy(update={"factors": factors}), *MODEL.groups[2:]]}
    )

    assert scoring_model_problems(broken) == [
        "factor implementation.safety: band low caps its points at 1.5, outside its range 0..1.2"
    ]
