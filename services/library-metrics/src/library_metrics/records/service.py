"""Database reads and writes of facility records: one at a time, or a CSV file all-or-nothing."""

import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError, create_model
from sqlalchemy import delete
from sqlmodel import Session, col, select

from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import FieldError, ProblemError
from jiading_shared.types import UtcDateTime, assume_utc
from library_metrics.records import models as m

CHINA = ZoneInfo("Asia/Shanghai")
MAX_IMPORT_ROWS = 20_000
MAX_REPORTED_ERRORS = 200

DbCheck = Callable[[Session, uuid.UUID, BaseModel], dict[str, str]]


def _staff_exists(session: Session, facility_id: uuid.UUID, data: BaseModel) -> dict[str, str]:
    assert isinstance(data, m.TrainingIn)
    query = select(m.StaffMember.id).where(
        m.StaffMember.facility_id == facility_id, m.StaffMember.staff_code == data.staff_code
    )
    if session.exec(query).first() is None:
        return {"staff_code": "no staff member with this code at the facility (add them under /staff first)"}
    return {}


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: its URL segment, table, input schema and the field it is listed by."""

    path: str
    label: str
    table: type[m._Record]
    schema: type[BaseModel]
    date_field: str
    unique: tuple[str, ...] = ()
    csv: bool = True
    db_checks: tuple[DbCheck, ...] = ()
    out: type[BaseModel] = field(init=False)

    def __post_init__(self) -> None:
        out = create_model(  # type: ignore[call-overload]
            f"{self.table.__name__}Out",
            __base__=self.schema,
            id=(uuid.UUID, ...),
            facility_id=(uuid.UUID, ...),
            recorded_by=(str, ...),
            recorded_at=(UtcDateTime, ...),
        )
        object.__setattr__(self, "out", out)


RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        "opening-patterns",
        "每周开放时间",
        m.OpeningPattern,
        m.OpeningPatternIn,
        "effective_from",
        unique=("effective_from",),
        csv=False,
    ),
    RecordKind(
        "opening-exceptions",
        "特定日期开放时间",
        m.OpeningException,
        m.OpeningExceptionIn,
        "on_date",
        unique=("on_date",),
        csv=False,
    ),
    RecordKind("closures", "暂时闭馆", m.Closure, m.ClosureIn, "starts_on"),
    RecordKind("events", "活动", m.Event, m.EventIn, "held_on"),
    RecordKind("collection-counts", "馆藏统计", m.CollectionCount, m.CollectionCountIn, "as_of", unique=("as_of",)),
    RecordKind("acquisitions", "文献入藏", m.Acquisition, m.AcquisitionIn, "received_on"),
    RecordKind("monthly-usage", "月度外借与下载", m.MonthlyUsage, m.MonthlyUsageIn, "month", unique=("month",)),
    RecordKind("shelving", "文献上架", m.Shelving, m.ShelvingIn, "arrived_on"),
    RecordKind("shelf-checks", "巡视查架", m.ShelfCheck, m.ShelfCheckIn, "checked_at"),
    RecordKind("document-requests", "文献提供", m.DocumentRequest, m.DocumentRequestIn, "requested_at"),
    RecordKind("reference-questions", "参考咨询", m.ReferenceQuestion, m.ReferenceQuestionIn, "asked_at"),
    RecordKind("complaints", "意见与投诉", m.Complaint, m.ComplaintIn, "received_at"),
    RecordKind("surveys", "读者满意度调查", m.Survey, m.SurveyIn, "conducted_on"),
    RecordKind("staff", "工作人员", m.StaffMember, m.StaffMemberIn, "joined_on", unique=("staff_code",)),
    RecordKind("trainings", "业务培训", m.Training, m.TrainingIn, "started_on", db_checks=(_staff_exists,)),
    RecordKind("volunteer-rosters", "志愿者", m.VolunteerRoster, m.VolunteerRosterIn, "year", unique=("year",)),
)


def add_record(
    session: Session, kind: RecordKind, facility_id: uuid.UUID, data: BaseModel, *, recorded_by: str
) -> BaseModel:
    problems = _db_problems(session, kind, facility_id, data)
    if problems:
        errors = [FieldError(field=f"body.{name}", message=message) for name, message in problems.items()]
        raise ProblemError(422, "validation-error", f"invalid fields: {', '.join(problems)}", errors=errors)
    row = _row(kind, facility_id, data, recorded_by)
    with conflict_on_unique_violation(session, lambda: _duplicate(kind, "body")):
        session.add(row)
        session.flush()
    return record_out(kind, row)


def import_csv(session: Session, kind: RecordKind, facility_id: uuid.UUID, text: str, *, recorded_by: str) -> int:
    """Every row of the file, or none: any invalid row answers 422 listing each problem as `line.N.field`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    known = set(kind.schema.model_fields)
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in known]
    if not header or unknown:
        detail = f"unknown columns: {', '.join(unknown)}" if unknown else "the file has no header row"
        raise ProblemError(422, "validation-error", detail, errors=[FieldError(field="body.header", message=detail)])
    errors: list[FieldError] = []
    parsed: list[BaseModel] = []
    seen_keys: dict[tuple[Any, ...], int] = {}
    existing = _existing_keys(session, kind, facility_id)
    for line, raw in enumerate(reader, start=2):
        if len(parsed) + len(errors) >= MAX_IMPORT_ROWS:
            errors.append(FieldError(field="body", message=f"more than {MAX_IMPORT_ROWS} rows: split the file"))
            break
        values = {name.strip(): value.strip() for name, value in raw.items() if name and value and value.strip()}
        try:
            data = kind.schema.model_validate(values)
        except ValidationError as exc:
            errors += [
                FieldError(
                    field=f"body.line.{line}" + "".join(f".{part}" for part in error["loc"]),
                    message=error["msg"],
                    type=error["type"],
                )
                for error in exc.errors()
            ]
            continue
        errors += [
            FieldError(field=f"body.line.{line}.{name}", message=message)
            for name, message in _db_problems(session, kind, facility_id, data).items()
        ]
        if kind.unique:
            key = tuple(getattr(data, name) for name in kind.unique)
            if key in existing:
                errors.append(FieldError(field=f"body.line.{line}.{kind.unique[0]}", message="already recorded"))
            elif key in seen_keys:
                errors.append(
                    FieldError(field=f"body.line.{line}.{kind.unique[0]}", message=f"repeats line {seen_keys[key]}")
                )
            seen_keys[key] = line
        parsed.append(data)
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        raise ProblemError(
            422,
            "validation-error",
            f"{len(errors)} problems in the file; nothing was imported",
            errors=shown,
        )
    if not parsed:
        raise ProblemError(
            422, "validation-error", "the file has no rows", errors=[FieldError(field="body", message="no rows")]
        )
    with conflict_on_unique_violation(session, lambda: _duplicate(kind, "body")):
        session.add_all(_row(kind, facility_id, data, recorded_by) for data in parsed)
        session.flush()
    return len(parsed)


def list_records(
    session: Session,
    kind: RecordKind,
    facility_id: uuid.UUID,
    *,
    since: date | None,
    until: date | None,
    limit: int,
    offset: int,
) -> list[BaseModel]:
    column = getattr(kind.table, kind.date_field)
    query = select(kind.table).where(kind.table.facility_id == facility_id)
    if since is not None:
        query = query.where(column >= _bound(kind, since))
    if until is not None:
        query = query.where(column < _bound(kind, date.fromordinal(until.toordinal() + 1)))
    query = query.order_by(column, col(kind.table.id)).limit(limit).offset(offset)
    return [record_out(kind, row) for row in session.exec(query)]


def delete_record(session: Session, kind: RecordKind, facility_id: uuid.UUID, record_id: uuid.UUID) -> bool:
    result = session.execute(
        delete(kind.table).where(col(kind.table.id) == record_id, col(kind.table.facility_id) == facility_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_out(kind: RecordKind, row: m._Record) -> BaseModel:
    # Columns read straight from the row: model_dump() of a loaded table row warns on enum columns held as text.
    columns = [column.key for column in row.__table__.columns]  # type: ignore[attr-defined]
    values = {
        name: assume_utc(value) if isinstance(value, datetime) else value
        for name, value in ((name, getattr(row, name)) for name in columns)
    }
    return kind.out.model_validate(values)


def _bound(kind: RecordKind, day: date) -> date | datetime | str | int:
    if kind.date_field == "month":
        return day.strftime("%Y-%m")
    if kind.date_field == "year":
        return day.year
    if kind.date_field.endswith("_at"):
        return datetime.combine(day, time(), CHINA).astimezone(UTC)
    return day


def _row(kind: RecordKind, facility_id: uuid.UUID, data: BaseModel, recorded_by: str) -> m._Record:
    return kind.table(
        facility_id=facility_id, recorded_by=recorded_by, recorded_at=datetime.now(UTC), **data.model_dump()
    )


def _db_problems(session: Session, kind: RecordKind, facility_id: uuid.UUID, data: BaseModel) -> dict[str, str]:
    problems: dict[str, str] = {}
    for check in kind.db_checks:
        problems.update(check(session, facility_id, data))
    return problems


def _existing_keys(session: Session, kind: RecordKind, facility_id: uuid.UUID) -> set[tuple[Any, ...]]:
    if not kind.unique:
        return set()
    columns = [getattr(kind.table, name) for name in kind.unique]
    rows = session.execute(select(*columns).where(kind.table.facility_id == facility_id)).all()
    return {tuple(row) for row in rows}


def _duplicate(kind: RecordKind, location: str) -> ProblemError:
    fields = ", ".join(kind.unique) or "record"
    return ProblemError(
        409,
        "record-exists",
        f"this facility already has a {kind.path} record for the same {fields}",
        errors=[FieldError(field=f"{location}.{kind.unique[0] if kind.unique else 'id'}", message="already recorded")],
    )
