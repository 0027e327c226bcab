"""Reading the key-house list (DB 31114/Z 003-2025 5.1.1): per-row problems with line, field and reason."""

from collection.key_houses.rules import (
    NewResident,
    RowProblem,
    VerifierRole,
    new_resident_problem,
    parse_key_house_csv,
    verifier_role,
)
from collection.registrations.rules import RegistrationAction


def test_valid_list_with_english_header() -> None:
    # DB 31114/Z 003-2025 5.2: each key house has a type and a maintenance requirement.
    rows, problems = parse_key_house_csv("house_code,house_type,maintenance_requirement\n31011401,群租,每月核查\n")

    assert problems == []
    assert [(r.line, r.house_code, r.house_type, r.maintenance_requirement) for r in rows] == [
        (2, "31011401", "群租", "每月核查")
    ]


def test_chinese_header_bom_and_blank_lines_are_accepted() -> None:
    rows, problems = parse_key_house_csv("\ufeff房屋编码,重点房类型,维护要求\n\n31011401,群租,每月核查\n")

    assert problems == []
    assert rows[0].line == 3


def test_every_bad_row_is_reported_with_line_field_and_reason() -> None:
    text = (
        "house_code,house_type,maintenance_requirement\n"
        "3101140,群租,每月核查\n"
        "31011402,,每月核查\n"
        "31011403,群租,每月核查\n"
        "31011403,群租,每月核查\n"
        "31011404,群租," + "x" * 501 + "\n"
    )

    rows, problems = parse_key_house_csv(text)

    assert [r.line for r in rows] == [4]
    assert problems == [
        RowProblem(2, "house_code", "a house code has exactly 8 digits"),
        RowProblem(3, "house_type", "required"),
        RowProblem(5, "house_code", "repeats line 4"),
        RowProblem(6, "maintenance_requirement", "at most 500 characters"),
    ]


def test_missing_columns_are_reported_on_the_header_line() -> None:
    rows, problems = parse_key_house_csv("house_code,type\n31011401,群租\n")

    assert rows == []
    assert problems == [RowProblem(1, "maintenance_requirement", "column missing from the header line")]


def test_empty_file() -> None:
    assert parse_key_house_csv("") == ([], [RowProblem(1, "header", "the file is empty; expected a header line")])


def test_header_without_rows_is_a_problem() -> None:
    assert parse_key_house_csv(HEADER_ONLY) == ([], [RowProblem(1, "file", "the list has no rows")])


HEADER_ONLY = "house_code,house_type,maintenance_requirement\n"


def test_the_check_is_recorded_in_the_role_the_caller_holds_for_the_task() -> None:
    # DB 31114/Z 003-2025 4.2, 5.1.3: the area's 协管员 checks; 4.1, 5.1.2: the station's 社区民警 checks on site too.
    assert verifier_role(collector_of_area=True, police_of_station=True, admin=False) is VerifierRole.COLLECTOR
    assert verifier_role(collector_of_area=False, police_of_station=True, admin=True) is VerifierRole.COMMUNITY_POLICE
    assert verifier_role(collector_of_area=False, police_of_station=False, admin=True) is VerifierRole.ADMIN
    assert verifier_role(collector_of_area=False, police_of_station=False, admin=False) is None


def test_people_found_at_a_key_house_are_registered_there_only() -> None:
    # DB 31114/Z 001-2025 A.2.3: a form is 登记 or 注销; a newcomer at the key house needs a 登记 form for this house.
    register = RegistrationAction.REGISTER
    assert new_resident_problem([NewResident("31011401", register)] * 2, "31011401") is None
    assert new_resident_problem([], "31011401") is None
    assert new_resident_problem(
        [NewResident("31011401", register), NewResident("31011401", RegistrationAction.DEREGISTER)], "31011401"
    ) == (
        "body.new_residents.1.action",
        "a 注销 (deregister) form cannot register a newcomer; list the registration under moved_out",
    )
    assert new_resident_problem([NewResident("31011402", register)], "31011401") == (
        "body.new_residents.0.house_code",
        "the key house is 31011401",
    )
