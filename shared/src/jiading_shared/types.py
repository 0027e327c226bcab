"""Field types the services' API schemas share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def assume_utc(value: datetime) -> datetime:
    """`value` with UTC attached when it has no timezone: SQLite hands back naive datetimes, and every stored time
    is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# A datetime read back from either database comes out timezone-aware.
UtcDateTime = Annotated[datetime, AfterValidator(assume_utc)]
