"""Key houses (重点房, DB 31114/Z 003-2025) over HTTP: the police upload the list (all or nothing, dry run, per-row
problems), tasks go to the area's 协管员, a verification updates the people registered there and publishes
key_house.verified, the police follow the progress per station."""

import json

from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import OTHER_AREA, admin, collector, form, id_number, police, register_building, setup_places
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows

settings, client = api_fixtures(CollectionSettings, build_app)

HEADER = "house_code,house_type,maintenance_requirement\n"
VERIFIED = "cn.jiading.collection.key_house.verified.v1"


def places(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    register_building(client, settings, "31011401", "31011402")
    register_building(client, settings, "31011501", sub="collector-8", area=OTHER_AREA, road="叶城路")


def upload(client: TestClient, settings, text: str, *, dry_run: bool = False, station: str = "ps-anting"):
    return client.post(
        f"/api/v1/key-house-lists?dry_run={str(dry_run).lower()}",
        content=text.encode("utf-8"),
        headers={**police(settings, station), "Content-Type": "text/csv"},
    )


def test_list_upload_creates_tasks_for_the_areas_collectors(client: TestClient, settings) -> None:
    # DB 31114/Z 003-2025 4.1, 5.1.1, 5.1.3: the police station's list → tasks for the area's 协管员.
    places(client, settings)

    response = upload(client, settings, HEADER + "31011401,群租房,每月核查\n31011402,出租房屋,每季度核查\n")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["rows"], body["tasks_created"], body["errors"]) == (False, 2, 2, [])
    tasks = client.get("/api/v1/key-house-tasks", headers=collector(settings)).json()
    assert [(t["house_code"], t["house_type"], t["maintenance_requirement"], t["status"]) for t in tasks] == [
        ("31011401", "群租房", "每月核查", "pending"),
        ("31011402", "出租房屋", "每季度核查", "pending"),
    ]
    assert client.get("/api/v1/key-house-tasks", headers=collector(settings, "collector-8")).json() == []


def test_bad_rows_are_reported_per_row_and_nothing_is_written(client: TestClient, settings) -> None:
    # DB 31114/Z 003-2025 5.1.1 (issue 3 item 5): per-row problems (line, field, reason); all or nothing.
    places(client, settings)
    text = HEADER + "31011401,群租房,每月核查\n99999999,群租房,每月核查\n31011501,群租房,每月核查\n3101,,x\n"

    response = upload(client, settings, text)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("line 3.house_code", "no room has this house code"),
        ("line 4.house_code", "the room lies outside your police station's areas"),
        ("line 5.house_type", "required"),
        ("line 5.house_code", "a house code has exactly 8 digits"),
    ]
    assert query_rows(settings, "SELECT id FROM key_house_task") == []
    assert query_rows(settings, "SELECT id FROM key_house_list") == []


def test_dry_run_shows_the_outcome_without_writing(client: TestClient, settings) -> None:
    places(client, settings)

    clean = upload(client, settings, HEADER + "31011401,群租房,每月核查\n", dry_run=True)
    faulty = upload(client, settings, HEADER + "31011401,群租房,每月核查\n99999999,群租房,每月核查\n", dry_run=True)

    assert clean.status_code == 200
    assert (clean.json()["tasks_created"], clean.json()["list_id"], clean.json()["errors"]) == (1, None, [])
    assert faulty.status_code == 200
    assert faulty.json()["errors"] == [{"line": 3, "field": "house_code", "reason": "no room has this house code"}]
    assert query_rows(settings, "SELECT id FROM key_house_task") == []


def test_gb18030_list_from_a_spreadsheet_is_read(client: TestClient, settings) -> None:
    places(client, settings)
    text = "房屋编码,重点房类型,维护要求\n31011401,群租房,每月核查\n"

    response = client.post(
        "/api/v1/key-house-lists",
        content=text.encode("gb18030"),
        headers={**police(settings), "Content-Type": "text/csv"},
    )

    assert response.status_code == 200, response.text
    assert query_rows(settings, "SELECT house_type FROM key_house_task") == [{"house_type": "群租房"}]


def test_a_newer_list_supersedes_the_pending_task_of_the_same_house(client: TestClient, settings) -> None:
    places(client, settings)
    assert upload(client, settings, HEADER + "31011401,群租房,每月核查\n").status_code == 200

    again = upload(client, settings, HEADER + "31011401,群租房,每周核查\n")

    assert again.json()["tasks_superseded"] == 1
    statuses = query_rows(settings, "SELECT maintenance_requirement, status FROM key_house_task ORDER BY created_at")
    assert [row["status"] for row in statuses] == ["superseded", "pending"]


def _task_of(client: TestClient, settings, house_code: str) -> dict:
    tasks = client.get("/api/v1/key-house-tasks", headers=collector(settings)).json()
    return next(task for task in tasks if task["house_code"] == house_code)


def test_verification_updates_the_people_and_publishes_the_event(client: TestClient, settings) -> None:
    # DB 31114/Z 003-2025 5.1.3–5.1.4: the 协管员 checks the people and updates them in the system.
    places(client, settings)
    stays = client.post("/api/v1/registrations", json=form(), headers=collector(settings)).json()
    leaves = client.post(
        "/api/v1/registrations",
        json=form(id_number=id_number(sequence="456"), name="李四"),
        headers=collector(settings),
    ).json()
    upload(client, settings, HEADER + "31011401,群租房,每月核查\n")
    task = _task_of(client, settings, "31011401")
    newcomer = form(id_number=id_number(sequence="789"), name="王五")

    response = client.post(
        f"/api/v1/key-house-tasks/{task['id']}/verification",
        json={
            "verified_at": "2025-11-21T10:00:00+08:00",
            "still_resident": [stays["id"]],
            "moved_out": [{"registration_id": leaves["id"], "reason": "已搬离"}],
            "new_residents": [newcomer],
            "note": "民警带领上门核查",
        },
        headers=collector(settings),
    )

    assert response.status_code == 200, response.text
    done = response.json()
    assert (done["status"], done["persons_confirmed"], done["persons_deregistered"], done["persons_registered"]) == (
        "verified",
        1,
        1,
        1,
    )
    active = client.get(f"/api/v1/rooms/{task['room_id']}/registrations", headers=collector(settings)).json()
    assert sorted(r["name"] for r in active) == ["张*明", "王*"]
    events = [row for row in outbox_rows(settings) if row["event_type"] == VERIFIED]
    assert len(events) == 1
    assert '"persons_deregistered":1' in events[0]["payload"].replace(" ", "")
    assert (json.loads(events[0]["payload"])["verified_by"], json.loads(events[0]["payload"])["verified_role"]) == (
        "collector-7",
        "collector",
    )
    again = client.post(
        f"/api/v1/key-house-tasks/{task['id']}/verification",
        json={"verified_at": "2025-11-21T10:00:00+08:00", "still_resident": [stays["id"]]},
        headers=collector(settings),
    )
    assert again.status_code == 409


def test_verification_must_account_for_every_registered_person(client: TestClient, settings) -> None:
    # DB 31114/Z 003-2025 5.1.4 with 001 6.1 不遗漏: nobody registered at the key house is left unchecked.
    places(client, settings)
    registered = client.post("/api/v1/registrations", json=form(), headers=collector(settings)).json()
    upload(client, settings, HEADER + "31011401,群租房,每月核查\n")
    task = _task_of(client, settings, "31011401")

    response = client.post(
        f"/api/v1/key-house-tasks/{task['id']}/verification",
        json={"verified_at": "2025-11-21T10:00:00+08:00"},
        headers=collector(settings),
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.still_resident"
    assert registered["id"] in response.json()["errors"][0]["message"]
    assert [row for row in outbox_rows(settings) if row["event_type"] == VERIFIED] == []


def test_police_see_progress_per_station(client: TestClient, settings) -> None:
    # DB 31114/Z 003-2025 5.1.2: the 社区民警 supervise (督促) the 协管员's verifications.
    places(client, settings)
    upload(client, settings, HEADER + "31011401,群租房,每月核查\n31011402,群租房,每月核查\n")
    upload(client, settings, HEADER + "31011501,群租房,每月核查\n", station="ps-huangdu")
    task = _task_of(client, settings, "31011402")
    client.post(
        f"/api/v1/key-house-tasks/{task['id']}/verification",
        json={"verified_at": "2025-11-21T10:00:00+08:00"},
        headers=collector(settings),
    )

    own = client.get("/api/v1/key-houses/progress", headers=police(settings)).json()
    everything = client.get("/api/v1/key-houses/progress", headers=admin(settings)).json()

    assert [(p["police_station"], p["area"], p["tasks"], p["verified"], p["pending"]) for p in own] == [
        ("ps-anting", None, 2, 1, 1),
        ("ps-anting", "jd-anting-a03", 2, 1, 1),
    ]
    assert own[0]["verified_share"] == 0.5
    assert {p["police_station"] for p in everything} == {"ps-anting", "ps-huangdu"}
    assert client.get("/api/v1/key-houses/progress", headers=collector(settings)).status_code == 403
    assert upload(client, settings, HEADER).json()["errors"][0]["field"] == "line 1.file"
    assert client.post("/api/v1/key-house-lists", content=b"x", headers=collector(settings)).status_code == 403


def test_a_deregistration_form_cannot_register_a_newcomer(client: TestClient, settings) -> None:
    # DB 31114/Z 001-2025 A.2.3 (登记 / 注销) with 003-2025 5.1.4: the people found at the key house are registered;
    # a 注销 form among them is refused naming its action, and nothing of the check is written.
    places(client, settings)
    leaves = client.post("/api/v1/registrations", json=form(), headers=collector(settings)).json()
    upload(client, settings, HEADER + "31011401,群租房,每月核查\n")
    task = _task_of(client, settings, "31011401")
    newcomers = [
        form(id_number=id_number(sequence="789"), name="王五"),
        form(id_number=id_number(sequence="456"), name="李四", action="注销"),
    ]

    response = client.post(
        f"/api/v1/key-house-tasks/{task['id']}/verification",
        json={
            "verified_at": "2025-11-21T10:00:00+08:00",
            "moved_out": [{"registration_id": leaves["id"]}],
            "new_residents": newcomers,
        },
        headers=collector(settings),
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == ["body.new_residents.1.action"]
    assert query_rows(settings, "SELECT name, status FROM registration") == [{"name": "张三明", "status": "active"}]
    assert query_rows(settings, "SELECT status, verified_by FROM key_house_task") == [
        {"status": "pending", "verified_by": None}
    ]
    assert [row for row in outbox_rows(settings) if row["event_type"] == VERIFIED] == []


def test_the_station_police_record_a_check_and_other_stations_cannot_see_the_task(client: TestClient, settings) -> None:
    # DB 31114/Z 003-2025 4.1, 5.1.2: the 社区民警 goes on site himself (实地上门进行信息核查、系统维护) for the key
    # houses of his station; the check records who did it and in which role. Another station's police, or another
    # area's 协管员, get 404 as for an unknown task (its existence is not revealed).
    places(client, settings)
    stays = client.post("/api/v1/registrations", json=form(), headers=collector(settings)).json()
    upload(client, settings, HEADER + "31011401,群租房,每月核查\n")
    task = _task_of(client, settings, "31011401")
    url = f"/api/v1/key-house-tasks/{task['id']}/verification"
    body = {"verified_at": "2025-11-21T10:00:00+08:00", "still_resident": [stays["id"]], "note": "民警上门核查"}

    other_station = client.post(url, json=body, headers=police(settings, "ps-huangdu"))
    other_collector = client.post(url, json=body, headers=collector(settings, "collector-8"))

    assert (other_station.status_code, other_collector.status_code) == (404, 404)
    unknown = client.post(
        "/api/v1/key-house-tasks/7f1c3b52-9d0e-4b8a-9a57-0d6c1c1e2f00/verification",
        json=body,
        headers=police(settings, "ps-huangdu"),
    )
    assert [(r.status_code, r.json()["type"], r.json()["title"]) for r in (other_station, other_collector)] == [
        (unknown.status_code, unknown.json()["type"], unknown.json()["title"])
    ] * 2
    assert query_rows(settings, "SELECT status FROM key_house_task") == [{"status": "pending"}]

    response = client.post(url, json=body, headers=police(settings))

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["verified_by"], response.json()["persons_confirmed"]) == (
        "verified",
        "police-ps-anting",
        1,
    )
    assert response.json()["verified_role"] == "community_police"
    assert query_rows(settings, "SELECT verified_role FROM key_house_task") == [{"verified_role": "community_police"}]
    [event] = [row for row in outbox_rows(settings) if row["event_type"] == VERIFIED]
    payload = json.loads(event["payload"])
    assert (payload["verified_by"], payload["verified_role"], payload["police_station"]) == (
        "police-ps-anting",
        "community_police",
        "ps-anting",
    )
