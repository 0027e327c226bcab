"""Fixtures of the assist-desk tests: the service on a migrated SQLite file, and `desk` (see assist_desk.testing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assist_desk.main import build_app
from assist_desk.settings import AssistSettings
from assist_desk.testing import Desk
from jiading_shared.testing.services import embedded_settings


@pytest.fixture
def settings(tmp_path: Path) -> AssistSettings:
    return embedded_settings(AssistSettings, tmp_path)


@pytest.fixture
def client(settings: AssistSettings) -> Iterator[TestClient]:
    with TestClient(build_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def desk(client: TestClient, settings: AssistSettings) -> Desk:
    return Desk(client, settings)
