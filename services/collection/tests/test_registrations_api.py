"""Residence registrations over HTTP: the form (contract `POST /api/v1/registrations`), 不重复 with history, PII
encrypted at rest, masked by default, disclosed with a purpose and an access record, search through the blind
index, and scope."""

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient

from collection.main import build_app
from collection.registrations import service
from collection.registrations.models import RegistrationChannel, RegistrationIn
from collection.settings import CollectionSettings
from collection.testing import (
    OTHER_AREA,
    admin,
    auth,
    collector,
    form,
    id_number,
    police,
    register_building,
    setup_places,
)
from jiading_shared.db import Database
from jiading_shared.errors import ProblemError
from jiading_shared.pii import PiiVault
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows

settings, client = api_fixtures(CollectionSettings, build_app)


def places(client: TestClient, settings: CollectionSettings) -> dict[str, str]:
    setup_places(client, settings)
    building = register_building(client, settings, "31011401", "31011402")
    other = register_building(client, settings, "31011501", sub="collector-8", area=OTHER_AREA, road="叶城路")
    rooms = {room["house_code"]: room["id"] for room in building["rooms"]}
    rooms["31011501"] = other["rooms"][0]["id"]
    return rooms


def submit(client: TestClient, settings: CollectionSettings, body: dict, sub: str = "collector-7"):
    return client.post("/api/v1/registrations", json=body, headers=collector(settings, sub))


def event_types(settings: CollectionSettings) -> list[str]:
    return [row["event_type"] for row in outbox_rows(settings) if "registration" in row["event_type"]]


def test_registration_is_stored_encrypted_and_returned_masked(client: TestClient, settings: CollectionSettings) -> None:
    # Issue 3 item 8: ID numbers and phones encrypted at rest, masked by default.
    places(client, settings)

    response = submit(client, settings, form())

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id_number"] == f"310114********{id_number()[-4:]}"
    assert body["mobile"] == "138****5678"
    assert body["landline"] == "021****1234"
    assert body["name"] == "张*明"
    assert body["masked"] is True
    # DB 31114/Z 001-2025 A.2.1 / 表 A.1: 居住地址 "区/县 街道/镇 路 弄 号 室", the 街道/镇 by its name.
    assert body["residence_address"] == "嘉定区 安亭镇 墨玉南路888弄12号101室"
    assert body["form_no"] is None
    assert (body["ethnicity"], body["ethnicity_label"]) == ("han", "汉族")
    assert (body["residence_type"], body["education"]) == ("rented", "senior_secondary")
    assert body["birth_date"] == "1985-06-12"
    [row] = query_rows(settings, "SELECT * FROM registration")
    assert id_number() not in json.dumps(row, default=str)
    assert "13812345678" not in json.dumps(row, default=str)
    assert row["id_number_cipher"].startswith("v1:")
    assert event_types(settings) == ["cn.jiading.collection.registration.registered.v1"]
    assert id_number() not in outbox_rows(settings)[-1]["payload"]


def test_invalid_id_number_is_a_422_naming_id_number(client: TestClient, settings: CollectionSettings) -> None:
    # Contract of issue 3; DB 31114/Z 001-2025 A.2.4 (GB 11643 check digit).
    places(client, settings)
    bad = id_number()[:-1] + ("1" if id_number()[-1] != "1" else "2")

    response = submit(client, settings, form(id_number=bad))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["body.id_number"]
    assert query_rows(settings, "SELECT id FROM registration") == []


def test_future_birth_date_in_the_id_number_is_rejected(client: TestClient, settings: CollectionSettings) -> None:
    places(client, settings)

    response = submit(client, settings, form(id_number=id_number(birth="20990101")))

    assert response.status_code == 422
    assert "future" in response.json()["errors"][0]["message"]


def test_code_lists_accept_labels_and_aliases_and_reject_others(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 001-2025 A.2.6: 就读 is accepted as 借读培训.
    places(client, settings)

    ok = submit(client, settings, form(residence_reason="就读", ethnicity="朝鲜族"))
    bad = submit(
        client, settings, form(house_code="31011402", ethnicity="火星族", residence_type="借住", education="幼儿园")
    )

    assert ok.status_code == 201
    assert (ok.json()["residence_reason"], ok.json()["residence_reason_label"]) == ("study_training", "借读培训")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"body.ethnicity", "body.residence_type", "body.education"}


def test_other_reason_requires_text(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 A.2.6: "其他" requires a text.
    places(client, settings)

    response = submit(client, settings, form(residence_reason="其他"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.residence_reason_other"


def test_phones_are_validated(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 A.2.7.
    places(client, settings)

    response = submit(client, settings, form(mobile="12345", landline="13812345678"))

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"body.mobile", "body.landline"}


def test_person_without_id_number_needs_guardian_details(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 6.2.7: an infant without an ID number.
    places(client, settings)
    infant = form(
        id_number=None, name="张小宝", mobile=None, landline=None, education=None, residence_reason="随迁亲属"
    )

    missing = submit(client, settings, infant | {"guardian": {"name": "张三明"}})
    complete = submit(
        client,
        settings,
        infant
        | {
            "guardian": {
                "name": "张三明",
                "id_number": id_number(),
                "relation": "父子",
                "household_address": "安徽省阜阳市颍州区文峰街道1号",
            }
        },
    )

    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == [
        "body.guardian.id_number",
        "body.guardian.relation",
        "body.guardian.household_address",
    ]
    assert complete.status_code == 201, complete.text
    assert complete.json()["guardian"]["id_number"].startswith("310114********")
    assert complete.json()["id_number"] is None


def test_registering_at_a_new_address_deregisters_the_old_one_with_history(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 001-2025 6.1 不重复: one active registration per person.
    places(client, settings)
    first = submit(client, settings, form()).json()

    duplicate = submit(client, settings, form())
    moved = submit(client, settings, form(house_code="31011501", filled_by="王协管"), sub="collector-8")

    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "body.id_number"
    assert moved.status_code == 201
    history = client.post(
        "/api/v1/registrations/search", json={"id_number": id_number()}, headers=admin(settings)
    ).json()
    assert [(r["house_code"], r["status"]) for r in history] == [("31011501", "active"), ("31011401", "deregistered")]
    assert history[1]["superseded_by"] == moved.json()["id"]
    assert history[1]["id"] == first["id"]
    assert event_types(settings) == [
        "cn.jiading.collection.registration.registered.v1",
        "cn.jiading.collection.registration.deregistered.v1",
        "cn.jiading.collection.registration.registered.v1",
    ]


def test_search_by_exact_id_number_is_scoped(client: TestClient, settings: CollectionSettings) -> None:
    # Issue 3 item 8: search by exact ID number through the blind index.
    places(client, settings)
    submit(client, settings, form())

    mine = client.post(
        "/api/v1/registrations/search", json={"id_number": id_number().lower()}, headers=collector(settings)
    )
    theirs = client.post(
        "/api/v1/registrations/search", json={"id_number": id_number()}, headers=collector(settings, "collector-8")
    )
    nobody = client.post(
        "/api/v1/registrations/search", json={"id_number": id_number(sequence="999")}, headers=collector(settings)
    )

    assert len(mine.json()) == 1
    assert theirs.json() == []
    assert nobody.json() == []


def test_disclosure_needs_a_purpose_and_leaves_an_access_record(
    client: TestClient, settings: CollectionSettings
) -> None:
    # Issue 3 item 8: unmasked only for the area's collectors and the station's police, with a purpose, audited.
    places(client, settings)
    created = submit(client, settings, form()).json()
    url = f"/api/v1/registrations/{created['id']}/disclosure"

    without_purpose = client.get(url, headers=police(settings))
    other_station = client.get(url, params={"purpose": "核查重点房"}, headers=police(settings, "ps-huangdu"))
    district_admin = client.get(url, params={"purpose": "核查重点房"}, headers=admin(settings))
    disclosed = client.get(url, params={"purpose": "核查重点房人员"}, headers=police(settings))

    assert without_purpose.status_code == 422
    assert other_station.status_code == 404
    assert district_admin.status_code == 403
    assert disclosed.status_code == 200
    body = disclosed.json()
    assert (body["id_number"], body["mobile"], body["landline"], body["name"]) == (
        id_number(),
        "13812345678",
        "02159991234",
        "张三明",
    )
    assert body["masked"] is False
    [record] = query_rows(settings, "SELECT * FROM pii_access_audit")
    assert record["actor_sub"] == "police-ps-anting"
    assert record["purpose"] == "核查重点房人员"
    assert record["record_id"] == created["id"]
    assert json.loads(record["fields"]) == ["id_number", "landline", "mobile", "name"]


def test_registration_scope(client: TestClient, settings: CollectionSettings) -> None:
    # Issue 3 item 9: collectors write only their areas; police read their station's areas.
    places(client, settings)
    created = submit(client, settings, form()).json()

    foreign = submit(client, settings, form(house_code="31011501", id_number=id_number(sequence="555")))
    by_police = client.post("/api/v1/registrations", json=form(), headers=police(settings))
    read_other = client.get(f"/api/v1/registrations/{created['id']}", headers=collector(settings, "collector-8"))
    read_police = client.get(f"/api/v1/registrations/{created['id']}", headers=police(settings))
    read_dispatcher = client.get(f"/api/v1/registrations/{created['id']}", headers=auth(settings, "dispatcher"))

    assert foreign.status_code == 403
    assert by_police.status_code == 403
    assert read_other.status_code == 404
    assert read_police.status_code == 200
    assert read_police.json()["masked"] is True
    assert read_dispatcher.status_code == 403


def test_unknown_house_code_is_named(client: TestClient, settings: CollectionSettings) -> None:
    places(client, settings)

    response = submit(client, settings, form(house_code="99999999"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.house_code"


def test_deregistration_by_form_and_by_endpoint(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 A.2.3: 注销.
    places(client, settings)
    submit(client, settings, form())
    second = submit(client, settings, form(house_code="31011402", id_number=id_number(sequence="456"))).json()

    by_form = submit(client, settings, form(action="注销"))
    by_endpoint = client.post(
        f"/api/v1/registrations/{second['id']}/deregistration", json={"reason": "已搬离"}, headers=collector(settings)
    )
    again = client.post(
        f"/api/v1/registrations/{second['id']}/deregistration", json={"reason": "已搬离"}, headers=collector(settings)
    )

    assert by_form.status_code == 200
    assert by_form.json()["status"] == "deregistered"
    assert by_endpoint.json()["deregistration_reason"] == "已搬离"
    assert again.status_code == 409
    # Deregistered, the person may register again.
    assert submit(client, settings, form()).status_code == 201


def test_collected_visit_links_the_registrations_made(client: TestClient, settings: CollectionSettings) -> None:
    rooms = places(client, settings)
    registration = submit(client, settings, form()).json()
    body = {"visited_at": "2025-11-20T10:00:00+08:00", "outcome": "collected", "registration_ids": [registration["id"]]}

    visit = client.post(f"/api/v1/rooms/{rooms['31011401']}/visits", json=body, headers=collector(settings))
    wrong_room = client.post(f"/api/v1/rooms/{rooms['31011402']}/visits", json=body, headers=collector(settings))

    assert visit.status_code == 201
    assert visit.json()["registration_ids"] == [registration["id"]]
    assert (
        client.get(f"/api/v1/registrations/{registration['id']}", headers=collector(settings)).json()["visit_id"]
        == visit.json()["id"]
    )
    assert wrong_room.status_code == 422
    assert wrong_room.json()["errors"][0]["field"] == "body.registration_ids.0"
    assert len(query_rows(settings, "SELECT id FROM visit")) == 1


def test_import_is_all_or_nothing_with_per_row_errors_and_a_dry_run(
    client: TestClient, settings: CollectionSettings
) -> None:
    places(client, settings)
    good = [form(id_number=id_number(sequence=f"{n:03d}")) for n in range(3)]
    bad = [*good, form(house_code="31011402", residence_reason="其他"), form(house_code="77777777")]

    rejected = client.post("/api/v1/registrations/import", json={"rows": bad}, headers=collector(settings))
    dry = client.post(
        "/api/v1/registrations/import", params={"dry_run": "true"}, json={"rows": good}, headers=collector(settings)
    )
    assert query_rows(settings, "SELECT id FROM registration") == []
    done = client.post("/api/v1/registrations/import", json={"rows": good}, headers=collector(settings))

    assert rejected.status_code == 422
    assert [e["field"] for e in rejected.json()["errors"]] == ["rows.3.residence_reason_other", "rows.4.house_code"]
    assert dry.json() == {"dry_run": True, "rows": 3, "imported": 0}
    assert done.json() == {"dry_run": False, "rows": 3, "imported": 3}
    assert len(query_rows(settings, "SELECT id FROM registration WHERE status = 'active'")) == 3
    assert len(event_types(settings)) == 3


def test_import_refuses_deregistration_rows(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 A.2.3: "登记" or "注销" is ticked on the form; a 注销 row must never become an active
    # registration. The import refuses it by row, all or nothing.
    places(client, settings)
    rows = [form(id_number=id_number(sequence="301")), form(house_code="31011402", action="注销")]

    response = client.post("/api/v1/registrations/import", json={"rows": rows}, headers=collector(settings))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["rows.1.action"]
    assert query_rows(settings, "SELECT id FROM registration") == []
    assert event_types(settings) == []


def test_register_never_creates_a_registration_from_a_deregistration_form(
    client: TestClient, settings: CollectionSettings
) -> None:
    # DB 31114/Z 001-2025 A.2.3: every caller of `register` (key-house new residents, confirmed self-declarations)
    # gets a 422 naming `action` for a 注销 form, not a new active registration.
    places(client, settings)
    db = Database(settings.database_url)
    vault = PiiVault.from_settings(settings)
    try:
        with pytest.raises(ProblemError) as refused, db.session() as session:
            place = service.place_of_house_code(session, "31011401")
            assert place is not None
            service.register(
                session,
                vault,
                RegistrationIn.model_validate(form(action="注销")),
                place,
                channel=RegistrationChannel.VISIT,
                registered_by="collector-7",
                today=date(2025, 11, 26),
            )
    finally:
        db.dispose()

    assert refused.value.status == 422
    assert [e.field for e in refused.value.errors or []] == ["body.action"]
    assert query_rows(settings, "SELECT id FROM registration") == []


def test_form_number_is_kept_and_returned(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 表 A.1: 表号, the paper form's number, kept with the registration.
    places(client, settings)

    created = submit(client, settings, form(form_no=" JD-2025-000123 "))
    too_long = submit(client, settings, form(house_code="31011402", form_no="9" * 51))

    assert created.status_code == 201, created.text
    assert created.json()["form_no"] == "JD-2025-000123"
    fetched = client.get(f"/api/v1/registrations/{created.json()['id']}", headers=collector(settings)).json()
    assert fetched["form_no"] == "JD-2025-000123"
    assert [row["form_no"] for row in query_rows(settings, "SELECT form_no FROM registration")] == ["JD-2025-000123"]
    assert too_long.status_code == 422
    assert [e["field"] for e in too_long.json()["errors"]] == ["body.form_no"]


def test_local_household_person_needs_a_shanghai_household(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 A.2.3 (人员类别: 来沪人员 / 本市户籍人户分离人员) and 3.1 (来沪人员 = 外省户籍人员):
    # a 本市户籍 person's 户籍所在地址 lies in 上海市, a 来沪人员's outside it.
    places(client, settings)
    shanghai = {"province": "上海市", "city": "静安区", "detail": "南京西路1号"}

    local_from_anhui = submit(client, settings, form(person_category="本市户籍"))
    non_local_from_shanghai = submit(client, settings, form(household_address=shanghai))
    local = submit(client, settings, form(person_category="本市户籍", household_address=shanghai))

    assert local_from_anhui.status_code == 422
    assert local_from_anhui.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in local_from_anhui.json()["errors"]] == ["body.household_address.province"]
    assert [e["field"] for e in non_local_from_shanghai.json()["errors"]] == ["body.household_address.province"]
    assert local.status_code == 201, local.text
    assert local.json()["person_category"] == "local"
    assert local.json()["household_address"] == shanghai


def test_photo_flag_and_filler_are_kept_as_filled_in(client: TestClient, settings: CollectionSettings) -> None:
    # DB 31114/Z 001-2025 A.2.8 (照片采集 已采集/未采集), A.2.9 (填表人): kept as the form says, and required.
    places(client, settings)

    with_photo = submit(client, settings, form(photo_collected=True, filled_by="李协管"))
    without_photo = submit(
        client, settings, form(house_code="31011402", id_number=id_number(sequence="456"), photo_collected=False)
    )
    no_flag = submit(client, settings, {k: v for k, v in form(house_code="31011402").items() if k != "photo_collected"})
    no_filler = submit(client, settings, form(house_code="31011402", filled_by=""))

    assert (with_photo.status_code, without_photo.status_code) == (201, 201)
    assert (with_photo.json()["photo_collected"], with_photo.json()["filled_by"]) == (True, "李协管")
    assert without_photo.json()["photo_collected"] is False
    assert [e["field"] for e in no_flag.json()["errors"]] == ["body.photo_collected"]
    assert [e["field"] for e in no_filler.json()["errors"]] == ["body.filled_by"]
