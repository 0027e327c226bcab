"""Version 1 of every rule set, seeded by migration 0002 with effective date 2025-02-12 (the date DB 31114/Z 009 and
010 took effect). The standards fix the duty numbers; they give no incident time limits, so the seeded SLAs are the
城运中心's working settings, marked as such in `basis`, to be changed by a new version when the district decides."""

from datetime import UTC, datetime
from typing import Any

SEED_EFFECTIVE_FROM = datetime(2025, 2, 11, 16, 0, tzinfo=UTC)  # 2025-02-12 00:00 China time
SEED_PUBLISHED_BY = "seed:DB31114/Z 009-2025,010-2025"

LOCAL_SLA = "城运中心工作设定（DB 31114/Z 009/010 未规定时限）"


def _category(
    code: str,
    name: str,
    group: str,
    accept: tuple[int, str],
    resolve: tuple[int, str],
    *,
    kind: str = "incident",
    open311: bool = True,
    description: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "group": group,
        "description": description or name,
        "kind": kind,
        "accept_within": {"amount": accept[0], "unit": accept[1]},
        "resolve_within": {"amount": resolve[0], "unit": resolve[1]},
        "warn_at_fraction": 0.8,
        "open311": open311,
        "basis": LOCAL_SLA,
    }


WH, WD, H = "working_hours", "working_days", "hours"

SERVICE_CATALOG_V1: dict[str, Any] = {
    "working_window": {"start": "08:30:00", "end": "17:30:00"},
    "categories": [
        _category(
            "collection_refusal",
            "拒绝采集（多次拒绝配合实有人口信息采集）",
            "实有人口",
            (2, WH),
            (3, WD),
            open311=False,
            description="DB 31114/Z 001-2025 6.2.10: reported to the 社区民警 of the grid's 派出所",
        ),
        _category(
            "revisit_overdue",
            "走访逾期督办",
            "实有人口",
            (4, WH),
            (2, WD),
            kind="supervision_task",
            open311=False,
            description="DB 31114/Z 003-2025 4.1: supervision of an overdue revisit by the grid's 社区民警",
        ),
        _category(
            "assist_coordination",
            "兜底办协调办理",
            "政务服务",
            (4, WH),
            (5, WD),
            kind="coordination_task",
            open311=False,
            description="DB 31114/Z 022-2025: a 兜底办 ticket needing the named department",
        ),
        _category("street_vending", "占道经营、无序设摊", "市容环境", (1, WH), (1, WD)),
        _category("illegal_construction", "违法搭建", "市容环境", (2, WH), (10, WD)),
        _category("unlicensed_business", "无证无照经营", "市场监管", (2, WH), (5, WD)),
        _category("food_safety", "食品安全隐患", "市场监管", (1, WH), (3, WD)),
        _category("public_order", "治安隐患", "社会治安", (30, H), (1, WD)),
        _category("illegal_parking", "乱停车、交通秩序", "道路交通", (1, WH), (1, WD)),
        _category("road_facility_damage", "道路设施损坏", "市政设施", (2, WH), (5, WD)),
        _category("water_pollution", "河道水环境问题", "水务", (2, WH), (5, WD)),
        _category("environmental_pollution", "环境污染", "生态环境", (2, WH), (5, WD)),
        _category("group_rental", "群租", "房屋管理", (2, WH), (10, WD)),
        _category("work_safety_hazard", "安全生产隐患", "安全生产", (1, WH), (3, WD)),
        _category("power_facility", "供电设施隐患", "公用设施", (1, WH), (2, WD)),
        _category("other", "其他（责任主体待定）", "其他", (2, WH), (5, WD)),
    ],
}


def _rule(
    rule_id: str, category: str, unit_type: str | None, *, named: bool = False, clause: str | None = None
) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "category": category,
        "towns": [],
        "grids": [],
        "unit_type": unit_type,
        "use_named_department": named,
        "clause": clause,
        "note": "",
    }


ROUTING_V1: dict[str, Any] = {
    "fallback_unit_type": None,  # no rule: the dispatcher queue, where a commander designates (009 4.3.2)
    "rules": [
        _rule("R001", "collection_refusal", "police_station", named=True, clause="DB31114/Z 001-2025 6.2.10"),
        _rule("R002", "revisit_overdue", "police_station", named=False, clause="DB31114/Z 003-2025 4.1"),
        _rule("R003", "assist_coordination", None, named=True, clause="DB31114/Z 022-2025"),
        _rule("R010", "street_vending", "enforcement_squad", clause="DB31114/Z 010-2025 4.2.2.2"),
        _rule("R011", "illegal_construction", "enforcement_squad", clause="DB31114/Z 010-2025 4.2.2.2"),
        _rule("R020", "unlicensed_business", "market_regulation_office", clause="DB31114/Z 010-2025 4.2.3.2"),
        _rule("R021", "food_safety", "market_regulation_office", clause="DB31114/Z 010-2025 4.2.3.2"),
        _rule("R030", "public_order", "police_station", clause="DB31114/Z 010-2025 4.2.1.5"),
        _rule("R040", "illegal_parking", "traffic_police_squad"),
        _rule("R050", "road_facility_damage", "municipal_section"),
        _rule("R051", "water_pollution", "water_affairs_office"),
        _rule("R052", "environmental_pollution", "environmental_protection_office"),
        _rule("R053", "group_rental", "housing_office"),
        _rule("R054", "work_safety_hazard", "work_safety_office"),
        _rule("R055", "power_facility", "power_supply_station"),
    ],
}

DUTY_STANDARD_V1: dict[str, Any] = {
    "covered_duty_kinds": ["police", "urban_management", "market_regulation"],
    "patrol_min_per_week": 1,
    "patrol_max_per_week": 2,
    "joint_action_notice_working_days": 3,
}

SEED_VERSIONS: list[tuple[str, dict[str, Any], str]] = [
    ("service_catalog", SERVICE_CATALOG_V1, "事件类别与时限（城运中心设定）"),
    ("routing", ROUTING_V1, "派单规则初始版本（DB 31114/Z 009-2025, 010-2025）"),
    ("duty_standard", DUTY_STANDARD_V1, "DB 31114/Z 010-2025 4.2.1.1, 4.2.4.1 参勤要求"),
]
