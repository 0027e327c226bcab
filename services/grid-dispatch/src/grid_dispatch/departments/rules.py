"""Pure rules about departments: the unit types of DB 31114/Z 009-2025 form B.1 and which of them sink staff into
grids under DB 31114/Z 010-2025 4.2.1-4.2.3."""

from enum import StrEnum


class UnitType(StrEnum):
    """参与单位 of form B.1 (DB 31114/Z 009-2025 附录 B), in the form's order."""

    MARKET_REGULATION_OFFICE = "market_regulation_office"  # 市场监管所
    ENFORCEMENT_SQUAD = "enforcement_squad"  # 城管中队 (综合行政执法队)
    POLICE_STATION = "police_station"  # 派出所
    TRAFFIC_POLICE_SQUAD = "traffic_police_squad"  # 交警中队
    WORK_SAFETY_OFFICE = "work_safety_office"  # 安监所
    HOUSING_OFFICE = "housing_office"  # 房管办
    TELECOM_BRANCH = "telecom_branch"  # 电信分局
    LAND_OFFICE = "land_office"  # 土地所
    COMPREHENSIVE_GOVERNANCE_OFFICE = "comprehensive_governance_office"  # 综治办
    CULTURE_BROADCASTING_CENTRE = "culture_broadcasting_centre"  # 文广中心
    JUDICIAL_OFFICE = "judicial_office"  # 司法所
    WATER_AFFAIRS_OFFICE = "water_affairs_office"  # 水务所
    MUNICIPAL_SECTION = "municipal_section"  # 市政科
    ENGINEERING_SECTION = "engineering_section"  # 工程科
    ENVIRONMENTAL_PROTECTION_OFFICE = "environmental_protection_office"  # 环保办
    COMMUNITY_SECTION = "community_section"  # 社区科
    SOCIAL_DEVELOPMENT_GENERAL_SECTION = "social_development_general_section"  # 社发部综合科
    POWER_SUPPLY_STATION = "power_supply_station"  # 供电站
    RURAL_COMMUNITY_MANAGEMENT_OFFICE = "rural_community_management_office"  # 农村社管办
    OPERATIONS_CENTRE = "operations_centre"  # 城运中心
    JOINT_RESPONSE_TEAM = "joint_response_team"  # 联动队伍
    WORKERS = "workers"  # 工人
    OTHER = "other"  # 其他


UNIT_TYPE_LABELS: dict[UnitType, str] = {
    UnitType.MARKET_REGULATION_OFFICE: "市场监管所",
    UnitType.ENFORCEMENT_SQUAD: "城管中队",
    UnitType.POLICE_STATION: "派出所",
    UnitType.TRAFFIC_POLICE_SQUAD: "交警中队",
    UnitType.WORK_SAFETY_OFFICE: "安监所",
    UnitType.HOUSING_OFFICE: "房管办",
    UnitType.TELECOM_BRANCH: "电信分局",
    UnitType.LAND_OFFICE: "土地所",
    UnitType.COMPREHENSIVE_GOVERNANCE_OFFICE: "综治办",
    UnitType.CULTURE_BROADCASTING_CENTRE: "文广中心",
    UnitType.JUDICIAL_OFFICE: "司法所",
    UnitType.WATER_AFFAIRS_OFFICE: "水务所",
    UnitType.MUNICIPAL_SECTION: "市政科",
    UnitType.ENGINEERING_SECTION: "工程科",
    UnitType.ENVIRONMENTAL_PROTECTION_OFFICE: "环保办",
    UnitType.COMMUNITY_SECTION: "社区科",
    UnitType.SOCIAL_DEVELOPMENT_GENERAL_SECTION: "社发部综合科",
    UnitType.POWER_SUPPLY_STATION: "供电站",
    UnitType.RURAL_COMMUNITY_MANAGEMENT_OFFICE: "农村社管办",
    UnitType.OPERATIONS_CENTRE: "城运中心",
    UnitType.JOINT_RESPONSE_TEAM: "联动队伍",
    UnitType.WORKERS: "工人",
    UnitType.OTHER: "其他",
}


class DutyKind(StrEnum):
    """The three departments that sink staff into grids (DB 31114/Z 010-2025 4.1.2, 4.2.1-4.2.3)."""

    POLICE = "police"  # 公安 (派出所)
    URBAN_MANAGEMENT = "urban_management"  # 城管执法 (综合行政执法队)
    MARKET_REGULATION = "market_regulation"  # 市场监管


DUTY_KIND_LABELS: dict[DutyKind, str] = {
    DutyKind.POLICE: "公安",
    DutyKind.URBAN_MANAGEMENT: "城管执法",
    DutyKind.MARKET_REGULATION: "市场监管",
}

DUTY_KIND_OF_UNIT_TYPE: dict[UnitType, DutyKind] = {
    UnitType.POLICE_STATION: DutyKind.POLICE,
    UnitType.ENFORCEMENT_SQUAD: DutyKind.URBAN_MANAGEMENT,
    UnitType.MARKET_REGULATION_OFFICE: DutyKind.MARKET_REGULATION,
}

# Units that are not 参勤 departments patrolling on their own: the 城运中心 runs the grid, the 联动队伍 and 工人 are
# resources it deploys.
NOT_PATROLLING_UNIT_TYPES: frozenset[UnitType] = frozenset(
    {UnitType.OPERATIONS_CENTRE, UnitType.JOINT_RESPONSE_TEAM, UnitType.WORKERS}
)


def duty_kind(unit_type: UnitType) -> DutyKind | None:
    """The duty kind of a unit type: police / urban_management / market_regulation, None for the other departments."""
    return DUTY_KIND_OF_UNIT_TYPE.get(unit_type)


def patrols_weekly(unit_type: UnitType) -> bool:
    """DB 31114/Z 010-2025 4.2.4.1: the departments other than 公安, 城管执法 and 市场监管 patrol weekly."""
    return duty_kind(unit_type) is None and unit_type not in NOT_PATROLLING_UNIT_TYPES


def serves_grid(jurisdiction: list[str] | tuple[str, ...], *grid_codes: str | None) -> bool:
    """A department with no listed grids serves its whole town; otherwise the grids it lists (a listed sector grid
    covers its unit grids: pass the unit grid and its sector grid)."""
    return not jurisdiction or any(code is not None and code in jurisdiction for code in grid_codes)
