"""Field types the services' API schemas share."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, WithJsonSchema


def assume_utc(value: datetime) -> datetime:
    """`value` with UTC attached when it has no timezone: SQLite hands back naive datetimes, and every stored time
    is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# How far ahead of the server's clock a client's "it happened at" may be (a phone's clock runs a little fast): more is
# a time in the future, refused. One tolerance for every service.
CLOCK_SKEW = timedelta(minutes=5)

# A datetime read back from either database comes out timezone-aware.
UtcDateTime = Annotated[datetime, AfterValidator(assume_utc)]


# PostgreSQL INTEGER holds 32 bits: a larger number in a path is a 422 naming the parameter, not a database error.
INT4_MAX = 2**31 - 1

# A version number in a path (`/results/{version}`), compared with an INTEGER column.
VersionPath = Annotated[int, Path(ge=1, le=INT4_MAX, description="version number")]


def without_offset(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a time of day without a UTC offset (local Asia/Shanghai time), e.g. 09:00")
    return value


# A local wall-clock time of day (opening hours, working windows): one with an offset cannot be compared with one
# without, and the standards count these in local time. Documented by a pattern: JSON Schema's `format: time` is
# RFC 3339's full-time, which requires an offset, so "09:00:00" would not conform to it.
LocalTime = Annotated[
    time,
    AfterValidator(without_offset),
    WithJsonSchema(
        {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$", "examples": ["09:00"]}
    ),
]
