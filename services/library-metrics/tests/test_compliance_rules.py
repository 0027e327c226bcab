"""The compliance engine (pure rules) against every seeded rule row, at the edge of each threshold.

Each test names the clause it covers; `test_every_seeded_rule_is_tested` checks that every rule id of the seed file
appears in this module."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jiading_shared.workdays import WorkdayCalendar
from library_metrics.compliance.rules import (
    CHINA,
    AcquisitionFact,
    AnsweredFact,
    ClosureFact,
    CollectionFact,
    CommitteeFact,
    Context,
    EventFact,
    FacilityFacts,
    FacilityProfile,
    OpenDay,
    Pattern,
    Period,
    PeriodKind,
    RuleResult,
    ShelfCheckFact,
    ShelvingFact,
    StaffFact,
    Status,
    SurveyFact,
    TownFacts,
    TrainingFact,
    UsageFact,
    VolunteerFact,
    evaluate_facility,
    evaluate_town,
    implemented_metrics,
    measured_weeks,
    off_hours_minutes,
    rule_fits_period,
)
from library_metrics.indicators.rules import Metric, RulePeriod
from library_metrics.indicators.service import seed_rules, standard_rules

CALENDAR = WorkdayCalendar()
RULES = standard_rules()  # version 1 plus the supplements: what a migrated database has in force
YEAR = Period.of(2026)
WEEK = Period.of(2026, week=11)  # 2026-03-09 .. 2026-03-15, no holiday, no make-up workday
AS_OF = datetime(2027, 1, 20, 12, tzinfo=UTC)
PASS, FAIL, INSUFFICIENT = Status.PASS, Status.FAIL, Status.INSUFFICIENT_DATA


def facts(tier: str, **profile: Any) -> FacilityFacts:
    return FacilityFacts(FacilityProfile(id="f-1", tier=tier, town="jd-anting", name="测试馆", **profile))


def result(rule_id: str, subject: FacilityFacts, period: Period = YEAR, as_of: datetime = AS_OF) -> RuleResult:
    results = {r.rule_id: r for r in evaluate_facility(RULES, subject, period, Context(CALENDAR, as_of))}
    assert rule_id in results, f"{rule_id} not evaluated; got {sorted(results)}"
    return results[rule_id]


def status(rule_id: str, subject: FacilityFacts, period: Period = YEAR, as_of: datetime = AS_OF) -> Status:
    return result(rule_id, subject, period, as_of).status


def clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def pattern(weekdays: tuple[str, str] | None, weekend: tuple[str, str] | None, **days: tuple[str, str]) -> Pattern:
    """Sessions Monday–Friday and Saturday–Sunday; `days` overrides one weekday (mon..sun)."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    sessions = []
    for number, name in enumerate(names, start=1):
        span = days.get(name, weekdays if number <= 5 else weekend)
        if span is not None:
            sessions.append((number, clock(span[0]), clock(span[1])))
    return Pattern(date(2025, 1, 1), tuple(sessions))


def opened(
    tier: str, weekdays: tuple[str, str] | None, weekend: tuple[str, str] | None, **days: tuple[str, str]
) -> FacilityFacts:
    subject = facts(tier)
    subject.patterns.append(pattern(weekdays, weekend, **days))
    return subject


def at(day: date, hhmm: str) -> datetime:
    return (
        datetime.combine(day, datetime.min.time(), CHINA)
        .replace(hour=int(hhmm[:2]), minute=int(hhmm[3:]))
        .astimezone(UTC)
    )


# --- the engine's conventions --------------------------------------------------------------------------------------


def test_every_metric_is_implemented() -> None:
    assert implemented_metrics() == set(Metric)


def test_every_seeded_rule_is_tested() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [rule.rule_id for rule in RULES if f'"{rule.rule_id}"' not in source]
    assert untested == []


def test_supplements_add_rows_and_change_none() -> None:
    # Version 1 is immutable: a supplement only adds rule ids; every row of the seed reaches the engine unchanged.
    seeded = {rule.rule_id: rule for rule in seed_rules()}
    standard = {rule.rule_id: rule for rule in RULES}
    assert {rule_id: standard[rule_id] for rule_id in seeded} == seeded
    assert set(standard) - set(seeded) == {"005-8.1-supervision-channels", "006-6.3-plaza-lighting-power"}


def test_seed_cites_a_clause_for_every_row() -> None:
    assert len(RULES) >= 85
    assert all(
        rule.clause.startswith(("DB31114/Z 005-2025 ", "DB31114/Z 006-2025 ", "DB31114/Z 007-2025 ")) for rule in RULES
    )


def test_periods() -> None:
    assert Period.of(2026).key == "2026"
    assert Period.of(2026).end == date(2026, 12, 31)
    assert Period.of(2026, month=2).end == date(2026, 2, 28)
    assert Period.of(2026, month=12).end == date(2026, 12, 31)
    assert Period.of(2026, week=11).start == date(2026, 3, 9)
    assert Period.of(2026, week=11).key == "2026-W11"
    with pytest.raises(ValueError, match="weeks 1–53"):
        Period.of(2026, week=54)
    with pytest.raises(ValueError, match="not both"):
        Period.of(2026, month=1, week=1)


def test_rules_for_longer_periods_are_left_out_of_shorter_ones() -> None:
    assert rule_fits_period(RulePeriod.WEEK, PeriodKind.YEAR)
    assert not rule_fits_period(RulePeriod.YEAR, PeriodKind.WEEK)
    assert not rule_fits_period(RulePeriod.MONTH, PeriodKind.WEEK)
    assert rule_fits_period(RulePeriod.SNAPSHOT, PeriodKind.WEEK)
    weekly = {r.rule_id for r in evaluate_facility(RULES, facts("district_library"), WEEK, Context(CALENDAR, AS_OF))}
    assert "005-6.2.3-loans-district_library" not in weekly
    assert "005-6.1.1.1-weekly-hours-district_library" in weekly


def test_off_hours_count_outside_the_working_period_and_all_of_non_working_days() -> None:
    working = OpenDay(date(2026, 3, 9), ((clock("08:00"), clock("20:00")),), False, True, False)
    weekend = OpenDay(date(2026, 3, 14), ((clock("10:00"), clock("12:00")),), False, False, False)
    assert off_hours_minutes(working, (clock("09:00"), clock("17:00"))) == 4 * 60
    assert off_hours_minutes(weekend, (clock("09:00"), clock("17:00"))) == 2 * 60


def test_weeks_with_a_closure_or_an_unknown_day_are_not_measured() -> None:
    days = [OpenDay(WEEK.start + timedelta(days=i), ((540, 1020),), i == 2, True, False) for i in range(7)]
    weeks, skipped = measured_weeks(days, (540, 1020))
    assert weeks == []
    assert skipped == 1


def test_results_explain_themselves_with_the_clause_and_values() -> None:
    outcome = result("005-5.1.2.2-seats-district_library", facts("district_library", seats=999))
    assert outcome.status is FAIL
    assert outcome.value == 999
    assert outcome.threshold == 1000
    assert "DB31114/Z 005-2025 5.1.2.2" in outcome.explanation
    assert "999" in outcome.explanation


def test_rules_of_other_tiers_are_not_evaluated() -> None:
    ids = {r.rule_id for r in evaluate_facility(RULES, facts("smart_library_24h"), YEAR, Context(CALENDAR, AS_OF))}
    assert "005-5.1.2.2-seats-district_library" not in ids
    assert "005-6.1.1.1-open-daily" in ids


# --- DB 31114/Z 005-2025 5 服务资源 ----------------------------------------------------------------------------------


def test_reader_computers_in_the_district_library() -> None:
    # DB31114/Z 005-2025 5.1.2.1
    rule = "005-5.1.2.1-reader-computers"
    assert status(rule, facts("district_library", reader_computers=1)) is PASS
    assert status(rule, facts("district_library", reader_computers=0)) is FAIL
    assert status(rule, facts("district_library")) is INSUFFICIENT


@pytest.mark.parametrize(
    ("rule", "tier", "threshold"),
    [
        ("005-5.1.2.2-seats-district_library", "district_library", 1000),
        ("005-5.1.2.2-seats-town_library", "town_library", 100),
        ("005-5.1.2.2-seats-village_reading_room", "village_reading_room", 10),
        ("005-5.1.2.2-seats-home_study", "home_study", 30),
        ("007-6.2.1-seats", "activity_room", 10),  # DB31114/Z 007-2025 6.2.1
    ],
)
def test_seats(rule: str, tier: str, threshold: int) -> None:
    # DB31114/Z 005-2025 5.1.2.2
    assert status(rule, facts(tier, seats=threshold)) is PASS
    assert status(rule, facts(tier, seats=threshold - 1)) is FAIL
    assert status(rule, facts(tier)) is INSUFFICIENT


@pytest.mark.parametrize(
    ("rule", "tier", "threshold"),
    [
        ("005-5.2.1.2-holdings-district_library", "district_library", 900_000),
        ("005-5.2.1.2-holdings-town_library", "town_library", 30_000),
        ("005-5.2.1.2-holdings-village_reading_room", "village_reading_room", 1500),
        ("005-5.2.1.2-holdings-home_study", "home_study", 30_000),
        ("007-6.2.1-books", "activity_room", 1500),  # DB31114/Z 007-2025 6.2.1
    ],
)
def test_book_holdings_use_the_latest_count_in_the_period(rule: str, tier: str, threshold: int) -> None:
    # DB31114/Z 005-2025 5.2.1.2
    subject = facts(tier)
    subject.collection += [
        CollectionFact(date(2026, 6, 30), books=threshold - 500),
        CollectionFact(date(2026, 12, 31), books=threshold),
    ]
    assert status(rule, subject) is PASS
    subject.collection.append(CollectionFact(date(2027, 1, 5), books=0))  # after the period: not read
    assert status(rule, subject) is PASS
    subject.collection[1] = CollectionFact(date(2026, 12, 31), books=threshold - 1)
    assert status(rule, subject) is FAIL
    assert status(rule, facts(tier)) is INSUFFICIENT


@pytest.mark.parametrize(
    ("rule", "tier", "threshold"),
    [
        ("005-5.2.1.3-purchases-district_library", "district_library", 60_000),
        ("005-5.2.1.3-purchases-town_library", "town_library", 5000),
    ],
)
def test_yearly_purchases(rule: str, tier: str, threshold: int) -> None:
    # DB31114/Z 005-2025 5.2.1.3
    subject = facts(tier)
    subject.acquisitions += [
        AcquisitionFact(date(2026, 3, 1), "purchase", 100, threshold - 1),
        AcquisitionFact(date(2026, 4, 1), "district_delivery", 100, 5000),  # a delivery is not a purchase
        AcquisitionFact(date(2025, 12, 31), "purchase", 100, 5000),  # last year
    ]
    assert status(rule, subject) is FAIL
    subject.acquisitions.append(AcquisitionFact(date(2026, 12, 31), "purchase", 1, 1))
    assert status(rule, subject) is PASS


def test_local_document_exhibitions_and_activities() -> None:
    # DB31114/Z 005-2025 5.2.2
    district = facts("district_library")
    district.events += [
        EventFact("local_document_exhibition", date(2026, 5, 1)),
        EventFact("local_document_activity", date(2026, 6, 1)),
    ]
    assert status("005-5.2.2-local-exhibitions-district_library", district) is FAIL
    district.events.append(EventFact("local_document_exhibition", date(2026, 11, 1)))
    assert status("005-5.2.2-local-exhibitions-district_library", district) is PASS
    town = facts("town_library")
    assert status("005-5.2.2-local-activities-town_library", town) is FAIL
    town.events.append(EventFact("local_document_activity", date(2026, 9, 9)))
    assert status("005-5.2.2-local-activities-town_library", town) is PASS


def test_digital_storage() -> None:
    # DB31114/Z 005-2025 5.2.3
    subject = facts("district_library")
    subject.collection.append(
        CollectionFact(date(2026, 12, 1), digital_storage_local_tb=50, digital_storage_self_built_tb=15)
    )
    assert status("005-5.2.3-digital-local-district_library", subject) is PASS
    assert status("005-5.2.3-digital-self-built-district_library", subject) is PASS
    subject.collection[0] = CollectionFact(
        date(2026, 12, 1), digital_storage_local_tb=49.999, digital_storage_self_built_tb=14.9
    )
    assert status("005-5.2.3-digital-local-district_library", subject) is FAIL
    assert status("005-5.2.3-digital-self-built-district_library", subject) is FAIL


def test_training_hours_per_staff() -> None:
    # DB31114/Z 005-2025 5.3.1
    rule = "005-5.3.1-training-hours"
    subject = facts("town_library")
    assert status(rule, subject) is INSUFFICIENT
    subject.staff += [
        StaffFact("A1", date(2020, 1, 1)),
        StaffFact("B2", date(2021, 1, 1)),
        StaffFact("NEW", date(2026, 9, 1)),
    ]
    subject.trainings += [
        TrainingFact("A1", date(2026, 3, 1), 40, 5),
        TrainingFact("B2", date(2026, 3, 1), 24, 3),
        TrainingFact("B2", date(2026, 10, 1), 15.5, 2),
    ]
    outcome = result(rule, subject)
    assert outcome.status is FAIL
    assert outcome.value == 39.5
    assert "B2" in outcome.explanation
    assert "part-year" in outcome.explanation  # NEW joined in September: not judged on a yearly quota
    subject.trainings.append(TrainingFact("B2", date(2026, 12, 1), 0.5, 1))
    assert status(rule, subject) is PASS


def test_staffing_against_population_served() -> None:
    # DB31114/Z 005-2025 5.3.2: one staff member per 10,000–25,000 people served
    rule = "005-5.3.2-staffing"
    subject = facts("town_library", population_served=250_000)
    assert status(rule, subject) is FAIL  # no staff at all
    subject.staff += [StaffFact(f"S{i}", date(2020, 1, 1)) for i in range(10)]
    assert result(rule, subject).value == 25_000
    assert status(rule, subject) is PASS
    subject.staff[0] = StaffFact("S0", date(2020, 1, 1), left_on=date(2026, 6, 30))  # left before the period ended
    assert status(rule, subject) is FAIL
    assert status(rule, facts("district_library")) is INSUFFICIENT


def test_volunteers() -> None:
    # DB31114/Z 005-2025 5.3.3
    district = facts("district_library")
    assert status("005-5.3.3-volunteers-district_library", district) is INSUFFICIENT
    district.volunteers.append(VolunteerFact(2026, 5, 200))
    assert status("005-5.3.3-volunteer-teams-district_library", district) is PASS
    assert status("005-5.3.3-volunteers-district_library", district) is PASS
    district.volunteers[0] = VolunteerFact(2026, 4, 199)
    assert status("005-5.3.3-volunteer-teams-district_library", district) is FAIL
    assert status("005-5.3.3-volunteers-district_library", district) is FAIL
    town = facts("town_library")
    town.volunteers.append(VolunteerFact(2026, 0, 10))
    assert status("005-5.3.3-volunteers-town_library", town) is PASS
    town.volunteers[0] = VolunteerFact(2026, 0, 9)
    assert status("005-5.3.3-volunteers-town_library", town) is FAIL


# --- DB 31114/Z 005-2025 6.1 服务能力 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "tier"), [("005-6.1.1.1-open-daily", "town_library"), ("007-6.1.1-open-daily", "activity_room")]
)
def test_open_every_day(rule: str, tier: str) -> None:
    # DB31114/Z 005-2025 6.1.1.1 / DB31114/Z 007-2025 6.1.1
    subject = opened(tier, ("09:00", "17:00"), ("09:00", "17:00"))
    assert status(rule, subject, WEEK) is PASS
    subject.closures.append(ClosureFact(date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 1), approved=True))
    assert status(rule, subject, WEEK) is PASS  # an announced closure is excused
    closed_mondays = opened(tier, ("09:00", "17:00"), ("09:00", "17:00"), mon=None)  # type: ignore[arg-type]
    closed_mondays.patterns[0] = replace(
        closed_mondays.patterns[0], sessions=tuple(s for s in closed_mondays.patterns[0].sessions if s[0] != 1)
    )
    outcome = result(rule, closed_mondays, WEEK)
    assert outcome.status is FAIL
    assert outcome.value == 1
    assert "2026-03-09" in outcome.explanation
    assert status(rule, facts(tier), WEEK) is INSUFFICIENT


def test_an_exception_day_without_sessions_is_a_day_not_open() -> None:
    # DB31114/Z 005-2025 6.1.1.1
    subject = opened("town_library", ("09:00", "17:00"), ("09:00", "17:00"))
    subject.exceptions[date(2026, 3, 12)] = ()
    assert result("005-6.1.1.1-open-daily", subject, WEEK).value == 1


@pytest.mark.parametrize(
    ("rule", "tier", "passing", "failing"),
    [
        # 76 h: 11 h on weekdays, 10.5 h at weekends; one hour less on Sunday fails
        (
            "005-6.1.1.1-weekly-hours-district_library",
            "district_library",
            (("09:00", "20:00"), ("09:00", "19:30")),
            (("09:00", "20:00"), ("09:00", "19:00")),
        ),
        (
            "005-6.1.1.1-weekly-hours-town_library",
            "town_library",
            (("09:00", "17:00"), ("09:00", "17:00")),
            (("09:00", "17:00"), ("09:00", "16:45")),
        ),
        (
            "005-6.1.1.1-weekly-hours-village_reading_room",
            "village_reading_room",
            (("13:00", "17:00"), ("09:00", "14:00")),
            (("13:00", "17:00"), ("09:00", "13:59")),
        ),
        (
            "005-6.1.1.1-weekly-hours-home_reading_point",
            "home_reading_point",
            (("10:00", "16:00"), ("10:00", "15:00")),
            (("10:00", "16:00"), ("10:00", "14:30")),
        ),
        (
            "007-6.1.1-weekly-hours",
            "activity_room",  # DB31114/Z 007-2025 6.1.1
            (("13:00", "17:00"), ("09:00", "14:00")),
            (("13:00", "16:59"), ("09:00", "14:00")),
        ),
    ],
)
def test_weekly_opening_hours(rule: str, tier: str, passing: Any, failing: Any) -> None:
    # DB31114/Z 005-2025 6.1.1.1
    assert status(rule, opened(tier, *passing), WEEK) is PASS
    assert status(rule, opened(tier, *failing), WEEK) is FAIL


def test_weekly_hours_over_a_year_report_the_weakest_week() -> None:
    # DB31114/Z 005-2025 6.1.1.1: every week counts, so a year is judged by its weakest whole week
    subject = opened("town_library", ("09:00", "17:00"), ("09:00", "17:00"))
    subject.exceptions[date(2026, 7, 15)] = ((clock("09:00"), clock("12:00")),)
    outcome = result("005-6.1.1.1-weekly-hours-town_library", subject)
    assert outcome.status is FAIL
    assert outcome.value == 51
    assert "2026-W29" in outcome.explanation


def test_district_library_opens_at_weekends() -> None:
    # DB31114/Z 005-2025 6.1.1.2
    rule = "005-6.1.1.2-weekends-district_library"
    assert status(rule, opened("district_library", ("09:00", "20:00"), ("09:00", "17:00")), WEEK) is PASS
    saturday_only = opened("district_library", ("09:00", "20:00"), None, sat=("09:00", "17:00"))
    assert result(rule, saturday_only, WEEK).value == 1


def test_district_library_opens_on_statutory_holidays() -> None:
    # DB31114/Z 005-2025 6.1.1.2: 2026 National Day holiday starts 1 October
    rule = "005-6.1.1.2-holidays-district_library"
    national_day = Period.of(2026, week=40)
    subject = opened("district_library", ("09:00", "20:00"), ("09:00", "18:00"))
    assert status(rule, subject, national_day) is PASS
    subject.exceptions[date(2026, 10, 1)] = ()
    outcome = result(rule, subject, national_day)
    assert outcome.status is FAIL
    assert outcome.value == 1
    assert status(rule, subject, WEEK) is PASS  # no holiday in that week: nothing to miss


def test_district_off_hours_at_least_ten_a_week() -> None:
    # DB31114/Z 005-2025 6.1.1.2: weekdays within 09:00–17:00 add nothing; weekend hours all count
    rule = "005-6.1.1.2-off-hours-district_library"
    assert status(rule, opened("district_library", ("09:00", "17:00"), ("09:00", "14:00")), WEEK) is PASS
    outcome = result(
        rule, opened("district_library", ("09:00", "17:00"), ("09:00", "14:00"), sun=("09:00", "13:30")), WEEK
    )
    assert outcome.status is FAIL
    assert outcome.value == 9.5


def test_make_up_workdays_are_not_off_hours() -> None:
    # DB31114/Z 005-2025 6.1.1.2: 2026-02-14 (Saturday) is a 调休 working day, so its 09:00–14:00 is normal time
    subject = opened("district_library", ("09:00", "17:00"), ("09:00", "14:00"))
    outcome = result("005-6.1.1.2-off-hours-district_library", subject, Period.of(2026, month=2))
    assert outcome.status is FAIL
    assert outcome.value == 5


def test_town_off_hours_a_quarter_of_opening() -> None:
    # DB31114/Z 005-2025 6.1.1.2: 800 of 3,200 minutes = exactly one quarter
    rule = "005-6.1.1.2-off-hours-share-town_library"
    assert status(rule, opened("town_library", ("09:00", "17:00"), ("09:00", "15:40")), WEEK) is PASS
    assert status(rule, opened("town_library", ("09:00", "17:00"), ("09:00", "15:30")), WEEK) is FAIL


@pytest.mark.parametrize(
    ("rule", "tier"),
    [("005-6.1.1.2-off-hours-village_reading_room", "village_reading_room"), ("007-6.1.1-off-hours", "activity_room")],
)
def test_seven_off_hours_a_week(rule: str, tier: str) -> None:
    # DB31114/Z 005-2025 6.1.1.2 / DB31114/Z 007-2025 6.1.1
    assert status(rule, opened(tier, ("13:00", "17:00"), ("09:00", "12:30")), WEEK) is PASS
    assert status(rule, opened(tier, ("13:00", "17:00"), ("09:00", "12:29")), WEEK) is FAIL
    # an evening after 17:00 on a working day counts too
    assert status(rule, opened(tier, ("13:00", "18:24"), None), WEEK) is PASS


def test_city_wide_borrow_and_return() -> None:
    # DB31114/Z 005-2025 6.1.2
    rule = "005-6.1.2-citywide-borrow-return"
    assert status(rule, facts("home_study", citywide_borrow_return=True)) is PASS
    assert status(rule, facts("home_study", citywide_borrow_return=False)) is FAIL
    assert status(rule, facts("town_library")) is INSUFFICIENT


@pytest.mark.parametrize(
    ("rule", "tier", "threshold"),
    [
        ("005-6.1.3.1-reading-promotion-district_library", "district_library", 200),
        ("005-6.1.3.1-reading-promotion-town_library", "town_library", 20),
        ("005-6.1.3.1-reading-promotion-village_reading_room", "village_reading_room", 2),
        ("005-6.1.3.1-reading-promotion-home_study", "home_study", 20),
        ("005-6.1.3.1-reading-promotion-home_reading_point", "home_reading_point", 8),
    ],
)
def test_reading_promotion_events(rule: str, tier: str, threshold: int) -> None:
    # DB31114/Z 005-2025 6.1.3.1
    subject = facts(tier)
    subject.events += [
        EventFact("lecture" if i % 2 else "reading_promotion", date(2026, 1, 1) + timedelta(days=i % 365))
        for i in range(threshold - 1)
    ]
    subject.events.append(EventFact("performance", date(2026, 5, 5)))  # not a reading-promotion event
    subject.events.append(EventFact("reading_promotion", date(2025, 12, 31)))  # last year
    assert result(rule, subject).value == threshold - 1
    assert status(rule, subject) is FAIL
    subject.events.append(EventFact("exhibition", date(2026, 12, 31)))
    assert status(rule, subject) is PASS


def test_farmhouse_library_titles_and_book_club_deliveries() -> None:
    # DB31114/Z 005-2025 6.1.4.1.2
    farmhouse = facts("farmhouse_library")
    farmhouse.acquisitions += [
        AcquisitionFact(date(2026, 4, 1), "district_delivery", 59, 200),
        AcquisitionFact(date(2026, 5, 1), "purchase", 10, 10),
    ]
    assert status("005-6.1.4.1.2-farmhouse-titles", farmhouse) is FAIL
    farmhouse.acquisitions.append(AcquisitionFact(date(2026, 9, 1), "district_delivery", 1, 1))
    assert status("005-6.1.4.1.2-farmhouse-titles", farmhouse) is PASS
    club = facts("community_book_club")
    club.acquisitions += [
        AcquisitionFact(date(2026, 3, 1), "district_delivery", 150, 300),
        AcquisitionFact(date(2026, 9, 1), "district_delivery", 150, 299),
    ]
    outcome = result("005-6.1.4.1.2-book-club-deliveries", club)
    assert outcome.status is FAIL
    assert outcome.value == 1
    club.acquisitions.append(AcquisitionFact(date(2026, 11, 1), "district_delivery", 100, 300))
    assert status("005-6.1.4.1.2-book-club-deliveries", club) is PASS


# --- DB 31114/Z 005-2025 6.2 服务效能 -------------------------------------------------------------------------------


def test_newspapers_shelved_the_day_they_arrive() -> None:
    # DB31114/Z 005-2025 6.2.1
    rule = "005-6.2.1-shelving-newspapers"
    subject = facts("town_library")
    assert status(rule, subject) is INSUFFICIENT
    subject.shelving.append(ShelvingFact("newspaper", date(2026, 3, 2), date(2026, 3, 2)))
    subject.shelving.append(ShelvingFact("book", date(2026, 3, 2), date(2026, 4, 30)))  # other rule
    assert status(rule, subject) is PASS
    subject.shelving.append(ShelvingFact("reading_periodical", date(2026, 3, 6), date(2026, 3, 7)))
    assert status(rule, subject) is FAIL


@pytest.mark.parametrize(
    ("rule", "item_type", "limit"),
    [("005-6.2.1-shelving-lending-periodicals", "lending_periodical", 5), ("005-6.2.1-shelving-books", "book", 15)],
)
def test_shelving_within_working_days(rule: str, item_type: str, limit: int) -> None:
    # DB31114/Z 005-2025 6.2.1: counted in working days after arrival (2026-03-02 is a Monday)
    arrived = date(2026, 3, 2)
    on_time = CALENDAR.add_working_days(arrived, limit).due
    late = CALENDAR.add_working_days(arrived, limit + 1).due
    subject = facts("district_library")
    subject.shelving.append(ShelvingFact(item_type, arrived, on_time))
    assert status(rule, subject) is PASS
    subject.shelving.append(ShelvingFact(item_type, arrived, late))
    assert result(rule, subject).value == limit + 1
    assert status(rule, subject) is FAIL


def test_unshelved_items_count_until_the_evaluation() -> None:
    # DB31114/Z 005-2025 6.2.1
    subject = facts("district_library")
    subject.shelving.append(ShelvingFact("book", date(2026, 12, 1), None))
    outcome = result("005-6.2.1-shelving-books", subject)
    assert outcome.status is FAIL
    assert "not shelved" in outcome.explanation


def _checks(day: date, count: int, misplaced: int = 0) -> list[ShelfCheckFact]:
    return [ShelfCheckFact(at(day, f"{9 + 2 * i:02d}:30"), 100, misplaced) for i in range(count)]


def test_district_shelf_checks_every_two_hours() -> None:
    # DB31114/Z 005-2025 6.2.2: 8 opening hours need 4 checks; none recorded = none done (see the no-checks test)
    rule = "005-6.2.2-shelf-checks-district_library"
    subject = opened("district_library", ("09:00", "17:00"), ("09:00", "17:00"))
    assert status(rule, subject, WEEK) is FAIL
    for day in WEEK.days():
        subject.shelf_checks += _checks(day, 4)
    assert status(rule, subject, WEEK) is PASS
    subject.shelf_checks.pop()
    assert result(rule, subject, WEEK).value == 1


def test_town_shelf_checks_twice_a_day() -> None:
    # DB31114/Z 005-2025 6.2.2
    rule = "005-6.2.2-shelf-checks-town_library"
    subject = opened("town_library", ("09:00", "17:00"), ("09:00", "17:00"))
    for day in WEEK.days():
        subject.shelf_checks += _checks(day, 2)
    assert status(rule, subject, WEEK) is PASS
    subject.shelf_checks = subject.shelf_checks[1:]
    assert status(rule, subject, WEEK) is FAIL


@pytest.mark.parametrize(
    ("rule", "tier", "limit_per_10000"),
    [
        ("005-6.2.2-misshelving-district_library", "district_library", 200),
        ("005-6.2.2-misshelving-town_library", "town_library", 500),
    ],
)
def test_misshelving_rate(rule: str, tier: str, limit_per_10000: int) -> None:
    # DB31114/Z 005-2025 6.2.2
    subject = facts(tier)
    subject.shelf_checks.append(ShelfCheckFact(at(date(2026, 3, 3), "10:00"), 10_000, limit_per_10000))
    assert status(rule, subject) is PASS
    subject.shelf_checks[0] = ShelfCheckFact(at(date(2026, 3, 3), "10:00"), 10_000, limit_per_10000 + 1)
    assert status(rule, subject) is FAIL
    assert status(rule, facts(tier)) is INSUFFICIENT


@pytest.mark.parametrize(
    ("rule", "tier", "threshold"),
    [
        ("005-6.2.3-loans-district_library", "district_library", 1_000_000),
        ("005-6.2.3-loans-town_library", "town_library", 80_000),
    ],
)
def test_yearly_loans(rule: str, tier: str, threshold: int) -> None:
    # DB31114/Z 005-2025 6.2.3
    subject = facts(tier)
    assert status(rule, subject) is INSUFFICIENT
    subject.usage += [UsageFact(f"2026-{month:02d}", threshold // 12, 0) for month in range(1, 13)]
    subject.usage.append(UsageFact("2025-12", threshold, 0))
    shortfall = threshold - 12 * (threshold // 12)
    subject.usage[0] = UsageFact("2026-01", threshold // 12 + shortfall - 1, 0)
    assert result(rule, subject).value == threshold - 1
    assert status(rule, subject) is FAIL
    subject.usage[0] = UsageFact("2026-01", threshold // 12 + shortfall, 0)
    assert status(rule, subject) is PASS


def test_downloads_and_remote_access() -> None:
    # DB31114/Z 005-2025 6.2.4
    subject = facts("district_library")
    subject.usage += [UsageFact(f"2026-{month:02d}", 10_000, 500) for month in range(1, 13)]
    subject.usage[4] = UsageFact("2026-05", 10_000, 1_100)
    subject.usage[5] = UsageFact("2026-06", 10_000, 1_100)
    assert status("005-6.2.4-downloads-district_library", subject) is PASS  # 7,200 / 120,000 = 6 %
    subject.usage[5] = UsageFact("2026-06", 10_000, 1_099)
    assert status("005-6.2.4-downloads-district_library", subject) is FAIL
    # a month missing: the year's ratio is unknown
    del subject.usage[11]
    assert status("005-6.2.4-downloads-district_library", subject) is INSUFFICIENT
    subject.collection.append(
        CollectionFact(date(2026, 12, 31), digital_resources_total=1000, digital_resources_remote=800)
    )
    assert status("005-6.2.4-remote-access-district_library", subject) is PASS
    subject.collection[0] = CollectionFact(
        date(2026, 12, 31), digital_resources_total=1000, digital_resources_remote=799
    )
    assert status("005-6.2.4-remote-access-district_library", subject) is FAIL


def test_held_documents_within_thirty_minutes() -> None:
    # DB31114/Z 005-2025 6.2.5.1
    rule = "005-6.2.5.1-held-delivery"
    asked = at(date(2026, 4, 1), "10:00")
    subject = facts("town_library")
    subject.document_requests.append(AnsweredFact(asked, asked + timedelta(minutes=30)))
    assert status(rule, subject) is PASS
    subject.document_requests.append(AnsweredFact(asked, asked + timedelta(minutes=31)))
    assert status(rule, subject) is FAIL
    waiting = facts("town_library")
    waiting.document_requests.append(AnsweredFact(asked, None))
    assert status(rule, waiting, as_of=asked + timedelta(minutes=20)) is PASS  # still within time
    assert status(rule, waiting, as_of=asked + timedelta(hours=1)) is FAIL


def test_documents_not_held_answered_within_ten_working_days() -> None:
    # DB31114/Z 005-2025 6.2.5.2
    rule = "005-6.2.5.2-unheld-answer"
    asked = at(date(2026, 9, 25), "15:00")  # a Friday before the National Day holiday
    subject = facts("district_library")
    due = CALENDAR.add_working_days(date(2026, 9, 25), 10).due
    subject.document_requests.append(AnsweredFact(asked, at(due, "16:00"), held=False))
    assert status(rule, subject) is PASS
    late = CALENDAR.add_working_days(date(2026, 9, 25), 11).due
    subject.document_requests.append(AnsweredFact(asked, at(late, "09:00"), held=False))
    assert status(rule, subject) is FAIL


def test_reference_answers() -> None:
    # DB31114/Z 005-2025 6.2.6.1: on the spot (the same day) in person, by phone or online; otherwise 2 working days
    asked = at(date(2026, 3, 6), "16:00")  # Friday
    subject = facts("town_library")
    subject.reference_questions += [
        AnsweredFact(asked, asked + timedelta(hours=1), channel="phone"),
        AnsweredFact(asked, at(date(2026, 3, 10), "09:00"), channel="email"),  # Tuesday = 2 working days
        AnsweredFact(
            asked, at(date(2026, 5, 1), "09:00"), channel="in_person", professional=True
        ),  # 6.2.6.2: not timed
    ]
    assert status("005-6.2.6.1-reference-immediate", subject) is PASS
    assert status("005-6.2.6.1-reference-other", subject) is PASS
    subject.reference_questions += [
        AnsweredFact(asked, at(date(2026, 3, 7), "10:00"), channel="online"),
        AnsweredFact(asked, at(date(2026, 3, 11), "09:00"), channel="letter"),
    ]
    assert status("005-6.2.6.1-reference-immediate", subject) is FAIL
    assert status("005-6.2.6.1-reference-other", subject) is FAIL


# --- DB 31114/Z 005-2025 7, 8 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice_rule", "approval_rule", "tier", "needs"),
    [
        ("005-7.2.2-closure-notice", "005-7.2.2-closure-approval", "village_reading_room", {"approved": True}),
        (
            "007-6.1.2-closure-notice",
            "007-6.1.2-closure-approval",
            "activity_room",  # DB31114/Z 007-2025 6.1.2
            {"approved": True, "reported_to_town": True},
        ),
    ],
)
def test_temporary_closures(notice_rule: str, approval_rule: str, tier: str, needs: dict[str, bool]) -> None:
    # DB31114/Z 005-2025 7.2.2
    subject = facts(tier)
    assert status(notice_rule, subject) is PASS  # no closure, nothing to announce
    subject.closures.append(ClosureFact(date(2026, 5, 10), date(2026, 5, 12), date(2026, 5, 3), **needs))
    assert status(notice_rule, subject) is PASS
    assert status(approval_rule, subject) is PASS
    subject.closures.append(ClosureFact(date(2026, 8, 10), date(2026, 8, 10), date(2026, 8, 4), **needs))
    assert result(notice_rule, subject).value == 6
    assert status(notice_rule, subject) is FAIL
    subject.closures.append(ClosureFact(date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 1), emergency=True))
    assert result(notice_rule, subject).value == 6  # emergencies need no notice period
    subject.closures.append(ClosureFact(date(2026, 10, 20), date(2026, 10, 21), date(2026, 10, 1), approved=False))
    assert status(approval_rule, subject) is FAIL


def test_activity_room_closure_also_reported_to_the_town() -> None:
    # DB31114/Z 007-2025 6.1.2
    subject = facts("activity_room")
    subject.closures.append(ClosureFact(date(2026, 5, 10), date(2026, 5, 12), date(2026, 5, 1), approved=True))
    assert status("007-6.1.2-closure-approval", subject) is FAIL


def test_complaints_answered_within_three_working_days() -> None:
    # DB31114/Z 005-2025 8.1
    rule = "005-8.1-complaints"
    received = at(date(2026, 4, 30), "11:00")  # Thursday before the Labour Day holiday (1–5 May)
    subject = facts("home_study")
    due = CALENDAR.add_working_days(date(2026, 4, 30), 3).due
    subject.complaints.append(AnsweredFact(received, at(due, "17:00")))
    assert status(rule, subject) is PASS
    subject.complaints.append(AnsweredFact(received, at(CALENDAR.add_working_days(date(2026, 4, 30), 4).due, "09:00")))
    assert status(rule, subject) is FAIL


LIBRARY_TIERS = (
    "district_library",
    "town_library",
    "village_reading_room",
    "community_book_club",
    "farmhouse_library",
    "smart_library_24h",
    "migrant_e_reading_room",
    "home_study",
    "home_reading_point",
)
ALL_CHANNELS = {"suggestion_box": True, "supervision_phone_published": True, "online_complaint_channel": True}


@pytest.mark.parametrize("tier", LIBRARY_TIERS)
def test_suggestion_box_phone_and_online_complaints(tier: str) -> None:
    # DB31114/Z 005-2025 8.1: 应在公共图书馆（室）的明显位置设置意见箱，公开监督电话，开设网上投诉通道 (every
    # 公共图书馆（室） of clause 1)
    rule = "005-8.1-supervision-channels"
    assert status(rule, facts(tier, **ALL_CHANNELS)) is PASS
    for missing in ALL_CHANNELS:
        assert status(rule, facts(tier, **{**ALL_CHANNELS, missing: False})) is FAIL, missing
        assert status(rule, facts(tier, **{**ALL_CHANNELS, missing: None})) is INSUFFICIENT, missing
    # one channel known to be missing is a failure even while another is unreported
    outcome = result(rule, facts(tier, suggestion_box=False, online_complaint_channel=True))
    assert outcome.status is FAIL
    assert "missing 意见箱 suggestion box per the facility registry" in outcome.explanation


def test_supervision_channels_are_a_library_rule() -> None:
    # DB31114/Z 005-2025 8.1 is a clause of the library standard: activity rooms and centres are not judged by it
    for tier in ("activity_room", "cultural_centre"):
        subject = facts(tier, suggestion_box=False)
        ids = {r.rule_id for r in evaluate_facility(RULES, subject, YEAR, Context(CALENDAR, AS_OF))}
        assert "005-8.1-supervision-channels" not in ids


def test_satisfaction_survey() -> None:
    # DB31114/Z 005-2025 8.2.1
    subject = facts("town_library")
    assert status("005-8.2.1-survey-conducted", subject) is FAIL
    assert status("005-8.2.1-satisfaction", subject) is INSUFFICIENT
    subject.surveys.append(SurveyFact(date(2026, 6, 1), 100, 80, 72))
    for rule in (
        "005-8.2.1-survey-conducted",
        "005-8.2.1-survey-distributed",
        "005-8.2.1-survey-return-rate",
        "005-8.2.1-satisfaction",
    ):
        assert status(rule, subject) is PASS, rule
    subject.surveys[0] = SurveyFact(date(2026, 6, 1), 100, 80, 71)
    assert status("005-8.2.1-satisfaction", subject) is FAIL
    subject.surveys[0] = SurveyFact(date(2026, 6, 1), 99, 99, 99)
    assert status("005-8.2.1-survey-distributed", subject) is FAIL
    assert status("005-8.2.1-satisfaction", subject) is FAIL  # an invalid survey proves nothing
    subject.surveys[0] = SurveyFact(date(2026, 6, 1), 200, 159, 159)
    assert status("005-8.2.1-survey-return-rate", subject) is FAIL
    assert "no valid survey" in result("005-8.2.1-satisfaction", subject).explanation


# --- DB 31114/Z 006-2025 -------------------------------------------------------------------------------------------


def town_results(town: TownFacts) -> dict[str, RuleResult]:
    return {r.rule_id: r for r in evaluate_town(RULES, town, YEAR)}


def test_a_cultural_centre_in_every_town() -> None:
    # DB31114/Z 006-2025 5.2.1
    town = TownFacts("jd-anting", 150_000)
    assert town_results(town)["006-5.2.1-centre-per-town"].status is FAIL
    town.facilities.append(FacilityProfile("c", "cultural_centre", "jd-anting", "安亭镇社区文化活动中心"))
    assert town_results(town)["006-5.2.1-centre-per-town"].status is PASS


def test_sub_centre_where_the_town_has_over_200000_residents() -> None:
    # DB31114/Z 006-2025 5.2.2.1
    assert "006-5.2.2-subcentre" not in town_results(TownFacts("jd-a", 200_000))
    assert town_results(TownFacts("jd-a", None))["006-5.2.2-subcentre"].status is INSUFFICIENT
    big = TownFacts("jd-a", 200_001)
    assert town_results(big)["006-5.2.2-subcentre"].status is FAIL
    big.facilities.append(FacilityProfile("s", "cultural_subcentre", "jd-a", "分中心"))
    assert town_results(big)["006-5.2.2-subcentre"].status is PASS


def test_an_activity_room_in_every_running_committee() -> None:
    # DB31114/Z 006-2025 5.2.3.1
    town = TownFacts("jd-a", 100_000)
    assert town_results(town)["006-5.2.3-room-per-committee"].status is INSUFFICIENT
    town.committees += [
        CommitteeFact("c1", "一村"),
        CommitteeFact("c2", "二居", residents=25_000),
        CommitteeFact("c3", "撤并村", running=False),
    ]
    town.facilities.append(FacilityProfile("r1", "activity_room", "jd-a", "一村活动室", committee_code="c1"))
    outcome = town_results(town)["006-5.2.3-room-per-committee"]
    assert outcome.status is FAIL
    assert outcome.value == 1
    assert "二居" in outcome.explanation
    assert "may add rooms" in outcome.explanation  # DB31114/Z 006-2025 5.2.3.2, noted not judged
    town.facilities.append(FacilityProfile("r2", "activity_room", "jd-a", "二居活动室", committee_code="c2"))
    assert town_results(town)["006-5.2.3-room-per-committee"].status is PASS


def test_cultural_centre_areas_and_free_items() -> None:
    # DB31114/Z 006-2025 5.2.1, 6.1.1
    good = facts(
        "cultural_centre",
        floor_area_m2=4500,
        usable_area_m2=3500,
        public_service_area_m2=3500,
        free_service_items=tuple(f"项目{i}" for i in range(7)),
    )
    for rule in (
        "006-5.2.1-centre-public-area",
        "006-5.2.1-centre-free-items",
        "006-6.1.1-centre-floor-area",
        "006-6.1.1-centre-usable-area",
        "006-6.1.1-centre-public-share",
    ):
        assert status(rule, good) is PASS, rule
    short = facts(
        "cultural_centre",
        floor_area_m2=4499,
        usable_area_m2=3499.99,
        public_service_area_m2=3149,
        free_service_items=tuple(f"项目{i}" for i in range(6)),
    )
    for rule in (
        "006-5.2.1-centre-public-area",
        "006-5.2.1-centre-free-items",
        "006-6.1.1-centre-floor-area",
        "006-6.1.1-centre-usable-area",
        "006-6.1.1-centre-public-share",
    ):
        assert status(rule, short) is FAIL, rule
    assert status("006-6.1.1-centre-public-share", facts("cultural_centre")) is INSUFFICIENT


def test_sub_centre_open_share() -> None:
    # DB31114/Z 006-2025 6.2.1
    rule = "006-6.2.1-subcentre-public-share"
    assert status(rule, facts("cultural_subcentre", usable_area_m2=1000, public_service_area_m2=900)) is PASS
    assert status(rule, facts("cultural_subcentre", usable_area_m2=1000, public_service_area_m2=899.9)) is FAIL


def test_activity_room_area() -> None:
    # DB31114/Z 006-2025 6.3
    assert status("006-6.3-room-area", facts("activity_room", public_service_area_m2=200)) is PASS
    assert status("006-6.3-room-area", facts("activity_room", public_service_area_m2=199)) is FAIL


@pytest.mark.parametrize(
    ("ramp", "toilet", "lift", "tier"),
    [
        ("006-6.4.1-ramp", "006-6.4.1-accessible-toilet", "006-6.4.2-lift", "cultural_centre"),
        ("006-6.4.1-ramp", "006-6.4.1-accessible-toilet", "006-6.4.2-lift", "cultural_subcentre"),
        (
            "007-6.2.2-ramp",
            "007-6.2.2-accessible-toilet",
            "007-6.2.3-lift",
            "activity_room",
        ),  # DB31114/Z 007-2025 6.2.2, 6.2.3
    ],
)
def test_accessibility(ramp: str, toilet: str, lift: str, tier: str) -> None:
    # DB31114/Z 006-2025 6.4.1, 6.4.2
    assert status(ramp, facts(tier, entrance_ramp=True)) is PASS
    assert status(ramp, facts(tier, entrance_ramp=False)) is FAIL
    assert status(toilet, facts(tier, accessible_toilet=True)) is PASS
    assert status(toilet, facts(tier, accessible_toilet=False)) is FAIL
    assert status(lift, facts(tier, multi_storey=False)) is PASS
    assert status(lift, facts(tier, multi_storey=True, lift=True)) is PASS
    assert status(lift, facts(tier, multi_storey=True, lift=False, ground_floor_services=True)) is PASS
    assert status(lift, facts(tier, multi_storey=True, lift=False, ground_floor_services=False)) is FAIL
    assert status(lift, facts(tier)) is INSUFFICIENT


def test_plaza_lighting_and_power_where_there_is_a_plaza() -> None:
    # DB31114/Z 006-2025 6.3: 有室外广场的应配置照明灯光和外接电源
    rule = "006-6.3-plaza-lighting-power"
    no_plaza = facts("activity_room", outdoor_plaza=False)
    assert rule not in {r.rule_id for r in evaluate_facility(RULES, no_plaza, YEAR, Context(CALENDAR, AS_OF))}
    assert status(rule, facts("activity_room")) is INSUFFICIENT  # whether there is a plaza is not reported
    assert status(rule, facts("activity_room", outdoor_plaza=True)) is INSUFFICIENT
    assert status(rule, facts("activity_room", outdoor_plaza=True, plaza_lighting=True)) is INSUFFICIENT
    bare = result(rule, facts("activity_room", outdoor_plaza=True, plaza_lighting=False, plaza_power_supply=False))
    assert bare.status is FAIL
    assert "missing 照明灯光 lighting、外接电源 external power supply" in bare.explanation
    assert (
        status(rule, facts("activity_room", outdoor_plaza=True, plaza_lighting=True, plaza_power_supply=False)) is FAIL
    )
    assert (
        status(rule, facts("activity_room", outdoor_plaza=True, plaza_lighting=True, plaza_power_supply=True)) is PASS
    )
    # the clause is about the 居（村）综合文化活动室 only
    centre = facts("cultural_centre", outdoor_plaza=True, plaza_lighting=False, plaza_power_supply=False)
    assert rule not in {r.rule_id for r in evaluate_facility(RULES, centre, YEAR, Context(CALENDAR, AS_OF))}


# --- DB 31114/Z 007-2025 --------------------------------------------------------------------------------------------


def test_activity_room_free_wifi() -> None:
    # DB31114/Z 007-2025 5.1.2
    assert status("007-5.1.2-free-wifi", facts("activity_room", free_wifi=True)) is PASS
    assert status("007-5.1.2-free-wifi", facts("activity_room", free_wifi=False)) is FAIL


def test_activity_room_newspapers_and_magazines() -> None:
    # DB31114/Z 007-2025 6.2.1
    subject = facts("activity_room")
    subject.collection.append(CollectionFact(date(2026, 1, 10), newspaper_titles=10, magazine_titles=15))
    assert status("007-6.2.1-newspapers", subject) is PASS
    assert status("007-6.2.1-magazines", subject) is PASS
    subject.collection[0] = CollectionFact(date(2026, 1, 10), newspaper_titles=9, magazine_titles=14)
    assert status("007-6.2.1-newspapers", subject) is FAIL
    assert status("007-6.2.1-magazines", subject) is FAIL


def test_activity_room_full_time_staff() -> None:
    # DB31114/Z 007-2025 6.3.1
    subject = facts("activity_room")
    subject.staff.append(StaffFact("P1", date(2024, 1, 1), full_time=False))
    assert status("007-6.3.1-full-time-staff", subject) is FAIL
    subject.staff.append(StaffFact("F1", date(2024, 1, 1)))
    assert status("007-6.3.1-full-time-staff", subject) is PASS


def test_activity_room_training_days() -> None:
    # DB31114/Z 007-2025 6.3.2
    subject = facts("activity_room")
    subject.staff.append(StaffFact("F1", date(2024, 1, 1)))
    subject.trainings += [TrainingFact("F1", date(2026, 3, 1), 16, 2), TrainingFact("F1", date(2026, 9, 1), 20, 2.5)]
    assert status("007-6.3.2-training-days", subject) is FAIL
    subject.trainings.append(TrainingFact("F1", date(2026, 11, 1), 4, 0.5))
    assert status("007-6.3.2-training-days", subject) is PASS


def test_activity_room_performances_and_lectures() -> None:
    # DB31114/Z 007-2025 6.4.1
    subject = facts("activity_room")
    subject.events += [
        EventFact(kind, date(2026, 5, i + 1))
        for i, kind in enumerate(["performance", "lecture", "training_lecture", "performance", "film_screening"])
    ]
    assert status("007-6.4.1-performances-lectures", subject) is FAIL
    subject.events.append(EventFact("training_lecture", date(2026, 6, 1)))
    assert status("007-6.4.1-performances-lectures", subject) is PASS


def test_two_films_a_month_where_projection_exists() -> None:
    # DB31114/Z 007-2025 6.4.2
    rule = "007-6.4.2-films"
    ids = {
        r.rule_id
        for r in evaluate_facility(RULES, facts("activity_room", film_projection=False), YEAR, Context(CALENDAR, AS_OF))
    }
    assert rule not in ids
    assert status(rule, facts("activity_room")) is INSUFFICIENT
    subject = facts("activity_room", film_projection=True)
    subject.events += [EventFact("film_screening", date(2026, month, day)) for month in range(1, 13) for day in (5, 20)]
    assert status(rule, subject) is PASS
    subject.events = [event for event in subject.events if event.held_on != date(2026, 7, 20)]
    outcome = result(rule, subject)
    assert outcome.status is FAIL
    assert "2026-07" in outcome.explanation
    assert status(rule, subject, Period.of(2026, month=6)) is PASS


# --- open periods, missing months, weakest period (audit of 2026-12) ----------------------------------------------

PENDING = Status.PENDING


def test_yearly_counts_are_pending_while_the_year_runs() -> None:
    # DB31114/Z 005-2025 6.1.3.1: "每年…不应少于20场次" is a yearly total: short of it is only a failure once the
    # year has ended; while it runs the result is pending (not fail) and names the count so far.
    rule = "005-6.1.3.1-reading-promotion-town_library"
    subject = facts("town_library")
    subject.events += [EventFact("reading_promotion", date(2026, 2, day)) for day in range(1, 8)]
    running = result(rule, subject, YEAR, datetime(2026, 3, 1, tzinfo=UTC))
    assert (running.status, running.value) == (PENDING, 7)
    assert "pending: period runs until 2026-12-31" in running.explanation
    # the last day of the year is still part of it; the day after, the total is judged
    assert status(rule, subject, YEAR, at(date(2026, 12, 31), "23:00")) is PENDING
    assert status(rule, subject, YEAR, at(date(2027, 1, 1), "00:30")) is FAIL
    subject.events += [EventFact("reading_promotion", date(2026, 2, 10 + day)) for day in range(13)]
    assert status(rule, subject, YEAR, datetime(2026, 3, 1, tzinfo=UTC)) is PASS  # 20 reached: passes already


def test_missing_survey_and_roster_are_pending_in_the_running_year() -> None:
    # DB31114/Z 005-2025 8.2.1 (one survey a year) and 5.3.3 (active volunteers): nothing yet in January is pending
    subject = facts("town_library")
    on = datetime(2027, 1, 2, tzinfo=UTC)
    year = Period.of(2027)
    assert status("005-8.2.1-survey-conducted", subject, year, on) is PENDING
    assert status("005-8.2.1-satisfaction", subject, year, on) is PENDING
    assert status("005-5.3.3-volunteers-town_library", subject, year, on) is PENDING
    assert status("005-8.2.1-survey-conducted", subject, Period.of(2026), on) is FAIL


def test_monthly_rule_pending_only_for_the_running_month() -> None:
    # DB31114/Z 007-2025 6.4.2: 2 films a month; the running month is pending, an ended month short of 2 fails
    rule = "007-6.4.2-films"
    subject = facts("activity_room", film_projection=True)
    subject.events += [EventFact("film_screening", date(2026, month, 5)) for month in (1, 2, 3)]
    subject.events += [EventFact("film_screening", date(2026, month, 20)) for month in (1, 2)]
    on = datetime(2026, 3, 10, tzinfo=UTC)
    assert status(rule, subject, Period.of(2026, month=3), on) is PENDING
    in_year = result(rule, subject, YEAR, on)
    assert in_year.status is PENDING  # January and February passed, March is running
    assert "2026-03" in in_year.explanation
    subject.events = [event for event in subject.events if event.held_on != date(2026, 2, 20)]
    failed = result(rule, subject, YEAR, on)
    assert (failed.status, failed.value) == (FAIL, 1)
    assert "2026-02" in failed.explanation


def test_loans_with_missing_months_are_not_enough_data() -> None:
    # DB31114/Z 005-2025 6.2.3: a year's loans from 11 of 12 months cannot fail (the missing month may make it up),
    # but can already pass
    rule = "005-6.2.3-loans-district_library"
    subject = facts("district_library")
    subject.usage += [UsageFact(f"2026-{month:02d}", 85_000, 0) for month in range(1, 12)]  # December missing
    short = result(rule, subject)
    assert (short.status, short.value) == (INSUFFICIENT, 935_000)
    assert "11 of 12 months" in short.explanation
    assert "not enough data" in short.explanation
    subject.usage = [UsageFact(f"2026-{month:02d}", 95_000, 0) for month in range(1, 12)]
    assert status(rule, subject) is PASS  # 1,045,000 already meets 1,000,000
    subject.usage = [UsageFact(f"2026-{month:02d}", 80_000, 0) for month in range(1, 13)]
    assert status(rule, subject) is FAIL  # all 12 months recorded: 960,000


def test_off_hours_share_takes_the_weakest_week() -> None:
    # DB31114/Z 005-2025 6.1.1.2: the town library's off-hours are at least 1/4 of its opening *per week*; a year
    # reports its weakest week, not the share pooled over all weeks
    rule = "005-6.1.1.2-off-hours-share-town_library"
    subject = opened("town_library", ("09:00", "17:00"), ("09:00", "17:00"))  # 16 h of 56 h = 28.6 %
    assert status(rule, subject, WEEK) is PASS
    subject.exceptions[date(2026, 3, 14)] = ()  # week 11: weekend closed, 0 off-hours
    subject.exceptions[date(2026, 3, 15)] = ()
    assert status(rule, subject, WEEK) is FAIL
    year = result(rule, subject, YEAR)
    assert (year.status, year.value) == (FAIL, 0)
    assert "2026-W11" in year.explanation


def test_misshelving_takes_the_worst_month() -> None:
    # DB31114/Z 005-2025 6.2.2: 错架率 ≤ 5 % is a monthly rate; the year reports its worst month
    rule = "005-6.2.2-misshelving-town_library"
    subject = facts("town_library")
    subject.shelf_checks.append(ShelfCheckFact(at(date(2026, 3, 3), "10:00"), 1000, 100))  # March 10 %
    for month in range(4, 13):
        subject.shelf_checks.append(ShelfCheckFact(at(date(2026, month, 3), "10:00"), 10_000, 100))  # 1 %
    assert status(rule, subject, Period.of(2026, month=3)) is FAIL
    year = result(rule, subject, YEAR)
    assert (year.status, year.value) == (FAIL, 0.1)
    assert "2026-03" in year.explanation
    subject.shelf_checks[0] = ShelfCheckFact(at(date(2026, 3, 3), "10:00"), 1000, 50)  # March 5 %: the edge
    assert status(rule, subject, YEAR) is PASS


def test_no_shelf_checks_recorded_is_a_failure() -> None:
    # DB31114/Z 005-2025 6.2.2: "区级图书馆应每2h进行1次巡视查架" — a check is a thing done; an open day without one
    # recorded fell short (12 h open = 6 checks a day), so a week without any fails on all 7 days
    rule = "005-6.2.2-shelf-checks-district_library"
    subject = opened("district_library", ("09:00", "21:00"), ("09:00", "21:00"))
    week = result(rule, subject, WEEK)
    assert (week.status, week.value) == (FAIL, 7)
    assert "7 of 7 open days fell short" in week.explanation
    # without a known opening pattern there is nothing to require
    assert status(rule, facts("district_library"), WEEK) is INSUFFICIENT


def test_shelf_checks_of_the_running_day_are_not_judged_yet() -> None:
    # DB31114/Z 005-2025 6.2.2 (town: 2 checks a day): on Wednesday 10:00 only Monday and Tuesday are judged
    rule = "005-6.2.2-shelf-checks-town_library"
    subject = opened("town_library", ("09:00", "17:00"), ("09:00", "17:00"))
    for day in (date(2026, 3, 9), date(2026, 3, 10)):
        subject.shelf_checks += _checks(day, 2)
    on = at(date(2026, 3, 11), "10:00")
    assert result(rule, subject, WEEK, on).value == 0
    assert status(rule, subject, WEEK, on) is PASS


def _new_year_ratio(failing_elsewhere: bool) -> tuple[float | None, float | None]:
    from prometheus_client import REGISTRY

    from library_metrics.compliance import metrics
    from library_metrics.compliance.service import FacilityEvaluation

    subject = opened("town_library", ("08:00", "18:00"), ("09:00", "17:00"))
    subject.profile = replace(subject.profile, seats=90 if failing_elsewhere else 120, citywide_borrow_return=True)
    subject.events += [EventFact("reading_promotion", date(2026, 5, day)) for day in range(1, 25)]
    subject.events.append(EventFact("local_document_activity", date(2026, 6, 1)))
    subject.acquisitions.append(AcquisitionFact(date(2026, 4, 1), "purchase", 3000, 6000))
    subject.surveys.append(SurveyFact(date(2026, 9, 1), 120, 110, 105))
    subject.collection.append(CollectionFact(date(2026, 12, 1), books=40000))
    for offset in range(367):  # two shelf checks every day of 2026 and on 1 January 2027
        subject.shelf_checks += _checks(date(2026, 1, 1) + timedelta(days=offset), 2)
    labels = {"tier": "town_library", "town": "jd-anting"}
    ratios = []
    for period, as_of in (
        (Period.of(2026), at(date(2026, 12, 31), "16:00")),
        (Period.of(2027), at(date(2027, 1, 2), "16:00")),
    ):
        results = evaluate_facility(RULES, subject, period, Context(CALENDAR, as_of))
        metrics.update([FacilityEvaluation(subject.profile, results)], as_of.timestamp())
        ratios.append(REGISTRY.get_sample_value("library_compliance_pass_ratio", labels))
    return ratios[0], ratios[1]


def test_pass_ratio_gauge_does_not_drop_on_new_year() -> None:
    # DB31114/Z 005-2025 5.2.1.3, 5.2.2, 6.1.3.1, 8.2.1 are yearly totals: the same facts on 31 Dec 2026 (year 2026)
    # and on 2 Jan 2027 (year 2027, totals restarting at 0) give the same library_compliance_pass_ratio, so the
    # LibraryComplianceDrop alert (fall > 0.1 in 7 days) does not fire on New Year.
    from prometheus_client import REGISTRY

    december, january = _new_year_ratio(failing_elsewhere=False)
    assert december == january == 1.0
    assert (
        REGISTRY.get_sample_value(
            "library_compliance_results", {"tier": "town_library", "town": "jd-anting", "status": "pending"}
        )
        >= 4
    )
    assert (
        REGISTRY.get_sample_value(
            "library_compliance_results", {"tier": "town_library", "town": "jd-anting", "status": "fail"}
        )
        == 0
    )
    # with a rule failing all along (seats), the ratio still does not move at the turn of the year
    december, january = _new_year_ratio(failing_elsewhere=True)
    assert december is not None
    assert december < 1
    assert january == pytest.approx(december)
