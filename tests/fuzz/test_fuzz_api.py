"""Schemathesis fuzzing of every operation of every service's OpenAPI schema, on PostgreSQL, as admin and as one scoped
role per service (issue 9 §1): never a 5xx; status code, content type, headers and body as documented; every error
is application/problem+json.

FUZZ_EXAMPLES sets the examples per operation of the fuzzing phase (`make fuzz`: 200); without it, DEFAULT_EXAMPLES
keeps the whole run of `make test` within its time budget. Generation is derandomized with a fixed seed, so every
run sends the same cases and CI is not flaky.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiading_shared.suite import SERVICES

DEFAULT_EXAMPLES = 25
FUZZ_SEED = 20250209
PROBLEM_JSON = "application/problem+json"

pytestmark = [pytest.mark.fuzz, pytest.mark.postgres]


def fuzz_examples() -> int:
    value = os.environ.get("FUZZ_EXAMPLES", "").strip()
    return int(value) if value else DEFAULT_EXAMPLES


def service_schema(name: str) -> Any:
    """The service's OpenAPI schema, taken from an app that is never started: the calls go to the fixture's app."""
    service = next(service for service in SERVICES if service.name == name)
    settings = service.settings_class()(
        database_url="sqlite://", kafka_enabled=False, schedulers_enabled=False, migrate_on_start=False
    )
    app = service.build_app(settings)
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app  # in-process ASGI transport; `call_and_validate(app=...)` picks the app per test
    schema.config.seed = FUZZ_SEED
    schema.config.generation.update(max_examples=fuzz_examples(), deterministic=True, database="none")
    return schema


def is_open311_error(case: Any, content_type: str, body: Any) -> bool:
    """The Open311 facade's own errors: GeoReport v2's list of {code, description}, as its clients expect."""
    return (
        case.operation.path.startswith("/open311/v2/")
        and content_type == "application/json"
        and isinstance(body, list)
        and all(set(item) == {"code", "description"} for item in body)
    )


def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx is an RFC 9457 problem: problem+json with its status repeated in the body and a title."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = (content_type[0] if isinstance(content_type, list) else content_type).split(";")[0].strip()
    if is_open311_error(case, content_type, response.json()):
        return True
    assert content_type == PROBLEM_JSON, (
        f"{response.status_code} answered with content type {content_type!r}, not {PROBLEM_JSON}"
    )
    body = response.json()
    assert body.get("status") == response.status_code, f"problem status differs from the response's: {body!r}"
    assert body.get("title"), f"problem without a title: {body!r}"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    problem_json_errors,
]


def call(case: Any, fuzz_target: Any) -> None:
    case.call_and_validate(app=fuzz_target.app, headers=fuzz_target.headers, checks=CHECKS)


collection = service_schema("collection")
grid_dispatch = service_schema("grid-dispatch")
library_metrics = service_schema("library-metrics")
assist_desk = service_schema("assist-desk")
evaluation = service_schema("evaluation")


class TestCollection:
    service = "collection"

    @collection.parametrize()
    def test_api(self, case: Any, fuzz_target: Any) -> None:
        call(case, fuzz_target)


class TestGridDispatch:
    service = "grid-dispatch"

    @grid_dispatch.parametrize()
    def test_api(self, case: Any, fuzz_target: Any) -> None:
        call(case, fuzz_target)


class TestLibraryMetrics:
    service = "library-metrics"

    @library_metrics.parametrize()
    def test_api(self, case: Any, fuzz_target: Any) -> None:
        call(case, fuzz_target)


class TestAssistDesk:
    service = "assist-desk"

    @assist_desk.parametrize()
    def test_api(self, case: Any, fuzz_target: Any) -> None:
        call(case, fuzz_target)


class TestEvaluation:
    service = "evaluation"

    @evaluation.parametrize()
    def test_api(self, case: Any, fuzz_target: Any) -> None:
        call(case, fuzz_target)
