"""Pure rules about facilities."""

from decimal import Decimal
from enum import StrEnum


class FacilityTier(StrEnum):
    DISTRICT_LIBRARY = "district_library"
    TOWN_LIBRARY = "town_library"
    VILLAGE_READING_ROOM = "village_reading_room"
    COMMUNITY_BOOK_CLUB = "community_book_club"
    FARMHOUSE_LIBRARY = "farmhouse_library"
    SMART_LIBRARY_24H = "smart_library_24h"
    MIGRANT_E_READING_ROOM = "migrant_e_reading_room"
    HOME_STUDY = "home_study"
    HOME_READING_POINT = "home_reading_point"
    CULTURAL_CENTRE = "cultural_centre"
    CULTURAL_SUBCENTRE = "cultural_subcentre"
    ACTIVITY_ROOM = "activity_room"
    OTHER_EXTENSION_POINT = "other_extension_point"


class CommitteeKind(StrEnum):
    COMMUNITY = "community"  # 居委 (社区)
    VILLAGE = "village"  # 村委 (行政村)


TIER_LABELS: dict[FacilityTier, str] = {
    FacilityTier.DISTRICT_LIBRARY: "区级图书馆",
    FacilityTier.TOWN_LIBRARY: "镇（街道）图书馆",
    FacilityTier.VILLAGE_READING_ROOM: "居（村）图书室",
    FacilityTier.COMMUNITY_BOOK_CLUB: "百姓书社",
    FacilityTier.FARMHOUSE_LIBRARY: "农家书屋",
    FacilityTier.SMART_LIBRARY_24H: "24小时街区智慧图书馆",
    FacilityTier.MIGRANT_E_READING_ROOM: "外来务工人员电子阅览室",
    FacilityTier.HOME_STUDY: "我嘉书房",
    FacilityTier.HOME_READING_POINT: "我嘉阅空间",
    FacilityTier.CULTURAL_CENTRE: "社区文化活动中心",
    FacilityTier.CULTURAL_SUBCENTRE: "社区文化活动中心分中心",
    FacilityTier.ACTIVITY_ROOM: "居（村）综合文化活动室",
    FacilityTier.OTHER_EXTENSION_POINT: "其它延伸服务点",
}


def parent_problem(tier: FacilityTier, has_parent: bool, parent_exists: bool) -> str | None:
    """Why the parent cannot be set (None when it can). The district library heads the 总分馆 system
    (DB 31114/Z 005-2025 6.1.4.4.1), so it has no parent; any other facility may name one that exists."""
    if not has_parent:
        return None
    if tier is FacilityTier.DISTRICT_LIBRARY:
        return "the district library heads the 总分馆 system and has no parent"
    return None if parent_exists else "no such facility"


def area_problems(
    floor_area: Decimal | None, usable_area: Decimal | None, public_service_area: Decimal | None
) -> dict[str, str]:
    """Areas that contradict each other, by field: usable within floor area, public service area within usable area
    (DB 31114/Z 006-2025 6.1.1 counts the public share against the usable area)."""
    problems: dict[str, str] = {}
    if floor_area is not None and usable_area is not None and usable_area > floor_area:
        problems["usable_area_m2"] = "exceeds the floor area"
    if usable_area is not None and public_service_area is not None and public_service_area > usable_area:
        problems["public_service_area_m2"] = "exceeds the usable area"
    return problems


def committee_problem(committee_code: str | None, committee_known: bool) -> str | None:
    """An activity room or village reading room names the 居委/村委 it serves, and it must be registered, so that the
    layout rule of DB 31114/Z 006-2025 5.2.3 (a room in every running community or village) can count it."""
    if committee_code is None:
        return None
    return None if committee_known else "no such committee in this town (register it under /towns/{town}/committees)"
