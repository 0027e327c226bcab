"""API schemas of the coverage report (no tables: it reads room statuses, registrations and the duplicates found)."""

from datetime import date

from pydantic import BaseModel, Field


class Coverage(BaseModel):
    rooms_total: int
    visited: int = Field(description="rooms visited at least once")
    collected: int = Field(description="rooms whose latest outcome is 已采集")
    vacant: int = Field(description="rooms whose latest outcome is 空置")
    overdue: int = Field(description="rooms past their revisit deadline")
    never_visited: int = Field(description="不遗漏: rooms nobody has visited yet")
    duplicates_found: int = Field(
        description="不重复 (DB 31114/Z 001-2025 6.1): duplicate registrations found, counted in the area of the room "
        "the form named: a person registered again at the room where they are already registered (refused, 409), "
        "registered at a new address while still registered at another (the old registration ends), listed twice in "
        "one bulk import (the import refused), or registered by someone else at the same moment (refused). Dry-run "
        "imports are not counted"
    )
    duplicates_resolved: int = Field(
        description="不重复: of duplicates_found, those resolved so that the person holds one registration: the second "
        "registration refused (the existing one stands), the old registration ended by the move, or a person listed "
        "twice in a refused import registered once later. found - resolved = persons of refused imports not yet "
        "registered"
    )
    active_registrations: int


class AreaCoverage(Coverage):
    area: str
    committee: str
    town: str


class TownCoverage(Coverage):
    town: str


class CoverageReport(BaseModel):
    as_of: date
    areas: list[AreaCoverage]
    towns: list[TownCoverage]
