"""Run the alert unit tests: `python deploy/prometheus/test_rules.py` (needs promtool; tests/deploy runs it in CI).

The test cases (tests/*.test.yml) state each alert's expected `summary`; the long runbook text is static in the
rules file, so it is copied from there into a temporary test file instead of being written twice.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
RULES = HERE / "rules" / "jiading.rules.yml"
CASE_FILES = sorted((HERE / "tests").glob("*.test.yml"))


def runbooks() -> dict[str, str]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return {rule["alert"]: rule["annotations"]["runbook"] for group in groups for rule in group["rules"]}


def complete_cases(case_file: Path) -> dict:
    """The test file with every expected alert's runbook filled in from the rules."""
    cases = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    texts = runbooks()
    cases["rule_files"] = [str(RULES)]
    for test in cases["tests"]:
        for check in test.get("alert_rule_test", []):
            for alert in check.get("exp_alerts", []):
                alert.setdefault("exp_annotations", {})["runbook"] = texts[check["alertname"]]
    return cases


def alerts_without_tests() -> set[str]:
    fired = {
        check["alertname"]
        for case_file in CASE_FILES
        for test in yaml.safe_load(case_file.read_text(encoding="utf-8"))["tests"]
        for check in test["alert_rule_test"]
        if check.get("exp_alerts")
    }
    return set(runbooks()) - fired


def main() -> int:
    missing = alerts_without_tests()
    if missing:
        print(f"alerts without a firing test: {sorted(missing)}", file=sys.stderr)
        return 1
    promtool = shutil.which("promtool") or "promtool"
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for case_file in CASE_FILES:
            path = Path(tmp) / case_file.name
            text = yaml.safe_dump(complete_cases(case_file), allow_unicode=True, sort_keys=False)
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        return subprocess.run([promtool, "test", "rules", *paths], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
