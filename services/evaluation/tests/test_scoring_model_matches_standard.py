"""The seeded scoring model tied to the standard's tables factor by factor: DB 31114/Z 017—2025 4.2 表 1 (groups,
factors, 权重值) and 附录 A 表 A.2–A.4 (赋值 of 高/中/低). The rows below are copied from the standard's text, not
from the YAML, so an edit that swaps two factors' points or moves a band edge fails here."""

import pytest

from evaluation.scoring.models import BandCode, Factor, ScoringModel
from evaluation.scoring.service import scoring_models

SEED_ID = "db31114-z017-2025"

# 表 1: 评价项目 (code, name, 权重值).
GROUPS = [
    ("team", "项目团队", 10),
    ("implementation", "项目实施", 26),
    ("funds", "资金管理", 26),
    ("effectiveness", "项目效能", 38),
]

# 表 1 评价因子 (name, 权重值) and 附录 A 赋值: 高 "max ≥ X ≥ high_min", 中 "high_min > X ≥ medium_min",
# 低 "medium_min > X ≥ 0"; the table each comes from; the measure that fixes the band (None: assessed).
# 表 A.1 (项目团队) is missing from the published text: 80% / 60% of the 权重值, as every other table bands.
FACTORS = [
    ("team.staffing", "人员配置", 2, 1.6, 1.2, "表 A.1", None),
    ("team.staff_management", "工作人员管理", 6, 4.8, 3.6, "表 A.1", None),
    ("team.volunteer_management", "志愿者管理", 2, 1.6, 1.2, "表 A.1", None),
    ("implementation.progress", "进度管理", 10, 8, 6, "表 A.2", "progress_aspects_matched"),
    ("implementation.professional_service", "专业服务管理", 5, 4, 3, "表 A.2", None),
    ("implementation.resource_mobilization", "资源动员", 3, 2.4, 1.8, "表 A.2", "mobilised_audiences"),
    ("implementation.communication_reporting", "沟通与信息上报", 2, 1.6, 1.2, "表 A.2", "articles_in_year"),
    ("implementation.process", "流程管理", 2, 1.6, 1.2, "表 A.2 活动流程管理", None),
    ("implementation.archives", "档案管理", 2, 1.6, 1.2, "表 A.2", None),
    ("implementation.safety", "安全管理", 2, 1.6, 1.2, "表 A.2", None),
    ("funds.budget_execution", "预算执行率", 6, 4.8, 3.6, "表 A.3", "budget_execution_rate"),
    ("funds.expenditure_compliance", "项目支出合规性", 5, 4, 3, "表 A.3", None),
    ("funds.expenditure_reasonableness", "项目支出合理性", 5, 4, 3, "表 A.3", None),
    ("funds.budget_adjustment", "预算管理", 5, 4, 3, "表 A.3", "budget_adjustment_ratio"),
    ("funds.financial_management", "财务管理", 5, 4, 3, "表 A.3", None),
    ("effectiveness.output", "产出目标", 10, 8, 6, "表 A.4", "output_completion_rate"),
    ("effectiveness.quality", "质量目标", 10, 8, 6, "表 A.4", "quality_target_completion_rate"),
    ("effectiveness.effect", "效果目标", 10, 8, 6, "表 A.4", "satisfaction_rate"),
    ("effectiveness.impact", "影响目标", 8, 6.4, 4.8, "表 A.4", "impact_points"),
]

# The 说明 that caps a band tighter than its 赋值: 表 A.2 安全管理 低 "以上几个方面不符合要求的 0 分到 0.5 分".
POINT_CAPS = {("implementation.safety", BandCode.LOW): 0.5}


def seed() -> ScoringModel:
    return next(model for model in scoring_models() if model.id == SEED_ID)


def test_groups_and_factor_order_follow_table_1() -> None:
    # DB 31114/Z 017-2025 4.2 表 1: four 评价项目, 19 评价因子 in the table's order, 100 points in total.
    model = seed()

    assert [(group.code, group.name, group.max_points) for group in model.groups] == GROUPS
    assert [factor.code for factor in model.factors] == [row[0] for row in FACTORS]
    assert model.total_points == sum(row[2] for row in FACTORS) == 100
    for group_code, _name, points in GROUPS:
        assert sum(row[2] for row in FACTORS if row[0].startswith(f"{group_code}.")) == points


@pytest.mark.parametrize(("code", "name", "max_points", "high_min", "medium_min", "annex", "measure"), FACTORS)
def test_each_factor_matches_its_table_row(
    code: str, name: str, max_points: int, high_min: float, medium_min: float, annex: str, measure: str | None
) -> None:
    # DB 31114/Z 017-2025 表 1 (name, 权重值) and 表 A.1–A.4 (赋值 of 高/中/低), one factor per case.
    factor = seed().factor(code)
    assert isinstance(factor, Factor)

    assert (factor.name, factor.max_points, factor.annex, factor.measure) == (name, max_points, annex, measure)
    bands = {band.band: band for band in factor.bands}
    assert [band.band for band in factor.bands] == [BandCode.HIGH, BandCode.MEDIUM, BandCode.LOW]
    assert (bands[BandCode.HIGH].max_points, bands[BandCode.HIGH].max_inclusive) == (max_points, True)
    assert bands[BandCode.HIGH].min_points == high_min
    assert (bands[BandCode.MEDIUM].max_points, bands[BandCode.MEDIUM].max_inclusive) == (high_min, False)
    assert bands[BandCode.MEDIUM].min_points == medium_min
    assert (bands[BandCode.LOW].max_points, bands[BandCode.LOW].max_inclusive) == (medium_min, False)
    assert bands[BandCode.LOW].min_points == 0
    for band in factor.bands:
        assert band.points_cap == POINT_CAPS.get((code, band.band))
