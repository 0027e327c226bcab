"""Generated docs stay in step with the code, and `make run`'s launcher brings the whole suite up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jiading_shared.testing.broker import free_port

REPO = Path(__file__).resolve().parents[1]


def test_event_catalog_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jiading_shared.devtools.event_catalog", "--check", "--output", "docs/events.md"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + " (run `make docs`)"


@pytest.mark.kafka
def test_embedded_run_starts_every_service(tmp_path: Path) -> None:
    # Ports away from the defaults so a developer's own `make run` does not collide with the test.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jiading_shared.devtools.run",
            "--exit-when-ready",
            "--var-dir",
            str(tmp_path),
            "--broker-port",
            str(free_port()),
            "--port-offset",
            "10000",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("collection", "grid-dispatch", "library-metrics", "assist-desk", "evaluation"):
        assert name in result.stdout
        assert (tmp_path / f"{name}.db").exists(), "each service migrated its own SQLite file"
    assert "/docs" in result.stdout
