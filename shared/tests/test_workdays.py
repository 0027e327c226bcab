"""Working-day calendar: real 2025/2026 State Council arrangements, overrides, provisional years, month arithmetic.

Holiday facts asserted here were checked against chinesecalendar 1.11.0 (国办发明电〔2024〕12号 for 2025,
国办发明电〔2025〕7号 for 2026) rather than taken on trust.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import chinese_calendar
import pytest
from prometheus_client import REGISTRY

from jiading_shared.workdays import (
    CalendarOverrideError,
    DayInfo,
    WorkdayCalendar,
    add_months,
    default_calendar,
    holiday_labels,
)

D = dt.date
EXAMPLE_FILE = (
    Path(__file__).resolve().parents[1] / "src" / "jiading_shared" / "data" / "calendar-overrides.example.yaml"
)

FULL_2027 = """
- year: 2027
  source: 国办发明电〔2026〕99号 (test data)
  complete: true
  holidays:
    - {date: 2027-01-01, name: New Year's Day}
    - {from: 2027-02-05, to: 2027-02-11, name: 春节}
    - {from: 2027-10-01, to: 2027-10-07, name: National Day}
  workdays:
    - {date: 2027-02-13, name: Spring Festival}
    - {date: 2027-10-09, name: 国庆节}
"""


@pytest.fixture(scope="module")
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


def write(tmp_path: Path, text: str, name: str = "overrides.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# --- real dates: 2025 Spring Festival ------------------------------------------------------------------------------


def test_spring_festival_2025_holidays_and_make_up_workdays(cal: WorkdayCalendar) -> None:
    for d in days(D(2025, 1, 28), D(2025, 2, 4)):
        info = cal.day_info(d)
        assert not info.is_working_day, d
        assert info.reason == "statutory holiday: Spring Festival (春节)"
        assert info.reason_zh == "法定节假日：春节"
        assert not info.provisional
    # 调休: Sunday 26 January and Saturday 8 February were worked.
    for d in (D(2025, 1, 26), D(2025, 2, 8)):
        assert d.weekday() >= 5
        info = cal.day_info(d)
        assert info.is_working_day
        assert info.reason == "make-up workday (调休) for Spring Festival (春节)"
    assert cal.day_info(D(2025, 1, 27)).reason == "working day"
    assert cal.day_info(D(2025, 2, 9)).reason == "weekend"


def test_add_working_days_across_spring_festival_2025(cal: WorkdayCalendar) -> None:
    deadline = cal.add_working_days(D(2025, 1, 27), 1)
    assert deadline.due == D(2025, 2, 5)
    assert [i.date for i in deadline.skipped] == days(D(2025, 1, 28), D(2025, 2, 4))
    assert not deadline.provisional
    # Friday 24 January + 1 lands on the make-up Sunday, not on Monday.
    assert cal.add_working_days(D(2025, 1, 24), 1).due == D(2025, 1, 26)
    assert cal.add_working_days(D(2025, 2, 7), 1).due == D(2025, 2, 8)


# --- real dates: National Day 2025 and 2026 ------------------------------------------------------------------------


def test_national_day_2025_with_make_up_weekend_days(cal: WorkdayCalendar) -> None:
    for d in days(D(2025, 10, 1), D(2025, 10, 8)):
        assert not cal.is_working_day(d), d
    # 2025-10-06 is 中秋节 inside the National Day week.
    assert cal.day_info(D(2025, 10, 6)).reason == "statutory holiday: Mid-autumn Festival (中秋节)"
    assert D(2025, 9, 28).weekday() == 6
    assert D(2025, 10, 11).weekday() == 5
    assert cal.day_info(D(2025, 9, 28)).reason == "make-up workday (调休) for National Day (国庆节)"
    assert cal.is_working_day(D(2025, 10, 11))
    assert cal.add_working_days(D(2025, 9, 26), 1).due == D(2025, 9, 28)
    assert cal.add_working_days(D(2025, 9, 30), 1).due == D(2025, 10, 9)
    assert cal.add_working_days(D(2025, 10, 10), 1).due == D(2025, 10, 11)


def test_national_day_2026_issue_example(cal: WorkdayCalendar) -> None:
    # DB31114/Z 001-2025 6.2.4 and DB31114/Z 002-2025 6.6: "有人居住但无人在家" is visited again within 2 working days.
    # The issue's acceptance example: 2026-09-30 + 2 working days = 2026-10-09.
    deadline = cal.add_working_days(D(2026, 9, 30), 2)
    assert deadline.due == D(2026, 10, 9)
    assert deadline.start == D(2026, 9, 30)
    assert deadline.days == 2
    assert not deadline.provisional
    assert [i.date for i in deadline.skipped] == days(D(2026, 10, 1), D(2026, 10, 7))
    assert all(i.reason == "statutory holiday: National Day (国庆节)" for i in deadline.skipped)
    assert deadline.calendar_version == "chinesecalendar-1.11.0+overrides:none"


def test_national_day_2026_make_up_days_and_mid_autumn(cal: WorkdayCalendar) -> None:
    assert D(2026, 9, 20).weekday() == 6
    assert D(2026, 10, 10).weekday() == 5
    assert cal.is_working_day(D(2026, 9, 20))
    assert cal.is_working_day(D(2026, 10, 10))
    assert cal.add_working_days(D(2026, 10, 9), 1).due == D(2026, 10, 10)
    for d in days(D(2026, 9, 25), D(2026, 9, 27)):
        assert cal.day_info(d).reason == "statutory holiday: Mid-autumn Festival (中秋节)"


def test_spring_festival_2026(cal: WorkdayCalendar) -> None:
    for d in days(D(2026, 2, 15), D(2026, 2, 23)):
        assert not cal.is_working_day(d), d
    assert cal.is_working_day(D(2026, 2, 14))
    assert cal.is_working_day(D(2026, 2, 28))
    assert cal.add_working_days(D(2026, 2, 13), 2).due == D(2026, 2, 24)


def test_agrees_with_chinesecalendar_for_every_library_day(cal: WorkdayCalendar) -> None:
    for d in days(D(2004, 1, 1), D(2026, 12, 31)):
        assert cal.is_working_day(d) == chinese_calendar.is_workday(d), d
    assert cal.known_until_year == 2026


# --- conventions ---------------------------------------------------------------------------------------------------


def test_zero_days_is_start_or_next_working_day(cal: WorkdayCalendar) -> None:
    assert cal.add_working_days(D(2026, 9, 30), 0).due == D(2026, 9, 30)
    deadline = cal.add_working_days(D(2026, 10, 3), 0)
    assert deadline.due == D(2026, 10, 8)
    assert [i.date for i in deadline.skipped] == days(D(2026, 10, 3), D(2026, 10, 7))


def test_rejects_negative_days_and_datetimes(cal: WorkdayCalendar) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        cal.add_working_days(D(2026, 1, 5), -1)
    with pytest.raises(TypeError, match=r"datetime\.date"):
        cal.is_working_day(dt.datetime(2026, 1, 5, 12, 0))  # type: ignore[arg-type]


def test_working_days_between(cal: WorkdayCalendar) -> None:
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 9, 30)) == 0
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 9)) == 2
    assert cal.working_days_between(D(2026, 10, 9), D(2026, 9, 30)) == -2
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    # (a, b]: a holiday start is not counted, a working-day end is.
    assert cal.working_days_between(D(2025, 10, 8), D(2025, 10, 9)) == 1
    whole_2025 = cal.working_days_between(D(2024, 12, 31), D(2025, 12, 31))
    assert whole_2025 == len(chinese_calendar.get_workdays(D(2025, 1, 1), D(2025, 12, 31)))


def test_property_count_inverts_add() -> None:
    cal = WorkdayCalendar()
    rng = random.Random(20251001)
    for _ in range(400):
        start = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(730))
        n = rng.randrange(0, 31)
        deadline = cal.add_working_days(start, n)
        assert cal.is_working_day(deadline.due)
        assert all(not i.is_working_day for i in deadline.skipped)
        if n >= 1:
            assert cal.working_days_between(start, deadline.due) == n, (start, n)
            assert cal.working_days_between(start, deadline.due - dt.timedelta(days=1)) == n - 1, (start, n)
        else:
            assert cal.working_days_between(start, deadline.due) in (0, 1)


# --- beyond known data ---------------------------------------------------------------------------------------------


def test_2027_without_overrides_is_weekends_only_and_provisional(cal: WorkdayCalendar) -> None:
    info = cal.day_info(D(2027, 1, 1))  # a Friday; no notice yet, so counted as working
    assert info == DayInfo(D(2027, 1, 1), True, "working day", True, "工作日")
    assert cal.day_info(D(2027, 1, 2)).reason == "weekend"
    assert cal.day_info(D(2027, 1, 2)).provisional
    deadline = cal.add_working_days(D(2026, 12, 30), 3)
    assert deadline.due == D(2027, 1, 4)
    assert deadline.provisional
    assert not cal.add_working_days(D(2026, 12, 1), 5).provisional
    assert cal.known_until_year == 2026
    assert not cal.is_known_year(2027)
    assert "Provisional" in deadline.explain()
    assert "暂定" in deadline.explain()


def test_before_library_range_is_provisional(cal: WorkdayCalendar) -> None:
    assert cal.day_info(D(2003, 6, 2)).provisional
    assert cal.add_working_days(D(2003, 6, 6), 1).due == D(2003, 6, 9)


# --- override file -------------------------------------------------------------------------------------------------


def test_override_adds_complete_2027(tmp_path: Path) -> None:
    path = write(tmp_path, FULL_2027)
    cal = WorkdayCalendar.from_file(path)
    assert cal.known_until_year == 2027
    assert REGISTRY.get_sample_value("calendar_known_until_year") == 2027
    assert cal.is_known_year(2027)
    new_year = cal.day_info(D(2027, 1, 1))
    assert not new_year.is_working_day
    assert not new_year.provisional
    assert new_year.reason == "statutory holiday: New Year's Day (元旦); override: 国办发明电〔2026〕99号 (test data)"
    assert new_year.reason_zh == "法定节假日：元旦（国办发明电〔2026〕99号 (test data)）"
    assert cal.day_info(D(2027, 2, 5)).reason.startswith("statutory holiday: Spring Festival (春节)")
    assert cal.day_info(D(2027, 2, 13)).is_working_day  # a Saturday made a workday
    deadline = cal.add_working_days(D(2026, 12, 30), 3)
    assert deadline.due == D(2027, 1, 5)
    assert not deadline.provisional
    assert cal.add_working_days(D(2027, 9, 30), 1).due == D(2027, 10, 8)
    assert cal.add_working_days(D(2027, 10, 8), 1).due == D(2027, 10, 9)
    assert cal.day_info(D(2028, 1, 3)).provisional
    assert cal.calendar_version.startswith("chinesecalendar-1.11.0+overrides:")
    assert len(cal.calendar_version.rsplit(":", 1)[1]) == 12
    assert cal.calendar_version != WorkdayCalendar().calendar_version
    # Building a library-only calendar resets the gauge.
    WorkdayCalendar()
    assert REGISTRY.get_sample_value("calendar_known_until_year") == 2026


def test_partial_year_keeps_year_provisional(tmp_path: Path) -> None:
    cal = WorkdayCalendar(write(tmp_path, FULL_2027.replace("complete: true", "complete: false")))
    assert cal.known_until_year == 2026
    info = cal.day_info(D(2027, 1, 1))
    assert not info.is_working_day
    assert info.provisional


def test_correction_of_a_single_known_day(tmp_path: Path) -> None:
    text = """
- year: 2026
  source: 沪府办〔2026〕1号 (test data)
  complete: false
  corrections:
    - {date: 2026-10-09, working: false, note: extra day off}
    - {date: 2026-10-11, working: true, note: swapped, name: 国庆}
"""
    cal = WorkdayCalendar(write(tmp_path, text))
    assert cal.known_until_year == 2026
    info = cal.day_info(D(2026, 10, 9))
    assert not info.is_working_day
    assert not info.provisional
    assert info.reason == "override: 沪府办〔2026〕1号 (test data): day off — extra day off"
    assert cal.day_info(D(2026, 10, 11)).reason == (
        "override: 沪府办〔2026〕1号 (test data): working day (National Day (国庆节)) — swapped"
    )
    assert cal.add_working_days(D(2026, 9, 30), 2).due == D(2026, 10, 10)
    assert cal.add_working_days(D(2026, 9, 30), 3).due == D(2026, 10, 11)
    # Other days of 2026 still come from the library.
    assert cal.is_working_day(D(2026, 9, 20))
    assert not cal.is_working_day(D(2026, 10, 1))


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            "- {year: 2027, source: x, complete: false, workdays: [{date: 2027-02-10, name: 春节}]}",
            ["entry #1 (year 2027)", "workdays[0]", "2027-02-10 is a Wed", "Saturday or Sunday"],
            id="weekday-make-up",
        ),
        pytest.param(
            "- {year: 2027, source: x, complete: false, holidays: [{date: 2027-13-01, name: 春节}]}",
            ["entry #1 (year 2027)", "holidays[0].date", "date"],
            id="bad-date",
        ),
        pytest.param(
            "- {year: 2027, complete: true, holidays: [{date: 2027-01-01, name: 元旦}]}",
            ["entry #1 (year 2027)", "source", "Field required"],
            id="missing-source",
        ),
        pytest.param(
            "- {year: 2027, source: x, complete: false, holidyas: []}",
            ["entry #1 (year 2027)", "holidyas", "Extra inputs are not permitted"],
            id="misspelt-key",
        ),
        pytest.param(
            "- {year: 2027, source: x, complete: false, holidays: [{from: 2027-02-11, to: 2027-02-05, name: 春节}]}",
            ["holidays[0]", "'to' (2027-02-05) is before 'from' (2027-02-11)"],
            id="reversed-range",
        ),
        pytest.param(
            "- {year: 2027, source: x, complete: false, holidays: [{from: 2027-02-01, to: 2027-05-01, name: 春节}]}",
            ["longer than 31 days"],
            id="huge-range",
        ),
        pytest.param(
            "- {year: 2027, source: x, complete: false, holidays: [{date: 2028-01-01, name: 元旦}]}",
            ["entry #1 (year 2027)", "2028-01-01 is outside year 2027"],
            id="date-outside-year",
        ),
        pytest.param(
            "- {year: 2027, source: x, complete: false, holidays: [{from: 2027-02-05, to: 2027-02-11, name: 春节}],"
            " corrections: [{date: 2027-02-06, working: true, note: n}]}",
            ["corrections[0]: 2027-02-06 is already listed in holidays[0]"],
            id="date-twice",
        ),
        pytest.param(
            "- {year: 2027, source: a, complete: false}\n- {year: 2027, source: b, complete: false}",
            ["year 2027 appears twice"],
            id="year-twice",
        ),
        pytest.param(
            "- {year: 2027, source: x, complete: true}",
            ["complete: true but no holidays listed for 2027"],
            id="complete-but-empty",
        ),
        pytest.param("year: 2027\nsource: x\n", ["valid list"], id="not-a-list"),
        pytest.param("- {year: 2027, source: [unclosed\n", ["not valid YAML"], id="yaml-syntax"),
    ],
)
def test_invalid_override_files_are_rejected(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CalendarOverrideError) as excinfo:
        WorkdayCalendar.from_file(path)
    message = str(excinfo.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_missing_override_file(tmp_path: Path) -> None:
    with pytest.raises(CalendarOverrideError, match="cannot read calendar override file"):
        WorkdayCalendar.from_file(tmp_path / "absent.yaml")


def test_empty_setting_and_empty_file_mean_no_overrides(tmp_path: Path) -> None:
    assert WorkdayCalendar.from_file("").calendar_version.endswith("+overrides:none")
    assert WorkdayCalendar.from_file(None).known_until_year == 2026
    empty = WorkdayCalendar.from_file(write(tmp_path, "# nothing yet\n"))
    assert empty.known_until_year == 2026
    assert empty.overrides == ()


def test_example_file_is_valid() -> None:
    cal = WorkdayCalendar.from_file(EXAMPLE_FILE)
    assert cal.known_until_year == 2026  # the example is deliberately partial
    info = cal.day_info(D(2027, 1, 1))
    assert not info.is_working_day
    assert info.provisional
    assert "EXAMPLE" in info.reason


def test_default_calendar_is_cached() -> None:
    assert default_calendar() is default_calendar()
    assert default_calendar(str(EXAMPLE_FILE)) is default_calendar(str(EXAMPLE_FILE))
    assert default_calendar(str(EXAMPLE_FILE)) is not default_calendar()


# --- explanation ---------------------------------------------------------------------------------------------------


def test_explain_mentions_skipped_holidays(cal: WorkdayCalendar) -> None:
    text = cal.add_working_days(D(2026, 9, 30), 2).explain()
    assert "2026-10-09" in text
    assert "2026-10-01" in text
    assert "2026-10-07" in text
    assert "国庆节" in text
    assert "National Day" in text
    assert "7 days" in text
    assert "共 7 天" in text
    assert "chinesecalendar-1.11.0" in text
    assert "Provisional" not in text
    mixed = cal.add_working_days(D(2025, 1, 24), 3).explain()  # Sun 26 worked, then Spring Festival, then weekends
    assert "春节" in mixed
    assert "2025-01-25 (Sat): weekend" in mixed
    assert "2025-01-28 (Tue) to 2025-02-04 (Tue), 8 days: statutory holiday: Spring Festival (春节)" in mixed
    assert "2025-01-26" not in mixed  # the make-up Sunday is worked, not skipped
    plain = cal.add_working_days(D(2026, 3, 2), 1).explain()
    assert "No non-working days skipped" in plain


# --- months --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
        (D(2025, 1, 15), -1, D(2024, 12, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2025, 5, 20), 0, D(2025, 5, 20)),
        (D(2025, 1, 31), 25, D(2027, 2, 28)),
    ],
)
def test_add_months(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected
    assert WorkdayCalendar.add_months(start, months) == expected


def test_holiday_labels() -> None:
    assert holiday_labels("春节") == ("Spring Festival", "春节")
    assert holiday_labels("national day") == ("National Day", "国庆节")
    assert holiday_labels("清明") == ("Tomb-sweeping Day", "清明节")
    assert holiday_labels("端午节") == ("Dragon Boat Festival", "端午节")
    assert holiday_labels("中秋") == ("Mid-autumn Festival", "中秋节")
    assert holiday_labels("Labour Day") == ("Labour Day", "劳动节")
    assert holiday_labels("元旦") == ("New Year's Day", "元旦")
    assert holiday_labels("区庆") == ("区庆", "区庆")
