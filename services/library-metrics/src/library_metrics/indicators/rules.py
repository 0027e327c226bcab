"""Pure rules about the indicator rule table: what a rule row may say, and which version is in force on a day.

A rule row is data (rule id, clause, tiers, metric, comparison, threshold, period, params); the metrics it may name are
the catalog below, each implemented by the compliance engine (`compliance/rules.py`)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from library_metrics.facilities.rules import FacilityTier


class Comparison(StrEnum):
    AT_LEAST = "ge"  # 不应少于 / 不小于
    AT_MOST = "le"  # 不大于 / 不超过


class RulePeriod(StrEnum):
    """The period a requirement is stated for: a count 'a year', hours 'a week', or a state at a moment."""

    SNAPSHOT = "snapshot"  # a state at the end of the period (seats, areas, holdings)
    OCCURRENCE = "occurrence"  # every occurrence in the period (each request, closure, shelving batch)
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class RuleScope(StrEnum):
    FACILITY = "facility"
    TOWN = "town"  # the layout rules of DB 31114/Z 006-2025 5.2, evaluated per 街镇


class EventKind(StrEnum):
    READING_PROMOTION = "reading_promotion"  # 阅读推广活动
    LECTURE = "lecture"  # 讲座
    EXHIBITION = "exhibition"  # 展览
    LOCAL_DOCUMENT_EXHIBITION = "local_document_exhibition"  # 嘉定地方文献展览
    LOCAL_DOCUMENT_ACTIVITY = "local_document_activity"  # 地方文献宣传活动
    PERFORMANCE = "performance"  # 文艺演出
    TRAINING_LECTURE = "training_lecture"  # 培训讲座 (科普、普法、健康宣教)
    FILM_SCREENING = "film_screening"  # 电影放映
    OTHER = "other"


class ShelvedItemType(StrEnum):
    NEWSPAPER = "newspaper"  # 报纸
    READING_PERIODICAL = "reading_periodical"  # 阅览期刊
    LENDING_PERIODICAL = "lending_periodical"  # 外借期刊
    BOOK = "book"  # 图书


class ReferenceChannel(StrEnum):
    IN_PERSON = "in_person"  # 现场
    PHONE = "phone"  # 电话
    ONLINE = "online"  # 网络
    LETTER = "letter"  # 信件
    FAX = "fax"  # 传真
    EMAIL = "email"  # 电子邮件
    SMS = "sms"  # 短信


class DayUnit(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


class Metric(StrEnum):
    # facility registry
    SEATS = "seats"
    READER_COMPUTERS = "reader_computers"
    FLOOR_AREA_M2 = "floor_area_m2"
    USABLE_AREA_M2 = "usable_area_m2"
    PUBLIC_SERVICE_AREA_M2 = "public_service_area_m2"
    PUBLIC_AREA_SHARE = "public_area_share"
    FREE_SERVICE_ITEMS = "free_service_items"
    FREE_WIFI = "free_wifi"
    CITYWIDE_BORROW_RETURN = "citywide_borrow_return"
    ENTRANCE_RAMP = "entrance_ramp"
    ACCESSIBLE_TOILET = "accessible_toilet"
    LIFT_OR_GROUND_FLOOR = "lift_or_ground_floor"
    SUPERVISION_CHANNELS = "supervision_channels"  # 意见箱 + 监督电话 + 网上投诉通道 (005-2025 8.1)
    PLAZA_LIGHTING_AND_POWER = "plaza_lighting_and_power"  # 室外广场照明灯光 + 外接电源 (006-2025 6.3)
    # collection
    BOOK_HOLDINGS = "book_holdings"
    NEWSPAPER_TITLES = "newspaper_titles"
    MAGAZINE_TITLES = "magazine_titles"
    DIGITAL_STORAGE_LOCAL_TB = "digital_storage_local_tb"
    DIGITAL_STORAGE_SELF_BUILT_TB = "digital_storage_self_built_tb"
    REMOTE_ACCESSIBLE_SHARE = "remote_accessible_share"
    BOOKS_PURCHASED = "books_purchased"
    TITLES_DELIVERED = "titles_delivered"
    LARGE_DELIVERIES = "large_deliveries"
    # people
    MIN_TRAINING_HOURS_PER_STAFF = "min_training_hours_per_staff"
    MIN_TRAINING_DAYS_PER_STAFF = "min_training_days_per_staff"
    POPULATION_PER_STAFF = "population_per_staff"
    FULL_TIME_STAFF = "full_time_staff"
    ACTIVE_VOLUNTEER_TEAMS = "active_volunteer_teams"
    ACTIVE_VOLUNTEERS = "active_volunteers"
    # opening
    DAYS_NOT_OPEN = "days_not_open"
    MIN_WEEKLY_OPENING_HOURS = "min_weekly_opening_hours"
    MIN_WEEKLY_OFF_HOURS = "min_weekly_off_hours"
    OFF_HOURS_SHARE = "off_hours_share"
    WEEKEND_DAYS_NOT_OPEN = "weekend_days_not_open"
    HOLIDAYS_NOT_OPEN = "holidays_not_open"
    MIN_CLOSURE_NOTICE_DAYS = "min_closure_notice_days"
    UNAPPROVED_CLOSURES = "unapproved_closures"
    # activity and use
    EVENT_COUNT = "event_count"
    MIN_MONTHLY_EVENT_COUNT = "min_monthly_event_count"
    LOANS = "loans"
    DOWNLOAD_TO_LOAN_RATIO = "download_to_loan_ratio"
    # service efficiency
    MAX_SHELVING_DAYS = "max_shelving_days"
    DAYS_WITH_TOO_FEW_SHELF_CHECKS = "days_with_too_few_shelf_checks"
    MISSHELVING_RATE = "misshelving_rate"
    MAX_HELD_DOCUMENT_DELIVERY_MINUTES = "max_held_document_delivery_minutes"
    MAX_UNHELD_REQUEST_WORKING_DAYS = "max_unheld_request_working_days"
    MAX_REFERENCE_RESPONSE_DAYS = "max_reference_response_days"
    MAX_COMPLAINT_RESPONSE_WORKING_DAYS = "max_complaint_response_working_days"
    SURVEYS_CONDUCTED = "surveys_conducted"
    SURVEY_QUESTIONNAIRES_DISTRIBUTED = "survey_questionnaires_distributed"
    SURVEY_RETURN_RATE = "survey_return_rate"
    SATISFACTION_RATE = "satisfaction_rate"
    # layout per town (DB 31114/Z 006-2025 5.2)
    CULTURAL_CENTRES = "cultural_centres"
    CULTURAL_SUBCENTRES = "cultural_subcentres"
    COMMITTEES_WITHOUT_ACTIVITY_ROOM = "committees_without_activity_room"


TOWN_METRICS = frozenset({Metric.CULTURAL_CENTRES, Metric.CULTURAL_SUBCENTRES, Metric.COMMITTEES_WITHOUT_ACTIVITY_ROOM})

# Facility attributes a rule may make itself conditional on (`applies_if`), e.g. films only where projection exists.
CONDITION_FIELDS = frozenset(
    {"film_projection", "free_wifi", "multi_storey", "citywide_borrow_return", "outdoor_plaza"}
)


@dataclass(frozen=True)
class ParamSpec:
    """What a metric's `params` hold: required keys with the check each value must pass."""

    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()


_EVENT_KINDS = ParamSpec(required=frozenset({"event_kinds"}))
METRIC_PARAMS: dict[Metric, ParamSpec] = {
    Metric.EVENT_COUNT: _EVENT_KINDS,
    Metric.MIN_MONTHLY_EVENT_COUNT: _EVENT_KINDS,
    Metric.LARGE_DELIVERIES: ParamSpec(required=frozenset({"min_volumes"})),
    Metric.MAX_SHELVING_DAYS: ParamSpec(required=frozenset({"item_types", "day_unit"})),
    Metric.DAYS_WITH_TOO_FEW_SHELF_CHECKS: ParamSpec(optional=frozenset({"hours_per_check", "checks_per_day"})),
    Metric.MAX_REFERENCE_RESPONSE_DAYS: ParamSpec(required=frozenset({"channels", "day_unit"})),
    Metric.UNAPPROVED_CLOSURES: ParamSpec(required=frozenset({"requires"})),
    Metric.SATISFACTION_RATE: ParamSpec(required=frozenset({"min_distributed", "min_return_rate"})),
    Metric.MIN_WEEKLY_OFF_HOURS: ParamSpec(optional=frozenset({"working_period"})),
    Metric.OFF_HOURS_SHARE: ParamSpec(optional=frozenset({"working_period"})),
    Metric.CULTURAL_SUBCENTRES: ParamSpec(optional=frozenset({"applies_above_residents"})),
}
COMMON_PARAMS = frozenset({"applies_if"})


class ValueKind(StrEnum):
    """What a metric's value is, and so which thresholds make sense for it."""

    COUNT = "count"  # whole things: seats, events, volumes, days (threshold a whole number)
    RATIO = "ratio"  # a fraction 0–1 (90 % is 0.9)
    YES_NO = "yes_no"  # 1 = yes (threshold 1, compared with ge)
    QUANTITY = "quantity"  # a measure: m², TB, hours, minutes, people per staff member
    WEEKLY_HOURS = "weekly_hours"  # hours in one week (at most 168)


@dataclass(frozen=True)
class MetricSpec:
    """The kind of value a metric gives, the rule periods it can be stated for, and whether it is a total built up
    over its period (cumulative: short of its threshold is only a verdict once the period has ended)."""

    kind: ValueKind
    periods: frozenset[RulePeriod]
    cumulative: bool = False


_SNAPSHOT = frozenset({RulePeriod.SNAPSHOT})
_OCCURRENCE = frozenset({RulePeriod.OCCURRENCE})
_WEEK = frozenset({RulePeriod.WEEK})
_CALENDAR_PERIODS = frozenset({RulePeriod.WEEK, RulePeriod.MONTH, RulePeriod.YEAR})
_MONTH_OR_YEAR = frozenset({RulePeriod.MONTH, RulePeriod.YEAR})
_YEAR = frozenset({RulePeriod.YEAR})


def _spec(kind: ValueKind, periods: frozenset[RulePeriod], cumulative: bool = False) -> MetricSpec:
    return MetricSpec(kind, periods, cumulative)


METRIC_SPECS: dict[Metric, MetricSpec] = {
    Metric.SEATS: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.READER_COMPUTERS: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.FLOOR_AREA_M2: _spec(ValueKind.QUANTITY, _SNAPSHOT),
    Metric.USABLE_AREA_M2: _spec(ValueKind.QUANTITY, _SNAPSHOT),
    Metric.PUBLIC_SERVICE_AREA_M2: _spec(ValueKind.QUANTITY, _SNAPSHOT),
    Metric.PUBLIC_AREA_SHARE: _spec(ValueKind.RATIO, _SNAPSHOT),
    Metric.FREE_SERVICE_ITEMS: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.FREE_WIFI: _spec(ValueKind.YES_NO, _SNAPSHOT),
    Metric.CITYWIDE_BORROW_RETURN: _spec(ValueKind.YES_NO, _SNAPSHOT),
    Metric.ENTRANCE_RAMP: _spec(ValueKind.YES_NO, _SNAPSHOT),
    Metric.ACCESSIBLE_TOILET: _spec(ValueKind.YES_NO, _SNAPSHOT),
    Metric.LIFT_OR_GROUND_FLOOR: _spec(ValueKind.YES_NO, _SNAPSHOT),
    Metric.SUPERVISION_CHANNELS: _spec(ValueKind.YES_NO, _SNAPSHOT),
    Metric.PLAZA_LIGHTING_AND_POWER: _spec(ValueKind.YES_NO, _SNAPSHOT),
    Metric.BOOK_HOLDINGS: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.NEWSPAPER_TITLES: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.MAGAZINE_TITLES: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.DIGITAL_STORAGE_LOCAL_TB: _spec(ValueKind.QUANTITY, _SNAPSHOT),
    Metric.DIGITAL_STORAGE_SELF_BUILT_TB: _spec(ValueKind.QUANTITY, _SNAPSHOT),
    Metric.REMOTE_ACCESSIBLE_SHARE: _spec(ValueKind.RATIO, _SNAPSHOT),
    Metric.BOOKS_PURCHASED: _spec(ValueKind.COUNT, _CALENDAR_PERIODS, cumulative=True),
    Metric.TITLES_DELIVERED: _spec(ValueKind.COUNT, _CALENDAR_PERIODS, cumulative=True),
    Metric.LARGE_DELIVERIES: _spec(ValueKind.COUNT, _CALENDAR_PERIODS, cumulative=True),
    Metric.MIN_TRAINING_HOURS_PER_STAFF: _spec(ValueKind.QUANTITY, _YEAR, cumulative=True),
    Metric.MIN_TRAINING_DAYS_PER_STAFF: _spec(ValueKind.QUANTITY, _YEAR, cumulative=True),
    Metric.POPULATION_PER_STAFF: _spec(ValueKind.QUANTITY, _SNAPSHOT),
    Metric.FULL_TIME_STAFF: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.ACTIVE_VOLUNTEER_TEAMS: _spec(ValueKind.COUNT, _YEAR, cumulative=True),
    Metric.ACTIVE_VOLUNTEERS: _spec(ValueKind.COUNT, _YEAR, cumulative=True),
    Metric.DAYS_NOT_OPEN: _spec(ValueKind.COUNT, _CALENDAR_PERIODS),
    Metric.MIN_WEEKLY_OPENING_HOURS: _spec(ValueKind.WEEKLY_HOURS, _WEEK),
    Metric.MIN_WEEKLY_OFF_HOURS: _spec(ValueKind.WEEKLY_HOURS, _WEEK),
    Metric.OFF_HOURS_SHARE: _spec(ValueKind.RATIO, _WEEK),
    Metric.WEEKEND_DAYS_NOT_OPEN: _spec(ValueKind.COUNT, _CALENDAR_PERIODS),
    Metric.HOLIDAYS_NOT_OPEN: _spec(ValueKind.COUNT, _CALENDAR_PERIODS),
    Metric.MIN_CLOSURE_NOTICE_DAYS: _spec(ValueKind.COUNT, _OCCURRENCE),
    Metric.UNAPPROVED_CLOSURES: _spec(ValueKind.COUNT, _OCCURRENCE),
    Metric.EVENT_COUNT: _spec(ValueKind.COUNT, _CALENDAR_PERIODS, cumulative=True),
    Metric.MIN_MONTHLY_EVENT_COUNT: _spec(ValueKind.COUNT, frozenset({RulePeriod.MONTH}), cumulative=True),
    Metric.LOANS: _spec(ValueKind.COUNT, _MONTH_OR_YEAR, cumulative=True),
    Metric.DOWNLOAD_TO_LOAN_RATIO: _spec(ValueKind.QUANTITY, _MONTH_OR_YEAR, cumulative=True),
    Metric.MAX_SHELVING_DAYS: _spec(ValueKind.COUNT, _OCCURRENCE),
    Metric.DAYS_WITH_TOO_FEW_SHELF_CHECKS: _spec(ValueKind.COUNT, _OCCURRENCE),
    Metric.MISSHELVING_RATE: _spec(ValueKind.RATIO, _CALENDAR_PERIODS),
    Metric.MAX_HELD_DOCUMENT_DELIVERY_MINUTES: _spec(ValueKind.QUANTITY, _OCCURRENCE),
    Metric.MAX_UNHELD_REQUEST_WORKING_DAYS: _spec(ValueKind.COUNT, _OCCURRENCE),
    Metric.MAX_REFERENCE_RESPONSE_DAYS: _spec(ValueKind.COUNT, _OCCURRENCE),
    Metric.MAX_COMPLAINT_RESPONSE_WORKING_DAYS: _spec(ValueKind.COUNT, _OCCURRENCE),
    Metric.SURVEYS_CONDUCTED: _spec(ValueKind.COUNT, _YEAR, cumulative=True),
    Metric.SURVEY_QUESTIONNAIRES_DISTRIBUTED: _spec(ValueKind.COUNT, _YEAR, cumulative=True),
    Metric.SURVEY_RETURN_RATE: _spec(ValueKind.RATIO, _YEAR, cumulative=True),
    Metric.SATISFACTION_RATE: _spec(ValueKind.RATIO, _YEAR, cumulative=True),
    Metric.CULTURAL_CENTRES: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.CULTURAL_SUBCENTRES: _spec(ValueKind.COUNT, _SNAPSHOT),
    Metric.COMMITTEES_WITHOUT_ACTIVITY_ROOM: _spec(ValueKind.COUNT, _SNAPSHOT),
}
HOURS_IN_WEEK = 168
CLOSURE_REQUIREMENTS = frozenset({"approved", "reported_to_town"})


class RuleLike(Protocol):
    rule_id: str
    scope: RuleScope
    tiers: Sequence[str]
    metric: str
    comparison: Comparison
    threshold: Any  # Decimal from the API, float in the engine
    unit: str
    period: RulePeriod
    params: dict[str, Any]


def rule_problems(rule: RuleLike) -> dict[str, str]:
    """What is wrong with one rule row, by field (empty when it is sound)."""
    problems: dict[str, str] = {}
    try:
        metric = Metric(rule.metric)
    except ValueError:
        return {"metric": f"unknown metric {rule.metric!r}"}
    is_town_metric = metric in TOWN_METRICS
    if is_town_metric != (rule.scope is RuleScope.TOWN):
        problems["scope"] = f"metric {metric} is evaluated per {'town' if is_town_metric else 'facility'}"
    if rule.scope is RuleScope.FACILITY and not rule.tiers:
        problems["tiers"] = "a facility rule names at least one tier"
    unknown_tiers = [tier for tier in rule.tiers if tier not in FacilityTier.__members__.values()]
    if unknown_tiers:
        problems["tiers"] = f"unknown tiers: {', '.join(unknown_tiers)}"
    problems.update(_threshold_and_period_problems(metric, rule))
    spec = METRIC_PARAMS.get(metric, ParamSpec())
    params = rule.params
    missing = spec.required - params.keys()
    extra = params.keys() - spec.required - spec.optional - COMMON_PARAMS
    if missing:
        problems["params"] = f"metric {metric} needs {', '.join(sorted(missing))}"
    elif extra:
        problems["params"] = f"metric {metric} takes no {', '.join(sorted(extra))}"
    else:
        problem = _param_values_problem(params)
        if problem:
            problems["params"] = problem
    return problems


def _threshold_and_period_problems(metric: Metric, rule: RuleLike) -> dict[str, str]:
    """A threshold in the metric's own unit (a ratio is 0–1, a yes/no is 1, a count is whole) and a period the
    metric can be measured over: a notice that says 90 (%) where the engine compares 0.9 would fail everyone."""
    problems: dict[str, str] = {}
    spec = METRIC_SPECS[metric]
    if rule.period not in spec.periods:
        allowed = ", ".join(sorted(spec.periods))
        problems["period"] = f"metric {metric} is measured per {allowed}, not {rule.period}"
    threshold = float(rule.threshold)
    if spec.kind is ValueKind.RATIO:
        if not 0 <= threshold <= 1:
            problems["threshold"] = f"metric {metric} is a ratio 0–1: write 90 % as 0.9"
        elif "%" in rule.unit:
            problems["unit"] = f"metric {metric} is a ratio 0–1, not a percentage: use unit 比例"
    elif spec.kind is ValueKind.YES_NO:
        if threshold != 1 or rule.comparison is not Comparison.AT_LEAST:
            problems["threshold"] = f"metric {metric} is yes/no: the rule is ge 1 (yes required)"
    elif spec.kind is ValueKind.COUNT:
        if threshold != int(threshold):
            problems["threshold"] = f"metric {metric} counts whole things: give a whole number"
    elif spec.kind is ValueKind.WEEKLY_HOURS and threshold > HOURS_IN_WEEK:
        problems["threshold"] = f"metric {metric} is hours in one week: at most {HOURS_IN_WEEK}"
    return problems


def _param_values_problem(params: dict[str, Any]) -> str | None:
    checks: dict[str, tuple[Iterable[str], bool]] = {
        "event_kinds": (EventKind.__members__.values(), True),
        "item_types": (ShelvedItemType.__members__.values(), True),
        "channels": (ReferenceChannel.__members__.values(), True),
        "requires": (CLOSURE_REQUIREMENTS, True),
        "day_unit": (DayUnit.__members__.values(), False),
    }
    for key, (allowed, is_list) in checks.items():
        if key not in params:
            continue
        values = params[key] if is_list else [params[key]]
        allowed_values = {str(value) for value in allowed}
        if not isinstance(values, list) or not values or any(value not in allowed_values for value in values):
            return (
                f"{key} must be {'a non-empty list of' if is_list else 'one of'}: {', '.join(sorted(allowed_values))}"
            )
    for key in ("min_volumes", "hours_per_check", "checks_per_day", "min_distributed", "applies_above_residents"):
        if key in params and (
            not isinstance(params[key], int | float) or isinstance(params[key], bool) or params[key] <= 0
        ):
            return f"{key} must be a positive number"
    if "min_return_rate" in params and not (
        isinstance(params["min_return_rate"], int | float) and 0 < params["min_return_rate"] <= 1
    ):
        return "min_return_rate must be in (0, 1]"
    if "working_period" in params and working_period_problem(params["working_period"]):
        return f"working_period: {working_period_problem(params['working_period'])}"
    if "applies_if" in params:
        condition = params["applies_if"]
        if (
            not isinstance(condition, dict)
            or not condition
            or any(key not in CONDITION_FIELDS or not isinstance(value, bool) for key, value in condition.items())
        ):
            return f"applies_if maps facility fields ({', '.join(sorted(CONDITION_FIELDS))}) to true/false"
    return None


def working_period_problem(value: Any) -> str | None:
    """The normal working period for off-hours is {"start": "HH:MM", "end": "HH:MM"} with start before end."""
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        return 'give {"start": "HH:MM", "end": "HH:MM"}'
    try:
        start, end = parse_clock(value["start"]), parse_clock(value["end"])
    except ValueError as exc:
        return str(exc)
    return None if start < end else "start must be before end"


def parse_clock(value: Any) -> int:
    """Minutes after midnight of "HH:MM" (24:00 allowed as the end of the day)."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise ValueError(f"{value!r} is not HH:MM")
    hours, minutes = value[:2], value[3:]
    if not (hours.isdigit() and minutes.isdigit()):
        raise ValueError(f"{value!r} is not HH:MM")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 24 * 60:
        raise ValueError(f"{value!r} is not a time of day")
    return total


class VersionLike(Protocol):
    version: int
    effective_from: date


V = TypeVar("V", bound=VersionLike)


def version_in_force(versions: Iterable[V], on: date) -> V | None:
    """The version in force on `on`: the latest effective date on or before `on`; of two versions effective on the
    same day, the later one (it corrects the earlier before it took effect)."""
    candidates = [version for version in versions if version.effective_from <= on]
    return max(candidates, key=lambda version: (version.effective_from, version.version), default=None)


@dataclass(frozen=True)
class Rule:
    """A rule row as the compliance engine reads it."""

    rule_id: str
    clause: str
    scope: RuleScope
    tiers: frozenset[str]
    metric: str
    comparison: Comparison
    threshold: float
    unit: str
    period: RulePeriod
    params: dict[str, Any]
    requirement: str


@dataclass(frozen=True)
class RuleSet:
    version: int
    effective_from: date
    rules: tuple[Rule, ...]
