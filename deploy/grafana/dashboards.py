"""Grafana dashboards as code (grafana-foundation-sdk): `make dashboards` writes deploy/grafana/dashboards/*.json.

Every query uses only metric names the services export (tests/deploy/test_live_observability.py checks them against
live /metrics output and sends every query to a real Prometheus after real traffic). The `service` label comes from the
scrape config or the ServiceMonitor. Gauges computed from the database are exported by every replica (each one runs
the refresh job in turn and keeps its last snapshot): every query reads them through `db_gauge`, which takes the max
across replicas before aggregating. Flows without a dedicated metric are read from the event counters
(events_published_total by type).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

OUT_DIR = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="prometheus")


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class PanelSpec:
    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: str = "timeseries"  # or "stat"
    description: str = ""


# Labels that tell replicas of one service apart: `instance` (every scrape) and `pod` (the ServiceMonitor's relabeling).
REPLICA_LABELS = "instance, pod"
# Gauges computed from a service's database: the same figure on every replica. Dashboards read them only through
# db_gauge; tests/deploy checks that the alert rules fold their replicas the same way.
DATABASE_GAUGES = frozenset(
    {
        "outbox_pending",
        "outbox_oldest_pending_age_seconds",
        "collection_rooms",
        "collection_coverage_ratio",
        "collection_overdue_rooms",
        "grid_incidents_open",
        "grid_incidents_open_past_sla",
        "grid_duty_coverage_gaps",
        "grid_weekly_meetings_missed",
        "assist_tickets_open",
        "assist_tickets_open_overdue",
        "assist_equipment_checks_missed",
        "library_compliance_pass_ratio",
        "library_compliance_results",
        "library_failing_rules",
        "library_indicator_mean",
        "library_compliance_evaluated_facilities",
        "library_compliance_evaluated_timestamp_seconds",
    }
)


def db_gauge(selector: str, by: str = "", agg: str = "sum") -> str:
    """A gauge computed from the service's database (a scheduled job's snapshot, the outbox backlog). Every replica
    exports its own copy of the same figure, so summing the raw series multiplies it by the replica count: the copies
    are folded into one first (`max`: a replica whose snapshot is older lags by at most one refresh interval), then
    aggregated `by` the wanted labels with `agg` (`sum` for counts, `max` for ratios and means)."""
    assert selector.split("{")[0] in DATABASE_GAUGES, f"{selector}: not a database-derived gauge"
    grouping = f" by ({by}) " if by else ""
    return f"{agg}{grouping}(max without ({REPLICA_LABELS}) ({selector}))"


def events(event_type: str, window: str = "1h") -> str:
    return f'sum(increase(events_published_total{{type="{event_type}"}}[{window}]))'


def event_steps(pattern: str, steps: tuple[str, ...], window: str) -> Query:
    """One query for several steps of an aggregate (`pattern` has `{}` for the step), a series per event type."""
    selector = pattern.format(f"({'|'.join(steps)})")
    return Query(f'sum by (type) (increase(events_published_total{{type=~"{selector}"}}[{window}]))', "{{type}}")


def panel(spec: PanelSpec, width: int) -> timeseries.Panel | stat.Panel:
    builder = stat.Panel() if spec.kind == "stat" else timeseries.Panel()
    builder = builder.title(spec.title).datasource(DATASOURCE).unit(spec.unit).span(width).height(8)
    if spec.description:
        builder = builder.description(spec.description)
    for index, query in enumerate(spec.queries):
        target = prometheus.Dataquery().expr(query.expr).ref_id(chr(ord("A") + index))
        if query.legend:
            target = target.legend_format(query.legend)
        builder = builder.with_target(target)
    return builder


def build(uid: str, title: str, rows: list[tuple[str, list[PanelSpec]]]) -> dict:
    board = (
        dashboard.Dashboard(title).uid(uid).tags(["jiading"]).time("now-6h", "now").refresh("30s").timezone("browser")
    )
    for row_title, specs in rows:
        board = board.with_row(dashboard.Row(row_title))
        width = 24 // min(len(specs), 3)
        for spec in specs:
            board = board.with_panel(panel(spec, width))
    return json.loads(JSONEncoder(sort_keys=True, indent=2).encode(board.build()))


def red_row(selector: str) -> list[PanelSpec]:
    return [
        PanelSpec(
            "Requests per second",
            (Query(f"sum by (service) (rate(http_requests_total{selector}[5m]))", "{{service}}"),),
            "reqps",
        ),
        PanelSpec(
            "5xx ratio",
            (
                Query(
                    # `or ... * 0`: a service without any 5xx shows 0 rather than no data.
                    f"(sum by (service) (rate(http_requests_total{selector.replace('}', ',') if selector else '{'}"
                    f'status=~"5.."}}[5m])) or sum by (service) (rate(http_requests_total{selector}[5m])) * 0)'
                    f" / sum by (service) (rate(http_requests_total{selector}[5m]))",
                    "{{service}}",
                ),
            ),
            "percentunit",
        ),
        PanelSpec(
            "p95 latency",
            (
                Query(
                    "histogram_quantile(0.95, sum by (service, le) "
                    f"(rate(http_request_duration_highr_seconds_bucket{selector}[5m])))",
                    "{{service}}",
                ),
            ),
            "s",
        ),
    ]


def overview() -> dict:
    return build(
        "jiading-overview",
        "Jiading suite overview",
        [
            ("HTTP (RED per service)", red_row("")),
            (
                "Event bus",
                [
                    PanelSpec(
                        "Events published /s",
                        (Query("sum by (service) (rate(events_published_total[5m]))", "{{service}}"),),
                        "ops",
                    ),
                    PanelSpec(
                        "Events consumed /s by outcome",
                        (
                            Query(
                                "sum by (service, group, outcome) (rate(events_consumed_total[5m]))",
                                "{{group}} {{outcome}}",
                            ),
                        ),
                        "ops",
                    ),
                    PanelSpec(
                        "Delivery latency p95 (outbox write → handled)",
                        (
                            Query(
                                "histogram_quantile(0.95, sum by (group, le) "
                                "(rate(event_delivery_latency_seconds_bucket[5m])))",
                                "{{group}}",
                            ),
                        ),
                        "s",
                    ),
                    PanelSpec(
                        "Handler retries and dead letters (1h)",
                        (
                            Query("sum by (group) (increase(events_retried_total[1h]))", "retries {{group}}"),
                            Query("sum by (group) (increase(events_dead_lettered_total[1h]))", "dead {{group}}"),
                        ),
                    ),
                    PanelSpec(
                        "Outbox backlog",
                        (
                            Query(db_gauge("outbox_pending", "service", "max"), "pending {{service}}"),
                            Query("sum by (service) (outbox_relay_leader)", "relay leaders {{service}}"),
                        ),
                    ),
                    PanelSpec(
                        "Oldest unpublished event",
                        (Query(db_gauge("outbox_oldest_pending_age_seconds", "service", "max"), "{{service}}"),),
                        "s",
                    ),
                ],
            ),
            (
                "Platform",
                [
                    PanelSpec("Targets up", (Query('up{job="jiading"}', "{{service}}"),), kind="stat"),
                    PanelSpec(
                        "Calendar known until",
                        (Query("min by (service) (calendar_known_until_year)", "{{service}}"),),
                        "none",
                        kind="stat",
                    ),
                    PanelSpec(
                        "Build",
                        (Query("count by (service, version) (jiading_build_info)", "{{service}} {{version}}"),),
                        kind="stat",
                    ),
                ],
            ),
        ],
    )


def service_board(name: str, title: str, domain: list[tuple[str, list[PanelSpec]]]) -> dict:
    return build(f"jiading-{name}", title, [*domain, ("HTTP", red_row(f'{{service="{name}"}}'))])


def collection() -> dict:
    return service_board(
        "collection",
        "Collection (DB31114/Z 001-004)",
        [
            (
                "Coverage by 街镇 (不遗漏)",
                [
                    PanelSpec(
                        "Rooms visited at least once",
                        (Query(db_gauge("collection_coverage_ratio", "town", "max"), "{{town}}"),),
                        "percentunit",
                    ),
                    PanelSpec(
                        "Rooms overdue for revisit by 街镇",
                        (Query(db_gauge('collection_rooms{status="overdue"}', "town"), "{{town}}"),),
                    ),
                    PanelSpec(
                        "Rooms by status and 街镇",
                        (Query(db_gauge("collection_rooms", "town, status"), "{{town}} {{status}}"),),
                    ),
                ],
            ),
            (
                "Visits and refusals",
                [
                    PanelSpec(
                        "Rooms overdue for revisit by area",
                        (Query(db_gauge("collection_overdue_rooms", "area"), "{{area}}"),),
                    ),
                    PanelSpec(
                        "Refusals reported (24h)",
                        (Query(events("cn.jiading.collection.refusal.reported.v1", "1d"), "refusals"),),
                        kind="stat",
                    ),
                    PanelSpec(
                        "Registrations and visits overdue (1h)",
                        (
                            Query(events("cn.jiading.collection.registration.registered.v1"), "registered"),
                            Query(events("cn.jiading.collection.registration.deregistered.v1"), "deregistered"),
                            Query(events("cn.jiading.collection.visit.overdue.v1"), "visits overdue"),
                        ),
                    ),
                ],
            ),
        ],
    )


def grid_dispatch() -> dict:
    incident = "cn.jiading.grid.incident.{}.v1"
    joint = "cn.jiading.grid.joint_rectification.{}.v1"
    return service_board(
        "grid-dispatch",
        "Grid dispatch (DB31114/Z 009-010)",
        [
            (
                "Incidents",
                [
                    PanelSpec(
                        "Open incidents by department and state",
                        (
                            Query(
                                db_gauge("grid_incidents_open", "town, department, state"),
                                "{{department}} {{state}}",
                            ),
                        ),
                    ),
                    PanelSpec(
                        "Open incidents past their SLA by department (超时督办)",
                        (Query(db_gauge("grid_incidents_open_past_sla", "town, department"), "{{department}}"),),
                    ),
                    PanelSpec(
                        "Incident flow (1h)",
                        (event_steps(incident, ("created", "dispatched", "accepted", "closed"), "1h"),),
                    ),
                    PanelSpec(
                        "SLA breaches and returns (24h)",
                        (
                            Query(events(incident.format("overdue"), "1d"), "SLA breaches"),
                            Query(events(incident.format("returned"), "1d"), "returns"),
                        ),
                        kind="stat",
                    ),
                    PanelSpec(
                        "参勤 coverage gaps by 街镇 and duty kind",
                        (Query(db_gauge("grid_duty_coverage_gaps", "town, duty_kind"), "{{town}} {{duty_kind}}"),),
                    ),
                ],
            ),
            (
                "Joint rectification (联合整改)",
                [
                    PanelSpec(
                        "Joint rectifications (24h)",
                        (event_steps(joint, ("requested", "approved", "rejected", "completed", "reopened"), "1d"),),
                    ),
                ],
            ),
        ],
    )


SATISFIED = "very_satisfied|satisfied|basically_satisfied"  # assist_desk.reviews.rules.Level
BAD = "dissatisfied|very_dissatisfied"  # rules.BAD_LEVELS: each opens a rectification case


def assist_desk() -> dict:
    ticket = "cn.jiading.assist.ticket.{}.v1"
    return service_board(
        "assist-desk",
        "Assist desk (DB31114/Z 022)",
        [
            (
                "Tickets",
                [
                    PanelSpec(
                        "Tickets received by form and channel (24h)",
                        (
                            Query(
                                "sum by (form, channel) (increase(assist_tickets_received_total[1d]))",
                                "{{form}} {{channel}}",
                            ),
                        ),
                    ),
                    PanelSpec(
                        "Open tickets by form and channel",
                        (Query(db_gauge("assist_tickets_open", "form, channel"), "{{form}} {{channel}}"),),
                    ),
                    PanelSpec(
                        "Tickets (1h)",
                        (event_steps(ticket, ("created", "completed"), "1h"),),
                    ),
                    PanelSpec(
                        "Escalations to 兜底办 and time-limit breaches (24h)",
                        (
                            Query(events(ticket.format("escalated"), "1d"), "escalated"),
                            Query(events(ticket.format("overdue"), "1d"), "past time limit"),
                        ),
                        kind="stat",
                    ),
                    PanelSpec(
                        "Open tickets past their time limit (限时办结)",
                        (Query(db_gauge("assist_tickets_open_overdue"), "open overdue"),),
                    ),
                ],
            ),
            (
                "Satisfaction and rectification",
                [
                    PanelSpec(
                        "Ratings by level (好差评, 24h)",
                        (Query("sum by (level) (increase(assist_reviews_total[1d]))", "{{level}}"),),
                    ),
                    PanelSpec(
                        "Satisfied share (满意率, 7d)",
                        (
                            Query(
                                f'sum(increase(assist_reviews_total{{level=~"{SATISFIED}"}}[7d]))'
                                " / sum(increase(assist_reviews_total[7d]))",
                                "satisfied",
                            ),
                        ),
                        "percentunit",
                        kind="stat",
                        description="基本满意 or better over all ratings.",
                    ),
                    PanelSpec(
                        "Bad reviews by level (24h)",
                        (
                            Query(
                                f'sum by (level) (increase(assist_reviews_total{{level=~"{BAD}"}}[1d]))',
                                "{{level}}",
                            ),
                        ),
                    ),
                    PanelSpec(
                        "Bad-review rectifications closed / overdue (24h)",
                        (
                            Query(events("cn.jiading.assist.rectification.closed.v1", "1d"), "closed"),
                            Query("sum(increase(assist_rectifications_overdue_total[1d]))", "overdue"),
                        ),
                    ),
                    PanelSpec(
                        "One-time notice breaches and warnings (24h)",
                        (
                            Query("sum(increase(assist_one_time_notice_breaches_total[1d]))", "一次性告知 breaches"),
                            Query("sum(increase(assist_ticket_deadline_warnings_total[1d]))", "deadline warnings"),
                        ),
                    ),
                ],
            ),
            (
                "Equipment",
                [
                    PanelSpec(
                        "Devices past their check date",
                        (Query(db_gauge("assist_equipment_checks_missed", "kind"), "{{kind}}"),),
                    )
                ],
            ),
        ],
    )


def library_metrics() -> dict:
    return service_board(
        "library-metrics",
        "Library metrics (DB31114/Z 005-007)",
        [
            (
                "Compliance",
                [
                    PanelSpec(
                        "Pass ratio by tier and 街镇",
                        (Query(db_gauge("library_compliance_pass_ratio", "tier, town", "max"), "{{tier}} {{town}}"),),
                        "percentunit",
                    ),
                    PanelSpec(
                        "Failing facilities by clause",
                        (Query(db_gauge("library_failing_rules", "clause, tier"), "{{clause}} {{tier}}"),),
                    ),
                    PanelSpec(
                        "Rule results by status",
                        (Query(db_gauge("library_compliance_results", "status"), "{{status}}"),),
                    ),
                    PanelSpec(
                        "Key indicators (mean)",
                        (
                            Query(
                                db_gauge("library_indicator_mean", "indicator, tier", "max"),
                                "{{indicator}} {{tier}}",
                            ),
                        ),
                    ),
                    PanelSpec(
                        "Facilities evaluated / indicator breaches (24h)",
                        (
                            Query(db_gauge("library_compliance_evaluated_facilities"), "facilities"),
                            Query(events("cn.jiading.library.indicator.breached.v1", "1d"), "breaches"),
                        ),
                        kind="stat",
                    ),
                ],
            )
        ],
    )


def evaluation() -> dict:
    return service_board(
        "evaluation",
        "Evaluation (DB31114/Z 017)",
        [
            (
                "Scoring",
                [
                    PanelSpec(
                        "Published scores by band (30d)",
                        (
                            Query(
                                "sum by (le) (increase(evaluation_published_score_bucket[30d]))",
                                "≤ {{le}}",
                            ),
                        ),
                        description="Cumulative: results with a total at or below each bound (out of 100).",
                    ),
                    PanelSpec(
                        "Median published score (30d)",
                        (
                            Query(
                                "histogram_quantile(0.5, sum by (le) "
                                "(increase(evaluation_published_score_bucket[30d])))",
                                "median",
                            ),
                        ),
                        "none",
                        kind="stat",
                    ),
                    PanelSpec(
                        "Projects scored (24h)",
                        (Query(events("cn.jiading.evaluation.project.scored.v1", "1d"), "scored"),),
                        kind="stat",
                    ),
                    PanelSpec(
                        "Providers registered (24h)",
                        (Query(events("cn.jiading.evaluation.provider.registered.v1", "1d"), "providers"),),
                        kind="stat",
                    ),
                ],
            )
        ],
    )


DASHBOARDS = {
    "jiading-overview": overview,
    "jiading-collection": collection,
    "jiading-grid-dispatch": grid_dispatch,
    "jiading-assist-desk": assist_desk,
    "jiading-library-metrics": library_metrics,
    "jiading-evaluation": evaluation,
}


def render_all() -> dict[str, str]:
    return {
        f"{name}.json": json.dumps(factory(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, factory in DASHBOARDS.items()
    }


def panel_queries(board: dict) -> list[tuple[str, str]]:
    """(panel title, expr) for every query of a dashboard JSON."""
    return [
        (item["title"], target["expr"])
        for item in board.get("panels", [])
        for target in item.get("targets", [])
        if "expr" in target
    ]


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    for filename, text in render_all().items():
        (out_dir / filename).write_text(text, encoding="utf-8")
        print(f"wrote {out_dir / filename}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
