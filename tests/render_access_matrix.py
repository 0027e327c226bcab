"""Read the access-control policy (tests/access_matrix.yaml) and render it for auditors as docs/access-control.md.

    .venv/bin/python tests/render_access_matrix.py          # rewrite docs/access-control.md
    .venv/bin/python tests/render_access_matrix.py --check  # exit 1 when the document is out of date

tests/test_access_matrix.py loads this file by path (pytest runs with --import-mode=importlib) and asserts both that
the services behave as the policy says and that the document is the rendering of the policy.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
MATRIX_FILE = ROOT / "tests" / "access_matrix.yaml"
DOC_FILE = ROOT / "docs" / "access-control.md"

_PLACEHOLDER = re.compile(r"<([a-z_]+)>")


@dataclass(frozen=True)
class RouteRule:
    """One route of one service and who may call it."""

    service: str
    method: str
    path: str
    allow: frozenset[str]  # the listed roles plus the always-allowed ones
    listed: tuple[str, ...]  # the roles as listed in the policy, for the document
    scope: str
    why: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Matrix:
    roles: dict[str, str]
    always_allowed: frozenset[str]
    scopes: dict[str, str]
    standards: dict[str, str]
    notes: tuple[str, ...]
    rules: dict[str, dict[tuple[str, str], RouteRule]]  # service → (method, path) → rule


class MatrixError(ValueError):
    """The policy file is inconsistent (unknown role or scope, a route listed twice, a malformed route)."""


def _expand(route: str, lists: dict[str, list[str]]) -> list[str]:
    names = _PLACEHOLDER.findall(route)
    if not names:
        return [route]
    name = names[0]
    if name not in lists:
        raise MatrixError(f"route {route!r} uses <{name}> but the service has no expand list {name!r}")
    return [expanded for value in lists[name] for expanded in _expand(route.replace(f"<{name}>", value, 1), lists)]


def load_matrix(path: Path = MATRIX_FILE) -> Matrix:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    roles: dict[str, str] = dict(data["roles"])
    scopes: dict[str, str] = dict(data["scopes"])
    always = frozenset(data.get("always_allowed", []))
    if not always <= roles.keys():
        raise MatrixError(f"always_allowed names unknown roles: {sorted(always - roles.keys())}")
    rules: dict[str, dict[tuple[str, str], RouteRule]] = {}
    standards: dict[str, str] = {}
    for service, spec in data["services"].items():
        standards[service] = spec.get("standards", "")
        lists: dict[str, list[str]] = spec.get("expand", {}) or {}
        table: dict[tuple[str, str], RouteRule] = {}
        for entry in spec["rules"]:
            listed = tuple(entry["allow"])
            unknown = sorted(set(listed) - roles.keys())
            if unknown:
                raise MatrixError(f"{service}: unknown role(s) {unknown} for {entry['routes']}")
            if entry["scope"] not in scopes:
                raise MatrixError(f"{service}: unknown scope {entry['scope']!r} for {entry['routes']}")
            for written in entry["routes"]:
                for route in _expand(written, lists):
                    method, _, route_path = route.partition(" ")
                    if method != method.upper() or not route_path.startswith("/") or " " in route_path:
                        raise MatrixError(f"{service}: malformed route {route!r} (want 'METHOD /path')")
                    if (method, route_path) in table:
                        raise MatrixError(f"{service}: {route} is listed twice")
                    table[(method, route_path)] = RouteRule(
                        service=service,
                        method=method,
                        path=route_path,
                        allow=frozenset(listed) | always,
                        listed=listed,
                        scope=entry["scope"],
                        why=" ".join(str(entry["why"]).split()),
                    )
        rules[service] = table
    notes = tuple(" ".join(str(note).split()) for note in data.get("notes", []))
    return Matrix(roles=roles, always_allowed=always, scopes=scopes, standards=standards, notes=notes, rules=rules)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(matrix: Matrix) -> str:
    role_names = list(matrix.roles)
    lines = [
        "# Access control",
        "",
        "<!-- Generated from tests/access_matrix.yaml by `.venv/bin/python tests/render_access_matrix.py`;"
        " do not edit by hand. -->",
        "",
        "Who may call which route of the five services, written from the users of each standard, and how each",
        "route narrows the data further (scope). The policy is data (`tests/access_matrix.yaml`);",
        "`tests/test_access_matrix.py` checks it against the running services through HTTP on every `make test`:",
        "",
        "- every route of every service is in the policy, and every route in the policy exists (a new route fails the",
        "  test until it is added here);",
        "- for every route and every role: a role marked ✔ gets past authorisation, a role not marked gets **403**",
        "  `application/problem+json`;",
        "- scope: data created in one 街镇 / 网格 / 部门 / 责任区 is not readable or writable from another",
        "  (403 or 404, never 2xx), and is from its own;",
        "- tokens with a wrong issuer or audience, `alg: none`, an HS256 token signed with the RS256 public key,",
        "  expired or not yet valid, without `sub`, or with a malformed or unknown `roles` claim get **401**",
        "  `application/problem+json`.",
        "",
        f"Roles always allowed by the role check: {', '.join(f'`{role}`' for role in sorted(matrix.always_allowed))}"
        " (the scope still applies where the table says so).",
        "",
        "## Roles",
        "",
        "| column | role | 中文 |",
        "|---|---|---|",
    ]
    for index, role in enumerate(role_names, start=1):
        lines.append(f"| {index} | `{role}` | {matrix.roles[role]} |")
    lines += ["", "## Scopes", "", "| scope | meaning |", "|---|---|"]
    for scope, meaning in matrix.scopes.items():
        lines.append(f"| `{scope}` | {_cell(' '.join(meaning.split()))} |")
    if matrix.notes:
        lines += ["", "## Decisions and open points", ""]
        lines += [f"- {note}" for note in matrix.notes]
    header = "| route | " + " | ".join(str(index) for index in range(1, len(role_names) + 1)) + " | scope | why |"
    rule = "|---|" + "|".join(":-:" for _ in role_names) + "|---|---|"
    for service, table in matrix.rules.items():
        lines += ["", f"## {service}", "", f"{matrix.standards[service]}. {len(table)} routes.", "", header, rule]
        for route in sorted(table.values(), key=lambda item: (item.path, item.method)):
            marks = " | ".join("✔" if role in route.allow else "" for role in role_names)
            lines.append(f"| `{route.key}` | {marks} | {route.scope} | {_cell(route.why)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render_markdown(load_matrix())
    if "--check" in argv:
        current = DOC_FILE.read_text(encoding="utf-8") if DOC_FILE.exists() else ""
        if current != text:
            print(f"{DOC_FILE.relative_to(ROOT)} is out of date: run .venv/bin/python tests/render_access_matrix.py")
            return 1
        return 0
    DOC_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
