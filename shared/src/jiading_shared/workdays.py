"""Working-day calendar of the People's Republic of China, for statutory deadlines (N working days, N months).

Data, in order of precedence (first match wins):

1. ``corrections`` in the override file (a single day set to working / not working, with a note);
2. ``holidays`` and ``workdays`` in the override file (a State Council notice not yet in the library);
3. the ``chinesecalendar`` library (statutory holidays and 调休 make-up workdays, 2004–2026 in version 1.11.0);
4. the weekend rule: Monday–Friday work, Saturday and Sunday rest.

A year counts as *known* when the library covers it or the override file has it with ``complete: true``. Any day
in a year that is not known is decided by rules 1, 2 and 4 only and is marked ``provisional``: the deadline may move
once the State Council publishes that year's notice (usually in November of the year before).

Override file (YAML; path from the setting ``calendar_override_file``, empty = none). A list of years::

    - year: 2027
      source: 国办发明电〔2026〕N号          # where the data comes from; shown in every reason
      complete: true                        # true = the whole year's notice is here: the year counts as known
      holidays:                             # days off; a single date or an inclusive range
        - {date: 2027-01-01, name: New Year's Day}
        - {from: 2027-02-05, to: 2027-02-11, name: 春节}
      workdays:                             # 调休 make-up workdays (must be a Saturday or a Sunday)
        - {date: 2027-02-13, name: Spring Festival}
      corrections:                          # single days with an explicit status, any year
        - {date: 2027-02-12, working: false, note: "why the day changed"}
    - year: 2026                            # correcting a year the library already knows
      source: 沪府办〔2026〕N号
      complete: false                       # irrelevant for library years (they are known anyway)
      corrections:
        - {date: 2026-10-09, working: false, note: "why the day changed"}

Dates belong to ``year``, or to December of the year before (a New Year's Day arrangement may start on 30 December).
``name`` may be English ("Spring Festival") or Chinese ("春节"); the usual holidays are recognised and labelled in
both languages. The file is validated with pydantic; any problem raises :class:`CalendarOverrideError` naming the
entry. See ``data/calendar-overrides.example.yaml``.

Conventions:

* :meth:`WorkdayCalendar.add_working_days` — the due date is the *n*-th working day strictly after ``start`` (the day
  of receipt is not counted). ``n == 0`` gives ``start`` itself if it is a working day, otherwise the next working day.
* :meth:`WorkdayCalendar.working_days_between` — working days in ``(a, b]``; ``0`` when ``a == b`` and
  ``-working_days_between(b, a)`` when ``b < a``. So ``working_days_between(s, add_working_days(s, n).due) == n``
  for every ``n >= 1``.
* :func:`add_months` — same day number ``months`` later, clamped to the end of the month (31 January + 1 month =
  28 or 29 February).

Dates are :class:`datetime.date` in China Standard Time; a :class:`datetime.datetime` is refused rather than
silently truncated in whatever time zone it carries. The calendar is immutable and does no I/O after construction
(reading the override file); a change to the file takes effect when the calendar is rebuilt (service restart, or
``default_calendar.cache_clear()``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from calendar import monthrange
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from prometheus_client import Gauge
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

__all__ = [
    "CALENDAR_KNOWN_UNTIL_YEAR",
    "LIBRARY_FIRST_YEAR",
    "LIBRARY_LAST_YEAR",
    "CalendarOverrideError",
    "DayInfo",
    "Deadline",
    "WorkdayCalendar",
    "add_months",
    "default_calendar",
    "holiday_labels",
]

CALENDAR_KNOWN_UNTIL_YEAR = Gauge(
    "calendar_known_until_year",
    "Last year for which the working-day calendar has the complete State Council holiday notice.",
)

LIBRARY_FIRST_YEAR: int = min(chinese_calendar.holidays).year
LIBRARY_LAST_YEAR: int = max(chinese_calendar.holidays).year
LIBRARY_VERSION: str = chinese_calendar.__version__

# English name (as chinesecalendar spells it) -> Chinese label.
_EN_TO_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
# Other spellings accepted in the override file (compared case-insensitively) -> canonical English name.
_ALIASES: dict[str, str] = {
    **{en.casefold(): en for en in _EN_TO_ZH},
    **{zh: en for en, zh in _EN_TO_ZH.items()},
    "new year": "New Year's Day",
    "new year's": "New Year's Day",
    "chinese new year": "Spring Festival",
    "lunar new year": "Spring Festival",
    "qingming festival": "Tomb-sweeping Day",
    "tomb-sweeping festival": "Tomb-sweeping Day",
    "labor day": "Labour Day",
    "mid-autumn day": "Mid-autumn Festival",
    "清明": "Tomb-sweeping Day",
    "五一": "Labour Day",
    "端午": "Dragon Boat Festival",
    "中秋": "Mid-autumn Festival",
    "国庆": "National Day",
    "春节假期": "Spring Festival",
}

_WEEKDAY_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_MAX_RANGE_DAYS = 31


def holiday_labels(name: str) -> tuple[str, str]:
    """English and Chinese label of a holiday name given in either language ("春节" -> ("Spring Festival", "春节")).

    Unknown names (a one-off commemoration, say) are returned unchanged in both positions.
    """
    stripped = name.strip()
    en = _ALIASES.get(stripped.casefold()) or _ALIASES.get(stripped)
    if en is None:
        return stripped, stripped
    return en, _EN_TO_ZH[en]


def _label_en(name: str) -> str:
    en, zh = holiday_labels(name)
    return en if en == zh else f"{en} ({zh})"


# --------------------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayInfo:
    """Status of one day and why. ``reason`` is English (with Chinese holiday names), ``reason_zh`` Chinese."""

    date: dt.date
    is_working_day: bool
    reason: str
    provisional: bool
    reason_zh: str = ""


@dataclass(frozen=True, slots=True)
class Deadline:
    """Result of :meth:`WorkdayCalendar.add_working_days`.

    ``provisional`` is true when any date examined (``start`` excluded unless ``days == 0``) lies in a year without
    complete holiday data, so only weekends were skipped there. ``skipped`` lists the non-working days passed over.
    """

    start: dt.date
    days: int
    due: dt.date
    provisional: bool
    skipped: list[DayInfo] = field(default_factory=list)
    calendar_version: str = ""

    def explain(self) -> str:
        """Short bilingual explanation: the rule, the due date, the skipped days grouped by reason, caveats."""
        start, due = _fmt_day(self.start), _fmt_day(self.due)
        if self.days == 0:
            lines = [
                f"自 {start[0]}起 0 个工作日（当日为工作日则为当日，否则顺延至下一工作日）：{due[0]}。",
                f"0 working days from {start[1]} (that day if a working day, else the next one): {due[1]}.",
            ]
        else:
            lines = [
                f"自 {start[0]}起算 {self.days} 个工作日（受理当日不计），期限届满日为 {due[0]}。",
                f"{self.days} working days after {start[1]} (day of receipt not counted): due {due[1]}.",
            ]
        if self.skipped:
            lines.append(f"跳过非工作日 {len(self.skipped)} 天 / Skipped {len(self.skipped)} non-working days:")
            for first, last, info in _group_runs(self.skipped):
                span_zh, span_en = _fmt_span(first, last)
                lines.append(f"- {span_zh}：{info.reason_zh or info.reason} / {span_en}: {info.reason}")
        else:
            lines.append("未跳过非工作日 / No non-working days skipped.")
        if self.provisional:
            lines.append(
                "暂定：期间涉及尚未公布放假安排的年份，仅按周末计算，通知公布后期限可能变化。/ "
                "Provisional: part of the period lies in a year whose holiday notice is not known yet; "
                "only weekends were skipped there, so the due date may change."
            )
        if self.calendar_version:
            lines.append(f"日历版本 / Calendar: {self.calendar_version}")
        return "\n".join(lines)


def _fmt_day(d: dt.date) -> tuple[str, str]:
    return f"{d.isoformat()}（{_WEEKDAY_ZH[d.weekday()]}）", f"{d.isoformat()} ({_WEEKDAY_EN[d.weekday()]})"


def _fmt_span(first: dt.date, last: dt.date) -> tuple[str, str]:
    a, b = _fmt_day(first), _fmt_day(last)
    if first == last:
        return a
    n = (last - first).days + 1
    return f"{a[0]}至 {b[0]}，共 {n} 天", f"{a[1]} to {b[1]}, {n} days"


def _group_runs(days: list[DayInfo]) -> list[tuple[dt.date, dt.date, DayInfo]]:
    """Consecutive days with the same reason, as (first, last, info of the first)."""
    runs: list[tuple[dt.date, dt.date, DayInfo]] = []
    for info in days:
        if runs:
            first, last, head = runs[-1]
            if info.date == last + dt.timedelta(days=1) and info.reason == head.reason:
                runs[-1] = (first, info.date, head)
                continue
        runs.append((info.date, info.date, info))
    return runs


# --------------------------------------------------------------------------------------------------------------------
# Override file
# --------------------------------------------------------------------------------------------------------------------


class CalendarOverrideError(ValueError):
    """The override file is missing, not YAML, or fails validation. The message names the file and the entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HolidayEntry(_Strict):
    """A day off: ``{date, name}`` or an inclusive range ``{from, to, name}``."""

    date: dt.date | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None
    name: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> HolidayEntry:
        if self.date is not None:
            if self.from_ is not None or self.to is not None:
                raise ValueError("give either 'date' or 'from'/'to', not both")
        elif self.from_ is None or self.to is None:
            raise ValueError("give 'date', or both 'from' and 'to'")
        elif self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        elif (self.to - self.from_).days + 1 > _MAX_RANGE_DAYS:
            raise ValueError(f"range {self.from_}..{self.to} is longer than {_MAX_RANGE_DAYS} days; typo?")
        return self

    def dates(self) -> list[dt.date]:
        if self.date is not None:
            return [self.date]
        first, last = self.from_, self.to
        if first is None or last is None:  # excluded by the validator
            return []
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


class WorkdayEntry(_Strict):
    """A 调休 make-up workday: a Saturday or Sunday worked, ``name`` = the holiday it makes up for."""

    date: dt.date
    name: str = Field(min_length=1)

    @model_validator(mode="after")
    def _weekend(self) -> WorkdayEntry:
        if self.date.weekday() < 5:
            raise ValueError(
                f"{self.date} is a {_WEEKDAY_EN[self.date.weekday()]}, already a working day; a make-up workday "
                "(调休) must be a Saturday or Sunday (use 'corrections' to change a weekday)"
            )
        return self


class CorrectionEntry(_Strict):
    """A single day's status set explicitly, whatever the library or the weekend rule says."""

    date: dt.date
    working: bool
    note: str = Field(min_length=1, description="Why; shown in the reason.")
    name: str | None = Field(default=None, description="Holiday name, if the day is part of one.")


class OverrideYear(_Strict):
    """One year of the override file."""

    year: int = Field(ge=1949, le=2100)
    source: str = Field(min_length=1, description="Notice number or other source, e.g. 国办发明电〔2026〕N号.")
    complete: bool = Field(description="True = the year's whole notice is here, so the year counts as known data.")
    holidays: list[HolidayEntry] = Field(default_factory=list)
    workdays: list[WorkdayEntry] = Field(default_factory=list)
    corrections: list[CorrectionEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> OverrideYear:
        lo, hi = dt.date(self.year - 1, 12, 1), dt.date(self.year, 12, 31)
        seen: dict[dt.date, str] = {}
        listed: list[tuple[str, dt.date]] = [
            (f"holidays[{i}]", d) for i, h in enumerate(self.holidays) for d in h.dates()
        ]
        listed += [(f"workdays[{i}]", w.date) for i, w in enumerate(self.workdays)]
        listed += [(f"corrections[{i}]", c.date) for i, c in enumerate(self.corrections)]
        for where, d in listed:
            if not lo <= d <= hi:
                raise ValueError(
                    f"{where}: {d} is outside year {self.year} (dates must be in {self.year}, or in December "
                    f"{self.year - 1} for a New Year's Day arrangement)"
                )
            if d in seen:
                raise ValueError(f"{where}: {d} is already listed in {seen[d]}")
            seen[d] = where
        if self.complete and not self.holidays and self.year > LIBRARY_LAST_YEAR:
            raise ValueError(f"complete: true but no holidays listed for {self.year}")
        return self


class OverrideFile(RootModel[list[OverrideYear]]):
    """The whole file: a list of years, each year at most once, each date in one year only."""

    @model_validator(mode="after")
    def _unique(self) -> OverrideFile:
        years: dict[int, int] = {}
        dates: dict[dt.date, int] = {}
        for i, entry in enumerate(self.root):
            if entry.year in years:
                raise ValueError(f"year {entry.year} appears twice (entries #{years[entry.year] + 1} and #{i + 1})")
            years[entry.year] = i
            for d in _entry_dates(entry):
                if d in dates:
                    raise ValueError(f"{d} is listed under year {self.root[dates[d]].year} and year {entry.year}")
                dates[d] = i
        return self


def _entry_dates(entry: OverrideYear) -> list[dt.date]:
    return (
        [d for h in entry.holidays for d in h.dates()]
        + [w.date for w in entry.workdays]
        + [c.date for c in entry.corrections]
    )


def _format_validation_error(origin: str, raw: Any, exc: ValidationError) -> str:
    problems: list[str] = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ""
        if loc and isinstance(loc[0], int):
            index = loc.pop(0)
            year = raw[index].get("year") if isinstance(raw, list) and isinstance(raw[index], dict) else None
            where = f"entry #{index + 1}" + (f" (year {year})" if year is not None else "")
        path = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
        if path:
            where = f"{where}: {path}" if where else path
        message = err["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return f"invalid calendar override file {origin}: " + "; ".join(problems)


class _NoTimestampLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so pydantic parses them and reports a bad one with its location."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_overrides(text: str, origin: str = "<string>") -> list[OverrideYear]:
    """Parse and validate override YAML. An empty document means no overrides."""
    try:
        raw = yaml.load(text, Loader=_NoTimestampLoader)  # a SafeLoader subclass: no arbitrary objects
    except (yaml.YAMLError, ValueError) as exc:
        raise CalendarOverrideError(f"calendar override file {origin} is not valid YAML: {exc}") from exc
    if raw is None:
        return []
    try:
        return OverrideFile.model_validate(raw).root
    except ValidationError as exc:
        raise CalendarOverrideError(_format_validation_error(origin, raw, exc)) from exc


# --------------------------------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Special:
    working: bool
    reason: str
    reason_zh: str


def _as_date(d: dt.date) -> dt.date:
    if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
        raise TypeError(f"expected a datetime.date (China Standard Time), got {type(d).__name__}: {d!r}")
    return d


def _compile(entries: list[OverrideYear]) -> dict[dt.date, _Special]:
    specials: dict[dt.date, _Special] = {}
    for entry in entries:
        src = entry.source
        for h in entry.holidays:
            _en, zh = holiday_labels(h.name)
            special = _Special(
                False, f"statutory holiday: {_label_en(h.name)}; override: {src}", f"法定节假日：{zh}（{src}）"
            )
            for d in h.dates():
                specials[d] = special
        for w in entry.workdays:
            _en, zh = holiday_labels(w.name)
            specials[w.date] = _Special(
                True, f"make-up workday (调休) for {_label_en(w.name)}; override: {src}", f"调休上班（{zh}）（{src}）"
            )
        for c in entry.corrections:
            status_en, status_zh = ("working day", "上班") if c.working else ("day off", "休息")
            label_en = f" ({_label_en(c.name)})" if c.name else ""
            label_zh = f"（{holiday_labels(c.name)[1]}）" if c.name else ""
            specials[c.date] = _Special(
                c.working,
                f"override: {src}: {status_en}{label_en} — {c.note}",
                f"更正（{src}）：{status_zh}{label_zh} — {c.note}",
            )
    return specials


class WorkdayCalendar:
    """Working days from chinesecalendar plus an optional override file. Immutable; safe to share between tasks."""

    def __init__(self, override_file: str | Path | None = None) -> None:
        path = Path(override_file) if override_file else None
        entries: list[OverrideYear] = []
        digest = "none"
        if path is not None:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CalendarOverrideError(f"cannot read calendar override file {path}: {exc}") from exc
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CalendarOverrideError(f"calendar override file {path} is not UTF-8: {exc}") from exc
            entries = parse_overrides(text, origin=str(path))
            digest = hashlib.sha256(data).hexdigest()[:12]
        self._override_file = path
        self._overrides: tuple[OverrideYear, ...] = tuple(entries)
        self._specials = _compile(entries)
        self._known_years = frozenset(range(LIBRARY_FIRST_YEAR, LIBRARY_LAST_YEAR + 1)) | {
            e.year for e in entries if e.complete
        }
        known_until = LIBRARY_LAST_YEAR
        while known_until + 1 in self._known_years:
            known_until += 1
        self._known_until_year = known_until
        self._version = f"chinesecalendar-{LIBRARY_VERSION}+overrides:{digest}"
        CALENDAR_KNOWN_UNTIL_YEAR.set(known_until)

    @classmethod
    def from_file(cls, path: str | Path | None) -> WorkdayCalendar:
        """Calendar with the override file at ``path`` (``None`` or ``""`` = library data only)."""
        return cls(path)

    # --- metadata -----------------------------------------------------------------------------------------------

    @property
    def known_until_year(self) -> int:
        """Last year of the unbroken run of years with complete data (2026 from the library, more from overrides)."""
        return self._known_until_year

    @property
    def calendar_version(self) -> str:
        """``chinesecalendar-<version>+overrides:<sha256 prefix of the file, or 'none'>``."""
        return self._version

    @property
    def override_file(self) -> Path | None:
        return self._override_file

    @property
    def overrides(self) -> tuple[OverrideYear, ...]:
        return self._overrides

    def is_known_year(self, year: int) -> bool:
        """True if the year's holiday notice is fully known (library or ``complete: true`` override)."""
        return year in self._known_years

    # --- days ---------------------------------------------------------------------------------------------------

    def day_info(self, d: dt.date) -> DayInfo:
        """Whether ``d`` is a working day, and why."""
        d = _as_date(d)
        provisional = d.year not in self._known_years
        special = self._specials.get(d)
        if special is not None:
            return DayInfo(d, special.working, special.reason, provisional, special.reason_zh)
        if LIBRARY_FIRST_YEAR <= d.year <= LIBRARY_LAST_YEAR:
            is_holiday, name = chinese_calendar.get_holiday_detail(d)
            if name is not None:
                zh = holiday_labels(name)[1]
                if is_holiday:
                    return DayInfo(d, False, f"statutory holiday: {_label_en(name)}", provisional, f"法定节假日：{zh}")
                return DayInfo(
                    d, True, f"make-up workday (调休) for {_label_en(name)}", provisional, f"调休上班（{zh}）"
                )
        if d.weekday() >= 5:
            return DayInfo(d, False, "weekend", provisional, "周末")
        return DayInfo(d, True, "working day", provisional, "工作日")

    def is_working_day(self, d: dt.date) -> bool:
        return self.day_info(d).is_working_day

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The ``n``-th working day strictly after ``start``; ``n == 0``: ``start`` if working, else the next one."""
        start = _as_date(start)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        skipped: list[DayInfo] = []
        provisional = False
        one = dt.timedelta(days=1)
        if n == 0:
            d = start
            while True:
                info = self.day_info(d)
                provisional = provisional or info.provisional
                if info.is_working_day:
                    break
                skipped.append(info)
                d += one
        else:
            d, remaining = start, n
            while remaining:
                d += one
                info = self.day_info(d)
                provisional = provisional or info.provisional
                if info.is_working_day:
                    remaining -= 1
                else:
                    skipped.append(info)
        return Deadline(
            start=start, days=n, due=d, provisional=provisional, skipped=skipped, calendar_version=self._version
        )

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in ``(a, b]``; 0 if ``a == b``; ``-working_days_between(b, a)`` if ``b < a``."""
        a, b = _as_date(a), _as_date(b)
        if a == b:
            return 0
        lo, hi, sign = (a, b, 1) if a < b else (b, a, -1)
        count = sum(1 for i in range(1, (hi - lo).days + 1) if self.day_info(lo + dt.timedelta(days=i)).is_working_day)
        return sign * count

    @staticmethod
    def add_months(d: dt.date, months: int) -> dt.date:
        """Same as the module-level :func:`add_months` (calendar months do not depend on holidays)."""
        return add_months(d, months)


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` plus ``months`` calendar months (may be negative), clamped to the last day of the target month."""
    d = _as_date(d)
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    last = monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(d.day, last))


@lru_cache(maxsize=8)
def default_calendar(override_file: str | Path | None = None) -> WorkdayCalendar:
    """Shared calendar per override file; services call ``default_calendar(settings.calendar_override_file)``."""
    return WorkdayCalendar.from_file(override_file or None)
