"""Bearer JWT authentication, role checks, scope helpers and the local token command."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, Any, ClassVar

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from jiading_shared.auth import (
    DISTRICT_WIDE_ROLES,
    ROLE_LABELS,
    AuthenticationError,
    Authenticator,
    CurrentPrincipal,
    Principal,
    Role,
    current_principal,
    ensure_dept,
    ensure_grid,
    ensure_town,
    iter_routes,
    mint_token,
    require_roles,
    route_is_protected,
)
from jiading_shared.settings import DEV_JWT_SECRET, ServiceSettings

SECRET = "test-secret-0123456789abcdef-0123456789abcdef"
ISSUER = "test-idp"
AUDIENCE = "test-suite"
VENV_PYTHON = "/work/main/.venv/bin/python"


# --- helpers ------------------------------------------------------------------------------------------------------


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "alice",
        "name": "Alice",
        "roles": ["dispatcher"],
        "town": "jd-anting",
        "grids": ["g1", "g2"],
        "dept": "police-anting",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def hs_token(secret: str = SECRET, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_app(authenticator: Authenticator) -> FastAPI:
    app = FastAPI()
    app.state.authenticator = authenticator

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return principal.model_dump(mode="json")

    @app.get("/dispatch")
    async def dispatch(principal: Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]) -> dict[str, str]:
        return {"sub": principal.sub}

    @app.get("/towns/{town}")
    async def town_view(town: str, principal: CurrentPrincipal) -> dict[str, str]:
        ensure_town(principal, town)
        return {"town": town}

    @app.get("/state", dependencies=[Depends(require_roles("dispatcher", "commander"))])
    async def state_view() -> dict[str, str]:
        return {"ok": "yes"}

    return app


@pytest.fixture
def hs_auth() -> Authenticator:
    return Authenticator(issuer=ISSUER, audience=AUDIENCE, hs256_secret=SECRET, leeway_seconds=0)


@pytest.fixture
def client(hs_auth: Authenticator) -> TestClient:
    return TestClient(make_app(hs_auth))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def public_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return (
        rsa_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rs_token(key: rsa.RSAPrivateKey, kid: str | None = None, **overrides: Any) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(**overrides), key, algorithm="RS256", headers=headers)


def assert_401(response: Any, reason: str | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="jiading"')
    if reason is not None:
        assert response.json()["detail"] == reason


# --- HS256 and the 401 cases --------------------------------------------------------------------------------------


def test_valid_token_gives_principal(client: TestClient) -> None:
    response = client.get("/me", headers=bearer(hs_token()))
    assert response.status_code == 200
    body = response.json()
    assert body["sub"] == "alice"
    assert body["name"] == "Alice"
    assert body["roles"] == ["dispatcher"]
    assert body["town"] == "jd-anting"
    assert body["grids"] == ["g1", "g2"]
    assert body["dept"] == "police-anting"


def test_principal_is_stored_on_request_state(hs_auth: Authenticator) -> None:
    app = make_app(hs_auth)
    seen: list[Principal] = []

    @app.middleware("http")
    async def capture(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        principal = getattr(request.state, "principal", None)
        if principal is not None:
            seen.append(principal)
        return response

    assert TestClient(app).get("/me", headers=bearer(hs_token())).status_code == 200
    assert [p.sub for p in seen] == ["alice"]


def test_missing_token_401_with_challenge(client: TestClient) -> None:
    response = client.get("/dispatch")
    assert_401(response, "missing token")
    # RFC 6750: no error code when no credentials were sent
    assert "error=" not in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "header",
    ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer ", "Bearer a b", "Token abc"],
)
def test_malformed_authorization_header_401(client: TestClient, header: str) -> None:
    response = client.get("/dispatch", headers={"Authorization": header})
    assert_401(response, "malformed authorization header")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_garbage_token_401(client: TestClient) -> None:
    assert_401(client.get("/dispatch", headers=bearer("not-a-jwt")), "malformed token")


def test_expired_token_401(client: TestClient) -> None:
    past = int(time.time()) - 3600
    assert_401(client.get("/dispatch", headers=bearer(hs_token(iat=past - 60, exp=past))), "token expired")


def test_leeway_accepts_slightly_expired_token() -> None:
    auth = Authenticator(issuer=ISSUER, audience=AUDIENCE, hs256_secret=SECRET, leeway_seconds=60)
    token = hs_token(exp=int(time.time()) - 10)
    assert auth.authenticate(token).sub == "alice"


def test_wrong_secret_401(client: TestClient) -> None:
    token = hs_token(secret="another-secret-0123456789abcdef-0123456789")
    assert_401(client.get("/dispatch", headers=bearer(token)), "invalid signature")


def test_wrong_audience_401(client: TestClient) -> None:
    assert_401(client.get("/dispatch", headers=bearer(hs_token(aud="other-suite"))), "wrong audience")


def test_audience_list_containing_ours_accepted(client: TestClient) -> None:
    token = hs_token(aud=["other-suite", AUDIENCE])
    assert client.get("/dispatch", headers=bearer(token)).status_code == 200


def test_wrong_issuer_401(client: TestClient) -> None:
    assert_401(client.get("/dispatch", headers=bearer(hs_token(iss="evil-idp"))), "wrong issuer")


@pytest.mark.parametrize("claim", ["exp", "iss", "aud", "sub"])
def test_missing_required_claim_401(client: TestClient, claim: str) -> None:
    token = hs_token(**{claim: None})
    assert_401(client.get("/dispatch", headers=bearer(token)), f"missing claim: {claim}")


def test_not_yet_valid_token_401(client: TestClient) -> None:
    token = hs_token(nbf=int(time.time()) + 3600)
    assert_401(client.get("/dispatch", headers=bearer(token)), "token not yet valid")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_401(client: TestClient) -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims())}."
    assert_401(client.get("/dispatch", headers=bearer(unsigned)), "algorithm not allowed")
    # The same with the signature of a valid token appended.
    signature = hs_token().rsplit(".", 1)[1]
    assert_401(client.get("/dispatch", headers=bearer(unsigned + signature)), "algorithm not allowed")


def test_other_hmac_algorithm_401(client: TestClient) -> None:
    token = jwt.encode(claims(), SECRET * 2, algorithm="HS512")
    assert_401(client.get("/dispatch", headers=bearer(token)), "algorithm not allowed")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"roles": "dispatcher"}, "invalid claim: roles"),
        ({"roles": ["dispatcher", "root"]}, "invalid claim: roles"),  # a role the suite does not know
        ({"grids": [1, 2]}, "invalid claim: grids"),
    ],
)
def test_malformed_custom_claims_401(client: TestClient, overrides: dict[str, Any], reason: str) -> None:
    assert_401(client.get("/dispatch", headers=bearer(hs_token(**overrides))), reason)


def test_missing_optional_claims_defaults(hs_auth: Authenticator) -> None:
    principal = hs_auth.authenticate(hs_token(name=None, town=None, grids=None, dept=None, roles=None))
    assert principal == Principal(sub="alice", name="alice")
    assert principal.roles == frozenset()
    assert principal.town is None
    assert principal.grids == ()


def test_authenticate_raises_reason(hs_auth: Authenticator) -> None:
    with pytest.raises(AuthenticationError) as excinfo:
        hs_auth.authenticate("")
    assert excinfo.value.reason == "missing token"


def test_unconfigured_app_fails_closed() -> None:
    app = make_app(Authenticator(issuer=ISSUER, audience=AUDIENCE, hs256_secret=SECRET))
    del app.state.authenticator
    response = TestClient(app).get("/me", headers=bearer(hs_token()))
    assert response.status_code == 503


def test_open_route_needs_no_token(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200


# --- roles ----------------------------------------------------------------------------------------------------------


def test_token_without_role_403(client: TestClient) -> None:
    response = client.get("/dispatch", headers=bearer(hs_token(roles=["collector"])))
    assert response.status_code == 403
    assert response.json()["detail"] == "requires one of roles: dispatcher"


def test_any_of_several_roles_passes(client: TestClient) -> None:
    assert client.get("/state", headers=bearer(hs_token(roles=["commander"]))).status_code == 200
    assert client.get("/state", headers=bearer(hs_token(roles=["collector"]))).status_code == 403
    assert_401(client.get("/state"))


def test_admin_passes_every_role_check(client: TestClient) -> None:
    token = hs_token(roles=["admin"], town=None, grids=None, dept=None)
    assert client.get("/dispatch", headers=bearer(token)).status_code == 200
    assert client.get("/state", headers=bearer(token)).status_code == 200
    assert client.get("/towns/jd-nanxiang", headers=bearer(token)).status_code == 200


def test_require_roles_rejects_unknown_or_no_role() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        require_roles("dispacher")
    with pytest.raises(ValueError, match="at least one role"):
        require_roles()


def test_principal_role_helpers() -> None:
    p = Principal(sub="a", name="A", roles=frozenset({"dispatcher"}))
    assert p.has_role("collector", "dispatcher")
    assert not p.has_role("commander")
    assert not p.is_admin
    admin = Principal(sub="b", name="B", roles=frozenset({"admin"}))
    assert admin.is_admin
    assert not admin.has_role("dispatcher")
    assert admin.satisfies("dispatcher")
    with pytest.raises(Exception, match="frozen"):
        p.sub = "x"  # type: ignore[misc]


def test_role_enum_matches_glossary() -> None:
    assert {role.value for role in Role} == {
        "collector",
        "community_police",
        "dispatcher",
        "commander",
        "operations_patrol",
        "duty_officer",
        "assistant",
        "service_office_admin",
        "facility_staff",
        "culture_bureau",
        "federation_admin",
        "assessor",
        "third_party_assessor",
        "external_system",
        "admin",
    }
    assert set(ROLE_LABELS) == set(Role)
    assert ROLE_LABELS[Role.COLLECTOR] == "社区综合协管员"
    assert Role.COMMANDER in DISTRICT_WIDE_ROLES


# --- scope helpers --------------------------------------------------------------------------------------------------


def _forbidden(fn: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        fn(*args, **kwargs)
    except HTTPException as exc:
        if exc.status_code != 403:
            raise
        return True
    return False


def test_scope_helpers_town_grid_dept() -> None:
    p = Principal(
        sub="a", name="A", roles=frozenset({"dispatcher"}), town="jd-anting", grids=("g1", "g2"), dept="police-anting"
    )
    assert not _forbidden(ensure_town, p, "jd-anting")
    assert _forbidden(ensure_town, p, "jd-nanxiang")
    assert _forbidden(ensure_town, p, None)
    assert not _forbidden(ensure_grid, p, "g2")
    assert _forbidden(ensure_grid, p, "g9")
    # a grid-restricted principal does not get the whole town
    assert _forbidden(ensure_grid, p, "g9", town_code="jd-anting")
    assert not _forbidden(ensure_dept, p, "police-anting")
    assert _forbidden(ensure_dept, p, "police-nanxiang")


def test_town_level_principal_covers_grids_of_its_town() -> None:
    p = Principal(sub="a", name="A", roles=frozenset({"dispatcher"}), town="jd-anting")
    assert not _forbidden(ensure_grid, p, "g9", town_code="jd-anting")
    assert _forbidden(ensure_grid, p, "g9", town_code="jd-nanxiang")
    assert _forbidden(ensure_grid, p, "g9")


def test_district_wide_and_admin_pass_scope_checks() -> None:
    commander = Principal(sub="c", name="C", roles=frozenset({"commander"}))
    admin = Principal(sub="d", name="D", roles=frozenset({"admin"}), town="jd-anting")
    for principal in (commander, admin):
        assert not _forbidden(ensure_town, principal, "jd-nanxiang")
        assert not _forbidden(ensure_grid, principal, "g9")
        assert not _forbidden(ensure_dept, principal, "market-01")
    # a commander with a town claim is a town commander
    town_commander = Principal(sub="e", name="E", roles=frozenset({"commander"}), town="jd-anting")
    assert _forbidden(ensure_town, town_commander, "jd-nanxiang")
    # a role outside DISTRICT_WIDE_ROLES without a town sees nothing
    collector = Principal(sub="f", name="F", roles=frozenset({"collector"}))
    assert _forbidden(ensure_town, collector, "jd-anting")
    # configurable per call
    assert not _forbidden(ensure_town, collector, "jd-anting", district_wide_roles={"collector"})


def test_scope_check_through_http(client: TestClient) -> None:
    assert client.get("/towns/jd-anting", headers=bearer(hs_token())).status_code == 200
    response = client.get("/towns/jd-nanxiang", headers=bearer(hs_token()))
    assert response.status_code == 403
    assert "jd-nanxiang" in response.json()["detail"]


# --- route_is_protected ---------------------------------------------------------------------------------------------


def test_route_is_protected(hs_auth: Authenticator) -> None:
    app = make_app(hs_auth)
    protected = {route.path: route_is_protected(route) for route in app.routes if isinstance(route, APIRoute)}
    assert protected == {"/healthz": False, "/me": True, "/dispatch": True, "/towns/{town}": True, "/state": True}
    docs = [route for route in app.routes if getattr(route, "path", "") == "/docs"]
    assert docs
    assert not route_is_protected(docs[0])


def test_included_routers_are_enumerated_with_their_dependencies(hs_auth: Authenticator) -> None:
    guarded = APIRouter(dependencies=[Depends(require_roles("collector"))])

    @guarded.get("/visits")
    async def visits() -> list[str]:
        return []

    plain = APIRouter()

    @plain.get("/open")
    async def open_route() -> list[str]:
        return []

    app = FastAPI()
    app.state.authenticator = hs_auth
    app.include_router(guarded)
    app.include_router(plain, prefix="/x")
    app.include_router(plain, prefix="/v1", dependencies=[Depends(current_principal)])
    table = {route.path: route_is_protected(route) for route in iter_routes(app)}
    assert table == {
        "/openapi.json": False,
        "/docs": False,
        "/docs/oauth2-redirect": False,
        "/redoc": False,
        "/visits": True,
        "/x/open": False,
        "/v1/open": True,
    }
    included = [route for route in app.routes if getattr(route, "original_router", None) is guarded]
    assert [route_is_protected(route) for route in included] == [True]

    client = TestClient(app)
    assert_401(client.get("/visits"))
    assert client.get("/visits", headers=bearer(hs_token(roles=["collector"]))).status_code == 200
    assert client.get("/x/open").status_code == 200
    assert_401(client.get("/v1/open"))


# --- RS256 ----------------------------------------------------------------------------------------------------------


def test_rs256_with_public_key(rsa_key: rsa.RSAPrivateKey, public_pem: str) -> None:
    auth = Authenticator(issuer=ISSUER, audience=AUDIENCE, rs256_public_key=public_pem)
    assert auth.algorithms == ("RS256",)
    client = TestClient(make_app(auth))
    assert client.get("/dispatch", headers=bearer(rs_token(rsa_key))).json() == {"sub": "alice"}
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_401(client.get("/dispatch", headers=bearer(rs_token(other))), "invalid signature")
    assert_401(client.get("/dispatch", headers=bearer(rs_token(rsa_key, aud="x"))), "wrong audience")


def test_rs256_public_key_with_escaped_newlines(rsa_key: rsa.RSAPrivateKey, public_pem: str) -> None:
    auth = Authenticator(issuer=ISSUER, audience=AUDIENCE, rs256_public_key=public_pem.replace("\n", "\\n"))
    assert auth.authenticate(rs_token(rsa_key)).sub == "alice"


def test_rs256_only_rejects_hs256_tokens(public_pem: str) -> None:
    auth = Authenticator(issuer=ISSUER, audience=AUDIENCE, rs256_public_key=public_pem)
    client = TestClient(make_app(auth))
    # key-confusion attack: HS256 with the public key PEM as the HMAC secret
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims())}"
    signature = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    confused = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert_401(client.get("/dispatch", headers=bearer(confused)), "algorithm not allowed")
    assert_401(client.get("/dispatch", headers=bearer(hs_token())), "algorithm not allowed")


def test_from_settings_drops_dev_secret_when_rs256_configured(rsa_key: rsa.RSAPrivateKey, public_pem: str) -> None:
    settings = ServiceSettings(auth_rs256_public_key=public_pem, auth_issuer=ISSUER, auth_audience=AUDIENCE)
    assert settings.auth_hs256_secret == DEV_JWT_SECRET
    auth = Authenticator.from_settings(settings)
    assert auth.algorithms == ("RS256",)
    with pytest.raises(AuthenticationError, match="algorithm not allowed"):
        auth.authenticate(hs_token(secret=DEV_JWT_SECRET))
    assert auth.authenticate(rs_token(rsa_key)).sub == "alice"


def test_from_settings_explicit_secret_and_rs256(rsa_key: rsa.RSAPrivateKey, public_pem: str) -> None:
    settings = ServiceSettings(
        auth_hs256_secret=SECRET, auth_rs256_public_key=public_pem, auth_issuer=ISSUER, auth_audience=AUDIENCE
    )
    auth = Authenticator.from_settings(settings)
    assert auth.algorithms == ("HS256", "RS256")
    assert auth.authenticate(hs_token()).sub == "alice"
    assert auth.authenticate(rs_token(rsa_key)).sub == "alice"


def test_from_settings_defaults_are_hs256_dev() -> None:
    settings = ServiceSettings()
    auth = Authenticator.from_settings(settings)
    assert auth.algorithms == ("HS256",)
    token = mint_token(settings, sub="bob", roles=["collector"], town="jd-anting", grids=["g1"])
    principal = auth.authenticate(token)
    assert principal.sub == "bob"
    assert principal.roles == frozenset({"collector"})
    assert principal.grids == ("g1",)
    assert principal.dept is None


def test_no_key_configured_is_an_error() -> None:
    with pytest.raises(ValueError, match="no token verification key"):
        Authenticator(issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(ValueError, match="no token verification key"):
        Authenticator.from_settings(ServiceSettings(auth_hs256_secret=""))


# --- JWKS -----------------------------------------------------------------------------------------------------------


class _JWKSHandler(BaseHTTPRequestHandler):
    jwks: ClassVar[dict[str, Any]] = {}
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = json.dumps(type(self).jwks).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_server(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True)
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    _JWKSHandler.jwks = {"keys": [jwk]}
    _JWKSHandler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JWKSHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_jwks_happy_path_and_cache(rsa_key: rsa.RSAPrivateKey, jwks_server: str) -> None:
    settings = ServiceSettings(auth_jwks_url=jwks_server, auth_issuer=ISSUER, auth_audience=AUDIENCE)
    auth = Authenticator.from_settings(settings)
    assert auth.algorithms == ("RS256",)
    assert auth.may_block
    client = TestClient(make_app(auth))
    for _ in range(3):
        assert client.get("/dispatch", headers=bearer(rs_token(rsa_key, kid="k1"))).json() == {"sub": "alice"}
    assert _JWKSHandler.hits == ["/.well-known/jwks.json"]  # fetched once, then cached
    assert_401(client.get("/dispatch", headers=bearer(hs_token(secret=DEV_JWT_SECRET))), "algorithm not allowed")


def test_jwks_unknown_kid_and_missing_kid(rsa_key: rsa.RSAPrivateKey, jwks_server: str) -> None:
    auth = Authenticator(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_server)
    client = TestClient(make_app(auth))
    assert_401(client.get("/dispatch", headers=bearer(rs_token(rsa_key, kid="nope"))), "unknown signing key")
    assert_401(client.get("/dispatch", headers=bearer(rs_token(rsa_key))), "token has no key id")
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_401(client.get("/dispatch", headers=bearer(rs_token(other, kid="k1"))), "invalid signature")


def test_jwks_unreachable_is_503() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    auth = Authenticator(issuer=ISSUER, audience=AUDIENCE, jwks_url=f"http://127.0.0.1:{port}/jwks.json")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = TestClient(make_app(auth)).get("/dispatch", headers=bearer(rs_token(key, kid="k1")))
    assert response.status_code == 503
    assert response.json()["detail"] == "signing keys unavailable"


# --- mint_token and the token command ---------------------------------------------------------------------------------


def test_mint_token_with_secret(hs_auth: Authenticator) -> None:
    token = mint_token(
        SECRET,
        sub="carol",
        roles=[Role.DUTY_OFFICER],
        name="卡罗尔",
        dept="market-01",
        issuer=ISSUER,
        audience=AUDIENCE,
    )
    principal = hs_auth.authenticate(token)
    assert principal == Principal(
        sub="carol", name="卡罗尔", roles=frozenset({"duty_officer"}), town=None, grids=(), dept="market-01"
    )
    expired = mint_token(SECRET, sub="carol", roles=["collector"], ttl_seconds=-60, issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(AuthenticationError, match="token expired"):
        hs_auth.authenticate(expired)


def _run_token_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIADING_")}
    env.update({"JIADING_AUTH_HS256_SECRET": SECRET, "JIADING_AUTH_ISSUER": ISSUER, "JIADING_AUTH_AUDIENCE": AUDIENCE})
    python = VENV_PYTHON if os.path.exists(VENV_PYTHON) else sys.executable
    return subprocess.run(
        [python, "-m", "jiading_shared.devtools.token", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_token_cli_prints_a_valid_token(hs_auth: Authenticator) -> None:
    result = _run_token_cli(
        "--role", "dispatcher,commander", "--town", "jd-anting", "--grids", "g1, g2", "--dept", "police-anting",
        "--sub", "alice", "--name", "Alice",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    principal = hs_auth.authenticate(lines[0])
    assert principal == Principal(
        sub="alice",
        name="Alice",
        roles=frozenset({"dispatcher", "commander"}),
        town="jd-anting",
        grids=("g1", "g2"),
        dept="police-anting",
    )


def test_token_cli_empty_strings_mean_unset(hs_auth: Authenticator) -> None:
    result = _run_token_cli("--role", "commander", "--town", "", "--grids", "", "--dept", "")
    assert result.returncode == 0, result.stderr
    principal = hs_auth.authenticate(result.stdout.strip())
    assert principal.town is None
    assert principal.grids == ()
    assert principal.dept is None
    assert principal.sub == "dev-commander"
    assert principal.is_district_wide()


def test_token_cli_rejects_unknown_role() -> None:
    result = _run_token_cli("--role", "dispatcher,overlord", "--town", "")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown role(s): overlord" in result.stderr


def test_token_cli_requires_a_role() -> None:
    result = _run_token_cli("--role", "")
    assert result.returncode == 2
    assert "--role is required" in result.stderr
