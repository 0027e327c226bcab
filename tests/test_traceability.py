"""docs/standards-traceability.md must point at things that exist: every test it names is defined, and every file
named in its code column is in the repository. A renamed test or a moved module breaks this test rather than leaving
an auditor a dead reference."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "standards-traceability.md"
TEST_DIRS = [*sorted(ROOT.glob("services/*/tests")), ROOT / "shared" / "tests", ROOT / "tests"]
# The doc's shorthand (see its header): `shared/x.py` is `shared/src/jiading_shared/x.py`.
SHORTHANDS = {"shared/": "shared/src/jiading_shared/"}


def table_rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[-1] != "test":
            rows.append(cells)
    return rows


@cache
def defined_tests() -> frozenset[str]:
    names = set()
    for directory in TEST_DIRS:
        for path in directory.rglob("*.py"):
            names.update(re.findall(r"^\s*(?:async\s+)?def\s+(test_\w+)", path.read_text(encoding="utf-8"), re.M))
    return frozenset(names)


@cache
def repository_files() -> tuple[str, ...]:
    ignored = {".git", ".venv", "node_modules", "__pycache__"}
    return tuple(
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*")
        if path.is_file() and not ignored.intersection(path.relative_to(ROOT).parts)
    )


def named_tests(cell: str) -> list[str]:
    """Test function names in a test cell: `file.py::test_x`, `::test_y`, `test_z`, `test_prefix_*`."""
    return [name for name in re.findall(r"test_\w+(?:\.py)?\*?", cell) if ".py" not in name]


def named_files(cell: str) -> list[str]:
    paths = re.findall(r"`([\w./-]+\.(?:py|yaml|yml|json|toml))`", cell)
    for short, full in SHORTHANDS.items():
        paths = [full + path.removeprefix(short) if path.startswith(short) else path for path in paths]
    return paths


def test_the_doc_has_rows_to_check() -> None:
    rows = table_rows()
    assert len(rows) > 150
    assert sum(len(named_tests(row[-1])) for row in rows) > 300


def test_every_named_test_exists() -> None:
    tests = defined_tests()
    missing = [
        (row[0], name)
        for row in table_rows()
        for name in named_tests(row[-1])
        if not (any(test.startswith(name[:-1]) for test in tests) if name.endswith("*") else name in tests)
    ]
    assert missing == []


def test_every_named_code_file_exists() -> None:
    files = repository_files()
    missing = [
        (row[0], path)
        for row in table_rows()
        for path in named_files(row[-2])
        if not any(file == path or file.endswith("/" + path) for file in files)
    ]
    assert missing == []


def test_the_checks_catch_a_dead_reference() -> None:
    assert named_tests("`test_a.py::test_b`, `::test_c_*`, test_d") == ["test_b", "test_c_*", "test_d"]
    assert "test_no_such_test_anywhere" not in defined_tests()
    assert named_files("`shared/workdays.py` `places/models.py`") == [
        "shared/src/jiading_shared/workdays.py",
        "places/models.py",
    ]
    assert not any(file.endswith("/places/no_such_module.py") for file in repository_files())
