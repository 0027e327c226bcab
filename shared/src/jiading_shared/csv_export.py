"""CSV exports officials open in spreadsheet programs: UTF-8 with a BOM (so Chinese text opens correctly) and cells
that cannot run as formulas (CSV injection: a cell starting with = + - @ or a control character)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from urllib.parse import quote

from fastapi.responses import Response

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: object) -> object:
    """The value, with a leading apostrophe when a text would start a formula (plain numbers such as -3 stay)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def csv_document(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def content_disposition(filename: str) -> str:
    """An attachment header for any file name: headers are latin-1, so a name with other characters (a town code
    from the path) goes as RFC 6266 `filename*` in UTF-8 beside an ASCII fallback."""
    fallback = "".join(
        char if char.isascii() and char.isprintable() and char not in '"\\' else "_" for char in filename
    )
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def csv_response(header: Iterable[object], rows: Iterable[Iterable[object]], filename: str) -> Response:
    return Response(
        csv_document(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(filename)},
    )
