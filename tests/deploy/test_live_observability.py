"""Dashboards and alerts proven against reality (issue 8 item 5).

The five services run as real processes on tansu + SQLite (the `make run` launcher, scheduled jobs capped at 2 s),
realistic traffic goes through their APIs (events cross the bus: refusals, overdue revisits and a 兜底办 coordination
become grid-dispatch incidents), a real Prometheus scrapes them every second with the suite's alert rules loaded, and
then every Grafana panel query runs through Prometheus's HTTP API: each must execute, and each must return data except
the few listed in ALLOWED_EMPTY. Every service's /metrics passes `promtool check metrics`, every metric name in the
dashboards and alerts is exported, and every alert rule loads healthy.

Locally a missing `prometheus`/`promtool` skips; in CI (REQUIRE_DEPLOY_TOOLS=1) it fails (`make deploy-tools`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from assist_desk.testing import Desk
from collection.testing import admin, collector, form, register_building, setup_places
from jiading_shared.auth import mint_token
from jiading_shared.suite import SERVICES, SuiteService
from jiading_shared.testing.broker import free_port, port_open

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULE_FILES = sorted((DEPLOY / "prometheus" / "rules").glob("*.rules.yml"))
TOWN = "jd-anting"
SCRAPE_INTERVAL = "1s"
# Panels (by a fragment of their query) that may stay empty after the traffic, and why. Nothing else may.
ALLOWED_EMPTY = {
    "events_retried_total": "handlers only retry when they fail; the traffic is valid",
    "events_dead_lettered_total": "dead letters only follow failing handlers",
    "grid_incidents_open_past_sla": "an incident passes its SLA after hours, not within a test",
    "cn.jiading.grid.incident.overdue.v1": "the same SLA breach, as an event",
    "cn.jiading.assist.ticket.overdue.v1": "a ticket's time limit is working days away",
    "assist_rectifications_overdue_total": "a rectification case is overdue after working days",
    "assist_one_time_notice_breaches_total": "only a second notice for the same matter breaches 一次性告知",
}


# --- tools and processes --------------------------------------------------------------------------------------------


def tool(name: str) -> str:
    found = shutil.which(name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if found:
        return found
    if os.environ.get("REQUIRE_DEPLOY_TOOLS") == "1":
        pytest.fail(f"{name} is not installed (run `make deploy-tools`)")
    pytest.skip(f"{name} is not installed (run `make deploy-tools`)")


def load_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port_offset() -> int:
    """An offset that puts the five service ports (8001-8005 + offset) on free ports."""
    for offset in range(11000, 40000, 100):
        if not any(port_open("127.0.0.1", service.port + offset) for service in SERVICES):
            return offset
    raise AssertionError("no free range of service ports")


def stop(process: subprocess.Popen[bytes], timeout: float = 40) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    """The five services on tansu + SQLite through `make run`'s launcher; yields the port of each service."""
    var_dir = tmp_path_factory.mktemp("suite")
    offset = free_port_offset()
    # Scheduled jobs (gauges, scans) every 2 s instead of minutes, so the gauges follow the traffic within the test.
    env = {**os.environ, **{f"{service.env_prefix}SCHEDULER_INTERVAL_CAP_S": "2" for service in SERVICES}}
    command = [sys.executable, "-m", "jiading_shared.devtools.run", "--var-dir", str(var_dir)]
    command += ["--broker-port", str(free_port()), "--port-offset", str(offset)]
    log = open(var_dir / "launcher.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        ports = {service.name: service.port + offset for service in SERVICES}
        wait_for(
            "the suite to be ready",
            lambda: process.poll() is not None or "Ctrl-C stops everything" in (var_dir / "launcher.log").read_text(),
            timeout=150,
        )
        assert process.poll() is None, (var_dir / "launcher.log").read_text()
        yield ports
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="module")
def prometheus(suite: dict[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus scraping the five services every second, with the suite's alert rules; yields its URL."""
    binary = tool("prometheus")
    work = tmp_path_factory.mktemp("prometheus")
    config = {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "rule_files": [str(path) for path in RULE_FILES],
        "scrape_configs": [
            {
                "job_name": "jiading",  # as in deploy/prometheus/prometheus.yml: dashboards and alerts rely on it
                "static_configs": [
                    {"targets": [f"127.0.0.1:{suite[service.name]}"], "labels": {"service": service.name}}
                    for service in SERVICES
                ],
            }
        ],
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = open(work / "prometheus.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for("prometheus to be ready", lambda: _get_ok(f"{url}/-/ready") or process.poll() is not None, 30)
        assert process.poll() is None, (work / "prometheus.log").read_text()
        yield url
    finally:
        stop(process, timeout=15)
        log.close()


def _get_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10)
    body = response.json()
    assert response.status_code == 200, f"{expr}\n{body}"
    assert body["status"] == "success", f"{expr}\n{body}"
    return list(body["data"]["result"])


# --- traffic --------------------------------------------------------------------------------------------------------


def client_of(ports: dict[str, int], service: SuiteService) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{ports[service.name]}", timeout=30)


def settings_of(service: SuiteService) -> Any:
    # The processes run with the development keys of the defaults; tokens minted with the same settings pass.
    return service.settings_class()()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def drive_collection(client: httpx.Client, settings: Any) -> None:
    setup_places(client, settings)  # type: ignore[arg-type]
    rooms = [room["id"] for room in register_building(client, settings, "31011401", "31011402", "31011403")["rooms"]]  # type: ignore[arg-type]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for room_id, outcome, at in (
        (rooms[0], "collected", f"{yesterday}T10:00:00+08:00"),
        (rooms[1], "vacant", "2025-09-20T10:00:00+08:00"),  # revisit due a month later: overdue → an incident
        (rooms[2], "refused", f"{(date.today() - timedelta(days=3)).isoformat()}T10:00:00+08:00"),
        (rooms[2], "refused", f"{yesterday}T10:00:00+08:00"),  # the second refusal is reported → an incident
    ):
        body = {"visited_at": at, "outcome": outcome}
        ok(client.post(f"/api/v1/rooms/{room_id}/visits", json=body, headers=collector(settings)), 201)
    ok(client.post("/api/v1/registrations", json=form("31011401"), headers=collector(settings)), 201)
    # The same person at a new address: registered there, deregistered at the old one (不重复).
    ok(client.post("/api/v1/registrations", json=form("31011402"), headers=collector(settings)), 201)
    ok(client.get("/api/v1/reports/coverage", headers=admin(settings)))


def grid_headers(settings: Any, *roles: str, dept: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, sub='u-1', roles=roles, town=TOWN, dept=dept)}"}


def drive_grid_dispatch(client: httpx.Client, settings: Any) -> None:
    dispatcher = grid_headers(settings, "dispatcher")
    # Grids named as the collection service's areas name them, so its events route here.
    sector = {"code": "jd-anting-s1", "name": "安亭片区", "level": "sector_grid", "town": TOWN}
    ok(client.post("/api/v1/grids", json=sector, headers=dispatcher), 201)
    for code in ("jd-anting-g03", "jd-anting-g04"):
        body = {"code": code, "name": code, "level": "grid", "town": TOWN, "parent_code": "jd-anting-s1"}
        ok(client.post("/api/v1/grids", json=body, headers=dispatcher), 201)
    for code, name, unit_type in (
        ("AT-PS", "安亭派出所", "police_station"),
        ("AT-CG", "安亭城管中队", "enforcement_squad"),
        ("AT-SJ", "安亭市场监管所", "market_regulation_office"),
    ):
        body = {"code": code, "name": name, "unit_type": unit_type, "liaison_name": "值班长", "town": TOWN}
        ok(client.post("/api/v1/departments", json=body, headers=dispatcher), 201)
    now = time.time()
    shift = {
        "department_code": "AT-CG",
        "officer_sub": "cg-1",
        "officer_name": "城管甲",
        "grids": ["jd-anting-g03"],
        "starts_at": _iso(now - 3600),
        "ends_at": _iso(now + 8 * 3600),
    }
    ok(client.post("/api/v1/duty/assignments", json=shift, headers=dispatcher), 201)  # leaves 参勤 gaps
    ok(client.get("/api/v1/duty/coverage", headers=dispatcher))
    patrol = grid_headers(settings, "operations_patrol")
    incident = {
        "category": "street_vending",
        "town": TOWN,
        "grid": "jd-anting-g03",
        "title": "占道设摊",
        "description": "菜场门口占道经营",
        "source": "patrol_finding",
    }
    closed, returned, _open = (ok(client.post("/api/v1/incidents", json=incident, headers=patrol), 201) for _ in "123")
    officer = grid_headers(settings, "duty_officer", dept="AT-CG")
    for action, body, who in (
        ("accept", {}, officer),
        ("start", {"note": "到场"}, officer),
        ("resolve", {"note": "已劝离"}, officer),
        ("verify", {"passed": True, "note": "核查通过"}, dispatcher),
        ("close", {}, dispatcher),
    ):
        ok(client.post(f"/api/v1/incidents/{closed['id']}/{action}", json=body, headers=who))
    body = {"reason_code": "overlapping_duties", "basis": "属市场监管职责"}
    ok(client.post(f"/api/v1/incidents/{returned['id']}/return", json=body, headers=officer))
    joint = {
        "applicant_department": "AT-CG",
        "contact_name": "李队长",
        "contact_phone": "13900001111",
        "content": "墨玉路沿线违法搭建集中拆除",
        "plan": "城管中队牵头拆除，派出所维持秩序",
        "action_date": (date.today() + timedelta(days=21)).isoformat(),
        "half_day": "pm",
        "hour": 2,
        "command_unit": "AT-CG",
        "command_leader": "李队长",
        "participants": [{"department_code": "AT-PS", "head_count": 4}, {"department_code": "AT-SJ", "head_count": 2}],
        "vehicles": [{"type": "pickup", "count": 2}],
    }
    ok(client.post("/api/v1/joint-rectifications", json=joint, headers=officer), 201)


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def drive_library_metrics(client: httpx.Client, settings: Any) -> None:
    bureau = {"Authorization": f"Bearer {mint_token(settings, sub='bureau-1', roles=['culture_bureau'])}"}
    staff = {"Authorization": f"Bearer {mint_token(settings, sub='staff-1', roles=['facility_staff'], town=TOWN)}"}
    body = {
        "tier": "town_library",
        "name": "安亭镇图书馆",
        "town": TOWN,
        "seats": 99,  # fewer than the standard asks: a failing rule and a breach of last year
        "population_served": 200_000,
        "citywide_borrow_return": True,
    }
    library = ok(client.post("/api/v1/facilities", json=body, headers=bureau), 201)
    sessions = [{"weekday": day, "opens": "09:00", "closes": "17:00"} for day in range(1, 8)]
    pattern = {"effective_from": "2025-01-01", "sessions": sessions}
    ok(client.post(f"/api/v1/facilities/{library['id']}/opening-patterns", json=pattern, headers=staff), 201)


def drive_assist_desk(client: httpx.Client, settings: Any) -> None:
    desk = Desk(client, settings)  # type: ignore[arg-type]  # the tests' driver works on any client with .post/.get
    institution, member = desk.setup()
    video = desk.ticket(institution, member, form="video", channel="online_video")
    accompanied = desk.ticket(institution, member)
    desk.ticket(institution, member, form="self_service", channel="in_hall")  # stays open
    for ticket, level in ((video, "very_satisfied"), (accompanied, "dissatisfied")):
        desk.act(ticket["id"], "start")
        desk.act(ticket["id"], "complete", {"note": "已办结"})
        review = {"level": level}
        rated = desk.ok(client.post(f"/api/v1/tickets/{ticket['id']}/review", json=review, headers=desk.hotline), 201)
    case = f"/api/v1/rectifications/{rated['rectification']['id']}"  # the bad review's rectification (整改)
    desk.ok(client.post(f"{case}/callback", json={"note": "已电话致歉"}, headers=desk.assistant))
    closing = {"outcome": "rectified_at_once", "note": "增设取号引导"}
    desk.ok(client.post(f"{case}/close", json=closing, headers=desk.assistant))
    escalated = desk.ticket(institution, member)
    body = {"type": "coordination", "reason": "材料已交，部门系统退回", "department": "AT-SJ"}
    desk.act(escalated["id"], "escalate", body)  # → a coordination incident in grid-dispatch
    device = {"kind": "self_service_terminal", "label": "自助终端 A1", "in_service_since": "2025-01-01"}
    desk.ok(client.post(f"/api/v1/institutions/{institution['id']}/devices", json=device, headers=desk.assistant), 201)


def drive_evaluation(client: httpx.Client, settings: Any) -> None:
    def as_user(sub: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(settings, sub=sub, roles=[role])}"}

    federation = as_user("federation-1", "federation_admin")
    provider = {
        "name": "嘉定区阳光助残服务社",
        "unified_social_credit_code": "91310114MA1GT12348",
        "contact_name": "王老师",
        "contact_phone": "13812345678",
    }
    provider_id = ok(client.post("/api/v1/providers", json=provider, headers=federation), 201)["id"]
    project = {
        "provider_id": provider_id,
        "name": "阳光康复助残项目",
        "service_year": 2025,
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "target_disability_types": ["physical"],
        "budget_planned": "100000.00",
        "satisfied_planned": 20,
        "staffing_plan": [{"role": "社工", "count": 2}],
        "schedule": [{"task": "康复训练", "start": "2025-01-01", "end": "2025-12-31"}],
        "planned_activities": [
            {"name": "康复训练", "planned_persons": 20, "planned_frequency": 12, "disability_types": ["physical"]}
        ],
        "quality_targets": ["康复能力提升"],
    }
    project_id = ok(client.post("/api/v1/projects", json=project, headers=federation), 201)["id"]
    panel = [{"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"}]
    created = client.post(
        f"/api/v1/projects/{project_id}/rounds", json={"name": "2025 年度终期评估", "panel": panel}, headers=federation
    )
    round_id = ok(created, 201)["id"]
    model = ok(client.get("/api/v1/scoring-models/current", headers=federation))
    scores: dict[str, float] = {factor["code"]: 0 for group in model["groups"] for factor in group["factors"]}
    expert = as_user("expert-a", "assessor")
    # The measures decide each factor's band; the 422 names every factor whose points fall outside it and the range
    # ("5 ≥ X ≥ 4"), so the expert moves those to the band's lowest points, as an assessor would.
    response = client.put(f"/api/v1/rounds/{round_id}/sheet", json={"scores": scores}, headers=expert)
    if response.status_code == 422:
        for error in response.json()["errors"]:
            scores[error["field"].removeprefix("body.scores.")] = float(error["message"].split("≥ ")[-1].split()[0])
        response = client.put(f"/api/v1/rounds/{round_id}/sheet", json={"scores": scores}, headers=expert)
    ok(response)
    ok(client.post(f"/api/v1/rounds/{round_id}/publish", headers=federation))


DRIVERS: dict[str, Callable[[httpx.Client, Any], None]] = {
    "collection": drive_collection,
    "grid-dispatch": drive_grid_dispatch,
    "library-metrics": drive_library_metrics,
    "assist-desk": drive_assist_desk,
    "evaluation": drive_evaluation,
}


@pytest.fixture(scope="module")
def traffic(suite: dict[str, int], prometheus: str) -> str:
    """Drive every service once (grid-dispatch first: the others' events route to its grids), then let Prometheus
    scrape the gauges the scheduled jobs refresh."""
    order = ["grid-dispatch", "collection", "library-metrics", "assist-desk", "evaluation"]
    by_name = {service.name: service for service in SERVICES}
    for name in order:
        with client_of(suite, by_name[name]) as client:
            DRIVERS[name](client, settings_of(by_name[name]))
    # Cross-service events handled: the refusal, the overdue revisit and the coordination became incidents.
    wait_for(
        "grid-dispatch to handle the other services' events",
        lambda: len(query(prometheus, 'events_consumed_total{group="grid-dispatch",outcome="handled"}')) >= 3,
        timeout=45,
    )
    return prometheus


# --- the checks -----------------------------------------------------------------------------------------------------

QUERY_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def substitute(expr: str, board: dict[str, Any]) -> str:
    """Grafana's variables as Grafana would fill them in: the built-in intervals, a template variable's all-match."""
    for name, value in QUERY_VARIABLES.items():
        expr = expr.replace(name, value)
    for variable in board.get("templating", {}).get("list", []):
        expr = re.sub(rf"\$\{{?{variable['name']}\}}?", ".*", expr)
    assert "$" not in expr, f"unknown variable in {expr}"
    return expr


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, query) of every panel of every generated dashboard."""
    module = load_module(DEPLOY / "grafana" / "dashboards.py")
    queries = []
    for path in sorted((DEPLOY / "grafana" / "dashboards").glob("*.json")):
        board = json.loads(path.read_text(encoding="utf-8"))
        queries += [(path.stem, title, substitute(expr, board)) for title, expr in module.panel_queries(board)]
    return queries


def alert_expressions() -> list[tuple[str, str]]:
    return [
        (rule["alert"], rule["expr"])
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    ]


NOT_METRICS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (labels, ranges, strings and function names left out)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    names = set(re.findall(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", expr))
    return names - NOT_METRICS


SUFFIXES = {"counter": ("", "_total"), "histogram": ("_bucket", "_sum", "_count"), "summary": ("", "_sum", "_count")}


def exported_names(text: str) -> set[str]:
    """Names of the exposition's samples, and of every declared family (a labelled counter has no sample before its
    first increment, e.g. events_dead_lettered_total on a healthy bus)."""
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _hash, _type, name, kind = line.split(" ", 3)
            base = name.removesuffix("_total") if kind == "counter" else name
            names |= {base + suffix for suffix in SUFFIXES.get(kind, ("",))}
    return names


def test_every_panel_query_runs_and_returns_data_after_the_traffic(traffic: str) -> None:
    prometheus = traffic
    queries = dashboard_queries()
    assert len(queries) > 30
    pending = {}
    for board, title, expr in queries:
        if not any(fragment in expr for fragment in ALLOWED_EMPTY):
            pending[(board, title, expr)] = expr
        else:
            query(prometheus, expr)  # must parse and execute even when empty
    # Gauges follow within a scheduled-job tick and a scrape; keep asking until each panel has data.
    deadline = time.monotonic() + 40
    while pending and time.monotonic() < deadline:
        pending = {key: expr for key, expr in pending.items() if not query(prometheus, expr)}
        if pending:
            time.sleep(1)
    assert not pending, "panels without data after the traffic:\n" + "\n".join(map(str, pending))


def test_the_allowed_empty_panels_are_still_on_the_dashboards() -> None:
    # An entry that no query uses any more would silently allow nothing: drop it.
    queries = [expr for _board, _title, expr in dashboard_queries()]
    assert all(any(fragment in expr for expr in queries) for fragment in ALLOWED_EMPTY)


def test_every_metric_of_dashboards_and_alerts_is_exported(suite: dict[str, int], traffic: str) -> None:
    exported = {"up"}  # Prometheus's own series of every target
    for service in SERVICES:
        with client_of(suite, service) as client:
            exported |= exported_names(client.get("/metrics").text)
    used = {name: f"{board}: {title}" for board, title, expr in dashboard_queries() for name in metric_names(expr)}
    used |= {name: f"alert {alert}" for alert, expr in alert_expressions() for name in metric_names(expr)}
    missing = {name: where for name, where in used.items() if name not in exported}
    assert not missing, f"metrics used but not exported by any service: {missing}"
    assert {"collection_rooms", "grid_incidents_open", "assist_tickets_received_total"} <= set(used)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_promtool_check_metrics_on_live_output(service: SuiteService, suite: dict[str, int], traffic: str) -> None:
    promtool = tool("promtool")
    with client_of(suite, service) as client:
        text = client.get("/metrics").text
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_load_healthy_in_prometheus(traffic: str) -> None:
    prometheus = traffic
    expected = {alert for alert, _expr in alert_expressions()}

    def evaluated_rules() -> list[dict[str, Any]] | None:
        body = httpx.get(f"{prometheus}/api/v1/rules", timeout=10).json()
        rules = [rule for group in body["data"]["groups"] for rule in group["rules"]]
        return rules if rules and all(rule["health"] != "unknown" for rule in rules) else None

    rules = wait_for("every rule to be evaluated", evaluated_rules, timeout=20)
    assert {rule["name"] for rule in rules} == expected
    unhealthy = {rule["name"]: rule.get("lastError") for rule in rules if rule["health"] != "ok"}
    assert not unhealthy
