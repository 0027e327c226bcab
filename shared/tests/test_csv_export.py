"""CSV exports: BOM for spreadsheet programs, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from jiading_shared.csv_export import csv_document, csv_response, safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-3", "-3"),
        ("-3.5", "-3.5"),
        ("安亭镇图书馆", "安亭镇图书馆"),
        (-3, -3),
        (None, None),
    ],
)
def test_formula_cells_are_neutralised_and_numbers_kept(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_document_has_bom_and_round_trips() -> None:
    text = csv_document(["名称", "值"], [["=cmd", 5], ["图书馆", "-1"]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [["名称", "值"], ["'=cmd", "5"], ["图书馆", "-1"]]


def test_response_is_a_download() -> None:
    response = csv_response(["a"], [["b"]], "x.csv")
    assert response.media_type == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="x.csv"'
