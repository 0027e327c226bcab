"""Test helpers of the grid-dispatch service: tokens with a department, and a seeded town."""

from typing import Any

from fastapi.testclient import TestClient

from grid_dispatch.settings import GridSettings
from jiading_shared.auth import mint_token

TOWN = "jd-anting"
OTHER_TOWN = "jd-nanxiang"


def headers(
    settings: GridSettings, *roles: str, sub: str = "u-1", town: str | None = TOWN, dept: str | None = None
) -> dict[str, str]:
    token = mint_token(settings, sub=sub, roles=roles, town=town, dept=dept)
    return {"Authorization": f"Bearer {token}"}


DEPARTMENTS: list[dict[str, Any]] = [
    {"code": "AT-PS", "name": "安亭派出所", "unit_type": "police_station", "liaison_name": "王警官"},
    {"code": "AT-CG", "name": "安亭城管中队", "unit_type": "enforcement_squad", "liaison_name": "李队长"},
    {"code": "AT-SJ", "name": "安亭市场监管所", "unit_type": "market_regulation_office", "liaison_name": "赵所长"},
    {
        "code": "AT-SW",
        "name": "安亭水务所",
        "unit_type": "water_affairs_office",
        "liaison_name": "钱所长",
        "liaison_title": "分管负责人",
        "liaison_phone": "13812345678",
    },
    {"code": "AT-FG", "name": "安亭房管办", "unit_type": "housing_office", "liaison_name": "孙主任"},
]


def seed_town(client: TestClient, settings: GridSettings) -> None:
    """Town jd-anting: sector grids AT-01, AT-02; unit grids AT-01-01, AT-01-02, AT-02-01; five departments."""
    h = headers(settings, "dispatcher")
    for code in ("AT-01", "AT-02"):
        response = client.post(
            "/api/v1/grids", json={"code": code, "name": code, "level": "sector_grid", "town": TOWN}, headers=h
        )
        assert response.status_code == 201, response.text
    for code, parent in (("AT-01-01", "AT-01"), ("AT-01-02", "AT-01"), ("AT-02-01", "AT-02")):
        response = client.post(
            "/api/v1/grids",
            json={"code": code, "name": code, "level": "grid", "town": TOWN, "parent_code": parent},
            headers=h,
        )
        assert response.status_code == 201, response.text
    for department in DEPARTMENTS:
        response = client.post("/api/v1/departments", json={**department, "town": TOWN}, headers=h)
        assert response.status_code == 201, response.text
