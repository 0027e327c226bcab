"""Prometheus gauges of compliance for Grafana. Labels are bounded: tier (13), town (the district's 街镇), clause
(the rule table's clauses), indicator (four names)."""

from collections import defaultdict

from prometheus_client import Gauge

from library_metrics.compliance.rules import Status
from library_metrics.compliance.service import FacilityEvaluation, pass_ratio

PASS_RATIO = Gauge(
    "library_compliance_pass_ratio",
    "Share of rules not failing in the current year ((passed + pending) / (passed + pending + failed); pending = a "
    "yearly or monthly total still running and short of its threshold), by facility tier and 街镇.",
    ["tier", "town"],
)
RESULTS = Gauge(
    "library_compliance_results",
    "Rule results of the current year by status, facility tier and 街镇.",
    ["tier", "town", "status"],
)
FAILING_BY_CLAUSE = Gauge(
    "library_failing_rules",
    "Facilities failing a rule in the current year, by clause and facility tier.",
    ["clause", "tier"],
)
INDICATOR = Gauge(
    "library_indicator_mean",
    "Mean of a key indicator over the facilities of a tier and 街镇 that have a value (current year): "
    "weekly_opening_hours and weekly_off_hours (weakest week), reading_promotion_events, loans.",
    ["indicator", "tier", "town"],
)
EVALUATED_AT = Gauge("library_compliance_evaluated_timestamp_seconds", "When the compliance gauges were last computed.")
EVALUATED_FACILITIES = Gauge("library_compliance_evaluated_facilities", "Facilities in the last compliance run.")

# Which rule metric feeds which key indicator.
KEY_INDICATORS = {
    "min_weekly_opening_hours": "weekly_opening_hours",
    "min_weekly_off_hours": "weekly_off_hours",
    "loans": "loans",
}
READING_PROMOTION_PREFIX = "005-6.1.3.1-"


def update(evaluations: list[FacilityEvaluation], evaluated_at: float) -> None:
    """Replace every compliance gauge with the figures of `evaluations`."""
    counts: dict[tuple[str, str], dict[Status, int]] = defaultdict(lambda: defaultdict(int))
    failing: dict[tuple[str, str], int] = defaultdict(int)
    values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for evaluation in evaluations:
        tier, town = evaluation.profile.tier, evaluation.profile.town
        for result in evaluation.results:
            counts[(tier, town)][result.status] += 1
            if result.status is Status.FAIL:
                failing[(result.clause, tier)] += 1
            indicator = KEY_INDICATORS.get(result.metric)
            if result.rule_id.startswith(READING_PROMOTION_PREFIX):
                indicator = "reading_promotion_events"
            if indicator is not None and result.value is not None:
                values[(indicator, tier, town)].append(result.value)
    for gauge in (PASS_RATIO, RESULTS, FAILING_BY_CLAUSE, INDICATOR):
        gauge.clear()
    for (tier, town), by_status in counts.items():
        ratio = pass_ratio(by_status[Status.PASS], by_status[Status.FAIL], by_status[Status.PENDING])
        if ratio is not None:
            PASS_RATIO.labels(tier=tier, town=town).set(ratio)
        for status in Status:
            RESULTS.labels(tier=tier, town=town, status=status.value).set(by_status[status])
    for (clause, tier), count in failing.items():
        FAILING_BY_CLAUSE.labels(clause=clause, tier=tier).set(count)
    for (indicator, tier, town), numbers in values.items():
        INDICATOR.labels(indicator=indicator, tier=tier, town=town).set(sum(numbers) / len(numbers))
    EVALUATED_AT.set(evaluated_at)
    EVALUATED_FACILITIES.set(len(evaluations))
