"""Publicity rules (DB 31114/Z 004-2025), pure: forms, venues, the preparation deadline and the monthly minimum."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from jiading_shared.types import CLOCK_SKEW


class PublicityForm(StrEnum):
    """宣传形式 (004 §6)."""

    DOOR_TO_DOOR = "door_to_door"  # 6.1 上门宣传
    CENTRALISED = "centralised"  # 6.2 集中宣传
    EXPERIENTIAL = "experiential"  # 6.3 体验式宣传
    FIXED_POINT = "fixed_point"  # 6.4 定点宣传
    ONLINE = "online"  # 6.5 线上宣传


FORM_LABELS = {
    PublicityForm.DOOR_TO_DOOR: "上门",
    PublicityForm.CENTRALISED: "集中",
    PublicityForm.EXPERIENTIAL: "体验式",
    PublicityForm.FIXED_POINT: "定点",
    PublicityForm.ONLINE: "线上",
}


class VenueType(StrEnum):
    """宣传场所 (004 §5)."""

    INFORMAL_FOOTHOLD = "informal_foothold"  # 5.1 非正规“落脚点”
    RENTED_HOUSING = "rented_housing"  # 5.2 出租房屋
    ESTATE_AGENCY = "estate_agency"  # 5.3 房地产中介服务机构
    EMPLOYER = "employer"  # 5.4 用人单位
    TEMPORARY_DORMITORY = "temporary_dormitory"  # 5.5 临时宿舍管理（施工）单位
    PUBLIC_PLACE = "public_place"  # 5.6 公共场所


VENUE_LABELS = {
    VenueType.INFORMAL_FOOTHOLD: "非正规落脚点",
    VenueType.RENTED_HOUSING: "出租房屋",
    VenueType.ESTATE_AGENCY: "房地产中介服务机构",
    VenueType.EMPLOYER: "用人单位",
    VenueType.TEMPORARY_DORMITORY: "临时宿舍管理（施工）单位",
    VenueType.PUBLIC_PLACE: "公共场所",
}

# 004 7.3: only 集中 and 体验式 activities need the preparation record.
NEEDS_PREPARATION = frozenset({PublicityForm.CENTRALISED, PublicityForm.EXPERIENTIAL})

# 表 A.1 宣传活动情况（附照片）: the 集中 (7.3) and 体验式 records carry at least one photo.
NEEDS_PHOTOS = NEEDS_PREPARATION


@dataclass(frozen=True)
class PublicityRules:
    version: int
    preparation_days_before: int  # 004 7.3: 活动开展三天前 做好前期准备
    monthly_centralised_minimum: int  # 004 7.5: 每月组织不少于1次的集中宣传


def preparation_problem(prepared_on: date, activity_on: date, rules: PublicityRules) -> str | None:
    """Why a preparation made on `prepared_on` does not satisfy 7.3 for an activity on `activity_on` (None: it does)."""
    latest = activity_on - timedelta(days=rules.preparation_days_before)
    if prepared_on > latest:
        return (
            f"the preparation was recorded on {prepared_on}; for an activity on {activity_on} it is due by {latest} "
            f"({rules.preparation_days_before} days before, DB 31114/Z 004-2025 7.3, rule version {rules.version})"
        )
    return None


def held_at_problem(held_at: datetime, now: datetime) -> str | None:
    """Why an activity held at `held_at` cannot be recorded at `now` (None: it can). The record is filled in after
    the activity (7.3 活动后及时填写), so it never lies in the future and never counts toward 7.5 in advance."""
    if held_at > now + CLOCK_SKEW:
        return "the activity lies in the future; record it after it was held (DB 31114/Z 004-2025 7.3)"
    return None


def planned_date_problem(planned_on: date, activity_on: date) -> str | None:
    """Why a preparation planned for `planned_on` does not belong to an activity held on `activity_on` (local dates)."""
    if planned_on != activity_on:
        return (
            f"the preparation is for an activity on {planned_on}, this activity was held on {activity_on} "
            "(DB 31114/Z 004-2025 7.3: the preparation fixes the 活动时间)"
        )
    return None


def committees_below_minimum(
    committees: Iterable[str], centralised_counts: Mapping[str, int], rules: PublicityRules
) -> list[str]:
    """The committees that held fewer 集中 activities in the month than 7.5 asks."""
    return sorted(c for c in committees if centralised_counts.get(c, 0) < rules.monthly_centralised_minimum)


def previous_month(today: date) -> date:
    """The first day of the calendar month before `today`'s."""
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[date, date]:
    """[first day, first day of the next month)."""
    start = month.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following
