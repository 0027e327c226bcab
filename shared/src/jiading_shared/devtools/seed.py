"""`make seed`: demo data into a running embedded suite (after `make run`), through the public APIs.

Idempotent enough for a demo: a second run reports the 409 conflicts and carries on.
"""

from __future__ import annotations

import sys
from typing import Any

import httpx

from jiading_shared.auth import mint_token
from jiading_shared.service import API_PREFIX
from jiading_shared.settings import ServiceSettings
from jiading_shared.suite import SERVICES

TOWN = "jd-anting"  # 安亭镇

DEMO: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "collection": [
        (
            "/buildings",
            {
                "district": "嘉定区",
                "town": TOWN,
                "committee": "jd-anting-c01",
                "area": "jd-anting-a01",
                "road": "墨玉南路",
                "lane": "888",
                "number": "12",
                "is_legal": True,
                "rooms": [
                    {"room_no": "101", "house_code": "31140001"},
                    {"room_no": "102", "house_code": "31140002"},
                ],
            },
        )
    ],
    "grid-dispatch": [
        ("/grids", {"code": "ANT-S01", "name": "安亭片区一", "level": "sector_grid", "town": TOWN}),
        (
            "/grids",
            {"code": "ANT-S01-G01", "name": "安亭新镇网格", "level": "grid", "town": TOWN, "parent_code": "ANT-S01"},
        ),
    ],
    "library-metrics": [
        ("/facilities", {"tier": "town_library", "name": "安亭镇图书馆", "town": TOWN, "population_served": 250000}),
    ],
    "assist-desk": [
        (
            "/institutions",
            {
                "kind": "station",
                "name": "安亭镇政务服务站",
                "town": TOWN,
                "assistance_forms": ["self_service", "accompanied", "fallback", "outreach"],
            },
        ),
    ],
    "evaluation": [
        (
            "/providers",
            {
                "name": "嘉定区阳光助残服务社",
                "unified_social_credit_code": "52310114MJ5090367G",
                "contact_name": "王明",
                "contact_phone": "13812345678",
            },
        ),
    ],
}


def main() -> int:
    token = mint_token(ServiceSettings(), sub="demo-seed", name="演示数据", roles=["admin"], town=TOWN)
    headers = {"Authorization": f"Bearer {token}"}
    failures = 0
    for service in SERVICES:
        for path, body in DEMO.get(service.name, []):
            url = f"http://127.0.0.1:{service.port}{API_PREFIX}{path}"
            try:
                response = httpx.post(url, json=body, headers=headers, timeout=10)
            except httpx.HTTPError as exc:
                print(f"{service.name:<16} POST {path}: {exc} (is `make run` up?)")
                failures += 1
                continue
            outcome = "created" if response.status_code == 201 else response.json().get("detail", response.text)
            print(f"{service.name:<16} POST {path}: {response.status_code} {outcome}")
            failures += response.status_code not in (201, 409)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
