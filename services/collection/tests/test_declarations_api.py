"""Self-declarations (自主填报, DB 31114/Z 001-2025 §5) over HTTP: the 随申办 channel submits a face-verified form with
materials; it lands pending; the area's 协管员 confirms (creating the registration) or rejects with a reason."""

import base64

from fastapi.testclient import TestClient

from collection.main import build_app
from collection.settings import CollectionSettings
from collection.testing import OTHER_AREA, auth, collector, form, id_number, police, register_building, setup_places
from jiading_shared.testing.services import api_fixtures, outbox_rows, query_rows

settings, client = api_fixtures(CollectionSettings, build_app)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"x" * 64


def channel(settings: CollectionSettings) -> dict[str, str]:
    return auth(settings, "external_system", sub="suishenban", town=None)


def declaration(**overrides: object) -> dict:
    return {
        "app": "wechat",
        "external_reference": "SSB-2025-000123",
        "face_verified": True,
        "face_verified_at": "2025-11-20T09:30:00+08:00",
        "form": form(filled_by="本人"),
        "materials": [
            {"name": "租赁合同", "content_base64": base64.b64encode(PDF).decode()},
            {"name": "身份证照片", "content_base64": base64.b64encode(PNG).decode()},
        ],
        "preferred_visit_date": "2025-11-25",
        **overrides,
    }


def places(client: TestClient, settings: CollectionSettings) -> None:
    setup_places(client, settings)
    register_building(client, settings, "31011401", "31011402")
    register_building(client, settings, "31011501", sub="collector-8", area=OTHER_AREA, road="叶城路")


def submit(client: TestClient, settings: CollectionSettings, body: dict):
    return client.post("/api/v1/self-declarations", json=body, headers=channel(settings))


def test_self_declaration_lands_pending_with_materials_and_masked(client: TestClient, settings) -> None:
    # DB 31114/Z 001-2025 5.1 (随申办 app / 微信 / 支付宝 channel), 5.2.4–5.2.7: face verification, declarant's
    # information, uploaded materials, submitted.
    places(client, settings)

    response = submit(client, settings, declaration())

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert body["declarant_name"] == "张*明"
    assert body["id_number"] == f"310114********{id_number()[-4:]}"
    assert [(m["name"], m["content_type"]) for m in body["materials"]] == [
        ("租赁合同", "application/pdf"),
        ("身份证照片", "image/png"),
    ]
    assert response.headers["Location"] == f"/api/v1/self-declarations/{body['id']}"
    stored = query_rows(settings, "SELECT form_cipher, id_number_index FROM self_declaration")
    assert id_number() not in stored[0]["form_cipher"]  # the form is encrypted at rest (issue 3 item 8)
    assert stored[0]["id_number_index"]
    # No registration yet: it waits for the 协管员.
    assert query_rows(settings, "SELECT id FROM registration") == []
    # The area's 协管员 sees it on the pending list and can open the material.
    listed = client.get("/api/v1/self-declarations", headers=collector(settings)).json()
    assert [item["id"] for item in listed] == [body["id"]]
    material = client.get(f"/api/v1/self-declarations/{body['id']}/materials/0", headers=collector(settings))
    assert (material.status_code, material.content) == (200, PDF)
    # The channel follows up its own submission.
    assert client.get(f"/api/v1/self-declarations/{body['id']}", headers=channel(settings)).status_code == 200


def test_self_declaration_without_face_verification_is_refused(client: TestClient, settings) -> None:
    # DB 31114/Z 001-2025 5.2.4: 人脸认证 precedes the declarant's form.
    places(client, settings)

    response = submit(client, settings, declaration(face_verified=False))

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.face_verified"]
    assert query_rows(settings, "SELECT id FROM self_declaration") == []


def test_self_declaration_uses_the_registration_form_rules(client: TestClient, settings) -> None:
    # DB 31114/Z 001-2025 A.2.4 / A.2.6: the same checks as a form filled at the door.
    places(client, settings)

    bad_id = submit(client, settings, declaration(form=form(id_number="310114198506121230")))
    other_reason = submit(client, settings, declaration(form=form(residence_reason="其他")))
    unknown_room = submit(client, settings, declaration(form=form(house_code="99999999")))

    assert bad_id.status_code == 422
    assert "body.form.id_number" in [e["field"] for e in bad_id.json()["errors"]]
    assert other_reason.status_code == 422
    assert [e["field"] for e in other_reason.json()["errors"]] == ["body.form.residence_reason_other"]
    assert unknown_room.status_code == 422
    assert [e["field"] for e in unknown_room.json()["errors"]] == ["body.form.house_code"]


def test_materials_are_checked_and_nothing_is_half_written(client: TestClient, settings) -> None:
    # DB 31114/Z 001-2025 5.2.6: 上传材料 — type and size checked; a refused declaration leaves nothing behind.
    places(client, settings)
    text = base64.b64encode(b"plain text, not a document").decode()

    wrong_type = submit(client, settings, declaration(materials=[{"name": "x", "content_base64": text}]))
    not_base64 = submit(client, settings, declaration(materials=[{"name": "x", "content_base64": "%%%"}]))

    assert wrong_type.status_code == 415
    assert wrong_type.json()["errors"][0]["field"] == "body.materials.0.content_base64"
    assert not_base64.status_code == 422
    assert query_rows(settings, "SELECT id FROM self_declaration") == []


def test_confirmation_creates_the_registration(client: TestClient, settings) -> None:
    # DB 31114/Z 001-2025 §4: 自主填报 + 协管员上门核查; the confirmed declaration becomes the registration.
    places(client, settings)
    declared = submit(client, settings, declaration()).json()

    response = client.post(
        f"/api/v1/self-declarations/{declared['id']}/confirmation", json={}, headers=collector(settings)
    )

    assert response.status_code == 201, response.text
    registration = response.json()
    assert (registration["channel"], registration["status"], registration["house_code"]) == (
        "self_declaration",
        "active",
        "31011401",
    )
    after = client.get(f"/api/v1/self-declarations/{declared['id']}", headers=collector(settings)).json()
    assert (after["status"], after["registration_id"], after["reviewed_by"]) == (
        "confirmed",
        registration["id"],
        "collector-7",
    )
    assert "cn.jiading.collection.registration.registered.v1" in [r["event_type"] for r in outbox_rows(settings)]
    again = client.post(
        f"/api/v1/self-declarations/{declared['id']}/confirmation", json={}, headers=collector(settings)
    )
    assert again.status_code == 409


def test_confirmation_applies_no_duplicate_rule(client: TestClient, settings) -> None:
    # DB 31114/Z 001-2025 6.1 不重复: the person is already registered at this room → 409, declaration stays pending.
    places(client, settings)
    assert client.post("/api/v1/registrations", json=form(), headers=collector(settings)).status_code == 201
    declared = submit(client, settings, declaration()).json()

    response = client.post(
        f"/api/v1/self-declarations/{declared['id']}/confirmation", json={}, headers=collector(settings)
    )

    assert response.status_code == 409
    after = client.get(f"/api/v1/self-declarations/{declared['id']}", headers=collector(settings)).json()
    assert after["status"] == "pending"


def test_rejection_needs_a_reason_and_is_shown_to_the_channel(client: TestClient, settings) -> None:
    # DB 31114/Z 001-2025 §4: the 协管员's 核查 may reject the declaration; the reason goes back to the declarant.
    places(client, settings)
    declared = submit(client, settings, declaration()).json()
    path = f"/api/v1/self-declarations/{declared['id']}/rejection"

    no_reason = client.post(path, json={}, headers=collector(settings))
    rejected = client.post(path, json={"reason": "上门核查：本人不在此居住"}, headers=collector(settings))

    assert no_reason.status_code == 422
    assert rejected.status_code == 200, rejected.text
    seen = client.get(f"/api/v1/self-declarations/{declared['id']}", headers=channel(settings)).json()
    assert (seen["status"], seen["rejection_reason"]) == ("rejected", "上门核查：本人不在此居住")
    assert query_rows(settings, "SELECT id FROM registration") == []


def test_declarations_are_reviewed_only_by_the_areas_collectors(client: TestClient, settings) -> None:
    # Issue 3 item 9: another area's 协管员 neither sees nor confirms; police read their station's; the channel only
    # submits.
    places(client, settings)
    declared = submit(client, settings, declaration()).json()
    path = f"/api/v1/self-declarations/{declared['id']}"

    assert client.get("/api/v1/self-declarations", headers=collector(settings, "collector-8")).json() == []
    assert client.post(f"{path}/confirmation", json={}, headers=collector(settings, "collector-8")).status_code == 404
    assert client.get(path, headers=police(settings)).status_code == 200
    assert client.get(path, headers=police(settings, "ps-huangdu")).status_code == 404
    assert client.post(f"{path}/confirmation", json={}, headers=channel(settings)).status_code == 403
    other_channel = auth(settings, "external_system", sub="another-system", town=None)
    assert client.get(path, headers=other_channel).status_code == 404
    assert client.post("/api/v1/self-declarations", json=declaration(), headers=collector(settings)).status_code == 403
