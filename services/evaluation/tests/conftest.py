"""Shared fixtures of the evaluation service's tests: the app against a real PostgreSQL database (migrated on
start), uploads in a temporary directory, and a project with its bid."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evaluation.main import build_app
from evaluation.settings import EvaluationSettings
from jiading_shared.testing.services import bearer_header, embedded_settings

USCC = "91310114MA1GT12348"

PROVIDER = {
    "name": "嘉定区阳光助残服务社",
    "unified_social_credit_code": USCC,
    "contact_name": "王老师",
    "contact_phone": "13812345678",
}


def project_body(provider_id: str) -> dict[str, Any]:
    return {
        "provider_id": provider_id,
        "name": "阳光康复助残项目",
        "service_year": 2025,
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "target_disability_types": ["physical", "intellectual"],
        "budget_planned": "1000000.00",
        "satisfied_planned": 200,
        "staffing_plan": [{"role": "项目管理者", "count": 1}, {"role": "社工", "count": 4, "qualification": "社工证"}],
        "schedule": [{"task": "需求调研", "start": "2025-01-01", "end": "2025-02-28"}],
        "planned_activities": [
            {"name": "康复训练", "planned_persons": 300, "planned_frequency": 24, "disability_types": ["physical"]},
            {"name": "融合活动", "planned_persons": 200, "planned_frequency": 16, "disability_types": ["intellectual"]},
        ],
        "quality_targets": ["康复能力提升", "社会交往改善"],
    }


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> EvaluationSettings:
    return embedded_settings(EvaluationSettings, tmp_path, postgres_url)


@pytest.fixture
def pg_client(pg_settings: EvaluationSettings) -> Iterator[TestClient]:
    with TestClient(build_app(pg_settings)) as test_client:
        yield test_client


@pytest.fixture
def as_user(pg_settings: EvaluationSettings) -> Callable[..., dict[str, str]]:
    def headers(sub: str, *roles: str) -> dict[str, str]:
        # A provider's own system acts for the test provider: its token names it (`dept` = 统一社会信用代码).
        dept = USCC if "external_system" in roles else None
        return bearer_header(pg_settings, *roles, sub=sub, dept=dept)

    return headers
