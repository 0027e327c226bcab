"""Pure rules of projects: the figures of formulas (1)–(3) and the counts of 附录 A from the records."""

import uuid
from datetime import UTC, date, datetime

from evaluation.projects.models import (
    ActivityRecord,
    Article,
    BudgetAdjustment,
    Complaint,
    Mobilisation,
    PlannedActivity,
    Recognition,
    SafetyIncident,
    SatisfactionSurvey,
)
from evaluation.projects.rules import (
    DateRule,
    ProjectRecords,
    activity_totals,
    add_months,
    in_first_half,
    measure_inputs,
    output_counts,
    record_date_problem,
    vetoes_from_records,
)

PROJECT = uuid.uuid4()
NOW = datetime(2025, 12, 1, tzinfo=UTC)
BOOKKEEPING = {"project_id": PROJECT, "recorded_by": "t", "recorded_at": NOW}
REHAB = PlannedActivity(project_id=PROJECT, name="康复", planned_persons=100, planned_frequency=10, disability_types=[])
CLUB = PlannedActivity(project_id=PROJECT, name="融合", planned_persons=50, planned_frequency=5, disability_types=[])


def held(activity: PlannedActivity, persons: int) -> ActivityRecord:
    return ActivityRecord(
        planned_activity_id=activity.id,
        held_on=date(2025, 3, 1),
        persons_served=persons,
        signed_in=persons,
        **BOOKKEEPING,
    )


def records(**changes: object) -> ProjectRecords:
    base: dict[str, object] = {
        "start_date": date(2025, 1, 1),
        "end_date": date(2025, 12, 31),
        "budget_planned_fen": 100_000_000,
        "satisfied_planned": 100,
        "planned_activities": [REHAB, CLUB],
        "activity_totals": {},
        "expenditure_fen": 0,
        "adjustments": [],
        "articles": [],
        "recognitions": [],
        "complaints": [],
        "surveys": [],
        "incidents": [],
        "mobilisations": [],
    }
    return ProjectRecords(**{**base, **changes})  # type: ignore[arg-type]


def test_each_activity_counts_up_to_its_own_plan() -> None:
    # DB31114/Z 017-2025 5.4.1.1: 每一个活动 reaches its persons and frequency; formula (2)
    sessions = [held(REHAB, 20) for _ in range(12)] + [held(CLUB, 10) for _ in range(2)]
    assert output_counts([REHAB, CLUB], activity_totals(sessions)) == (100 + 20, 150, 10 + 2, 15)


def test_measures_from_records() -> None:
    survey = SatisfactionSurvey(
        surveyed_on=date(2025, 12, 1),
        respondents=100,
        project_setting=99,
        service_attitude=100,
        service_quality=97,
        work_efficiency=96,
        integrity=100,
        needs_met=98,
        **BOOKKEEPING,
    )
    inputs = measure_inputs(
        records(
            expenditure_fen=96_000_050,
            adjustments=[
                BudgetAdjustment(
                    requested_on=date(2025, 4, 1), amount_fen=5_000_000, reason="x", status="approved", **BOOKKEEPING
                ),
                BudgetAdjustment(
                    requested_on=date(2025, 4, 1), amount_fen=9_000_000, reason="x", status="rejected", **BOOKKEEPING
                ),
            ],
            articles=[
                Article(title="a", channel="wechat", published_on=date(2025, 6, 30), **BOOKKEEPING),
                Article(title="b", channel="journal", published_on=date(2025, 7, 1), **BOOKKEEPING),
                Article(title="c", channel="other", published_on=date(2025, 3, 1), **BOOKKEEPING),
                Article(title="d", channel="wechat", published_on=date(2024, 12, 31), **BOOKKEEPING),
            ],
            recognitions=[
                Recognition(kind="honour", level="district", title="x", received_on=date(2025, 1, 1), **BOOKKEEPING)
            ],
            complaints=[
                Complaint(received_on=date(2025, 1, 1), summary="x", valid=True, handled_in_time=False, **BOOKKEEPING),
                Complaint(received_on=date(2025, 1, 1), summary="x", valid=False, handled_in_time=False, **BOOKKEEPING),
            ],
            surveys=[survey],
            mobilisations=[
                Mobilisation(audience=audience, description="x", mobilised_on=date(2025, 1, 1), **BOOKKEEPING)
                for audience in ("experts", "experts", "public")
            ],
        )
    )
    # DB31114/Z 017-2025 5.3.1.2 formula (1): A in 元
    assert (inputs.budget_actual, inputs.budget_planned) == (960000.5, 1000000.0)
    # 5.3.4.3: only adjustments in effect count (approved 50000 of 1000000 = 5%)
    assert inputs.budget_adjustment_ratio == 0.05
    # 5.2.4.2: 一网一台一微一刊 in the service year; first half ends 30 June
    assert (inputs.articles_in_year, inputs.articles_in_first_half) == (2, 1)
    # 5.4.3: the lowest of the six aspects (工作效率 96)
    assert (inputs.satisfied, inputs.satisfied_planned) == (96, 100)
    # 5.2.2.5: only valid complaints count
    assert (inputs.complaints_valid, inputs.complaints_handled_in_time) == (1, 0)
    assert inputs.mobilised_audiences == 2  # 表 A.2 资源动员: distinct audiences
    assert (inputs.district_recognitions, inputs.above_district_recognitions) == (1, 0)


def test_no_survey_leaves_satisfaction_unmeasured() -> None:
    inputs = measure_inputs(records())
    assert inputs.satisfied is None
    assert inputs.satisfied_planned is None


def test_vetoes_proved_by_records() -> None:
    # DB31114/Z 017-2025 表 A.2 安全管理 (事故); 表 A.3 预算管理 and 5.3.4.2 (私自调整)
    near_miss = SafetyIncident(occurred_on=date(2025, 1, 1), description="x", accident=False, **BOOKKEEPING)
    accident = SafetyIncident(occurred_on=date(2025, 1, 1), description="x", accident=True, **BOOKKEEPING)
    unapproved = BudgetAdjustment(
        requested_on=date(2025, 4, 1), amount_fen=1, reason="x", status="unapproved", **BOOKKEEPING
    )
    assert vetoes_from_records(records(incidents=[near_miss])) == set()
    assert vetoes_from_records(records(incidents=[accident], adjustments=[unapproved])) == {
        "safety_accident",
        "unapproved_budget_adjustment",
    }


def test_first_half_is_counted_from_the_projects_start() -> None:
    # DB 31114/Z 017-2025 5.2.4.2 "上半年不少于 1 篇": the first six months of the project's own year.
    assert in_first_half(date(2025, 6, 30), date(2025, 1, 1))
    assert not in_first_half(date(2025, 7, 1), date(2025, 1, 1))
    assert in_first_half(date(2025, 12, 31), date(2025, 7, 1))
    assert not in_first_half(date(2026, 1, 1), date(2025, 7, 1))
    assert not in_first_half(date(2025, 6, 30), date(2025, 7, 1))
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)


def test_articles_count_in_the_projects_year_not_the_calendar_year() -> None:
    # DB 31114/Z 017-2025 5.2.4.2: a July–June project counts July–June; 上半年 is July–December.
    articles = [
        Article(title=str(day), channel="wechat", published_on=day, **BOOKKEEPING)
        for day in (date(2025, 6, 30), date(2025, 9, 1), date(2026, 3, 1), date(2026, 6, 30), date(2026, 7, 1))
    ]

    inputs = measure_inputs(records(start_date=date(2025, 7, 1), end_date=date(2026, 6, 30), articles=articles))

    assert (inputs.articles_in_year, inputs.articles_in_first_half) == (3, 1)


def test_record_dates_against_the_period() -> None:
    # DB 31114/Z 017-2025 formula (1), (2), 表 A.2 "项目周期内": delivery lies in start..end; reports, surveys,
    # archiving and recognitions may follow the end (5.2.5.4, 5.2.5.5) but not precede the start; nothing is future.
    start, end, today = date(2025, 1, 1), date(2025, 12, 31), date(2026, 3, 1)
    assert record_date_problem(date(2025, 12, 31), DateRule.WITHIN_PERIOD, start, end, today) is None
    assert "after the project's end_date" in str(
        record_date_problem(date(2026, 1, 1), DateRule.WITHIN_PERIOD, start, end, today)
    )
    assert record_date_problem(date(2026, 1, 1), DateRule.FROM_START, start, end, today) is None
    assert "before the project's start_date" in str(
        record_date_problem(date(2024, 12, 31), DateRule.FROM_START, start, end, today)
    )
    assert "in the future" in str(record_date_problem(date(2026, 3, 2), DateRule.FROM_START, start, end, today))
