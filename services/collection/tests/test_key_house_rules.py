"""Reading the key-house list (DB 31114/Z 003-2025 5.1.1): per-row problems with line, field and reason."""

from collection.key_houses.rules import RowProblem, parse_key_house_csv


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
