"""Bearer-token authentication and role/scope authorisation shared by every service.

Tokens are JWTs carrying `sub`, `name`, `roles` (list), `town` (街镇 code), `grids` (list), `dept`, `iss`, `aud` and
`exp`. Local runs sign them with an HS256 secret (`make token ...`); production verifies RS256 signatures with a PEM
public key or the identity provider's JWKS URL.

Key and algorithm are always paired by configuration, never chosen by the token: an HS256 token is checked only against
the configured secret, an RS256 token only against the configured public key / JWKS, and `none` is never accepted. When
an RS256 key or JWKS URL is configured the built-in development secret is ignored, so a production deployment that
forgot to blank `AUTH_HS256_SECRET` does not accept tokens anyone can mint from the repository; an explicitly set secret
keeps working alongside RS256.

FastAPI usage (the app factory puts an `Authenticator` on `app.state.authenticator`)::

    @router.get("/incidents")
    async def list_incidents(principal: Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]): ...

    @router.get("/towns/{town}/stats")
    async def stats(town: str, principal: CurrentPrincipal):
        ensure_town(principal, town)
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import fastapi.routing
import jwt
from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from jiading_shared.logging import user_var
from jiading_shared.settings import DEV_JWT_SECRET, ServiceSettings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

logger = logging.getLogger(__name__)

__all__ = [
    "DISTRICT_WIDE_ROLES",
    "ROLE_LABELS",
    "AuthenticationError",
    "AuthenticationUnavailable",
    "Authenticator",
    "CurrentPrincipal",
    "Principal",
    "Role",
    "current_principal",
    "dept_in_scope",
    "ensure_dept",
    "ensure_grid",
    "ensure_town",
    "grid_in_scope",
    "iter_routes",
    "mint_token",
    "require_roles",
    "route_is_protected",
    "town_in_scope",
]

REALM = "jiading"
HS256 = "HS256"
RS256 = "RS256"
REQUIRED_CLAIMS = ("exp", "iss", "aud", "sub")


class Role(StrEnum):
    """Roles carried in the JWT `roles` claim (see the glossary)."""

    COLLECTOR = "collector"  # 社区综合协管员
    COMMUNITY_POLICE = "community_police"  # 社区民警
    DISPATCHER = "dispatcher"  # 城运中心信息指挥员
    COMMANDER = "commander"  # 指挥协调管理人员
    OPERATIONS_PATROL = "operations_patrol"  # 城运队员
    DUTY_OFFICER = "duty_officer"  # 参勤人员 (部门)
    ASSISTANT = "assistant"  # 帮办人员
    SERVICE_OFFICE_ADMIN = "service_office_admin"  # 区政务服务办公室
    FACILITY_STAFF = "facility_staff"  # 图书馆（室）工作人员
    CULTURE_BUREAU = "culture_bureau"  # 文化和旅游局
    FEDERATION_ADMIN = "federation_admin"  # 残联
    ASSESSOR = "assessor"  # 评估专家
    THIRD_PARTY_ASSESSOR = "third_party_assessor"  # 第三方评估机构
    EXTERNAL_SYSTEM = "external_system"  # 外部系统
    ADMIN = "admin"  # 管理员


_ROLE_VALUES: frozenset[str] = frozenset(role.value for role in Role)

# Labels shown to officials keep the Chinese term.
ROLE_LABELS: dict[Role, str] = {
    Role.COLLECTOR: "社区综合协管员",
    Role.COMMUNITY_POLICE: "社区民警",
    Role.DISPATCHER: "城运中心信息指挥员",
    Role.COMMANDER: "指挥协调管理人员",
    Role.OPERATIONS_PATROL: "城运队员",
    Role.DUTY_OFFICER: "参勤人员",
    Role.ASSISTANT: "帮办人员",
    Role.SERVICE_OFFICE_ADMIN: "区政务服务办公室",
    Role.FACILITY_STAFF: "图书馆（室）工作人员",
    Role.CULTURE_BUREAU: "文化和旅游局",
    Role.FEDERATION_ADMIN: "残联",
    Role.ASSESSOR: "评估专家",
    Role.THIRD_PARTY_ASSESSOR: "第三方评估机构",
    Role.EXTERNAL_SYSTEM: "外部系统",
    Role.ADMIN: "管理员",
}

# Roles that see the whole district when the token carries no `town`. A commander with a `town` claim is a town
# commander and stays scoped to that town. The scope helpers take `district_wide_roles=` to override per call.
DISTRICT_WIDE_ROLES: frozenset[str] = frozenset(
    {Role.COMMANDER, Role.CULTURE_BUREAU, Role.FEDERATION_ADMIN, Role.SERVICE_OFFICE_ADMIN}
)


# --- principal ----------------------------------------------------------------------------------------------------


class Principal(BaseModel):
    """The authenticated caller, built from verified token claims."""

    model_config = ConfigDict(frozen=True)

    sub: str
    name: str
    roles: frozenset[str] = frozenset()
    town: str | None = None
    grids: tuple[str, ...] = ()
    dept: str | None = None

    def has_role(self, *roles: str) -> bool:
        """True when the principal literally holds one of `roles` (admin gets no special treatment here)."""
        return any(role in self.roles for role in roles)

    def satisfies(self, *roles: str) -> bool:
        """The role check used by `require_roles`: holds one of `roles`, or is admin."""
        return self.is_admin or self.has_role(*roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def is_district_wide(self, district_wide_roles: Iterable[str] = DISTRICT_WIDE_ROLES) -> bool:
        """Admin, or no `town` claim and a district-wide role."""
        if self.is_admin:
            return True
        return self.town is None and any(role in self.roles for role in district_wide_roles)


# --- token verification -------------------------------------------------------------------------------------------


class AuthenticationError(Exception):
    """The request carries no acceptable token. `reason` is safe to show to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AuthenticationUnavailable(AuthenticationError):
    """The token could not be checked because the signing keys could not be fetched (JWKS endpoint down)."""


def _load_rsa_public_key(pem: str) -> RSAPublicKey:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    # Environment variables often carry the PEM with literal "\n" sequences.
    text = pem.strip().replace("\\n", "\n")
    key = load_pem_public_key(text.encode())
    if not isinstance(key, RSAPublicKey):
        raise ValueError("auth_rs256_public_key is not an RSA public key")
    return key


def _str_claim(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise AuthenticationError(f"invalid claim: {name}")
    return value


def _list_claim(claims: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = claims.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AuthenticationError(f"invalid claim: {name}")
    return tuple(item for item in value if item)


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Build a Principal from already-verified claims; raises AuthenticationError on malformed custom claims."""
    sub = _str_claim(claims, "sub")
    if sub is None:
        raise AuthenticationError("missing claim: sub")
    roles = frozenset(_list_claim(claims, "roles"))
    if not roles <= _ROLE_VALUES:
        # A role this suite does not know means a misconfigured identity provider: refuse the token rather than
        # guess. The role itself is not echoed, since the reason goes into the WWW-Authenticate header.
        raise AuthenticationError("invalid claim: roles")
    return Principal(
        sub=sub,
        name=_str_claim(claims, "name") or sub,
        roles=roles,
        town=_str_claim(claims, "town"),
        grids=_list_claim(claims, "grids"),
        dept=_str_claim(claims, "dept"),
    )


_ERROR_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    # Order matters: subclasses before their bases.
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.InvalidSignatureError, "invalid signature"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.InvalidKeyError, "invalid signature"),
    (jwt.DecodeError, "malformed token"),
)


def _reason_for(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"missing claim: {exc.claim}"
    for exc_type, reason in _ERROR_REASONS:
        if isinstance(exc, exc_type):
            return reason
    return "invalid token"


class Authenticator:
    """Verifies bearer JWTs. Accepts exactly the configured algorithms: HS256 (secret) and/or RS256 (PEM or JWKS)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        hs256_secret: str | None = None,
        rs256_public_key: str | None = None,
        jwks_url: str | None = None,
        leeway_seconds: float = 30,
        jwks_client: jwt.PyJWKClient | None = None,
        jwks_cache_seconds: float = 300,
        jwks_timeout_seconds: float = 5,
    ) -> None:
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        self.issuer = issuer
        self.audience = audience
        self.leeway_seconds = leeway_seconds
        self._hs256_secret = hs256_secret or None
        self._rs256_key = _load_rsa_public_key(rs256_public_key) if rs256_public_key else None
        if jwks_client is None and jwks_url:
            jwks_client = jwt.PyJWKClient(
                jwks_url,
                cache_jwk_set=True,
                lifespan=jwks_cache_seconds,
                timeout=jwks_timeout_seconds,
                headers={"User-Agent": "jiading-suite"},
            )
        self._jwks_client = jwks_client
        algorithms: list[str] = []
        if self._hs256_secret:
            algorithms.append(HS256)
        if self._rs256_key is not None or self._jwks_client is not None:
            algorithms.append(RS256)
        if not algorithms:
            raise ValueError("no token verification key configured (HS256 secret, RS256 public key or JWKS URL)")
        self.algorithms: tuple[str, ...] = tuple(algorithms)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Authenticator:
        has_rs256 = bool(settings.auth_rs256_public_key or settings.auth_jwks_url)
        secret: str | None = settings.auth_hs256_secret or None
        if has_rs256 and secret == DEV_JWT_SECRET:
            logger.info("RS256 configured: the built-in development HS256 secret is not accepted")
            secret = None
        return cls(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            hs256_secret=secret,
            rs256_public_key=settings.auth_rs256_public_key or None,
            jwks_url=settings.auth_jwks_url or None,
            leeway_seconds=settings.auth_leeway_seconds,
        )

    @property
    def may_block(self) -> bool:
        """True when `authenticate` can do network I/O (JWKS fetch); callers in async code use a thread."""
        return self._jwks_client is not None

    def _rs256_key_for(self, header: Mapping[str, Any]) -> Any:
        kid = header.get("kid")
        if self._jwks_client is not None and (kid or self._rs256_key is None):
            if not kid or not isinstance(kid, str):
                raise AuthenticationError("token has no key id")
            try:
                return self._jwks_client.get_signing_key(kid)
            except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError) as exc:
                logger.warning("JWKS fetch failed: %s", exc)
                raise AuthenticationUnavailable("signing keys unavailable") from exc
            except jwt.PyJWKClientError as exc:
                raise AuthenticationError("unknown signing key") from exc
        return self._rs256_key

    def authenticate(self, token: str) -> Principal:
        """Verify `token` and return its Principal; raises AuthenticationError with a caller-safe reason."""
        if not token:
            raise AuthenticationError("missing token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError("malformed token") from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise AuthenticationError("algorithm not allowed")
        # The key is fixed by the (configured) algorithm, and only that algorithm is allowed for it.
        key: Any = self._hs256_secret if alg == HS256 else self._rs256_key_for(header)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(_reason_for(exc)) from exc
        return principal_from_claims(claims)


def mint_token(
    settings_or_secret: ServiceSettings | str,
    *,
    sub: str,
    roles: Iterable[str],
    name: str | None = None,
    town: str | None = None,
    grids: Iterable[str] = (),
    dept: str | None = None,
    ttl_seconds: int = 3600 * 8,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """Sign a local HS256 token. Issuer and audience default to the settings (or the settings defaults)."""
    if isinstance(settings_or_secret, str):
        secret = settings_or_secret
        issuer = issuer or ServiceSettings.model_fields["auth_issuer"].default
        audience = audience or ServiceSettings.model_fields["auth_audience"].default
    else:
        secret = settings_or_secret.auth_hs256_secret
        issuer = issuer or settings_or_secret.auth_issuer
        audience = audience or settings_or_secret.auth_audience
    if not secret:
        raise ValueError("no HS256 secret to sign with")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name or sub,
        "roles": [str(role) for role in roles],
        "grids": [str(grid) for grid in grids],
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if town:
        claims["town"] = town
    if dept:
        claims["dept"] = dept
    return jwt.encode(claims, secret, algorithm=HS256)


# --- FastAPI dependencies -----------------------------------------------------------------------------------------


def _unauthorized(reason: str, *, with_error: bool = True) -> HTTPException:
    # RFC 6750 §3.1: no error code when the request carried no credentials at all.
    challenge = f'Bearer realm="{REALM}"'
    if with_error:
        challenge += f', error="invalid_token", error_description="{reason}"'
    return HTTPException(status_code=401, detail=reason, headers={"WWW-Authenticate": challenge})


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("missing token", with_error=False)
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise _unauthorized("malformed authorization header")
    return token


async def current_principal(request: Request) -> Principal:
    """Dependency: the verified caller. 401 for a missing/invalid token; stores it on `request.state.principal`."""
    authenticator: Authenticator | None = getattr(request.app.state, "authenticator", None)
    if authenticator is None:
        logger.error("app.state.authenticator is not set; refusing the request")
        raise HTTPException(status_code=503, detail="authentication not configured")
    token = _bearer_token(request)
    try:
        if authenticator.may_block:
            principal = await run_in_threadpool(authenticator.authenticate, token)
        else:
            principal = authenticator.authenticate(token)
    except AuthenticationUnavailable as exc:
        raise HTTPException(status_code=503, detail=exc.reason, headers={"Retry-After": "5"}) from exc
    except AuthenticationError as exc:
        logger.debug("rejected bearer token: %s", exc.reason)
        raise _unauthorized(exc.reason) from exc
    request.state.principal = principal
    user_var.set(principal.sub)  # log lines of this request name the user
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller must hold one of `roles` (admin always passes), else 403."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    unknown = [str(role) for role in roles if str(role) not in _ROLE_VALUES]
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(unknown)}")
    wanted = tuple(str(role) for role in roles)

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.satisfies(*wanted):
            return principal
        raise HTTPException(status_code=403, detail=f"requires one of roles: {', '.join(wanted)}")

    dependency.__name__ = f"require_roles_{'_'.join(wanted)}"
    dependency.__qualname__ = dependency.__name__
    dependency.required_roles = wanted  # type: ignore[attr-defined]
    return dependency


def iter_routes(app_or_routes: Any) -> Iterator[Any]:
    """Every route of an app/router (or a list of routes), with included routers expanded.

    FastAPI 0.163 keeps `include_router` routers as lazy `_IncludedRouter` entries in `app.routes`; the yielded
    `fastapi.routing.RouteContext` objects have `path`, `methods`, `endpoint` and the effective `dependant`, which
    includes the router- and include-level dependencies. Use with `route_is_protected`.
    """
    routes = getattr(app_or_routes, "routes", app_or_routes)
    iter_contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if iter_contexts is None:  # older FastAPI: included routes are already flattened
        yield from routes
        return
    yield from iter_contexts(list(routes))


def route_is_protected(route: Any) -> bool:
    """True when the route's dependency tree (router/app dependencies included) contains `current_principal`.

    Accepts an `APIRoute`, a `RouteContext` from `iter_routes`, or an included router (then: all its routes are).
    """
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        if getattr(route, "original_router", None) is not None:  # an included router
            contexts = list(iter_routes([route]))
            return bool(contexts) and all(route_is_protected(context) for context in contexts)
        return False
    stack = [dependant]
    while stack:
        node = stack.pop()
        if node.call is current_principal:
            return True
        stack.extend(node.dependencies)
    return False


# --- scope checks -------------------------------------------------------------------------------------------------


def town_in_scope(
    principal: Principal, town_code: str | None, *, district_wide_roles: Iterable[str] = DISTRICT_WIDE_ROLES
) -> bool:
    if principal.is_district_wide(district_wide_roles):
        return True
    return town_code is not None and principal.town == town_code


def grid_in_scope(
    principal: Principal,
    grid_code: str | None,
    *,
    town_code: str | None = None,
    district_wide_roles: Iterable[str] = DISTRICT_WIDE_ROLES,
) -> bool:
    """In scope when the grid is in `grids`; a principal with a `town` but no `grids` covers every grid of that town
    (pass the grid's `town_code` to allow that)."""
    if principal.is_district_wide(district_wide_roles):
        return True
    if grid_code is not None and grid_code in principal.grids:
        return True
    return not principal.grids and town_code is not None and principal.town == town_code


def dept_in_scope(
    principal: Principal, dept_code: str | None, *, district_wide_roles: Iterable[str] = DISTRICT_WIDE_ROLES
) -> bool:
    if principal.is_district_wide(district_wide_roles):
        return True
    return dept_code is not None and principal.dept == dept_code


def ensure_town(
    principal: Principal, town_code: str | None, *, district_wide_roles: Iterable[str] = DISTRICT_WIDE_ROLES
) -> None:
    """403 unless the principal may act in `town_code`."""
    if not town_in_scope(principal, town_code, district_wide_roles=district_wide_roles):
        raise HTTPException(status_code=403, detail=f"town {town_code} is out of your scope")


def ensure_grid(
    principal: Principal,
    grid_code: str | None,
    *,
    town_code: str | None = None,
    district_wide_roles: Iterable[str] = DISTRICT_WIDE_ROLES,
) -> None:
    """403 unless the principal may act in `grid_code` (see `grid_in_scope`)."""
    if not grid_in_scope(principal, grid_code, town_code=town_code, district_wide_roles=district_wide_roles):
        raise HTTPException(status_code=403, detail=f"grid {grid_code} is out of your scope")


def ensure_dept(
    principal: Principal, dept_code: str | None, *, district_wide_roles: Iterable[str] = DISTRICT_WIDE_ROLES
) -> None:
    """403 unless the principal belongs to `dept_code`."""
    if not dept_in_scope(principal, dept_code, district_wide_roles=district_wide_roles):
        raise HTTPException(status_code=403, detail=f"department {dept_code} is out of your scope")
