"""Mint a local HS256 bearer token: `make token ROLE=dispatcher TOWN=jd-anting GRIDS=g1,g2 DEPT=police-anting`.

    python -m jiading_shared.devtools.token --role dispatcher,commander --town jd-anting --grids g1,g2 \\
        --dept police-anting --sub alice [--name 张三] [--ttl 28800]

Prints only the token on stdout. Empty option values mean "not set" (the Makefile passes `--town ""` when TOWN is
unset). The secret, issuer and audience come from `JIADING_AUTH_HS256_SECRET`, `JIADING_AUTH_ISSUER` and
`JIADING_AUTH_AUDIENCE`, defaulting to the development values the services use out of the box.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic_settings import BaseSettings, SettingsConfigDict

from jiading_shared.auth import Role, mint_token
from jiading_shared.settings import ServiceSettings

_DEFAULTS = ServiceSettings.model_fields


class TokenSettings(BaseSettings):
    """The subset of auth settings needed to sign, read with the `JIADING_` prefix."""

    model_config = SettingsConfigDict(env_prefix="JIADING_", extra="ignore")

    auth_hs256_secret: str = _DEFAULTS["auth_hs256_secret"].default
    auth_issuer: str = _DEFAULTS["auth_issuer"].default
    auth_audience: str = _DEFAULTS["auth_audience"].default


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jiading_shared.devtools.token", description="Mint a local HS256 bearer token."
    )
    parser.add_argument("--role", "--roles", dest="role", default="", help="role or comma-separated roles (required)")
    parser.add_argument("--town", default="", help="街镇 code, e.g. jd-anting (empty = district-wide)")
    parser.add_argument("--grids", default="", help="comma-separated grid codes")
    parser.add_argument("--dept", default="", help="department code")
    parser.add_argument("--sub", default="", help="subject (user id); default dev-<first role>")
    parser.add_argument("--name", default="", help="display name; default the subject")
    parser.add_argument("--ttl", type=int, default=3600 * 8, help="lifetime in seconds (default 8 hours)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    roles = _split(args.role)
    valid = [role.value for role in Role]
    if not roles:
        parser.error(f"--role is required (ROLE=...); one or more of: {', '.join(valid)}")
    unknown = [role for role in roles if role not in valid]
    if unknown:
        parser.error(f"unknown role(s): {', '.join(unknown)}; valid roles: {', '.join(valid)}")
    if args.ttl <= 0:
        parser.error("--ttl must be a positive number of seconds")
    settings = TokenSettings()
    if not settings.auth_hs256_secret:
        parser.error("JIADING_AUTH_HS256_SECRET is empty: nothing to sign with")
    sub = args.sub.strip() or f"dev-{roles[0]}"
    token = mint_token(
        settings.auth_hs256_secret,
        sub=sub,
        roles=list(dict.fromkeys(roles)),
        name=args.name.strip() or None,
        town=args.town.strip() or None,
        grids=_split(args.grids),
        dept=args.dept.strip() or None,
        ttl_seconds=args.ttl,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
