"""Every route of every service, except health, metrics and the API docs, rejects a missing, expired, wrongly-signed
or wrong-audience token with 401 and a token without the route's role with 403 (issue 2 §2f)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from jiading_shared.auth import Role, iter_routes, mint_token, route_is_protected
from jiading_shared.service import OPEN_PATHS
from jiading_shared.suite import SERVICES, SuiteService


def required_roles(dependant: Any) -> set[str]:
    roles: set[str] = set(getattr(dependant.call, "required_roles", ()) or ())
    for sub in dependant.dependencies:
        roles |= required_roles(sub)
    return roles


def concrete_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


@pytest.fixture(params=SERVICES, ids=lambda service: service.name)
def service_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SuiteService, TestClient, Any]]:
    service: SuiteService = request.param
    settings = service.settings_class()(
        database_url=f"sqlite:///{tmp_path}/{service.name}.db", kafka_enabled=False, schedulers_enabled=False
    )
    with TestClient(service.build_app(settings), raise_server_exceptions=False) as client:
        yield service, client, settings


def test_every_route_requires_a_valid_token_and_its_role(service_client: tuple[SuiteService, TestClient, Any]) -> None:
    service, client, settings = service_client
    routes = [route for route in iter_routes(client.app) if getattr(route, "methods", None)]
    checked = 0
    now = int(time.time())
    base_claims = {"sub": "t", "roles": ["admin"], "iss": settings.auth_issuer, "aud": settings.auth_audience}
    bad_tokens = {
        "missing": None,
        "expired": jwt.encode({**base_claims, "exp": now - 3600}, settings.auth_hs256_secret, algorithm="HS256"),
        "wrong signature": jwt.encode({**base_claims, "exp": now + 600}, "not-the-secret-" * 4, algorithm="HS256"),
        "wrong audience": jwt.encode(
            {**base_claims, "aud": "someone-else", "exp": now + 600}, settings.auth_hs256_secret, algorithm="HS256"
        ),
    }
    for route in routes:
        if route.path in OPEN_PATHS:
            continue
        assert route_is_protected(route), f"{service.name} {route.path} has no auth dependency"
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            url = concrete_path(route.path)
            for label, token in bad_tokens.items():
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = client.request(method, url, headers=headers, json={})
                assert response.status_code == 401, f"{service.name} {method} {route.path} with {label} token"
                assert response.headers["content-type"] == "application/problem+json"
            allowed = required_roles(route.dependant)
            if allowed:
                outsider = next(role for role in Role if role.value not in allowed and role.value != "admin")
                token = mint_token(settings, sub="outsider", roles=[outsider.value])
                response = client.request(method, url, headers={"Authorization": f"Bearer {token}"}, json={})
                assert response.status_code == 403, f"{service.name} {method} {route.path} as {outsider.value}"
            checked += 1
    assert checked >= 1, f"{service.name} exposes no protected route"


def test_open_paths_stay_open(service_client: tuple[SuiteService, TestClient, Any]) -> None:
    _service, client, _settings = service_client
    for path in ("/healthz", "/metrics", "/openapi.json", "/docs"):
        assert client.get(path).status_code == 200, path
