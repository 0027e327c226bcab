"""The compliance engine: pure functions from facts (facility registry, records, calendar) and rule rows to results.

No I/O here. `service.py` loads the facts; this module decides. Each result names its rule, clause, value, threshold
and says in words how the value was measured. Conventions:

* A rule stated for a longer period than the one asked about is left out (a yearly count on a week); a rule for a
  shorter period is checked in every such period inside it and its weakest one is reported (weekly hours in a year).
* Only whole ISO weeks (Monday–Sunday) inside the period are measured, and a week with an announced closure or a day
  without a known opening pattern is not measured.
* Times are China Standard Time; response times in working days follow the State Council calendar.
* Counts of what was done (events, purchases, surveys, shelf checks) are facts: none recorded is 0. Measures that
  need a record to exist (holdings, areas, response times) say insufficient_data when it is missing; a total over
  months with some months missing (loans) is not enough data unless it already meets its threshold.
* A total built up over its period (a cumulative metric stated per month or year: events, purchases, loans, surveys,
  training) is `pending`, not fail or insufficient_data, while that period is still running and short of its
  threshold: on 2 January nothing has failed yet. Once the period has ended it is judged as usual.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from jiading_shared.workdays import WorkdayCalendar
from library_metrics.indicators.rules import (
    METRIC_SPECS,
    Comparison,
    DayUnit,
    Metric,
    Rule,
    RulePeriod,
    RuleScope,
    parse_clock,
)

CHINA = ZoneInfo("Asia/Shanghai")
EPSILON = 1e-9
DEFAULT_WORKING_PERIOD = {"start": "09:00", "end": "17:00"}
MAX_LISTED = 5


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INSUFFICIENT_DATA = "insufficient_data"
    PENDING = "pending"  # a cumulative total short of its threshold while its period is still running


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


_RANK = {RulePeriod.WEEK: 1, RulePeriod.MONTH: 2, RulePeriod.YEAR: 3}
_KIND_RANK = {PeriodKind.WEEK: 1, PeriodKind.MONTH: 2, PeriodKind.YEAR: 3}


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    year: int
    number: int | None  # month 1–12 or ISO week 1–53
    start: date
    end: date  # inclusive

    @classmethod
    def of(cls, year: int, *, month: int | None = None, week: int | None = None) -> "Period":
        """The year, one of its months, or one of its ISO weeks; ValueError names what is wrong."""
        if month is not None and week is not None:
            raise ValueError("give month or week, not both")
        if not 2000 <= year <= 2100:
            raise ValueError("year must be within 2000–2100")
        if month is not None:
            if not 1 <= month <= 12:
                raise ValueError("month must be 1–12")
            start = date(year, month, 1)
            following = date(year + (month == 12), month % 12 + 1, 1)
            return cls(PeriodKind.MONTH, year, month, start, following - timedelta(days=1))
        if week is not None:
            weeks_in_year = date(year, 12, 28).isocalendar().week
            if not 1 <= week <= weeks_in_year:
                raise ValueError(f"ISO year {year} has weeks 1–{weeks_in_year}")
            start = date.fromisocalendar(year, week, 1)
            return cls(PeriodKind.WEEK, year, week, start, start + timedelta(days=6))
        return cls(PeriodKind.YEAR, year, None, date(year, 1, 1), date(year, 12, 31))

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind is PeriodKind.WEEK:
            return f"{self.year}-W{self.number:02d}"
        return str(self.year)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range((self.end - self.start).days + 1)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def is_closed(self, today: date) -> bool:
        return self.end < today

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month wholly inside the period."""
        result = []
        for month in range(1, 13):
            first = date(self.year, month, 1)
            last = Period.of(self.year, month=month).end
            if self.start <= first and last <= self.end:
                result.append((self.year, month))
        return result


def rule_fits_period(rule_period: RulePeriod, kind: PeriodKind) -> bool:
    """A rule is evaluated for periods at least as long as its own (snapshots and occurrences: any period)."""
    rank = _RANK.get(rule_period)
    return rank is None or rank <= _KIND_RANK[kind]


# --- facts --------------------------------------------------------------------------------------------------------

Span = tuple[int, int]  # minutes after midnight, [start, end)


@dataclass(frozen=True)
class FacilityProfile:
    id: str
    tier: str
    town: str
    name: str
    population_served: int | None = None
    floor_area_m2: float | None = None
    usable_area_m2: float | None = None
    public_service_area_m2: float | None = None
    committee_code: str | None = None
    seats: int | None = None
    reader_computers: int | None = None
    free_wifi: bool | None = None
    film_projection: bool | None = None
    citywide_borrow_return: bool | None = None
    entrance_ramp: bool | None = None
    accessible_toilet: bool | None = None
    multi_storey: bool | None = None
    lift: bool | None = None
    ground_floor_services: bool | None = None
    free_service_items: tuple[str, ...] = ()
    suggestion_box: bool | None = None
    supervision_phone_published: bool | None = None
    online_complaint_channel: bool | None = None
    outdoor_plaza: bool | None = None
    plaza_lighting: bool | None = None
    plaza_power_supply: bool | None = None


@dataclass(frozen=True)
class Pattern:
    effective_from: date
    sessions: tuple[tuple[int, int, int], ...]  # (ISO weekday 1–7, start minute, end minute)


@dataclass(frozen=True)
class ClosureFact:
    starts_on: date
    ends_on: date
    announced_on: date
    emergency: bool = False
    approved: bool = False
    reported_to_town: bool = False


@dataclass(frozen=True)
class EventFact:
    kind: str
    held_on: date


@dataclass(frozen=True)
class CollectionFact:
    as_of: date
    books: int | None = None
    newspaper_titles: int | None = None
    magazine_titles: int | None = None
    digital_storage_local_tb: float | None = None
    digital_storage_self_built_tb: float | None = None
    digital_resources_total: int | None = None
    digital_resources_remote: int | None = None


@dataclass(frozen=True)
class AcquisitionFact:
    received_on: date
    source: str
    titles: int
    volumes: int


@dataclass(frozen=True)
class UsageFact:
    month: str  # YYYY-MM
    loans: int
    downloads: int


@dataclass(frozen=True)
class ShelvingFact:
    item_type: str
    arrived_on: date
    shelved_on: date | None
    items: int = 1


@dataclass(frozen=True)
class ShelfCheckFact:
    checked_at: datetime
    items_checked: int
    misplaced: int


@dataclass(frozen=True)
class AnsweredFact:
    """A document request, reference question or complaint: asked, answered (None = still open)."""

    asked_at: datetime
    answered_at: datetime | None
    held: bool = True  # document requests: held in the collection or not
    channel: str = ""  # reference questions
    professional: bool = False


@dataclass(frozen=True)
class SurveyFact:
    conducted_on: date
    distributed: int
    returned: int
    satisfied: int


@dataclass(frozen=True)
class StaffFact:
    staff_code: str
    joined_on: date
    left_on: date | None = None
    full_time: bool = True


@dataclass(frozen=True)
class TrainingFact:
    staff_code: str
    started_on: date
    hours: float
    days: float


@dataclass(frozen=True)
class VolunteerFact:
    year: int
    active_teams: int
    active_volunteers: int


@dataclass
class FacilityFacts:
    """Everything the rules read about one facility; lists may hold records outside the period (they are filtered)."""

    profile: FacilityProfile
    patterns: list[Pattern] = field(default_factory=list)
    exceptions: dict[date, tuple[Span, ...]] = field(default_factory=dict)
    closures: list[ClosureFact] = field(default_factory=list)
    events: list[EventFact] = field(default_factory=list)
    collection: list[CollectionFact] = field(default_factory=list)
    acquisitions: list[AcquisitionFact] = field(default_factory=list)
    usage: list[UsageFact] = field(default_factory=list)
    shelving: list[ShelvingFact] = field(default_factory=list)
    shelf_checks: list[ShelfCheckFact] = field(default_factory=list)
    document_requests: list[AnsweredFact] = field(default_factory=list)
    reference_questions: list[AnsweredFact] = field(default_factory=list)
    complaints: list[AnsweredFact] = field(default_factory=list)
    surveys: list[SurveyFact] = field(default_factory=list)
    staff: list[StaffFact] = field(default_factory=list)
    trainings: list[TrainingFact] = field(default_factory=list)
    volunteers: list[VolunteerFact] = field(default_factory=list)


@dataclass(frozen=True)
class CommitteeFact:
    code: str
    name: str
    running: bool = True
    residents: int | None = None
    area_km2: float | None = None


@dataclass
class TownFacts:
    code: str
    residents: int | None
    facilities: list[FacilityProfile] = field(default_factory=list)
    committees: list[CommitteeFact] = field(default_factory=list)


# --- results ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    value: float | None
    detail: str
    status: Status | None = None  # forced status (e.g. fail without a value: no staff at all)
    lower_bound: bool = False  # a total with records missing: it can only grow, so it may pass but cannot fail


NOT_APPLICABLE = Measurement(None, "not applicable")


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    clause: str
    status: Status
    value: float | None
    threshold: float
    comparison: Comparison
    unit: str
    metric: str
    period: RulePeriod
    explanation: str


class Context:
    """What every evaluation shares: the working-day calendar and the moment of evaluation. Day kinds are
    memoised, so evaluating many facilities looks each day up once."""

    def __init__(self, calendar: WorkdayCalendar, as_of: datetime) -> None:
        self.calendar = calendar
        self.as_of = as_of
        self.today = as_of.astimezone(CHINA).date()
        self._days: dict[date, tuple[bool, bool]] = {}
        self._opening_cache: dict[tuple[int, date, date], list[OpenDay]] = {}

    def day_kind(self, day: date) -> tuple[bool, bool]:
        """(working day, statutory holiday)."""
        kind = self._days.get(day)
        if kind is None:
            info = self.calendar.day_info(day)
            kind = (info.is_working_day, not info.is_working_day and info.reason != "weekend")
            self._days[day] = kind
        return kind

    def working_days_between(self, first: date, last: date) -> int:
        if first >= last:
            return 0
        return sum(1 for offset in range(1, (last - first).days + 1) if self.day_kind(first + timedelta(offset))[0])


# --- opening calendar ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenDay:
    day: date
    spans: tuple[Span, ...] | None  # None = no opening pattern known for the day
    closure: bool  # inside a recorded temporary closure
    working_day: bool
    holiday: bool

    @property
    def minutes(self) -> int:
        return sum(end - start for start, end in self.spans or ())


def opening_days(facts: FacilityFacts, period: Period, ctx: Context) -> list[OpenDay]:
    """Each day of the period with its opening spans: a closure, else the dated exception, else the weekly pattern in
    force that day."""
    cache_key = (id(facts), period.start, period.end)
    cached = ctx._opening_cache.get(cache_key)
    if cached is not None:
        return cached
    patterns = sorted(facts.patterns, key=lambda pattern: pattern.effective_from)
    closures = [
        closure for closure in facts.closures if closure.ends_on >= period.start and closure.starts_on <= period.end
    ]
    result = []
    for day in period.days():
        working, holiday = ctx.day_kind(day)
        closed = any(closure.starts_on <= day <= closure.ends_on for closure in closures)
        spans: tuple[Span, ...] | None
        if closed:
            spans = ()
        elif day in facts.exceptions:
            spans = facts.exceptions[day]
        else:
            pattern = _pattern_on(patterns, day)
            weekday = day.isoweekday()
            spans = (
                None if pattern is None else tuple((start, end) for wd, start, end in pattern.sessions if wd == weekday)
            )
        result.append(OpenDay(day, spans, closed, working, holiday))
    ctx._opening_cache[cache_key] = result
    return result


def _pattern_on(patterns: Sequence[Pattern], day: date) -> Pattern | None:
    found = None
    for pattern in patterns:
        if pattern.effective_from <= day:
            found = pattern
        else:
            break
    return found


def off_hours_minutes(day: OpenDay, working_period: Span) -> int:
    """Opening outside the normal working period (错时/延时): all of it on a non-working day, else the part before
    the working period starts or after it ends."""
    if not day.spans:
        return 0
    if not day.working_day:
        return day.minutes
    work_start, work_end = working_period
    inside = sum(max(0, min(end, work_end) - max(start, work_start)) for start, end in day.spans)
    return day.minutes - inside


def _working_period(params: dict[str, Any]) -> Span:
    period = params.get("working_period", DEFAULT_WORKING_PERIOD)
    return parse_clock(period["start"]), parse_clock(period["end"])


@dataclass(frozen=True)
class WeekFigures:
    monday: date
    minutes: int
    off_minutes: int


def measured_weeks(days: list[OpenDay], working_period: Span) -> tuple[list[WeekFigures], int]:
    """Whole ISO weeks with every day known and no closure; and how many whole weeks were left out."""
    weeks: list[WeekFigures] = []
    skipped = 0
    by_monday: dict[date, list[OpenDay]] = {}
    for day in days:
        by_monday.setdefault(day.day - timedelta(days=day.day.weekday()), []).append(day)
    for monday, week in sorted(by_monday.items()):
        if len(week) < 7:
            continue
        if any(day.spans is None or day.closure for day in week):
            skipped += 1
            continue
        weeks.append(
            WeekFigures(
                monday,
                sum(day.minutes for day in week),
                sum(off_hours_minutes(day, working_period) for day in week),
            )
        )
    return weeks, skipped


def _week_label(monday: date) -> str:
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d} ({monday}..{monday + timedelta(days=6)})"


def _hours(minutes: float) -> float:
    return round(minutes / 60, 2)


# --- metrics ------------------------------------------------------------------------------------------------------

FacilityMetric = Callable[[FacilityFacts, Period, dict[str, Any], Context], Measurement]
FACILITY_METRICS: dict[Metric, FacilityMetric] = {}


def _metric(*metrics: Metric) -> Callable[[FacilityMetric], FacilityMetric]:
    def register(function: FacilityMetric) -> FacilityMetric:
        for metric in metrics:
            FACILITY_METRICS[metric] = function
        return function

    return register


def _registry_number(value: float | int | bool | None, label: str) -> Measurement:
    if value is None:
        return Measurement(None, f"{label} not reported in the facility registry")
    number = float(value)
    shown = ("yes" if value else "no") if isinstance(value, bool) else f"{number:g}"
    return Measurement(number, f"{label} per the facility registry: {shown}")


_REGISTRY_FIELDS = {
    Metric.SEATS: ("seats", "seats 阅览座位"),
    Metric.READER_COMPUTERS: ("reader_computers", "reader computers 读者使用计算机"),
    Metric.FLOOR_AREA_M2: ("floor_area_m2", "floor area 建筑面积 m²"),
    Metric.USABLE_AREA_M2: ("usable_area_m2", "usable area 使用面积 m²"),
    Metric.PUBLIC_SERVICE_AREA_M2: ("public_service_area_m2", "public service area 公益性服务面积 m²"),
    Metric.FREE_WIFI: ("free_wifi", "free Wi-Fi 免费无线网络"),
    Metric.CITYWIDE_BORROW_RETURN: ("citywide_borrow_return", "city-wide borrow/return 全市通借通还"),
    Metric.ENTRANCE_RAMP: ("entrance_ramp", "entrance ramp 进出坡道"),
    Metric.ACCESSIBLE_TOILET: ("accessible_toilet", "accessible toilet 无障碍卫生设备"),
}


@_metric(Metric.PUBLIC_AREA_SHARE)
def _public_area_share(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    profile = facts.profile
    if profile.public_service_area_m2 is None or not profile.usable_area_m2:
        return Measurement(None, "usable area or area open to the public not reported in the facility registry")
    share = profile.public_service_area_m2 / profile.usable_area_m2
    return Measurement(
        share,
        f"open to the public {profile.public_service_area_m2:g} m² of usable {profile.usable_area_m2:g} m² "
        f"= {share:.1%}",
    )


@_metric(Metric.FREE_SERVICE_ITEMS)
def _free_service_items(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    items = facts.profile.free_service_items
    listed = "、".join(items[:10]) + ("…" if len(items) > 10 else "")
    return Measurement(
        float(len(items)), f"{len(items)} free service items 免费服务项目 registered: {listed or 'none'}"
    )


@_metric(Metric.LIFT_OR_GROUND_FLOOR)
def _lift_or_ground_floor(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    profile = facts.profile
    if profile.multi_storey is None:
        return Measurement(None, "whether the building has several storeys is not reported")
    if not profile.multi_storey:
        return Measurement(1.0, "single-storey building: no lift needed")
    if profile.lift:
        return Measurement(1.0, "multi-storey building with a lift")
    if profile.ground_floor_services:
        return Measurement(1.0, "multi-storey building without a lift; main services on the ground floor")
    if profile.lift is None and profile.ground_floor_services is None:
        return Measurement(None, "multi-storey building: lift and ground-floor services not reported")
    return Measurement(0.0, "multi-storey building with neither a lift nor the main services on the ground floor")


def _all_present(profile: FacilityProfile, parts: tuple[tuple[str, str], ...], what: str) -> Measurement:
    """Yes (1) when every registry flag of `parts` is yes; no (0) as soon as one is no, naming what is missing;
    not enough data while some are unreported and none is no."""
    missing = [label for name, label in parts if getattr(profile, name) is False]
    unreported = [label for name, label in parts if getattr(profile, name) is None]
    if missing:
        return Measurement(0.0, f"{what}: missing {'、'.join(missing)} per the facility registry")
    if unreported:
        return Measurement(None, f"{what}: {'、'.join(unreported)} not reported in the facility registry")
    return Measurement(1.0, f"{what}: {'、'.join(label for _name, label in parts)} all in place per the registry")


@_metric(Metric.SUPERVISION_CHANNELS)
def _supervision_channels(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    # DB 31114/Z 005-2025 8.1: all three channels; one missing fails the requirement.
    parts = (
        ("suggestion_box", "意见箱 suggestion box"),
        ("supervision_phone_published", "公开监督电话 published supervision phone"),
        ("online_complaint_channel", "网上投诉通道 online complaint channel"),
    )
    return _all_present(facts.profile, parts, "supervision channels 监督途径")


@_metric(Metric.PLAZA_LIGHTING_AND_POWER)
def _plaza_lighting_and_power(
    facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context
) -> Measurement:
    # DB 31114/Z 006-2025 6.3: the rule row limits itself to rooms with a plaza (applies_if outdoor_plaza).
    parts = (("plaza_lighting", "照明灯光 lighting"), ("plaza_power_supply", "外接电源 external power supply"))
    return _all_present(facts.profile, parts, "outdoor plaza 室外广场")


_COLLECTION_FIELDS = {
    Metric.BOOK_HOLDINGS: ("books", "books 普通文献 (册)"),
    Metric.NEWSPAPER_TITLES: ("newspaper_titles", "newspapers 报纸 (种)"),
    Metric.MAGAZINE_TITLES: ("magazine_titles", "magazines 杂志 (种)"),
    Metric.DIGITAL_STORAGE_LOCAL_TB: ("digital_storage_local_tb", "local digital storage 本地存储量 (TB)"),
    Metric.DIGITAL_STORAGE_SELF_BUILT_TB: ("digital_storage_self_built_tb", "self-built digital resources 自建量 (TB)"),
}


def _latest_collection(facts: FacilityFacts, period: Period, *fields: str) -> CollectionFact | None:
    candidates = [
        count
        for count in facts.collection
        if count.as_of <= period.end and all(getattr(count, name) is not None for name in fields)
    ]
    return max(candidates, key=lambda count: count.as_of, default=None)


def _collection_field(metric: Metric, facts: FacilityFacts, period: Period) -> Measurement:
    name, label = _COLLECTION_FIELDS[metric]
    count = _latest_collection(facts, period, name)
    if count is None:
        return Measurement(None, f"no collection count of {label} on or before {period.end}")
    value = float(getattr(count, name))
    return Measurement(value, f"{label} as counted on {count.as_of}: {value:g}")


@_metric(Metric.REMOTE_ACCESSIBLE_SHARE)
def _remote_share(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    count = _latest_collection(facts, period, "digital_resources_total", "digital_resources_remote")
    if count is None or not count.digital_resources_total:
        return Measurement(None, f"no count of digital resources (total and remote) on or before {period.end}")
    assert count.digital_resources_remote is not None
    share = count.digital_resources_remote / count.digital_resources_total
    return Measurement(
        share,
        f"{count.digital_resources_remote} of {count.digital_resources_total} digital resources remotely accessible "
        f"on {count.as_of} = {share:.1%}",
    )


@_metric(Metric.BOOKS_PURCHASED)
def _books_purchased(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    rows = [row for row in facts.acquisitions if row.source == "purchase" and period.contains(row.received_on)]
    volumes = sum(row.volumes for row in rows)
    return Measurement(float(volumes), f"{volumes} volumes purchased in {len(rows)} acquisitions in {period.key}")


@_metric(Metric.TITLES_DELIVERED)
def _titles_delivered(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    rows = [row for row in facts.acquisitions if row.source == "district_delivery" and period.contains(row.received_on)]
    titles = sum(row.titles for row in rows)
    return Measurement(float(titles), f"{titles} titles delivered by the district library in {len(rows)} deliveries")


@_metric(Metric.LARGE_DELIVERIES)
def _large_deliveries(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    minimum = params["min_volumes"]
    rows = [row for row in facts.acquisitions if row.source == "district_delivery" and period.contains(row.received_on)]
    large = [row for row in rows if row.volumes >= minimum]
    return Measurement(
        float(len(large)),
        f"{len(large)} of {len(rows)} district deliveries in {period.key} brought at least {minimum:g} volumes",
    )


def _whole_period_staff(facts: FacilityFacts, period: Period) -> tuple[list[StaffFact], int]:
    """Staff employed for the whole period, and how many others worked part of it (their yearly quota is pro rata
    and not judged here)."""
    whole = [s for s in facts.staff if s.joined_on <= period.start and (s.left_on is None or s.left_on >= period.end)]
    partial = [
        s
        for s in facts.staff
        if s not in whole and s.joined_on <= period.end and (s.left_on is None or s.left_on >= period.start)
    ]
    return whole, len(partial)


def _training_minimum(facts: FacilityFacts, period: Period, attribute: str, unit: str) -> Measurement:
    staff, partial = _whole_period_staff(facts, period)
    if not staff:
        return Measurement(None, f"no staff member employed for the whole of {period.key}")
    totals = {member.staff_code: 0.0 for member in staff}
    for training in facts.trainings:
        if training.staff_code in totals and period.contains(training.started_on):
            totals[training.staff_code] += getattr(training, attribute)
    weakest = min(totals, key=lambda code: (totals[code], code))
    note = f"; {partial} staff with part-year service not judged" if partial else ""
    return Measurement(
        totals[weakest],
        f"{len(totals)} staff employed all {period.key}; least trained: {weakest} "
        f"with {totals[weakest]:g} {unit}{note}",
    )


@_metric(Metric.MIN_TRAINING_HOURS_PER_STAFF)
def _training_hours(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    return _training_minimum(facts, period, "hours", "学时")


@_metric(Metric.MIN_TRAINING_DAYS_PER_STAFF)
def _training_days(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    return _training_minimum(facts, period, "days", "days 天")


def _staff_on(facts: FacilityFacts, day: date) -> list[StaffFact]:
    return [s for s in facts.staff if s.joined_on <= day and (s.left_on is None or s.left_on >= day)]


@_metric(Metric.POPULATION_PER_STAFF)
def _population_per_staff(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    population = facts.profile.population_served
    if population is None:
        return Measurement(None, "population served 服务人口 not reported in the facility registry")
    staff = len(_staff_on(facts, period.end))
    if staff == 0:
        return Measurement(None, f"no staff on {period.end} for {population} people served", Status.FAIL)
    ratio = population / staff
    return Measurement(ratio, f"{population} people served / {staff} staff on {period.end} = {ratio:,.0f} per staff")


@_metric(Metric.FULL_TIME_STAFF)
def _full_time_staff(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    staff = [member for member in _staff_on(facts, period.end) if member.full_time]
    return Measurement(float(len(staff)), f"{len(staff)} full-time staff 专职工作人员 on {period.end}")


def _roster(facts: FacilityFacts, period: Period) -> VolunteerFact | None:
    return next((roster for roster in facts.volunteers if roster.year == period.year), None)


@_metric(Metric.ACTIVE_VOLUNTEER_TEAMS)
def _volunteer_teams(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    roster = _roster(facts, period)
    if roster is None:
        return Measurement(None, f"no volunteer roster for {period.year}")
    return Measurement(float(roster.active_teams), f"{roster.active_teams} active volunteer teams in {period.year}")


@_metric(Metric.ACTIVE_VOLUNTEERS)
def _volunteers(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    roster = _roster(facts, period)
    if roster is None:
        return Measurement(None, f"no volunteer roster for {period.year}")
    return Measurement(
        float(roster.active_volunteers), f"{roster.active_volunteers} active volunteers in {period.year}"
    )


def _days_without_opening(
    facts: FacilityFacts, period: Period, ctx: Context, which: Callable[[OpenDay], bool], label: str
) -> Measurement:
    days = [day for day in opening_days(facts, period, ctx) if which(day)]
    known = [day for day in days if day.spans is not None and not day.closure]
    unknown = sum(1 for day in days if day.spans is None)
    if not known:
        if not days:
            return Measurement(0.0, f"no {label} in {period.key}")
        return Measurement(None, f"no opening pattern known for the {label} of {period.key}")
    shut = [day.day for day in known if not day.spans]
    excused = sum(1 for day in days if day.closure)
    listed = ", ".join(str(day) for day in shut[:MAX_LISTED]) + ("…" if len(shut) > MAX_LISTED else "")
    notes = []
    if excused:
        notes.append(f"{excused} days of announced closure excused")
    if unknown:
        notes.append(f"{unknown} days without a known opening pattern not counted")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    return Measurement(
        float(len(shut)), f"{len(shut)} of {len(known)} {label} without opening{': ' + listed if shut else ''}{suffix}"
    )


@_metric(Metric.DAYS_NOT_OPEN)
def _days_not_open(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    return _days_without_opening(facts, period, ctx, lambda day: True, "days")


@_metric(Metric.WEEKEND_DAYS_NOT_OPEN)
def _weekends_not_open(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    return _days_without_opening(facts, period, ctx, lambda day: day.day.isoweekday() >= 6, "Saturdays and Sundays")


@_metric(Metric.HOLIDAYS_NOT_OPEN)
def _holidays_not_open(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    return _days_without_opening(facts, period, ctx, lambda day: day.holiday, "statutory holidays 法定节假日")


def _weeks(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> tuple[list[WeekFigures], int]:
    return measured_weeks(opening_days(facts, period, ctx), _working_period(params))


def _no_week(skipped: int, period: Period) -> Measurement:
    reason = f"{skipped} weeks had a closure or days without a known opening pattern" if skipped else "no whole week"
    return Measurement(None, f"no whole ISO week of {period.key} could be measured ({reason})")


@_metric(Metric.MIN_WEEKLY_OPENING_HOURS)
def _weekly_hours(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    weeks, skipped = _weeks(facts, period, params, ctx)
    if not weeks:
        return _no_week(skipped, period)
    weakest = min(weeks, key=lambda week: (week.minutes, week.monday))
    note = f"; {skipped} weeks with closures or unknown days not measured" if skipped else ""
    return Measurement(
        _hours(weakest.minutes),
        f"opening hours from the calendar; weakest of {len(weeks)} weeks: {_week_label(weakest.monday)} "
        f"with {_hours(weakest.minutes):g} h{note}",
    )


@_metric(Metric.MIN_WEEKLY_OFF_HOURS)
def _weekly_off_hours(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    weeks, skipped = _weeks(facts, period, params, ctx)
    if not weeks:
        return _no_week(skipped, period)
    weakest = min(weeks, key=lambda week: (week.off_minutes, week.monday))
    start, end = _working_period(params)
    window = f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"
    return Measurement(
        _hours(weakest.off_minutes),
        f"off-hours 错时/延时 = opening outside {window} on working days plus opening on weekends and holidays; "
        f"weakest of {len(weeks)} weeks: {_week_label(weakest.monday)} with {_hours(weakest.off_minutes):g} h",
    )


@_metric(Metric.OFF_HOURS_SHARE)
def _off_hours_share(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    weeks, skipped = _weeks(facts, period, params, ctx)
    if not weeks:
        return _no_week(skipped, period)
    opened_weeks = [week for week in weeks if week.minutes]
    if not opened_weeks:
        return Measurement(None, "no opening hours in the measured weeks")
    # The requirement is per week: the weakest week is reported, not the share pooled over the period.
    weakest = min(opened_weeks, key=lambda week: (week.off_minutes / week.minutes, week.monday))
    share = weakest.off_minutes / weakest.minutes
    unopened = len(weeks) - len(opened_weeks)
    note = f"; {unopened} weeks without opening not measured" if unopened else ""
    return Measurement(
        share,
        f"off-hours 错时开放 per week; weakest of {len(opened_weeks)} weeks: {_week_label(weakest.monday)} with "
        f"{_hours(weakest.off_minutes):g} h of {_hours(weakest.minutes):g} h opening = {share:.1%}{note}",
    )


def _closures_starting_in(facts: FacilityFacts, period: Period) -> list[ClosureFact]:
    return [closure for closure in facts.closures if period.contains(closure.starts_on)]


@_metric(Metric.MIN_CLOSURE_NOTICE_DAYS)
def _closure_notice(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    planned = [closure for closure in _closures_starting_in(facts, period) if not closure.emergency]
    emergencies = len(_closures_starting_in(facts, period)) - len(planned)
    note = f"; {emergencies} emergency closures (announced promptly, no notice period)" if emergencies else ""
    if not planned:
        return Measurement(None, f"no planned closure started in {period.key}{note}", Status.PASS)
    shortest = min(planned, key=lambda closure: (closure.starts_on - closure.announced_on).days)
    days = (shortest.starts_on - shortest.announced_on).days
    return Measurement(
        float(days),
        f"{len(planned)} planned closures; shortest notice: closure from {shortest.starts_on} announced "
        f"{shortest.announced_on}, {days} days ahead{note}",
    )


@_metric(Metric.UNAPPROVED_CLOSURES)
def _unapproved_closures(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    requires = params["requires"]
    planned = [closure for closure in _closures_starting_in(facts, period) if not closure.emergency]
    lacking = [closure for closure in planned if not all(getattr(closure, need) for need in requires)]
    listed = ", ".join(str(closure.starts_on) for closure in lacking[:MAX_LISTED])
    return Measurement(
        float(len(lacking)),
        f"{len(lacking)} of {len(planned)} planned closures lack {' and '.join(requires)}"
        + (f": from {listed}" if lacking else ""),
    )


@_metric(Metric.EVENT_COUNT)
def _event_count(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    kinds = set(params["event_kinds"])
    count = sum(1 for event in facts.events if event.kind in kinds and period.contains(event.held_on))
    return Measurement(float(count), f"{count} events of kinds {', '.join(sorted(kinds))} held in {period.key}")


@_metric(Metric.MIN_MONTHLY_EVENT_COUNT)
def _monthly_events(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    kinds = set(params["event_kinds"])
    counts = {
        (year, month): sum(
            1
            for event in facts.events
            if event.kind in kinds and event.held_on.year == year and event.held_on.month == month
        )
        for year, month in period.months()
    }
    if not counts:
        return Measurement(None, f"{period.key} holds no whole month")
    (year, month), fewest = min(counts.items(), key=lambda item: (item[1], item[0]))
    return Measurement(
        float(fewest),
        f"fewest events of kinds {', '.join(sorted(kinds))} in a month: {fewest} in {year}-{month:02d} "
        f"({len(counts)} months)",
    )


def _usage_in(facts: FacilityFacts, period: Period) -> tuple[list[UsageFact], int]:
    months = {f"{year}-{month:02d}" for year, month in period.months()}
    rows = [row for row in facts.usage if row.month in months]
    return rows, len(months)


@_metric(Metric.LOANS)
def _loans(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    rows, months = _usage_in(facts, period)
    if not rows:
        return Measurement(None, f"no monthly loan figures recorded for {period.key}")
    loans = sum(row.loans for row in rows)
    missing = f"; {months - len(rows)} months missing" if len(rows) < months else ""
    return Measurement(
        float(loans),
        f"{loans:,} loans 外借册次 over {len(rows)} of {months} months recorded{missing}",
        lower_bound=len(rows) < months,
    )


@_metric(Metric.DOWNLOAD_TO_LOAN_RATIO)
def _download_ratio(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    rows, months = _usage_in(facts, period)
    loans = sum(row.loans for row in rows)
    if not rows or loans == 0:
        return Measurement(None, f"no loans recorded for {period.key}")
    if len(rows) < months:
        # A ratio over part of the period is neither a lower nor an upper bound of the period's ratio.
        return Measurement(None, f"monthly usage recorded for {len(rows)} of {months} months of {period.key}")
    downloads = sum(row.downloads for row in rows)
    ratio = downloads / loans
    return Measurement(
        ratio, f"{downloads:,} downloads / {loans:,} loans = {ratio:.2%} over {len(rows)} of {months} months"
    )


def _elapsed_days(first: date, last: date, unit: str, ctx: Context) -> int:
    return ctx.working_days_between(first, last) if unit == DayUnit.WORKING else (last - first).days


@_metric(Metric.MAX_SHELVING_DAYS)
def _shelving(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    types, unit = set(params["item_types"]), params["day_unit"]
    batches = [
        batch
        for batch in facts.shelving
        if batch.item_type in types and period.contains(batch.arrived_on) and batch.arrived_on <= ctx.today
    ]
    if not batches:
        return Measurement(None, f"no arrivals of {', '.join(sorted(types))} recorded in {period.key}")

    def lead(batch: ShelvingFact) -> int:
        return _elapsed_days(batch.arrived_on, batch.shelved_on or ctx.today, unit, ctx)

    slowest = max(batches, key=lambda batch: (lead(batch), batch.arrived_on))
    pending = sum(1 for batch in batches if batch.shelved_on is None)
    unit_label = "working days" if unit == DayUnit.WORKING else "days"
    state = f"shelved {slowest.shelved_on}" if slowest.shelved_on else f"still not shelved on {ctx.today}"
    return Measurement(
        float(lead(slowest)),
        f"{len(batches)} arrivals; slowest: {slowest.item_type} arrived {slowest.arrived_on}, {state}, "
        f"{lead(slowest)} {unit_label}" + (f"; {pending} not shelved yet" if pending else ""),
    )


def _local_day(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(CHINA).date()


@_metric(Metric.DAYS_WITH_TOO_FEW_SHELF_CHECKS)
def _shelf_check_days(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    checks = [check for check in facts.shelf_checks if period.contains(_local_day(check.checked_at))]
    per_day: dict[date, int] = {}
    for check in checks:
        day = _local_day(check.checked_at)
        per_day[day] = per_day.get(day, 0) + 1
    # Days that have ended: a check is a thing done, so an open day with none recorded fell short.
    ended = [day for day in opening_days(facts, period, ctx) if day.day < ctx.today]
    open_days = [day for day in ended if day.spans and not day.closure]
    if not open_days and any(day.spans is None for day in ended):
        return Measurement(None, f"no opening pattern known for the days of {period.key}")
    short: list[tuple[date, int, int]] = []
    for day in open_days:
        if "hours_per_check" in params:
            required = max(1, math.floor(day.minutes / 60 / params["hours_per_check"]))
        else:
            required = int(params.get("checks_per_day", 1))
        if per_day.get(day.day, 0) < required:
            short.append((day.day, per_day.get(day.day, 0), required))
    rule = (
        f"one check every {params['hours_per_check']:g} h of opening"
        if "hours_per_check" in params
        else f"{params.get('checks_per_day', 1)} checks a day"
    )
    listed = ", ".join(f"{day} ({done}/{required})" for day, done, required in short[:MAX_LISTED])
    return Measurement(
        float(len(short)),
        f"{rule}: {len(short)} of {len(open_days)} open days fell short" + (f": {listed}" if short else ""),
    )


@_metric(Metric.MISSHELVING_RATE)
def _misshelving(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    checks = [check for check in facts.shelf_checks if period.contains(_local_day(check.checked_at))]
    checked = sum(check.items_checked for check in checks)
    if not checked:
        return Measurement(None, f"no shelf checks recorded in {period.key}")
    misplaced = sum(check.misplaced for check in checks)
    rate = misplaced / checked
    return Measurement(rate, f"{misplaced} misplaced of {checked} items checked in {len(checks)} checks = {rate:.2%}")


def _slowest_answer(
    items: Iterable[AnsweredFact],
    period: Period,
    ctx: Context,
    measure: Callable[[AnsweredFact, datetime], float],
    what: str,
    unit: str,
) -> Measurement:
    asked = [item for item in items if period.contains(_local_day(item.asked_at)) and item.asked_at <= ctx.as_of]
    if not asked:
        return Measurement(None, f"no {what} recorded in {period.key}")
    timed = [(measure(item, item.answered_at or ctx.as_of), item) for item in asked]
    slowest_value, slowest = max(timed, key=lambda pair: (pair[0], pair[1].asked_at))
    open_items = sum(1 for item in asked if item.answered_at is None)
    state = (
        f"answered {slowest.answered_at.astimezone(CHINA):%Y-%m-%d %H:%M}"
        if slowest.answered_at
        else f"unanswered at {ctx.as_of.astimezone(CHINA):%Y-%m-%d %H:%M}"
    )
    return Measurement(
        slowest_value,
        f"{len(asked)} {what}; slowest: received {slowest.asked_at.astimezone(CHINA):%Y-%m-%d %H:%M}, {state}, "
        f"{slowest_value:g} {unit}" + (f"; {open_items} still open" if open_items else ""),
    )


@_metric(Metric.MAX_HELD_DOCUMENT_DELIVERY_MINUTES)
def _held_delivery(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    held = [item for item in facts.document_requests if item.held]
    return _slowest_answer(
        held,
        period,
        ctx,
        lambda item, end: round((end - item.asked_at).total_seconds() / 60, 1),
        "requests for held documents 调阅",
        "min",
    )


@_metric(Metric.MAX_UNHELD_REQUEST_WORKING_DAYS)
def _unheld_answer(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    unheld = [item for item in facts.document_requests if not item.held]
    return _slowest_answer(
        unheld,
        period,
        ctx,
        lambda item, end: ctx.working_days_between(_local_day(item.asked_at), _local_day(end)),
        "requests for documents not held",
        "working days",
    )


@_metric(Metric.MAX_REFERENCE_RESPONSE_DAYS)
def _reference(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    channels, unit = set(params["channels"]), params["day_unit"]
    questions = [q for q in facts.reference_questions if q.channel in channels and not q.professional]
    return _slowest_answer(
        questions,
        period,
        ctx,
        lambda item, end: _elapsed_days(_local_day(item.asked_at), _local_day(end), unit, ctx),
        f"reference questions by {', '.join(sorted(channels))}",
        "working days" if unit == DayUnit.WORKING else "days",
    )


@_metric(Metric.MAX_COMPLAINT_RESPONSE_WORKING_DAYS)
def _complaints(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    return _slowest_answer(
        facts.complaints,
        period,
        ctx,
        lambda item, end: ctx.working_days_between(_local_day(item.asked_at), _local_day(end)),
        "complaints and comments 意见或投诉",
        "working days",
    )


def _surveys_in(facts: FacilityFacts, period: Period) -> list[SurveyFact]:
    return sorted((s for s in facts.surveys if period.contains(s.conducted_on)), key=lambda s: s.conducted_on)


@_metric(Metric.SURVEYS_CONDUCTED)
def _surveys_conducted(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    surveys = _surveys_in(facts, period)
    return Measurement(float(len(surveys)), f"{len(surveys)} reader satisfaction surveys in {period.key}")


@_metric(Metric.SURVEY_QUESTIONNAIRES_DISTRIBUTED)
def _distributed(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    surveys = _surveys_in(facts, period)
    if not surveys:
        return Measurement(None, f"no satisfaction survey in {period.key}")
    best = max(surveys, key=lambda s: (s.distributed, s.conducted_on))
    return Measurement(float(best.distributed), f"{best.distributed} questionnaires distributed ({best.conducted_on})")


@_metric(Metric.SURVEY_RETURN_RATE)
def _return_rate(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    surveys = _surveys_in(facts, period)
    if not surveys:
        return Measurement(None, f"no satisfaction survey in {period.key}")
    best = max(surveys, key=lambda s: (s.returned / s.distributed, s.conducted_on))
    rate = best.returned / best.distributed
    return Measurement(rate, f"{best.returned} of {best.distributed} returned ({best.conducted_on}) = {rate:.1%}")


@_metric(Metric.SATISFACTION_RATE)
def _satisfaction(facts: FacilityFacts, period: Period, params: dict[str, Any], ctx: Context) -> Measurement:
    surveys = _surveys_in(facts, period)
    if not surveys:
        return Measurement(None, f"no satisfaction survey in {period.key}")
    minimum, min_rate = params["min_distributed"], params["min_return_rate"]
    valid = [s for s in surveys if s.distributed >= minimum and s.returned / s.distributed >= min_rate - EPSILON]
    if not valid:
        return Measurement(
            None,
            f"no valid survey: a survey counts with at least {minimum:g} questionnaires distributed and "
            f"{min_rate:.0%} returned ({len(surveys)} surveys fell short)",
            Status.FAIL,
        )
    latest = valid[-1]
    if latest.returned == 0:
        return Measurement(None, "the valid survey has no returned questionnaires", Status.FAIL)
    rate = latest.satisfied / latest.returned
    return Measurement(
        rate,
        f"valid survey of {latest.conducted_on}: {latest.satisfied} satisfied of {latest.returned} returned "
        f"({latest.distributed} distributed) = {rate:.1%}",
    )


# --- town (layout) metrics ------------------------------------------------------------------------------------------

TownMetric = Callable[[TownFacts, dict[str, Any]], Measurement]


def _centres(town: TownFacts, params: dict[str, Any]) -> Measurement:
    centres = [f.name for f in town.facilities if f.tier == "cultural_centre"]
    return Measurement(
        float(len(centres)), f"{len(centres)} community cultural activity centres: {'、'.join(centres) or 'none'}"
    )


def _subcentres(town: TownFacts, params: dict[str, Any]) -> Measurement:
    above = params.get("applies_above_residents")
    if above is not None:
        if town.residents is None:
            return Measurement(None, "the town's resident population 常住人口 is not registered")
        if town.residents <= above:
            return NOT_APPLICABLE
    subcentres = [f.name for f in town.facilities if f.tier == "cultural_subcentre"]
    return Measurement(
        float(len(subcentres)),
        f"{town.residents} residents (> {above:g}); {len(subcentres)} sub-centres: {'、'.join(subcentres) or 'none'}",
    )


def _committees_without_room(town: TownFacts, params: dict[str, Any]) -> Measurement:
    running = [c for c in town.committees if c.running]
    if not running:
        return Measurement(None, "no running 居委/村委 registered for the town")
    rooms: dict[str, int] = {}
    for facility in town.facilities:
        if facility.tier == "activity_room" and facility.committee_code:
            rooms[facility.committee_code] = rooms.get(facility.committee_code, 0) + 1
    lacking = [c for c in running if not rooms.get(c.code)]
    # DB 31114/Z 006-2025 5.2.3.2 allows (does not require) more rooms in large communities: noted, not judged.
    large = [c.name for c in running if (c.area_km2 or 0) > 5 or (c.residents or 0) > 20000]
    listed = "、".join(c.name for c in lacking[:10]) + ("…" if len(lacking) > 10 else "")
    note = f"; may add rooms (>5 km² or >20,000 residents): {'、'.join(large[:10])}" if large else ""
    return Measurement(
        float(len(lacking)),
        f"{len(lacking)} of {len(running)} running 居委/村委 without an activity room"
        + (f": {listed}" if lacking else "")
        + note,
    )


TOWN_METRIC_FUNCTIONS: dict[Metric, TownMetric] = {
    Metric.CULTURAL_CENTRES: _centres,
    Metric.CULTURAL_SUBCENTRES: _subcentres,
    Metric.COMMITTEES_WITHOUT_ACTIVITY_ROOM: _committees_without_room,
}


# --- evaluation ---------------------------------------------------------------------------------------------------


def measure(rule: Rule, facts: FacilityFacts, period: Period, ctx: Context) -> Measurement:
    metric = Metric(rule.metric)
    condition = rule.params.get("applies_if")
    if condition:
        for name, wanted in condition.items():
            actual = getattr(facts.profile, name)
            if actual is None:
                return Measurement(None, f"{name} not reported in the facility registry; the rule applies if {wanted}")
            if actual is not wanted:
                return NOT_APPLICABLE
    if metric in _REGISTRY_FIELDS:
        name, label = _REGISTRY_FIELDS[metric]
        return _registry_number(getattr(facts.profile, name), label)
    if metric in _COLLECTION_FIELDS:
        return _collection_field(metric, facts, period)
    return FACILITY_METRICS[metric](facts, period, rule.params, ctx)


def judge(rule: Rule, measurement: Measurement, open_until: date | None = None) -> RuleResult:
    """Compare the measurement with the rule's threshold and say why. `open_until`: the last day of the evaluated
    period when it is still running (a cumulative total short of its threshold is then pending)."""
    value = measurement.value
    if measurement.status is not None:
        status = measurement.status
    elif value is None:
        status = Status.INSUFFICIENT_DATA
    elif rule.comparison is Comparison.AT_LEAST:
        status = Status.PASS if value >= rule.threshold - EPSILON else Status.FAIL
    else:
        status = Status.PASS if value <= rule.threshold + EPSILON else Status.FAIL
    symbol = "≥" if rule.comparison is Comparison.AT_LEAST else "≤"
    short_of = status is Status.FAIL
    if measurement.lower_bound and status is Status.FAIL:
        status = Status.INSUFFICIENT_DATA  # the missing records could still make up the difference
    if open_until is not None and status in (Status.FAIL, Status.INSUFFICIENT_DATA) and _runs_over_period(rule):
        status = Status.PENDING
    if status is Status.PENDING:
        so_far = "no figure yet" if value is None else f"{_fmt(value)} so far"
        verdict = (
            f"pending: period runs until {open_until}; {so_far}, {symbol} {_fmt(rule.threshold)} {rule.unit} required"
        )
    elif value is None:
        verdict = {
            Status.INSUFFICIENT_DATA: "not enough data to judge",
            Status.PASS: "nothing to judge: passes",
            Status.FAIL: "fails",
        }[status]
    elif short_of and status is Status.INSUFFICIENT_DATA:
        verdict = (
            f"not enough data to judge: {_fmt(value)} recorded, short of {symbol} {_fmt(rule.threshold)} {rule.unit}"
        )
    else:
        meets = "meets" if status is Status.PASS else "misses"
        verdict = f"{_fmt(value)} {meets} {symbol} {_fmt(rule.threshold)} {rule.unit}"
    return RuleResult(
        rule_id=rule.rule_id,
        clause=rule.clause,
        status=status,
        value=None if value is None else round(value, 4),
        threshold=rule.threshold,
        comparison=rule.comparison,
        unit=rule.unit,
        metric=rule.metric,
        period=rule.period,
        explanation=f"{rule.clause}: {rule.requirement}. {measurement.detail}. {verdict}.",
    )


def _runs_over_period(rule: Rule) -> bool:
    """A total built up over a month or year (events, purchases, loans, surveys, training)."""
    spec = METRIC_SPECS.get(Metric(rule.metric))
    return bool(spec and spec.cumulative) and rule.period in (RulePeriod.MONTH, RulePeriod.YEAR)


def _fmt(number: float) -> str:
    return f"{number:g}" if abs(number) < 1e6 else f"{number:,.0f}"


def evaluate_facility(rules: Iterable[Rule], facts: FacilityFacts, period: Period, ctx: Context) -> list[RuleResult]:
    """Every facility rule for the facility's tier that fits the period, in rule id order."""
    results = []
    for rule in sorted(rules, key=lambda rule: rule.rule_id):
        if rule.scope is not RuleScope.FACILITY or facts.profile.tier not in rule.tiers:
            continue
        if not rule_fits_period(rule.period, period.kind):
            continue
        if rule.period is RulePeriod.MONTH and period.kind is PeriodKind.YEAR:
            measurement, open_until = _weakest_month(rule, facts, period, ctx)
        else:
            measurement = measure(rule, facts, period, ctx)
            open_until = None if period.is_closed(ctx.today) else period.end
        if measurement is NOT_APPLICABLE:
            continue
        results.append(judge(rule, measurement, open_until))
    return results


def _weakest_month(rule: Rule, facts: FacilityFacts, period: Period, ctx: Context) -> tuple[Measurement, date | None]:
    """A monthly rule over a year: each month that has started is judged and the weakest is reported (a failed
    month first, then the running month if pending, then the closest pass). Months without data are noted."""
    months = [Period.of(year, month=month) for year, month in period.months()]
    started = [month for month in months if month.start <= ctx.today]
    if not started:
        return Measurement(None, f"no month of {period.key} has started by {ctx.today}"), None
    judged: list[tuple[Period, Measurement, RuleResult, date | None]] = []
    for month in started:
        measurement = measure(rule, facts, month, ctx)
        if measurement is NOT_APPLICABLE:
            return NOT_APPLICABLE, None
        open_until = None if month.is_closed(ctx.today) else month.end
        judged.append((month, measurement, judge(rule, measurement, open_until), open_until))

    def weakness(item: tuple[Period, Measurement, RuleResult, date | None]) -> tuple[int, float]:
        rank = {Status.FAIL: 0, Status.PENDING: 1, Status.PASS: 2, Status.INSUFFICIENT_DATA: 3}[item[2].status]
        value = item[1].value
        closeness = -math.inf if value is None else (value if rule.comparison is Comparison.AT_LEAST else -value)
        return rank, closeness

    month, measurement, _result, open_until = min(judged, key=weakness)
    without = sum(1 for item in judged if item[2].status is Status.INSUFFICIENT_DATA)
    note = f"; {without} months without data" if without and without < len(judged) else ""
    return (
        Measurement(
            measurement.value,
            f"weakest of {len(judged)} months {month.key}: {measurement.detail}{note}",
            measurement.status,
            measurement.lower_bound,
        ),
        open_until,
    )


def evaluate_town(rules: Iterable[Rule], town: TownFacts, period: Period) -> list[RuleResult]:
    """The layout rules of DB 31114/Z 006-2025 5.2 for one 街镇."""
    results = []
    for rule in sorted(rules, key=lambda rule: rule.rule_id):
        if rule.scope is not RuleScope.TOWN or not rule_fits_period(rule.period, period.kind):
            continue
        measurement = TOWN_METRIC_FUNCTIONS[Metric(rule.metric)](town, rule.params)
        if measurement is NOT_APPLICABLE:
            continue
        results.append(judge(rule, measurement))
    return results


def implemented_metrics() -> set[Metric]:
    return set(FACILITY_METRICS) | set(_REGISTRY_FIELDS) | set(_COLLECTION_FIELDS) | set(TOWN_METRIC_FUNCTIONS)
