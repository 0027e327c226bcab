"""The access-control matrix asserted through HTTP (issue 9 item 2).

The policy is data written from the users of each standard (tests/access_matrix.yaml, rendered into
docs/access-control.md). Here every route of every service is called as every role: an allowed role must get past
authorisation (any status but 401/403 and no 5xx), any other role must get 403 problem+json. A route missing from the
policy, or a policy route that no longer exists, fails. Then data is created in one 街镇 / 责任区 / 部门 and read and
written from another (403 or 404, never 2xx) and from its own (2xx). Last, forged and broken tokens against a service
configured for RS256 must all get 401 problem+json.

The services run in-process on SQLite files: authorisation and scoping do not depend on the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import re
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from jiading_shared.auth import Role, iter_routes, mint_token
from jiading_shared.service import OPEN_PATHS
from jiading_shared.suite import SERVICES, SuiteService

PROBLEM = "application/problem+json"
TOWN_A = "jd-anting"
TOWN_B = "jd-nanxiang"
# Roles whose token carries no `town` in the role matrix: they are district-wide (see jiading_shared.auth).
DISTRICT_ROLES = frozenset({"admin", "commander", "culture_bureau", "federation_admin", "service_office_admin"})
# Dummy values for path parameters in the role matrix; anything not named here is "1".
PATH_VALUES = {"town": TOWN_A}


def _load_renderer() -> ModuleType:
    path = Path(__file__).with_name("render_access_matrix.py")
    spec = importlib.util.spec_from_file_location("render_access_matrix", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


renderer = _load_renderer()
MATRIX = renderer.load_matrix()


# --- the services, one app each -------------------------------------------------------------------------------------


class Api:
    """One in-process service and tokens for it."""

    def __init__(self, service: SuiteService, client: TestClient, settings: Any) -> None:
        self.service = service
        self.client = client
        self.settings = settings

    def headers(
        self,
        role: str,
        *,
        sub: str | None = None,
        town: str | None = None,
        dept: str | None = None,
        grids: tuple[str, ...] = (),
    ) -> dict[str, str]:
        token = mint_token(self.settings, sub=sub or f"{role}-1", roles=[role], town=town, dept=dept, grids=grids)
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        return self.client.request(method, path, headers=headers, **kwargs)

    def ok(self, response: Any, status: int | tuple[int, ...] = (200, 201)) -> Any:
        wanted = (status,) if isinstance(status, int) else status
        assert response.status_code in wanted, f"{response.request.method} {response.request.url}: {response.text}"
        return response.json()


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Api]]:
    folder = tmp_path_factory.mktemp("access-matrix")
    with ExitStack() as stack:
        built: dict[str, Api] = {}
        for service in SERVICES:
            settings = service.settings_class()(
                database_url=f"sqlite:///{folder}/{service.name}.db",
                kafka_enabled=False,
                schedulers_enabled=False,
                log_json=False,
                blob_dir=str(folder / f"{service.name}-blobs"),
            )
            client = stack.enter_context(TestClient(service.build_app(settings), raise_server_exceptions=False))
            built[service.name] = Api(service, client, settings)
        yield built


def declared_routes(api: Api) -> set[tuple[str, str]]:
    """(method, path template) of every route the service declares, except the open ones (health, metrics, docs)."""
    routes: set[tuple[str, str]] = set()
    for route in iter_routes(api.client.app):
        methods = getattr(route, "methods", None)
        if not methods or route.path in OPEN_PATHS:
            continue
        routes |= {(method, route.path) for method in methods - {"HEAD", "OPTIONS"}}
    return routes


def concrete(path: str) -> str:
    """A callable URL for a path template: known values for some parameters, "1" for ids."""
    for name, value in PATH_VALUES.items():
        path = path.replace(f"{{{name}}}", value)
    while "{" in path:
        start = path.index("{")
        path = path[:start] + "1" + path[path.index("}", start) + 1 :]
    return path


def role_headers(api: Api, role: str) -> dict[str, str]:
    """A token of one role with the broadest scope that role has, so that only the role check can deny it."""
    if role in DISTRICT_ROLES:
        return api.headers(role, sub=f"matrix-{role}")
    return api.headers(role, sub=f"matrix-{role}", town=TOWN_A, dept="matrix-dept")


def is_problem(response: Any, status: int) -> bool:
    return response.status_code == status and response.headers.get("content-type", "").startswith(PROBLEM)


# --- policy ↔ routes ------------------------------------------------------------------------------------------------


def test_policy_names_only_roles_of_the_suite() -> None:
    """The role list of the policy is the suite's role list (a role added to auth.py needs a column here)."""
    assert set(MATRIX.roles) == {role.value for role in Role}


@pytest.mark.parametrize("service", [service.name for service in SERVICES])
def test_every_route_is_in_the_policy_and_every_policy_route_exists(apis: dict[str, Api], service: str) -> None:
    declared = declared_routes(apis[service])
    listed = set(MATRIX.rules.get(service, {}))
    missing = sorted(declared - listed, key=lambda item: (item[1], item[0]))
    gone = sorted(listed - declared, key=lambda item: (item[1], item[0]))
    message = []
    if missing:
        message.append(
            f"{service} has routes the access matrix does not list; add them to tests/access_matrix.yaml under "
            f"services.{service}.rules (with allow, scope and why), then run "
            "`.venv/bin/python tests/render_access_matrix.py`:\n"
            + "\n".join(f"      - {method} {path}" for method, path in missing)
        )
    if gone:
        message.append(
            f"tests/access_matrix.yaml lists {service} routes that the service no longer has; remove them:\n"
            + "\n".join(f"      - {method} {path}" for method, path in gone)
        )
    assert not message, "\n".join(message)


def test_document_is_the_rendering_of_the_policy() -> None:
    expected = renderer.render_markdown(MATRIX)
    assert renderer.DOC_FILE.read_text(encoding="utf-8") == expected, (
        "docs/access-control.md is out of date: run .venv/bin/python tests/render_access_matrix.py"
    )


# --- every route × every role ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", [service.name for service in SERVICES])
def test_role_matrix(apis: dict[str, Api], service: str) -> None:
    api = apis[service]
    headers = {role: role_headers(api, role) for role in MATRIX.roles}
    declared = declared_routes(api)
    wrong: list[str] = []
    checked = 0
    for (method, path), rule in sorted(MATRIX.rules[service].items(), key=lambda item: (item[0][1], item[0][0])):
        if (method, path) not in declared:
            continue  # reported by the route guard above
        url = concrete(path)
        for role in MATRIX.roles:
            response = api.call(method, url, headers[role], json={})
            checked += 1
            if role in rule.allow:
                if response.status_code in (401, 403) or response.status_code >= 500:
                    wrong.append(
                        f"{method} {path} as {role}: allowed, got {response.status_code} {response.text[:160]}"
                    )
            elif not is_problem(response, 403):
                wrong.append(f"{method} {path} as {role}: must be 403 problem+json, got {response.status_code}")
    assert checked >= len(MATRIX.roles), f"{service}: nothing checked"
    assert not wrong, f"{len(wrong)} of {checked} calls disagree with the access matrix:\n" + "\n".join(wrong)


# --- scope: data of one town / area / department is not reachable from another ------------------------------------

DENIED = (403, 404)
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
_BAND = re.compile(r"(?:([0-9.]+) (≥|>) )?X (≥|>) ([0-9.]+)")


def _scores_within_bands(api: Api, url: str, headers: dict[str, str], scores: dict[str, float]) -> dict[str, float]:
    """Scores the project's measures accept: each factor the service refuses is moved into the band it names. The
    refused attempts save nothing."""
    for _ in range(5):
        response = api.call("PUT", url, headers, json={"scores": scores})
        if response.status_code != 422:
            break
        for error in response.json().get("errors", []):
            factor = error["field"].removeprefix("body.scores.")
            match = _BAND.search(error["message"])
            assert factor in scores, f"unexpected refusal: {error}"
            assert match, f"unexpected refusal: {error}"
            upper, upper_op, lower_op, lower = match.groups()
            scores[factor] = (
                float(lower) if lower_op == "≥" else float(upper) if upper_op == "≥" else float(lower) + 0.1
            )
    return scores


class ScopeCheck:
    """Collects the outcome of scoped calls; every expectation is checked, and all failures are reported together."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.failures: list[str] = []
        self.count = 0

    def expect(
        self,
        label: str,
        method: str,
        url: str,
        headers: dict[str, str],
        status: int,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        """`status` is the exact answer expected: 403 / 404 for another scope (problem+json), 2xx for one's own."""
        extra = {"Content-Type": content_type} if content_type else {}
        kwargs: dict[str, Any] = {"params": params}
        if content is not None:
            kwargs["content"] = content
        elif method != "GET" and method != "DELETE":
            kwargs["json"] = {} if json_body is None else json_body
        response = self.api.call(method, url, {**headers, **extra}, **kwargs)
        self.count += 1
        if response.status_code != status:
            self.failures.append(
                f"{label}: {method} {url} expected {status}, got {response.status_code} {response.text[:200]}"
            )
        elif status in DENIED and not is_problem(response, status):
            self.failures.append(f"{label}: {method} {url} answered {status} without problem+json")
        return response

    def verify(self) -> None:
        assert self.count > 0
        assert not self.failures, f"{len(self.failures)} of {self.count} scoped calls are wrong:\n" + "\n".join(
            self.failures
        )


def test_collection_scope_is_the_collectors_areas_and_the_police_station(apis: dict[str, Api]) -> None:
    """协管员 read and write only their assigned 责任区, 社区民警 the areas of their 派出所 (token `dept`). The `town`
    claim plays no part here: a collector of town B, or of another area of town A, is outside."""
    from collection import testing as kit  # the collection tests' own set-up of places, done through the API

    api = apis["collection"]
    admin = api.headers("admin")
    kit.setup_places(api.client, api.settings)  # town A: area a03 (collector-7, ps-anting), a04 (collector-8)
    # Town B with its own area, collector and police station.
    for path, body in (
        ("/api/v1/towns", {"code": TOWN_B, "name": "南翔镇"}),
        ("/api/v1/committees", {"code": "jd-nanxiang-c01", "name": "南翔村", "town": TOWN_B}),
        (
            "/api/v1/areas",
            {
                "code": "jd-nanxiang-a01",
                "name": "第一责任区",
                "committee": "jd-nanxiang-c01",
                "grid": "jd-nanxiang-g01",
                "police_station": "ps-nanxiang",
            },
        ),
    ):
        api.ok(api.call("POST", path, admin, json=body), 201)
    api.ok(
        api.call(
            "PUT",
            "/api/v1/areas/jd-nanxiang-a01/collectors",
            admin,
            json={"collectors": [{"sub": "collector-9", "name": "协管员9"}]},
        )
    )
    own = api.headers("collector", sub="collector-7", town=TOWN_A)
    building = kit.register_building(api.client, api.settings, "31011401")
    building_id = building["id"]
    room_id = building["rooms"][0]["id"]
    registration = api.ok(api.call("POST", "/api/v1/registrations", own, json=kit.form("31011401")), 201)
    registration_id = registration["id"]
    visit = {"visited_at": "2025-11-20T10:00:00+08:00", "outcome": "vacant"}

    police_own = api.headers("community_police", sub="police-a", town=TOWN_A, dept=kit.STATION)
    outsiders = {
        "collector of town B": api.headers("collector", sub="collector-9", town=TOWN_B),
        "collector of another area of town A": api.headers("collector", sub="collector-8", town=TOWN_A),
    }
    police_b = api.headers("community_police", sub="police-b", town=TOWN_B, dept="ps-nanxiang")
    check = ScopeCheck(api)
    for label, other in outsiders.items():
        # Reads of one record: 404, as for an unknown id (no hint that it exists elsewhere).
        check.expect(label, "GET", f"/api/v1/areas/{kit.AREA}", other, 404)
        check.expect(label, "GET", f"/api/v1/buildings/{building_id}", other, 404)
        check.expect(label, "GET", f"/api/v1/buildings/{building_id}/sketch", other, 404)
        check.expect(label, "GET", f"/api/v1/rooms/{room_id}/visits", other, 404)
        check.expect(label, "GET", f"/api/v1/rooms/{room_id}/status", other, 404)
        check.expect(label, "GET", f"/api/v1/rooms/{room_id}/registrations", other, 404)
        check.expect(label, "GET", f"/api/v1/registrations/{registration_id}", other, 404)
        check.expect(
            label,
            "GET",
            f"/api/v1/registrations/{registration_id}/disclosure",
            other,
            404,
            params={"purpose": "核查入户信息"},
        )
        # Writes into another area.
        check.expect(label, "POST", f"/api/v1/rooms/{room_id}/visits", other, 404, json_body=visit)
        check.expect(
            label,
            "POST",
            f"/api/v1/registrations/{registration_id}/deregistration",
            other,
            404,
            json_body={"reason": "已搬离"},
        )
        check.expect(
            label,
            "PUT",
            f"/api/v1/buildings/{building_id}/sketch",
            other,
            404,
            content=b"%PDF-1.4\n%%EOF\n",
            content_type="application/pdf",
        )
        check.expect(label, "POST", "/api/v1/buildings", other, 403, json_body=kit.building("31011402"))
        check.expect(label, "POST", "/api/v1/registrations", other, 403, json_body=kit.form("31011401"))
        # Lists and searches answer 200 without the other area's records.
        for url in ("/api/v1/areas", "/api/v1/work-list"):
            listed = check.expect(label, "GET", url, other, 200)
            if listed.status_code == 200:
                leaked = json.dumps(listed.json())
                if kit.AREA in leaked or room_id in leaked:
                    check.failures.append(f"{label}: GET {url} lists area {kit.AREA} / room {room_id}")
        found = check.expect(
            label, "POST", "/api/v1/registrations/search", other, 200, json_body={"id_number": kit.id_number()}
        )
        if found.status_code == 200 and registration_id in found.text:
            check.failures.append(f"{label}: search by ID number finds a registration of another area")
    # The police station of town B neither reads nor supervises town A's areas.
    check.expect("police of town B", "GET", f"/api/v1/registrations/{registration_id}", police_b, 404)
    check.expect("police of town B", "GET", f"/api/v1/rooms/{room_id}/visits", police_b, 404)
    check.expect(
        "police of town B",
        "PUT",
        f"/api/v1/areas/{kit.AREA}/collectors",
        police_b,
        403,
        json_body={"collectors": [{"sub": "collector-9", "name": "协管员9"}]},
    )
    # Own scope: the area's collector and the station's police.
    check.expect("own collector", "GET", f"/api/v1/buildings/{building_id}", own, 200)
    check.expect("own collector", "GET", f"/api/v1/registrations/{registration_id}", own, 200)
    check.expect("own collector", "POST", f"/api/v1/rooms/{room_id}/visits", own, 201, json_body=visit)
    check.expect("own police", "GET", f"/api/v1/registrations/{registration_id}", police_own, 200)
    check.expect("own police", "GET", f"/api/v1/rooms/{room_id}/visits", police_own, 200)
    check.expect("own collector", "GET", "/api/v1/work-list", own, 200)
    check.verify()


def test_grid_dispatch_scope_is_the_town_and_the_department(apis: dict[str, Api]) -> None:
    """The 城运中心 of a town (dispatcher, or a commander with a `town`) acts in its town only; department staff act on
    their own department's incidents and roster; an external system sees the incidents it filed."""
    api = apis["grid-dispatch"]
    now = datetime.now(UTC)
    towns = {TOWN_A: "SA", TOWN_B: "SB"}
    for town, prefix in towns.items():
        dispatcher = api.headers("dispatcher", town=town)
        api.ok(
            api.call(
                "POST",
                "/api/v1/grids",
                dispatcher,
                json={"code": f"{prefix}-01", "name": "片区一", "level": "sector_grid", "town": town},
            ),
            201,
        )
        api.ok(
            api.call(
                "POST",
                "/api/v1/grids",
                dispatcher,
                json={
                    "code": f"{prefix}-01-01",
                    "name": "网格一",
                    "level": "grid",
                    "town": town,
                    "parent_code": f"{prefix}-01",
                },
            ),
            201,
        )
        for suffix, unit_type in (
            ("PS", "police_station"),
            ("CG", "enforcement_squad"),
            ("SJ", "market_regulation_office"),
        ):
            api.ok(
                api.call(
                    "POST",
                    "/api/v1/departments",
                    dispatcher,
                    json={
                        "code": f"{prefix}-{suffix}",
                        "name": f"{prefix}{suffix}",
                        "town": town,
                        "unit_type": unit_type,
                        "liaison_name": "联络人",
                    },
                ),
                201,
            )
    own = api.headers("dispatcher", town=TOWN_A)
    roster = {
        "department_code": "SA-CG",
        "officer_sub": "cg-1",
        "officer_name": "城管甲",
        "grids": ["SA-01-01"],
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=8)).isoformat(),
    }
    assignment = api.ok(api.call("POST", "/api/v1/duty/assignments", own, json=roster), 201)
    incident_body = {
        "category": "street_vending",
        "town": TOWN_A,
        "grid": "SA-01-01",
        "title": "占道设摊",
        "description": "菜场门口占道经营",
        "source": "patrol_finding",
    }
    patrol_a = api.headers("operations_patrol", town=TOWN_A)
    incident = api.ok(api.call("POST", "/api/v1/incidents", patrol_a, json=incident_body), 201)
    incident_id = incident["id"]
    handler = incident.get("department_code")
    assert handler, f"the incident was not routed to a department: {incident}"
    assert handler.startswith("SA-"), f"the incident was routed outside town A: {incident}"
    other_dept = next(code for code in ("SA-PS", "SA-CG", "SA-SJ") if code != handler)

    api.ok(
        api.call(
            "POST",
            "/api/v1/departments",
            own,
            json={
                "code": "SA-CY",
                "name": "城运中心",
                "town": TOWN_A,
                "unit_type": "operations_centre",
                "liaison_name": "周主任",
            },
        ),
        201,
    )
    meeting = api.ok(
        api.call(
            "POST",
            "/api/v1/meetings",
            own,
            json={
                "kind": "sector_grid",
                "sector_grid": "SA-01",
                "theme": "市容整治推进",
                "held_at": (now - timedelta(days=1)).isoformat(),
                "place": "城运中心会议室",
                "attendees": [
                    {"department_code": "SA-CG", "people": ["李队长"]},
                    {"department_code": "SA-SJ", "people": ["赵所长"]},
                    {"department_code": "SA-CY", "people": ["周主任"]},
                ],
                "minutes": "讨论占道经营反复问题。",
                "last_week_results": "上周部署已完成。",
                "targets": "本周完成整治。",
            },
        ),
        201,
    )
    rectification = api.ok(
        api.call(
            "POST",
            "/api/v1/joint-rectifications",
            api.headers("duty_officer", town=TOWN_A, dept="SA-CG"),
            json={
                "applicant_department": "SA-CG",
                "contact_name": "李队长",
                "contact_phone": "13900001111",
                "content": "违法搭建集中拆除",
                "plan": "城管中队牵头拆除，派出所维持秩序",
                "action_date": (now + timedelta(days=21)).date().isoformat(),
                "half_day": "pm",
                "hour": 2,
                "command_unit": "SA-CG",
                "command_leader": "李队长",
                "participants": [{"department_code": "SA-PS", "head_count": 4}],
                "vehicles": [{"type": "pickup", "count": 1}],
            },
        ),
        201,
    )
    check = ScopeCheck(api)
    outsiders = {
        "dispatcher of town B": api.headers("dispatcher", town=TOWN_B),
        "commander of town B": api.headers("commander", town=TOWN_B),
    }
    for label, other in outsiders.items():
        check.expect(label, "GET", "/api/v1/grids/SA-01-01", other, 404)
        check.expect(label, "GET", "/api/v1/grids", other, 403, params={"town": TOWN_A})
        check.expect(
            label,
            "POST",
            "/api/v1/grids",
            other,
            403,
            json_body={"code": "SA-02", "name": "x", "level": "sector_grid", "town": TOWN_A},
        )
        check.expect(label, "GET", "/api/v1/departments/SA-CG", other, 404)
        check.expect(label, "GET", "/api/v1/departments", other, 403, params={"town": TOWN_A})
        check.expect(label, "PUT", "/api/v1/departments/SA-CG/liaison", other, 404, json_body={"liaison_name": "冒名"})
        # A roster entry is placed in the caller's own town, where there is no department SA-CG: 422 naming the field.
        check.expect(label, "POST", "/api/v1/duty/assignments", other, 422, json_body=roster)
        check.expect(label, "GET", "/api/v1/duty/assignments", other, 403, params={"town": TOWN_A})
        check.expect(label, "DELETE", f"/api/v1/duty/assignments/{assignment['id']}", other, 404)
        check.expect(label, "GET", "/api/v1/duty/coverage", other, 403, params={"town": TOWN_A})
        check.expect(label, "POST", "/api/v1/incidents", other, 403, json_body=incident_body)
        check.expect(label, "GET", "/api/v1/incidents", other, 403, params={"town": TOWN_A})
        check.expect(label, "GET", f"/api/v1/incidents/{incident_id}", other, 404)
        check.expect(label, "GET", f"/api/v1/incidents/{incident_id}/timeline", other, 404)
        check.expect(label, "GET", f"/api/v1/incidents/{incident_id}/coordination", other, 404)
        check.expect(label, "POST", f"/api/v1/incidents/{incident_id}/dispatch", other, 404, json_body={})
        check.expect(
            label, "POST", f"/api/v1/incidents/{incident_id}/supervise", other, 404, json_body={"note": "督办"}
        )
        check.expect(label, "POST", f"/api/v1/incidents/{incident_id}/close", other, 404, json_body={})
        check.expect(label, "GET", f"/api/v1/meetings/{meeting['id']}", other, 404)
        check.expect(label, "GET", "/api/v1/meetings", other, 403, params={"town": TOWN_A})
        check.expect(label, "GET", f"/api/v1/joint-rectifications/{rectification['id']}", other, 404)
        check.expect(label, "GET", "/api/v1/joint-rectifications", other, 403, params={"town": TOWN_A})
        for url, record_id in (
            ("/api/v1/meetings", meeting["id"]),
            ("/api/v1/joint-rectifications", rectification["id"]),
        ):
            seen = check.expect(label, "GET", url, other, 200)
            if seen.status_code == 200 and record_id in seen.text:
                check.failures.append(f"{label}: GET {url} lists a record of town A")
        listed = check.expect(label, "GET", "/api/v1/incidents", other, 200)
        if listed.status_code == 200 and incident_id in listed.text:
            check.failures.append(f"{label}: GET /api/v1/incidents lists an incident of town A")
        grids = check.expect(label, "GET", "/api/v1/grids", other, 200)
        if grids.status_code == 200 and "SA-01" in grids.text:
            check.failures.append(f"{label}: GET /api/v1/grids lists grids of town A")
    # Department staff: another department of the same town, and the same-named role of town B.
    for label, other in {
        f"duty officer of {other_dept}": api.headers("duty_officer", town=TOWN_A, dept=other_dept),
        "police of town B": api.headers("community_police", town=TOWN_B, dept="SB-PS"),
    }.items():
        check.expect(label, "GET", f"/api/v1/incidents/{incident_id}", other, 404)
        check.expect(label, "POST", f"/api/v1/incidents/{incident_id}/accept", other, 404, json_body={})
        check.expect(
            label,
            "POST",
            f"/api/v1/incidents/{incident_id}/resolve",
            other,
            404,
            json_body={"note": "现场劝离"},
        )
        # Department staff always get their own department's roster, whatever they ask for.
        roster_seen = check.expect(
            label, "GET", "/api/v1/duty/assignments", other, 200, params={"department_code": "SA-CG"}
        )
        if roster_seen.status_code == 200 and assignment["id"] in roster_seen.text:
            check.failures.append(f"{label}: sees the roster entry of department SA-CG")
    # An external system sees what it filed, not what a patrol found.
    check.expect("another system", "GET", f"/api/v1/incidents/{incident_id}", api.headers("external_system"), 404)
    # Own scope.
    check.expect("own dispatcher", "GET", "/api/v1/grids/SA-01-01", own, 200)
    check.expect("own dispatcher", "GET", "/api/v1/departments/SA-CG", own, 200)
    check.expect("own dispatcher", "GET", f"/api/v1/incidents/{incident_id}", own, 200)
    check.expect("own dispatcher", "GET", f"/api/v1/incidents/{incident_id}/timeline", own, 200)
    check.expect("own dispatcher", "GET", "/api/v1/duty/assignments", own, 200)
    check.expect("own dispatcher", "GET", f"/api/v1/meetings/{meeting['id']}", own, 200)
    check.expect("own dispatcher", "GET", f"/api/v1/joint-rectifications/{rectification['id']}", own, 200)
    check.expect("district commander", "GET", f"/api/v1/incidents/{incident_id}", api.headers("commander"), 200)
    check.expect(
        "handling department",
        "GET",
        f"/api/v1/incidents/{incident_id}",
        api.headers("duty_officer", town=TOWN_A, dept=handler),
        200,
    )
    check.verify()


def test_assist_desk_scope_is_the_town_of_the_institution(apis: dict[str, Api]) -> None:
    """帮办人员 (assistant) act in the institutions of their town; the 区政务服务办公室 sees the district."""
    from assist_desk.testing import Desk  # the assist-desk tests' own set-up, done through the API

    api = apis["assist-desk"]
    desk = Desk(api.client, api.settings)
    assert desk.settings is api.settings
    institution, member = desk.setup()  # town A (jd-anting)
    ticket = desk.ticket(institution, member)
    institution_id, staff_id, ticket_id = institution["id"], member["id"], ticket["id"]
    device = api.ok(
        api.call(
            "POST",
            f"/api/v1/institutions/{institution_id}/devices",
            desk.assistant,
            json={"kind": "self_service_terminal", "name": "自助终端 1"},
        ),
        (201, 422),
    )
    check = ScopeCheck(api)
    other = api.headers("assistant", sub="assistant-b", town=TOWN_B)
    label = "assistant of town B"
    for url in (
        f"/api/v1/institutions/{institution_id}",
        f"/api/v1/institutions/{institution_id}/departments",
        f"/api/v1/institutions/{institution_id}/staff",
        f"/api/v1/institutions/{institution_id}/teams",
        f"/api/v1/institutions/{institution_id}/devices",
        f"/api/v1/institutions/{institution_id}/summary",
        f"/api/v1/staff/{staff_id}",
        f"/api/v1/tickets/{ticket_id}",
        f"/api/v1/tickets/{ticket_id}/log",
        f"/api/v1/tickets/{ticket_id}/contact",
        f"/api/v1/tickets/{ticket_id}/notices",
        f"/api/v1/tickets/{ticket_id}/review",
    ):
        check.expect(
            label, "GET", url, other, 404, params=PERIOD if url.endswith("summary") else {"purpose": "核实联系方式"}
        )
    check.expect(
        label,
        "POST",
        f"/api/v1/institutions/{institution_id}/staff",
        other,
        404,
        json_body={"name": "冒名", "team": "general", "employment": "full_time", "source": "institution"},
    )
    check.expect(
        label,
        "POST",
        f"/api/v1/staff/{staff_id}/trainings",
        other,
        404,
        json_body={"kind": "pre_job", "topic": "帮办业务", "trained_on": "2025-02-20", "hours": 8},
    )
    check.expect(label, "PUT", f"/api/v1/staff/{staff_id}/active", other, 404, json_body={"active": False})
    check.expect(label, "POST", f"/api/v1/tickets/{ticket_id}/start", other, 404, json_body={})
    check.expect(
        label,
        "POST",
        f"/api/v1/tickets/{ticket_id}/escalate",
        other,
        404,
        json_body={"type": "consultation", "reason": "疑难"},
    )
    # The institution is looked up in the caller's scope: 422 naming the field, as for an unknown institution.
    check.expect(label, "POST", "/api/v1/tickets", other, 422, json_body=desk.ticket_body(institution, member))
    if isinstance(device, dict) and "id" in device:
        check.expect(label, "GET", f"/api/v1/devices/{device['id']}/checks", other, 404)
    listed = check.expect(label, "GET", "/api/v1/tickets", other, 200)
    if listed.status_code == 200 and ticket_id in listed.text:
        check.failures.append(f"{label}: GET /api/v1/tickets lists a ticket of town A")
    check.expect(label, "GET", "/api/v1/reports/district-summary", other, 403, params={**PERIOD, "town": TOWN_A})
    # Own town and the district office.
    check.expect("own assistant", "GET", f"/api/v1/tickets/{ticket_id}", desk.assistant, 200)
    check.expect("own assistant", "GET", f"/api/v1/institutions/{institution_id}/staff", desk.assistant, 200)
    check.expect("district office", "GET", f"/api/v1/tickets/{ticket_id}", desk.office, 200)
    check.verify()


def test_library_scope_is_the_town_of_the_facility(apis: dict[str, Api]) -> None:
    """图书馆（室）工作人员 keep the facilities of their town; the 文化和旅游局 sees the district."""
    api = apis["library-metrics"]
    bureau = api.headers("culture_bureau")
    own = api.headers("facility_staff", town=TOWN_A)
    facility_body = {
        "tier": "town_library",
        "name": "安亭镇图书馆",
        "town": TOWN_A,
        "population_served": 250000,
        "floor_area_m2": 2400,
        "usable_area_m2": "1800.50",
        "public_service_area_m2": 1700,
    }
    facility = api.ok(api.call("POST", "/api/v1/facilities", own, json=facility_body), 201)
    facility_id = facility["id"]
    event_body = {"kind": "reading_promotion", "held_on": "2026-04-23", "title": "世界读书日", "attendance": 120}
    event = api.ok(api.call("POST", f"/api/v1/facilities/{facility_id}/events", own, json=event_body), 201)
    api.ok(api.call("PUT", f"/api/v1/towns/{TOWN_A}", bureau, json={"name": "安亭镇", "residents": 250000}))

    check = ScopeCheck(api)
    label = "library staff of town B"
    other = api.headers("facility_staff", town=TOWN_B)
    for url in (
        f"/api/v1/facilities/{facility_id}",
        f"/api/v1/facilities/{facility_id}/events",
        f"/api/v1/facilities/{facility_id}/closures",
        f"/api/v1/facilities/{facility_id}/compliance",
    ):
        check.expect(label, "GET", url, other, 404, params={"year": 2026} if url.endswith("compliance") else None)
    check.expect(label, "PATCH", f"/api/v1/facilities/{facility_id}", other, 404, json_body={"seats": 1})
    check.expect(label, "POST", f"/api/v1/facilities/{facility_id}/events", other, 404, json_body=event_body)
    check.expect(label, "DELETE", f"/api/v1/facilities/{facility_id}/events/{event['id']}", other, 404)
    check.expect(
        label,
        "POST",
        f"/api/v1/facilities/{facility_id}/events/import",
        other,
        404,
        content=b"kind,held_on,title,attendance\nreading_promotion,2026-04-24,x,1\n",
        content_type="text/csv",
    )
    check.expect(label, "POST", "/api/v1/facilities", other, 403, json_body=facility_body)
    check.expect(label, "GET", "/api/v1/facilities", other, 403, params={"town": TOWN_A})
    for url in (
        f"/api/v1/towns/{TOWN_A}",
        f"/api/v1/towns/{TOWN_A}/committees",
        f"/api/v1/towns/{TOWN_A}/compliance",
        f"/api/v1/reports/towns/{TOWN_A}",
        f"/api/v1/reports/towns/{TOWN_A}/export.csv",
    ):
        check.expect(label, "GET", url, other, 403, params={"year": 2026})
    listed = check.expect(label, "GET", "/api/v1/facilities", other, 200)
    if listed.status_code == 200 and facility_id in listed.text:
        check.failures.append(f"{label}: GET /api/v1/facilities lists a facility of town A")
    # Own town and the bureau.
    check.expect("own staff", "GET", f"/api/v1/facilities/{facility_id}", own, 200)
    check.expect("own staff", "GET", f"/api/v1/facilities/{facility_id}/events", own, 200)
    check.expect("own staff", "GET", f"/api/v1/towns/{TOWN_A}", own, 200)
    check.expect("bureau", "GET", f"/api/v1/facilities/{facility_id}", bureau, 200)
    check.verify()


def _evaluation_project(api: Api, unified_social_credit_code: str = "91310114MA1GT12348") -> dict[str, Any]:
    """A provider registered by the 残联 and one project of it."""
    federation = api.headers("federation_admin")
    provider = api.ok(
        api.call(
            "POST",
            "/api/v1/providers",
            federation,
            json={
                "name": f"嘉定区阳光助残服务社 {unified_social_credit_code[-4:]}",
                "unified_social_credit_code": unified_social_credit_code,
                "contact_name": "王老师",
                "contact_phone": "13812345678",
            },
        ),
        201,
    )
    return api.ok(
        api.call(
            "POST",
            "/api/v1/projects",
            federation,
            json={
                "provider_id": provider["id"],
                "name": "阳光康复助残项目",
                "service_year": 2025,
                "start_date": "2025-01-01",
                "end_date": "2025-12-31",
                "target_disability_types": ["physical"],
                "budget_planned": "1000000.00",
                "satisfied_planned": 200,
                "staffing_plan": [{"role": "项目管理者", "count": 1}],
                "schedule": [{"task": "需求调研", "start": "2025-01-01", "end": "2025-02-28"}],
                "planned_activities": [
                    {
                        "name": "康复训练",
                        "planned_persons": 300,
                        "planned_frequency": 24,
                        "disability_types": ["physical"],
                    }
                ],
                "quality_targets": ["康复能力提升"],
            },
        ),
        201,
    )


def test_evaluation_scope_is_the_panel(apis: dict[str, Api]) -> None:
    """Only an assessor on a round's panel scores it, and sees only their own sheet until the round is published. The
    evaluation service is district-wide (the 残联); it has no town scope."""
    api = apis["evaluation"]
    federation = api.headers("federation_admin")
    project = _evaluation_project(api)
    evaluation_round = api.ok(
        api.call(
            "POST",
            f"/api/v1/projects/{project['id']}/rounds",
            federation,
            json={
                "name": "2025 年度终期评估",
                "panel": [{"assessor_sub": "expert-a", "name": "李专家", "kind": "expert"}],
            },
        ),
        201,
    )
    round_id = evaluation_round["id"]
    model = api.ok(api.call("GET", "/api/v1/scoring-models/current", federation))
    scores = {factor["code"]: 0.0 for group in model["groups"] for factor in group["factors"]}
    member = api.headers("assessor", sub="expert-a")
    scores = _scores_within_bands(api, f"/api/v1/rounds/{round_id}/sheet", member, scores)
    check = ScopeCheck(api)
    for label, outsider in {
        "assessor not on the panel": api.headers("assessor", sub="expert-z"),
        "third party not on the panel": api.headers("third_party_assessor", sub="body-z"),
        "admin (not on the panel)": api.headers("admin", sub="admin-1"),
    }.items():
        check.expect(label, "PUT", f"/api/v1/rounds/{round_id}/sheet", outsider, 403, json_body={"scores": scores})
    check.expect("panel member", "PUT", f"/api/v1/rounds/{round_id}/sheet", member, 200, json_body={"scores": scores})
    unseen = check.expect(
        "assessor not on the panel",
        "GET",
        f"/api/v1/rounds/{round_id}/sheets",
        api.headers("assessor", sub="expert-z"),
        200,
    )
    if unseen.status_code == 200 and unseen.json() != []:
        check.failures.append("an assessor sees another assessor's sheet before publication")
    seen = check.expect("panel member", "GET", f"/api/v1/rounds/{round_id}/sheets", member, 200)
    if seen.status_code == 200 and [sheet["assessor_sub"] for sheet in seen.json()] != ["expert-a"]:
        check.failures.append(f"the panel member does not see exactly their own sheet: {seen.text[:200]}")
    check.verify()


def test_evaluation_provider_systems_act_for_their_own_provider(apis: dict[str, Api]) -> None:
    """A provider's own system (external_system, token `dept` = the provider's 统一社会信用代码) reports into and reads
    its own projects only: another provider's project and round answer 404 as unknown ids, a token naming no provider
    is refused."""
    api = apis["evaluation"]
    own_code, other_code = "91310114MA1GT1235B", "91310114MA1GT1237H"
    own = _evaluation_project(api, own_code)
    other_project = _evaluation_project(api, other_code)
    other_round = api.ok(
        api.call(
            "POST",
            f"/api/v1/projects/{other_project['id']}/rounds",
            api.headers("federation_admin"),
            json={
                "name": "2025 年度终期评估",
                "panel": [{"assessor_sub": "expert-b", "name": "周专家", "kind": "expert"}],
            },
        ),
        201,
    )
    system = api.headers("external_system", sub="provider-system", dept=own_code)
    article = {"title": "助残活动报道", "channel": "wechat", "published_on": "2025-06-01"}
    check = ScopeCheck(api)
    for label, method, url, body in (
        ("another provider's project", "GET", f"/api/v1/projects/{other_project['id']}", None),
        ("another provider's actuals", "GET", f"/api/v1/projects/{other_project['id']}/articles", None),
        ("report into another provider's project", "POST", f"/api/v1/projects/{other_project['id']}/articles", article),
        ("another provider's self-evaluation", "GET", f"/api/v1/rounds/{other_round['id']}/self-evaluation", None),
        ("another provider's results", "GET", f"/api/v1/rounds/{other_round['id']}/results", None),
    ):
        check.expect(label, method, url, system, 404, json_body=body)
    check.expect(
        "list naming another provider",
        "GET",
        "/api/v1/projects",
        system,
        403,
        params={"provider_id": other_project["provider_id"]},
    )
    check.expect("own project", "GET", f"/api/v1/projects/{own['id']}", system, 200)
    check.expect(
        "report into own project", "POST", f"/api/v1/projects/{own['id']}/articles", system, 201, json_body=article
    )
    listed = check.expect("own list", "GET", "/api/v1/projects", system, 200)
    if listed.status_code == 200 and [p["id"] for p in listed.json()] != [own["id"]]:
        check.failures.append(f"a provider's system lists other providers' projects: {listed.text[:200]}")
    nameless = api.headers("external_system", sub="provider-system")
    check.expect("token naming no provider", "GET", f"/api/v1/projects/{own['id']}", nameless, 403)
    unknown = api.headers("external_system", sub="provider-system", dept="91310114MA1GT1236E")
    unseen = check.expect("provider not registered here", "GET", "/api/v1/projects", unknown, 200)
    if unseen.status_code == 200 and unseen.json() != []:
        check.failures.append("a token naming an unregistered provider sees projects")
    check.verify()


# --- token attacks against a service configured for RS256 -----------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"


def _hs256_by_hand(claims: dict[str, Any], secret: bytes) -> str:
    """HS256 with any bytes as the secret: PyJWT refuses a PEM as an HMAC key, an attacker's library does not."""
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT"}, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("service", [service.name for service in SERVICES])
def test_forged_and_broken_tokens_get_401(service: str, rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    """Production verifies RS256 with the identity provider's public key. Every malformed or forged token is refused
    with 401 problem+json, whatever route it is sent to."""
    public_pem = (
        rsa_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    suite_service = next(item for item in SERVICES if item.name == service)
    settings = suite_service.settings_class()(
        database_url=f"sqlite:///{tmp_path}/{service}.db",
        kafka_enabled=False,
        schedulers_enabled=False,
        log_json=False,
        blob_dir=str(tmp_path / "blobs"),
        auth_rs256_public_key=public_pem,  # the built-in HS256 development secret is then not accepted
    )
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    good = {
        "sub": "attacker",
        "roles": ["admin"],
        "iss": settings.auth_issuer,
        "aud": settings.auth_audience,
        "iat": now,
        "exp": now + 600,
    }

    def rs256(claims: dict[str, Any], key: rsa.RSAPrivateKey = rsa_key, algorithm: str = "RS256") -> str:
        return jwt.encode(claims, key, algorithm=algorithm)

    without_sub = {name: value for name, value in good.items() if name != "sub"}
    without_exp = {name: value for name, value in good.items() if name != "exp"}
    attacks = {
        "wrong issuer": rs256({**good, "iss": "https://evil.example/idp"}),
        "wrong audience": rs256({**good, "aud": "another-suite"}),
        "alg none": _unsigned({"alg": "none", "typ": "JWT"}, good) + ".",
        "alg none with a signature": _unsigned({"alg": "none", "typ": "JWT"}, good) + "." + rs256(good).split(".")[2],
        "HS256 signed with the RS256 public key (HS/RS confusion)": _hs256_by_hand(good, public_pem.encode()),
        "HS256 signed with the public key as DER": _hs256_by_hand(
            good,
            rsa_key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        ),
        "HS256 with the built-in development secret": mint_token(settings, sub="attacker", roles=["admin"]),
        "RS256 signed by another key": rs256(good, other_key),
        "RS512 with the right key (algorithm not configured)": rs256(good, algorithm="RS512"),
        "expired": rs256({**good, "iat": now - 7200, "exp": now - 3600}),
        "not yet valid (nbf in the future)": rs256({**good, "nbf": now + 3600}),
        "missing sub": rs256(without_sub),
        "missing exp": rs256(without_exp),
        "roles not a list": rs256({**good, "roles": "admin"}),
        "roles with a role the suite does not know": rs256({**good, "roles": ["admin", "superuser"]}),
        "garbage": "not.a.jwt",
    }
    with TestClient(suite_service.build_app(settings), raise_server_exceptions=False) as client:
        api = Api(suite_service, client, settings)
        probes = [
            (method, path)
            for (method, path) in sorted(MATRIX.rules[service])
            if method == "GET" and "{" not in path and (method, path) in declared_routes(api)
        ]
        assert probes, f"{service}: no GET route without path parameters to probe"
        # Control: the genuine RS256 token passes on every probe (so the 401s below are about the token alone).
        genuine = {"Authorization": f"Bearer {rs256(good)}"}
        passed = [path for _method, path in probes if api.call("GET", path, genuine).status_code not in (401, 403)]
        assert passed, f"{service}: the genuine RS256 admin token was refused everywhere"
        wrong = []
        for label, token in attacks.items():
            for path in passed:
                response = api.call("GET", path, {"Authorization": f"Bearer {token}"})
                if not is_problem(response, 401):
                    wrong.append(f"{label}: GET {path} answered {response.status_code}")
        assert not wrong, f"{service} accepted forged or broken tokens:\n" + "\n".join(wrong)
