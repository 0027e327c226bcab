"""Reading a key-house list (重点房名单, DB 31114/Z 003-2025 5.1.1): pure, no I/O.

The police station's list is a CSV with a header line: house code (房屋编码, 8 digits), key-house type (重点房类型)
and maintenance requirement (维护要求). English or Chinese header names are accepted. Every problem is reported with
its line (the header is line 1), the field and the reason."""

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from collection.places.rules import HOUSE_CODE_PATTERN
from collection.registrations.rules import RegistrationAction

HEADER_ALIASES = {
    "house_code": "house_code",
    "房屋编码": "house_code",
    "house_type": "house_type",
    "type": "house_type",
    "重点房类型": "house_type",
    "类型": "house_type",
    "maintenance_requirement": "maintenance_requirement",
    "维护要求": "maintenance_requirement",
}
REQUIRED_COLUMNS = ("house_code", "house_type", "maintenance_requirement")
MAX_LENGTHS = {"house_type": 50, "maintenance_requirement": 500}
MAX_ROWS = 100_000


@dataclass(frozen=True)
class KeyHouseRow:
    line: int
    house_code: str
    house_type: str
    maintenance_requirement: str


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str
    reason: str


def parse_key_house_csv(text: str) -> tuple[list[KeyHouseRow], list[RowProblem]]:
    """The list's rows and the problems found in them; a row with a problem is not among the rows."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        return [], [RowProblem(1, "header", "the file is empty; expected a header line")]
    columns = [HEADER_ALIASES.get(name.strip().lower(), HEADER_ALIASES.get(name.strip())) for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        return [], [RowProblem(1, name, "column missing from the header line") for name in missing]
    position = {name: columns.index(name) for name in REQUIRED_COLUMNS}
    rows: list[KeyHouseRow] = []
    problems: list[RowProblem] = []
    first_line_of: dict[str, int] = {}
    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines are allowed (spreadsheets add them)
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(RowProblem(line, "file", f"more than {MAX_ROWS} rows"))
            break
        values = {name: (record[index].strip() if index < len(record) else "") for name, index in position.items()}
        row_problems = [RowProblem(line, name, "required") for name in REQUIRED_COLUMNS if not values[name]]
        code = values["house_code"]
        if code and not re.fullmatch(HOUSE_CODE_PATTERN, code):
            row_problems.append(RowProblem(line, "house_code", "a house code has exactly 8 digits"))
        for name, limit in MAX_LENGTHS.items():
            if len(values[name]) > limit:
                row_problems.append(RowProblem(line, name, f"at most {limit} characters"))
        if code and code in first_line_of:
            row_problems.append(RowProblem(line, "house_code", f"repeats line {first_line_of[code]}"))
        if row_problems:
            problems += row_problems
            continue
        first_line_of[code] = line
        rows.append(KeyHouseRow(line, code, values["house_type"], values["maintenance_requirement"]))
    if not rows and not problems:
        problems.append(RowProblem(1, "file", "the list has no rows"))
    return rows, problems


class VerifierRole(StrEnum):
    """In which role a key-house check was recorded."""

    COLLECTOR = "collector"  # 社区综合协管员 of the area (003 4.2, 5.1.3)
    COMMUNITY_POLICE = "community_police"  # 社区民警 of the station, on site himself (003 4.1, 5.1.2)
    ADMIN = "admin"  # 管理员, corrections only


def verifier_role(*, collector_of_area: bool, police_of_station: bool, admin: bool) -> VerifierRole | None:
    """The role a caller records a check in, or None when the task is none of theirs. The area's collector comes
    first: a token with both roles working in their own area is doing the collector's job."""
    if collector_of_area:
        return VerifierRole.COLLECTOR
    if police_of_station:
        return VerifierRole.COMMUNITY_POLICE
    if admin:
        return VerifierRole.ADMIN
    return None


@dataclass(frozen=True)
class NewResident:
    house_code: str
    action: RegistrationAction


def new_resident_problem(residents: Sequence[NewResident], house_code: str) -> tuple[str, str] | None:
    """(field, message) of the first person found at the key house who cannot be registered by this check, or None.

    DB 31114/Z 001-2025 A.2.3: a form is either 登记 or 注销; people found at the house are registered, so a 注销
    form here is refused: a person leaving is listed under `moved_out`."""
    for position, resident in enumerate(residents):
        if resident.house_code != house_code:
            return f"body.new_residents.{position}.house_code", f"the key house is {house_code}"
        if resident.action is not RegistrationAction.REGISTER:
            return (
                f"body.new_residents.{position}.action",
                "a 注销 (deregister) form cannot register a newcomer; list the registration under moved_out",
            )
    return None
