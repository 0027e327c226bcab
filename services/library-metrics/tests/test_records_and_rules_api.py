"""Facility registry, data capture, the rule table's versions, compliance and reports over HTTP (SQLite file)."""

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jiading_shared.testing.services import api_fixtures, bearer_header, outbox_rows, query_rows
from library_metrics.main import build_app
from library_metrics.settings import LibrarySettings

TOWN = "jd-anting"
settings, client = api_fixtures(LibrarySettings, build_app)


def bureau(settings: LibrarySettings) -> dict[str, str]:
    return bearer_header(settings, "culture_bureau", sub="bureau-1")


def staff(settings: LibrarySettings, town: str = TOWN) -> dict[str, str]:
    return bearer_header(settings, "facility_staff", sub="staff-1", town=town)


def register(client: TestClient, settings: LibrarySettings, **body: Any) -> dict[str, Any]:
    payload = {"tier": "town_library", "name": "安亭镇图书馆", "town": TOWN, **body}
    response = client.post("/api/v1/facilities", json=payload, headers=bureau(settings))
    assert response.status_code == 201, response.text
    return response.json()


def test_registry_holds_accessibility_equipment_and_free_items(client: TestClient, settings: LibrarySettings) -> None:
    centre = register(
        client,
        settings,
        tier="cultural_centre",
        name="安亭镇社区文化活动中心",
        entrance_ramp=True,
        accessible_toilet=True,
        multi_storey=True,
        lift=False,
        ground_floor_services=True,
        free_wifi=True,
        film_projection=True,
        reader_computers=20,
        free_service_items=["阅读", "展览", "讲座"],
    )
    assert centre["free_service_items"] == ["阅读", "展览", "讲座"]
    assert centre["ground_floor_services"] is True

    patched = client.patch(
        f"/api/v1/facilities/{centre['id']}", json={"lift": True, "seats": 300}, headers=staff(settings)
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["lift"] is True
    assert patched.json()["seats"] == 300
    assert patched.json()["free_wifi"] is True

    listed = client.get("/api/v1/facilities", params={"tier": "cultural_centre"}, headers=staff(settings)).json()
    assert [item["id"] for item in listed] == [centre["id"]]
    assert client.get("/api/v1/facilities", headers=staff(settings, "jd-nanxiang")).json() == []


def test_patch_keeps_areas_nested(client: TestClient, settings: LibrarySettings) -> None:
    library = register(client, settings, usable_area_m2=1000)
    response = client.patch(
        f"/api/v1/facilities/{library['id']}", json={"public_service_area_m2": 1001}, headers=bureau(settings)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.public_service_area_m2"


def test_towns_and_committees(client: TestClient, settings: LibrarySettings) -> None:
    assert (
        client.put(
            f"/api/v1/towns/{TOWN}", json={"name": "安亭镇", "residents": 250000}, headers=bureau(settings)
        ).status_code
        == 201
    )
    assert (
        client.put(
            f"/api/v1/towns/{TOWN}", json={"name": "安亭镇", "residents": 260000}, headers=bureau(settings)
        ).status_code
        == 200
    )
    response = client.put(
        f"/api/v1/towns/{TOWN}/committees/v01", json={"name": "向阳村", "kind": "village"}, headers=bureau(settings)
    )
    assert response.status_code == 201, response.text
    # staff keep records but do not change the town's figures
    assert client.put(f"/api/v1/towns/{TOWN}", json={"name": "x"}, headers=staff(settings)).status_code == 403
    unknown = client.post(
        "/api/v1/facilities",
        json={"tier": "activity_room", "name": "活动室", "town": TOWN, "committee_code": "v99"},
        headers=bureau(settings),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.committee_code"
    room = register(client, settings, tier="activity_room", name="向阳村活动室", committee_code="v01")
    assert room["committee_code"] == "v01"
    assert [c["code"] for c in client.get(f"/api/v1/towns/{TOWN}/committees", headers=staff(settings)).json()] == [
        "v01"
    ]


RECORDS: list[tuple[str, dict[str, Any]]] = [
    (
        "opening-patterns",
        {
            "effective_from": "2026-01-01",
            "sessions": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
        },
    ),
    ("opening-exceptions", {"on_date": "2026-10-01", "sessions": [{"opens": "10:00", "closes": "16:00"}]}),
    (
        "closures",
        {
            "starts_on": "2026-05-10",
            "ends_on": "2026-05-11",
            "announced_on": "2026-05-01",
            "approved": True,
            "reason": "电路检修",
        },
    ),
    ("events", {"kind": "reading_promotion", "held_on": "2026-04-23", "title": "世界读书日", "attendance": 120}),
    ("collection-counts", {"as_of": "2026-06-30", "books": 31000, "newspaper_titles": 20}),
    ("acquisitions", {"received_on": "2026-03-01", "source": "purchase", "titles": 800, "volumes": 1200}),
    ("monthly-usage", {"month": "2026-03", "loans": 7000, "downloads": 500}),
    ("shelving", {"item_type": "book", "arrived_on": "2026-03-02", "shelved_on": "2026-03-10", "items": 300}),
    ("shelf-checks", {"checked_at": "2026-03-02T10:00:00+08:00", "items_checked": 500, "misplaced": 4}),
    (
        "document-requests",
        {"held": True, "requested_at": "2026-03-02T10:00:00+08:00", "answered_at": "2026-03-02T10:20:00+08:00"},
    ),
    ("reference-questions", {"channel": "email", "asked_at": "2026-03-02T10:00:00+08:00"}),
    ("complaints", {"received_at": "2026-03-02T10:00:00+08:00", "answered_at": "2026-03-03T10:00:00+08:00"}),
    ("surveys", {"conducted_on": "2026-06-01", "distributed": 120, "returned": 100, "satisfied": 95}),
    ("staff", {"staff_code": "A001", "joined_on": "2020-01-01"}),
    ("volunteer-rosters", {"year": 2026, "active_teams": 1, "active_volunteers": 12}),
]


@pytest.mark.parametrize(("path", "body"), RECORDS, ids=[path for path, _ in RECORDS])
def test_each_record_kind_is_added_listed_and_deleted(
    client: TestClient, settings: LibrarySettings, path: str, body: dict[str, Any]
) -> None:
    library = register(client, settings)
    url = f"/api/v1/facilities/{library['id']}/{path}"
    created = client.post(url, json=body, headers=staff(settings))
    assert created.status_code == 201, created.text
    assert created.json()["recorded_by"] == "staff-1"
    listed = client.get(url, headers=staff(settings))
    assert [item["id"] for item in listed.json()] == [created.json()["id"]]
    assert client.delete(f"{url}/{created.json()['id']}", headers=staff(settings)).status_code == 204
    assert client.get(url, headers=staff(settings)).json() == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("surveys", {"conducted_on": "2026-06-01", "distributed": 100, "returned": 101, "satisfied": 1}, "body"),
        ("shelf-checks", {"checked_at": "2026-03-02T10:00:00", "items_checked": 5, "misplaced": 0}, "body.checked_at"),
        ("monthly-usage", {"month": "2026-13", "loans": 1, "downloads": 0}, "body.month"),
        (
            "opening-patterns",
            {"effective_from": "2026-01-01", "sessions": [{"weekday": 1, "opens": "17:00", "closes": "09:00"}]},
            "body.sessions.0",
        ),
        ("events", {"kind": "party", "held_on": "2026-01-01", "title": "x"}, "body.kind"),
        (
            "trainings",
            {"staff_code": "NOBODY", "started_on": "2026-01-01", "hours": 8, "days": 1, "topic": "编目"},
            "body.staff_code",
        ),
    ],
)
def test_invalid_records_name_the_field(
    client: TestClient, settings: LibrarySettings, path: str, body: dict[str, Any], field: str
) -> None:
    library = register(client, settings)
    response = client.post(f"/api/v1/facilities/{library['id']}/{path}", json=body, headers=staff(settings))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_duplicate_month_conflicts(client: TestClient, settings: LibrarySettings) -> None:
    library = register(client, settings)
    url = f"/api/v1/facilities/{library['id']}/monthly-usage"
    assert (
        client.post(url, json={"month": "2026-03", "loans": 1, "downloads": 0}, headers=staff(settings)).status_code
        == 201
    )
    response = client.post(url, json={"month": "2026-03", "loans": 2, "downloads": 0}, headers=staff(settings))
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "body.month"


def test_records_of_another_town_are_not_found(client: TestClient, settings: LibrarySettings) -> None:
    library = register(client, settings)
    response = client.get(f"/api/v1/facilities/{library['id']}/events", headers=staff(settings, "jd-nanxiang"))
    assert response.status_code == 404


def test_csv_import_is_all_or_nothing(client: TestClient, settings: LibrarySettings) -> None:
    library = register(client, settings)
    url = f"/api/v1/facilities/{library['id']}/events/import"
    bad = (
        "kind,held_on,title,attendance\n"
        "reading_promotion,2026-01-05,读书会,30\nlecture,2026-02-30,讲座,10\nparty,2026-03-01,x,1\n"
    )
    response = client.post(url, content=bad.encode(), headers={**staff(settings), "content-type": "text/csv"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["body.line.3.held_on", "body.line.4.kind"]
    assert query_rows(settings, "SELECT id FROM event") == []
    good = "\ufeffkind,held_on,title,attendance\nreading_promotion,2026-01-05,读书会,30\nlecture,2026-02-28,讲座,\n"
    response = client.post(url, content=good.encode(), headers={**staff(settings), "content-type": "text/csv"})
    assert response.status_code == 201
    assert response.json() == {"imported": 2}
    unknown = client.post(
        url, content=b"kind,when\nlecture,2026-01-01\n", headers={**staff(settings), "content-type": "text/csv"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.header"


def test_csv_import_rejects_rows_already_recorded(client: TestClient, settings: LibrarySettings) -> None:
    library = register(client, settings)
    url = f"/api/v1/facilities/{library['id']}/monthly-usage"
    client.post(url, json={"month": "2026-01", "loans": 1, "downloads": 0}, headers=staff(settings))
    text = "month,loans,downloads\n2026-02,10,1\n2026-01,5,0\n2026-02,3,0\n"
    response = client.post(
        f"{url}/import", content=text.encode(), headers={**staff(settings), "content-type": "text/csv"}
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["body.line.3.month", "body.line.4.month"]
    assert len(query_rows(settings, "SELECT id FROM monthly_usage")) == 1


# --- rule table -------------------------------------------------------------------------------------------------


# Version 1 is the seed (migration 0003); version 2 re-issues it with the supplement's rows (migration 0005).
SEEDED_VERSIONS = 2
SUPPLEMENT_RULES = {"005-8.1-supervision-channels", "006-6.3-plaza-lighting-power"}


def test_rules_are_seeded_from_the_standards(client: TestClient, settings: LibrarySettings) -> None:
    response = client.get("/api/v1/indicator-rules", params={"on": "2026-01-01"}, headers=staff(settings))
    assert response.status_code == 200
    version = response.json()
    assert version["version"] == SEEDED_VERSIONS
    assert version["effective_from"] == "2025-02-12"
    seats = next(rule for rule in version["rules"] if rule["rule_id"] == "005-5.1.2.2-seats-district_library")
    assert seats["clause"] == "DB31114/Z 005-2025 5.1.2.2"
    assert seats["threshold"] == 1000
    assert seats["comparison"] == "ge"
    assert (
        client.get("/api/v1/indicator-rules", params={"on": "2025-02-11"}, headers=staff(settings)).status_code == 404
    )


def test_supplement_rows_arrive_as_a_new_version_on_the_same_day(client: TestClient, settings: LibrarySettings) -> None:
    # DB31114/Z 005-2025 8.1 and 006-2025 6.3 took effect with the rest on 2025-02-12: migration 0005 re-issues
    # version 1 with their rows as version 2, same effective date (the later of two same-day versions is in force);
    # version 1 itself is not edited.
    first = client.get("/api/v1/indicator-rule-versions/1", headers=bureau(settings)).json()
    second = client.get("/api/v1/indicator-rule-versions/2", headers=bureau(settings)).json()
    first_ids = {rule["rule_id"] for rule in first["rules"]}
    second_ids = {rule["rule_id"] for rule in second["rules"]}
    assert not first_ids & SUPPLEMENT_RULES
    assert second_ids == first_ids | SUPPLEMENT_RULES
    assert (second["effective_from"], second["based_on"]) == ("2025-02-12", 1)
    assert {r["rule_id"]: r for r in second["rules"]}["005-5.1.2.2-seats-town_library"] == {
        r["rule_id"]: r for r in first["rules"]
    }["005-5.1.2.2-seats-town_library"]
    plaza = next(rule for rule in second["rules"] if rule["rule_id"] == "006-6.3-plaza-lighting-power")
    assert plaza["clause"] == "DB31114/Z 006-2025 6.3"
    assert plaza["params"] == {"applies_if": {"outdoor_plaza": True}}
    in_force = client.get("/api/v1/indicator-rules", params={"on": "2025-02-12"}, headers=staff(settings)).json()
    assert in_force["version"] == 2


def test_a_change_is_a_new_effective_dated_version(client: TestClient, settings: LibrarySettings) -> None:
    effective = (date.today() + timedelta(days=30)).isoformat()
    seats = client.get("/api/v1/indicator-rules", headers=bureau(settings)).json()["rules"]
    town_seats = next(rule for rule in seats if rule["rule_id"] == "005-5.1.2.2-seats-town_library")
    body = {
        "effective_from": effective,
        "reason": "嘉文旅〔2026〕1号：镇（街道）图书馆阅览座位不少于120个",
        "rules": [{**town_seats, "threshold": 120}],
        "retire": ["005-6.1.2-citywide-borrow-return"],
    }
    response = client.post("/api/v1/indicator-rule-versions", json=body, headers=bureau(settings))
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["version"] == SEEDED_VERSIONS + 1
    assert new["based_on"] == SEEDED_VERSIONS
    assert new["rule_count"] == len(seats) - 1
    assert {rule["rule_id"] for rule in new["rules"]} >= SUPPLEMENT_RULES
    # the seeded versions are untouched, and stay in force until the new one takes effect
    old = client.get(f"/api/v1/indicator-rule-versions/{SEEDED_VERSIONS}", headers=bureau(settings)).json()
    assert next(r for r in old["rules"] if r["rule_id"] == "005-5.1.2.2-seats-town_library")["threshold"] == 100
    assert client.get("/api/v1/indicator-rules", headers=bureau(settings)).json()["version"] == SEEDED_VERSIONS
    in_force = client.get("/api/v1/indicator-rules", params={"on": effective}, headers=bureau(settings)).json()
    assert in_force["version"] == SEEDED_VERSIONS + 1
    assert [v["version"] for v in client.get("/api/v1/indicator-rule-versions", headers=bureau(settings)).json()] == [
        1,
        2,
        3,
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"effective_from": "2020-01-01"}, "body.effective_from"),
        (
            {
                "rules": [
                    {
                        "rule_id": "x-1",
                        "clause": "DB31114/Z 005-2025 9.9",
                        "tiers": ["town_library"],
                        "metric": "happiness",
                        "comparison": "ge",
                        "threshold": 1,
                        "unit": "个",
                        "period": "year",
                        "requirement": "?",
                    }
                ]
            },
            "body.rules.0.metric",
        ),
        (
            {
                "rules": [
                    {
                        "rule_id": "x-2",
                        "clause": "DB31114/Z 005-2025 6.1.3.1",
                        "tiers": ["town_library"],
                        "metric": "event_count",
                        "comparison": "ge",
                        "threshold": 1,
                        "unit": "场",
                        "period": "year",
                        "requirement": "?",
                    }
                ]
            },
            "body.rules.0.params",
        ),
        ({"retire": ["no-such-rule"]}, "body.retire.0"),
        ({}, "body.rules"),
    ],
)
def test_invalid_versions_name_the_field(
    client: TestClient, settings: LibrarySettings, change: dict[str, Any], field: str
) -> None:
    body = {"effective_from": (date.today() + timedelta(days=1)).isoformat(), "reason": "test", **change}
    response = client.post("/api/v1/indicator-rule-versions", json=body, headers=bureau(settings))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert len(query_rows(settings, "SELECT id FROM rule_version")) == SEEDED_VERSIONS


def _rule(**change: Any) -> dict[str, Any]:
    row = {
        "rule_id": "005-8.2.1-satisfaction",
        "clause": "DB31114/Z 005-2025 8.2.1",
        "tiers": ["town_library"],
        "metric": "satisfaction_rate",
        "comparison": "ge",
        "threshold": 0.9,
        "unit": "比例",
        "period": "year",
        "params": {"min_distributed": 100, "min_return_rate": 0.8},
        "requirement": "读者满意率不应小于90%",
    }
    return {**row, **change}


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (_rule(threshold=90, unit="%"), "body.rules.0.threshold"),  # a ratio written as a percentage
        (_rule(unit="%"), "body.rules.0.unit"),
        (
            _rule(
                rule_id="005-6.1.3.1-reading-promotion-town_library",
                metric="event_count",
                threshold=20,
                unit="场次/年",
                period="snapshot",
                params={"event_kinds": ["reading_promotion"]},
            ),
            "body.rules.0.period",
        ),
        (
            _rule(rule_id="x-seats", metric="seats", threshold=99.5, unit="个", period="snapshot", params={}),
            "body.rules.0.threshold",
        ),
        (
            _rule(rule_id="x-wifi", metric="free_wifi", threshold=0, unit="是/否", period="snapshot", params={}),
            "body.rules.0.threshold",
        ),
        (
            _rule(
                rule_id="x-hours",
                metric="min_weekly_opening_hours",
                threshold=200,
                unit="h/周",
                period="week",
                params={},
            ),
            "body.rules.0.threshold",
        ),
    ],
)
def test_rule_changes_refuse_values_the_metric_cannot_take(
    client: TestClient, settings: LibrarySettings, rule: dict[str, Any], field: str
) -> None:
    # DB31114/Z 005-2025 8.2.1 (满意率 ≥ 90 % is the ratio 0.9), 6.1.3.1 (a yearly count), 5.1.2.2 (seats are whole),
    # 007-2025 5.1.2 (Wi-Fi is yes/no), 005-2025 6.1.1.1 (hours in a week): a notice keyed in the wrong unit or for a
    # period the metric cannot be measured over is refused, naming the field, and no version is written
    body = {"effective_from": (date.today() + timedelta(days=1)).isoformat(), "reason": "嘉文旅通知", "rules": [rule]}
    response = client.post("/api/v1/indicator-rule-versions", json=body, headers=bureau(settings))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]
    assert len(query_rows(settings, "SELECT id FROM rule_version")) == SEEDED_VERSIONS


def test_metric_catalog_states_kind_and_periods(client: TestClient, settings: LibrarySettings) -> None:
    listed = {m["metric"]: m for m in client.get("/api/v1/indicator-metrics", headers=bureau(settings)).json()}
    assert listed["satisfaction_rate"]["value_kind"] == "ratio"
    assert listed["event_count"]["periods"] == ["month", "week", "year"]
    assert listed["event_count"]["cumulative"] is True
    assert listed["seats"]["periods"] == ["snapshot"]


def test_only_the_bureau_changes_rules(client: TestClient, settings: LibrarySettings) -> None:
    body = {
        "effective_from": (date.today() + timedelta(days=1)).isoformat(),
        "reason": "x",
        "retire": ["005-8.1-complaints"],
    }
    assert client.post("/api/v1/indicator-rule-versions", json=body, headers=staff(settings)).status_code == 403


# --- compliance ---------------------------------------------------------------------------------------------------


def open_library(client: TestClient, settings: LibrarySettings) -> dict[str, Any]:
    library = register(client, settings, seats=99, population_served=200_000, citywide_borrow_return=True)
    sessions = [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)]
    client.post(
        f"/api/v1/facilities/{library['id']}/opening-patterns",
        json={"effective_from": "2025-01-01", "sessions": sessions},
        headers=staff(settings),
    )
    return library


def test_compliance_contract(client: TestClient, settings: LibrarySettings) -> None:
    library = open_library(client, settings)
    response = client.get(
        f"/api/v1/facilities/{library['id']}/compliance", params={"year": 2025}, headers=staff(settings)
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-rule-version"] == str(SEEDED_VERSIONS)
    results = {item["rule_id"]: item for item in response.json()}
    seats = results["005-5.1.2.2-seats-town_library"]
    assert {"rule_id", "clause", "status", "value", "threshold", "explanation"} <= set(seats)
    assert (seats["status"], seats["value"], seats["threshold"]) == ("fail", 99, 100)
    assert seats["clause"] == "DB31114/Z 005-2025 5.1.2.2"
    assert results["005-6.1.1.1-weekly-hours-town_library"]["value"] == 56
    assert results["005-6.1.1.1-weekly-hours-town_library"]["status"] == "pass"
    assert results["005-6.2.3-loans-town_library"]["status"] == "insufficient_data"
    weekly = client.get(
        f"/api/v1/facilities/{library['id']}/compliance", params={"year": 2025, "week": 11}, headers=staff(settings)
    )
    assert "005-6.2.3-loans-town_library" not in {item["rule_id"] for item in weekly.json()}
    assert all(item["period"] == "2025-W11" for item in weekly.json())
    monthly = client.get(
        f"/api/v1/facilities/{library['id']}/compliance", params={"year": 2025, "month": 3}, headers=staff(settings)
    )
    assert monthly.status_code == 200
    assert monthly.json()[0]["period"] == "2025-03"


def compliance_of(client: TestClient, settings: LibrarySettings, facility_id: str) -> dict[str, dict[str, Any]]:
    response = client.get(
        f"/api/v1/facilities/{facility_id}/compliance", params={"year": 2025}, headers=staff(settings)
    )
    assert response.status_code == 200, response.text
    return {item["rule_id"]: item for item in response.json()}


def test_supervision_channels_from_the_registry(client: TestClient, settings: LibrarySettings) -> None:
    # DB31114/Z 005-2025 8.1: 应在公共图书馆（室）的明显位置设置意见箱，公开监督电话，开设网上投诉通道 — three
    # registry fields, judged together by rule 005-8.1-supervision-channels.
    rule = "005-8.1-supervision-channels"
    library = register(client, settings, suggestion_box=True, supervision_phone_published=True)
    assert (library["suggestion_box"], library["online_complaint_channel"]) == (True, None)
    assert compliance_of(client, settings, library["id"])[rule]["status"] == "insufficient_data"
    patched = client.patch(
        f"/api/v1/facilities/{library['id']}", json={"online_complaint_channel": False}, headers=staff(settings)
    )
    assert patched.status_code == 200, patched.text
    failing = compliance_of(client, settings, library["id"])[rule]
    assert (failing["status"], failing["clause"]) == ("fail", "DB31114/Z 005-2025 8.1")
    assert "missing 网上投诉通道" in failing["explanation"]
    client.patch(
        f"/api/v1/facilities/{library['id']}", json={"online_complaint_channel": True}, headers=staff(settings)
    )
    assert compliance_of(client, settings, library["id"])[rule]["status"] == "pass"
    refused = client.patch(
        f"/api/v1/facilities/{library['id']}", json={"suggestion_box": "maybe"}, headers=staff(settings)
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in refused.json()["errors"]] == ["body.suggestion_box"]


def test_plaza_lighting_and_power_only_where_there_is_a_plaza(client: TestClient, settings: LibrarySettings) -> None:
    # DB31114/Z 006-2025 6.3: 有室外广场的应配置照明灯光和外接电源 — applies only to activity rooms registered with
    # an outdoor plaza (rule 006-6.3-plaza-lighting-power, applies_if outdoor_plaza).
    rule = "006-6.3-plaza-lighting-power"
    client.put(f"/api/v1/towns/{TOWN}", json={"name": "安亭镇"}, headers=bureau(settings))
    client.put(
        f"/api/v1/towns/{TOWN}/committees/c1", json={"name": "一居", "kind": "community"}, headers=bureau(settings)
    )
    room = register(client, settings, tier="activity_room", name="一居活动室", committee_code="c1", outdoor_plaza=False)
    assert room["outdoor_plaza"] is False
    assert rule not in compliance_of(client, settings, room["id"])
    client.patch(
        f"/api/v1/facilities/{room['id']}",
        json={"outdoor_plaza": True, "plaza_lighting": True, "plaza_power_supply": False},
        headers=staff(settings),
    )
    failing = compliance_of(client, settings, room["id"])[rule]
    assert (failing["status"], failing["clause"]) == ("fail", "DB31114/Z 006-2025 6.3")
    assert "missing 外接电源" in failing["explanation"]
    patched = client.patch(
        f"/api/v1/facilities/{room['id']}", json={"plaza_power_supply": True}, headers=staff(settings)
    )
    assert (patched.json()["plaza_lighting"], patched.json()["plaza_power_supply"]) == (True, True)
    assert compliance_of(client, settings, room["id"])[rule]["status"] == "pass"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": 2025, "week": 60}, "query.week"),
        ({"year": 2025, "month": 1, "week": 1}, "query.week"),
        ({}, "query.year"),
        ({"year": 2024}, "query.year"),
    ],
)
def test_compliance_period_errors(
    client: TestClient, settings: LibrarySettings, params: dict[str, Any], field: str
) -> None:
    library = open_library(client, settings)
    response = client.get(f"/api/v1/facilities/{library['id']}/compliance", params=params, headers=staff(settings))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_breaches_are_published_once_per_rule_and_period(client: TestClient, settings: LibrarySettings) -> None:
    library = open_library(client, settings)
    first = client.post("/api/v1/compliance/breaches", params={"year": 2025}, headers=bureau(settings))
    assert first.status_code == 200, first.text
    events = [
        json.loads(row["payload"])
        for row in outbox_rows(settings)
        if row["event_type"] == "cn.jiading.library.indicator.breached.v1"
    ]
    assert first.json()["published"] == len(events) > 0
    rule_ids = {event["rule_id"] for event in events if event["facility_id"] == library["id"]}
    assert "005-5.1.2.2-seats-town_library" in rule_ids  # a yearly close publishes snapshot and yearly rules
    assert "005-6.1.1.1-weekly-hours-town_library" not in rule_ids  # weekly rules are published when weeks close
    assert {event["period"] for event in events} == {"2025"}
    layout = [event for event in events if event["facility_id"] is None]
    assert {event["rule_id"] for event in layout} >= {"006-5.2.1-centre-per-town"}
    again = client.post("/api/v1/compliance/breaches", params={"year": 2025}, headers=bureau(settings))
    assert again.json()["published"] == 0
    assert (
        client.post(
            "/api/v1/compliance/breaches", params={"year": date.today().year}, headers=bureau(settings)
        ).status_code
        == 422
    )


def _add_events(client: TestClient, settings: LibrarySettings, library: dict[str, Any], days: list[date]) -> None:
    for day in days:
        response = client.post(
            f"/api/v1/facilities/{library['id']}/events",
            json={"kind": "reading_promotion", "held_on": day.isoformat(), "title": "读书会"},
            headers=staff(settings),
        )
        assert response.status_code == 201, response.text


def _breach_events(settings: LibrarySettings, kind: str, rule_id: str) -> list[dict[str, Any]]:
    return [
        json.loads(row["payload"])
        for row in outbox_rows(settings)
        if row["event_type"] == f"cn.jiading.library.indicator.{kind}.v1"
        and json.loads(row["payload"])["rule_id"] == rule_id
    ]


def test_a_breach_that_late_records_cure_is_withdrawn(client: TestClient, settings: LibrarySettings) -> None:
    # DB31114/Z 005-2025 6.1.3.1 (town library ≥ 20 events a year): 19 recorded when 2025 is closed → breach; the
    # 20th, keyed in late, makes 2025 pass → indicator.breach_withdrawn; deleted again → the breach is published anew
    rule = "005-6.1.3.1-reading-promotion-town_library"
    library = open_library(client, settings)
    _add_events(client, settings, library, [date(2025, 3, day) for day in range(1, 20)])
    first = client.post("/api/v1/compliance/breaches", params={"year": 2025}, headers=bureau(settings)).json()
    assert first["withdrawn"] == 0
    assert len(_breach_events(settings, "breached", rule)) == 1
    _add_events(client, settings, library, [date(2025, 12, 30)])
    second = client.post("/api/v1/compliance/breaches", params={"year": 2025}, headers=bureau(settings)).json()
    assert second["withdrawn"] >= 1
    withdrawn = _breach_events(settings, "breach_withdrawn", rule)
    assert len(withdrawn) == 1
    assert (withdrawn[0]["status"], withdrawn[0]["value"], withdrawn[0]["period"]) == ("pass", 20, "2025")
    again = client.post("/api/v1/compliance/breaches", params={"year": 2025}, headers=bureau(settings)).json()
    assert again["withdrawn"] == 0  # once
    assert len(_breach_events(settings, "breach_withdrawn", rule)) == 1
    late = client.get(f"/api/v1/facilities/{library['id']}/events", headers=staff(settings)).json()
    record = next(item for item in late if item["held_on"] == "2025-12-30")
    client.delete(f"/api/v1/facilities/{library['id']}/events/{record['id']}", headers=staff(settings))
    client.post("/api/v1/compliance/breaches", params={"year": 2025}, headers=bureau(settings))
    assert len(_breach_events(settings, "breached", rule)) == 2
    rows = query_rows(settings, f"SELECT withdrawn_at FROM indicator_breach WHERE rule_id = '{rule}'")
    assert [row["withdrawn_at"] for row in rows] == [None]


def test_breaches_wait_for_the_grace_window(client: TestClient, settings: LibrarySettings) -> None:
    # DB31114/Z 005-2025 6.1.3.1: December's events are keyed in during January, so year 2026 is not published at
    # 01:00 on 1 January; with a 10-day grace window it is published from 11 January
    from zoneinfo import ZoneInfo

    from jiading_shared.db import Database
    from jiading_shared.workdays import WorkdayCalendar
    from library_metrics.compliance.rules import Period
    from library_metrics.compliance.service import InGraceWindow, closed_periods, publish_breaches

    open_library(client, settings)
    shanghai = ZoneInfo("Asia/Shanghai")
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            with pytest.raises(InGraceWindow):
                publish_breaches(
                    session, Period.of(2026), WorkdayCalendar(), datetime(2027, 1, 1, 1, tzinfo=shanghai), grace_days=10
                )
            with pytest.raises(InGraceWindow):
                publish_breaches(
                    session,
                    Period.of(2026),
                    WorkdayCalendar(),
                    datetime(2027, 1, 10, 23, tzinfo=shanghai),
                    grace_days=10,
                )
        assert not _breach_events(settings, "breached", "005-6.1.3.1-reading-promotion-town_library")
        with db.session() as session:
            run = publish_breaches(
                session, Period.of(2026), WorkdayCalendar(), datetime(2027, 1, 11, 1, tzinfo=shanghai), grace_days=10
            )
        assert run.published > 0
    finally:
        db.dispose()
    assert len(_breach_events(settings, "breached", "005-6.1.3.1-reading-promotion-town_library")) == 1
    # the hourly job asks for the last periods whose grace has ended
    assert "2026" not in [p.key for p in closed_periods(date(2027, 1, 10), 10)]
    assert "2026" in [p.key for p in closed_periods(date(2027, 1, 11), 10)]


def test_town_compliance_and_reports(client: TestClient, settings: LibrarySettings) -> None:
    open_library(client, settings)
    client.put(f"/api/v1/towns/{TOWN}", json={"name": "安亭镇", "residents": 250000}, headers=bureau(settings))
    layout = client.get(f"/api/v1/towns/{TOWN}/compliance", params={"year": 2025}, headers=staff(settings)).json()
    assert {item["rule_id"]: item["status"] for item in layout}["006-5.2.2-subcentre"] == "fail"
    town = client.get(f"/api/v1/reports/towns/{TOWN}", params={"year": 2025}, headers=staff(settings))
    assert town.status_code == 200, town.text
    assert town.json()["facilities"][0]["failing_rules"]
    district = client.get("/api/v1/reports/district", params={"year": 2025}, headers=bureau(settings)).json()
    assert district["facilities"] == 1
    assert district["failing_by_clause"]["DB31114/Z 005-2025 5.1.2.2"] == 1
    assert client.get("/api/v1/reports/district", params={"year": 2025}, headers=staff(settings)).status_code == 403
    exported = client.get("/api/v1/reports/district/export.csv", params={"year": 2025}, headers=bureau(settings))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("period,rule_version,town,facility_id")
    assert any("005-5.1.2.2-seats-town_library" in line and ",fail," in line for line in lines)


def test_scheduled_jobs_publish_closed_periods_and_refresh_the_gauges(
    client: TestClient, settings: LibrarySettings
) -> None:
    from prometheus_client import REGISTRY, generate_latest

    from jiading_shared.db import Database
    from library_metrics.compliance import scheduled

    open_library(client, settings)
    db = Database(settings.database_url)
    try:
        scheduled.close_periods(db)
        scheduled.close_periods(db)  # the second run finds everything published
        scheduled.refresh_gauges(db)
    finally:
        db.dispose()
    periods = {
        json.loads(row["payload"])["period"]
        for row in outbox_rows(settings)
        if row["event_type"] == "cn.jiading.library.indicator.breached.v1"
    }
    from library_metrics.compliance.service import closed_periods

    last_year = closed_periods(date.today(), settings.breach_grace_days)[2]
    assert last_year.key in periods
    keys = [
        (row["subject"], row["rule_id"], row["period_key"])
        for row in query_rows(settings, "SELECT * FROM indicator_breach")
    ]
    assert len(keys) == len(set(keys))
    exposition = generate_latest(REGISTRY).decode()
    assert f'library_compliance_pass_ratio{{tier="town_library",town="{TOWN}"}}' in exposition
    assert 'library_failing_rules{clause="DB31114/Z 005-2025 5.1.2.2",tier="town_library"} 1.0' in exposition
