"""Helpers of the collection tests (and the benchmark): tokens, the places every test starts from, forms and valid ID
numbers. Kept in the package because pytest runs with --import-mode=importlib (tests cannot import each other)."""

from typing import Any

from fastapi.testclient import TestClient
from stdnum.cn import ric

from jiading_shared.auth import mint_token
from jiading_shared.settings import ServiceSettings

TOWN = "jd-anting"
COMMITTEE = "jd-anting-c01"
AREA = "jd-anting-a03"  # collector-7, police station ps-anting
OTHER_AREA = "jd-anting-a04"  # collector-8, police station ps-huangdu
GRID = "jd-anting-g03"
STATION = "ps-anting"
OTHER_STATION = "ps-huangdu"


def auth(
    settings: ServiceSettings, *roles: str, sub: str = "collector-7", town: str | None = TOWN, dept: str | None = None
) -> dict[str, str]:
    token = mint_token(settings, sub=sub, roles=roles, town=town, dept=dept)
    return {"Authorization": f"Bearer {token}"}


def admin(settings: ServiceSettings) -> dict[str, str]:
    return auth(settings, "admin", sub="admin-1", town=None)


def collector(settings: ServiceSettings, sub: str = "collector-7") -> dict[str, str]:
    return auth(settings, "collector", sub=sub)


def police(settings: ServiceSettings, station: str = STATION) -> dict[str, str]:
    return auth(settings, "community_police", sub=f"police-{station}", dept=station)


def id_number(region: str = "310114", birth: str = "19850612", sequence: str = "123") -> str:
    """A valid 18-character ID number (GB 11643 check digit computed)."""
    body = f"{region}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def setup_places(client: TestClient, settings: ServiceSettings) -> None:
    headers = admin(settings)
    for path, body in (
        ("/api/v1/towns", {"code": TOWN, "name": "安亭镇"}),
        ("/api/v1/committees", {"code": COMMITTEE, "name": "安亭村", "town": TOWN}),
        (
            "/api/v1/areas",
            {"code": AREA, "name": "第三责任区", "committee": COMMITTEE, "grid": GRID, "police_station": STATION},
        ),
        (
            "/api/v1/areas",
            {
                "code": OTHER_AREA,
                "name": "第四责任区",
                "committee": COMMITTEE,
                "grid": "jd-anting-g04",
                "police_station": OTHER_STATION,
            },
        ),
    ):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.text
    for area, sub in ((AREA, "collector-7"), (OTHER_AREA, "collector-8")):
        response = client.put(
            f"/api/v1/areas/{area}/collectors",
            json={"collectors": [{"sub": sub, "name": f"协管员{sub[-1]}"}]},
            headers=headers,
        )
        assert response.status_code == 200, response.text


def building(*house_codes: str, **overrides: Any) -> dict[str, Any]:
    return {
        "district": "嘉定区",
        "town": TOWN,
        "committee": COMMITTEE,
        "area": AREA,
        "road": "墨玉南路",
        "lane": "888",
        "number": "12",
        "is_legal": False,  # DB 31114/Z 002-2025 §5: illegal buildings are collected too
        "rooms": [{"room_no": f"{101 + index}", "house_code": code} for index, code in enumerate(house_codes)],
        **overrides,
    }


def register_building(
    client: TestClient, settings: ServiceSettings, *house_codes: str, sub: str = "collector-7", **overrides: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/buildings", json=building(*house_codes, **overrides), headers=collector(settings, sub)
    )
    assert response.status_code == 201, response.text
    return response.json()


def form(house_code: str = "31011401", **overrides: Any) -> dict[str, Any]:
    """表 A.1 filled in for an adult with an ID number."""
    return {
        "house_code": house_code,
        "person_category": "non_local",
        "action": "register",
        "name": "张三明",
        "id_number": id_number(),
        "ethnicity": "汉族",
        "household_address": {"province": "安徽省", "city": "阜阳市", "detail": "颍州区文峰街道1号"},
        "education": "高中",
        "residence_type": "租住",
        "residence_reason": "务工",
        "landline": "021-59991234",
        "mobile": "13812345678",
        "photo_collected": True,
        "filled_by": "李协管",
        "filled_on": "2025-11-20",
        **overrides,
    }
