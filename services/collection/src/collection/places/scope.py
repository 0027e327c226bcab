"""Which responsibility areas (责任区) a caller may read and write (issue 3 item 9).

- 社区综合协管员 (collector): read and write only the areas they are assigned to;
- 社区民警 (community_police): read the areas of their 派出所 (token `dept`), and supervise them (assign collectors,
  key-house lists);
- admin: everything; district-wide roles (reports): read everything.
"""

from dataclasses import dataclass

from fastapi import HTTPException
from sqlmodel import Session, col, select

from collection.places.models import Area, AreaCollector
from jiading_shared.auth import Principal, Role


@dataclass(frozen=True)
class AreaScope:
    """`everything`, or the set of area codes."""

    everything: bool
    codes: frozenset[str] = frozenset()

    def allows(self, area_code: str | None) -> bool:
        return self.everything or (area_code is not None and area_code in self.codes)

    def restrict(self, column: object) -> object | None:
        """A WHERE clause limiting `column` to the scope (None: no restriction)."""
        if self.everything:
            return None
        return col(column).in_(sorted(self.codes))  # type: ignore[arg-type]


def collector_areas(session: Session, collector_sub: str) -> frozenset[str]:
    rows = session.exec(select(AreaCollector.area).where(AreaCollector.collector_sub == collector_sub)).all()
    return frozenset(rows)


def station_areas(session: Session, police_station: str | None) -> frozenset[str]:
    if not police_station:
        return frozenset()
    return frozenset(session.exec(select(Area.code).where(Area.police_station == police_station)).all())


def disclosure_scope(session: Session, principal: Principal) -> AreaScope:
    """Where the caller may see personal information unmasked (issue 3 item 8): the areas they collect in and their
    station's areas, never everything — a district-wide role held beside collector or police widens reading, not
    disclosure."""
    codes: set[str] = set()
    if principal.has_role(Role.COLLECTOR):
        codes |= collector_areas(session, principal.sub)
    if principal.has_role(Role.COMMUNITY_POLICE):
        codes |= station_areas(session, principal.dept)
    return AreaScope(everything=False, codes=frozenset(codes))


def read_scope(session: Session, principal: Principal) -> AreaScope:
    if principal.is_district_wide():
        return AreaScope(everything=True)
    return disclosure_scope(session, principal)


def collection_scope(session: Session, principal: Principal) -> AreaScope:
    """Where the caller may record collection work (buildings, visits, registrations): their own areas."""
    if principal.is_admin:
        return AreaScope(everything=True)
    if principal.has_role(Role.COLLECTOR):
        return AreaScope(everything=False, codes=collector_areas(session, principal.sub))
    return AreaScope(everything=False)


def supervision_scope(session: Session, principal: Principal) -> AreaScope:
    """Where the caller supervises (assign collectors, key houses): the police station's areas."""
    if principal.is_admin:
        return AreaScope(everything=True)
    if principal.has_role(Role.COMMUNITY_POLICE):
        return AreaScope(everything=False, codes=station_areas(session, principal.dept))
    return AreaScope(everything=False)


def ensure_area(scope: AreaScope, area_code: str | None) -> None:
    """403 unless the area is in the caller's scope."""
    if not scope.allows(area_code):
        raise HTTPException(status_code=403, detail=f"area {area_code} is out of your scope")
