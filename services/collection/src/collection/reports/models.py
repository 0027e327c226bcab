"""API schemas of the coverage report (no tables: it reads room statuses and registrations)."""

from datetime import date

from pydantic import BaseModel, Field


class Coverage(BaseModel):
    rooms_total: int
    visited: int = Field(description="rooms visited at least once")
    collected: int = Field(description="rooms whose latest outcome is 已采集")
    vacant: int = Field(description="rooms whose latest outcome is 空置")
    overdue: int = Field(description="rooms past their revisit deadline")
    never_visited: int = Field(description="不遗漏: rooms nobody has visited yet")
    duplicates_resolved: int = Field(
        description="不重复: registrations ended because the same person registered at another address"
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
