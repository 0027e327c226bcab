"""Personal data across the suite on real PostgreSQL (issue 9 item 3; PIPL; DB 31114/Z 001-2025 A.2.4, A.2.7;
DB 31114/Z 022-2025 6.1.1 d)).

One realistic run drives all five services through their APIs, each on its own database, with valid ID numbers
(GB 11643 check digit) and mobile and landline numbers: registrations (adult, minor with guardian, import),
self-declarations, visits, key-house verification, assist-desk tickets, Open311 requests with the reporter's phone and
e-mail, departments' liaisons, joint-rectification contacts and service providers. Then:

* every column of every table of every service database (information_schema; outbox payloads and inbox included)
  holds no ID number or phone number in plaintext, in any spelling (spaces, dashes, +86); masked forms are fine;
* every response outside the reveal routes carries only masked forms; each reveal returns the plaintext, is refused
  to roles not allowed to see it, and leaves a row in pii_access_audit (who, which record and fields, why, when);
* key rotation (`python -m jiading_shared.devtools.rotate_pii_keys`) re-encrypts under a new key while the API keeps
  writing and reading, after which the old key can be removed.

Builds on the per-service checks (collection's test_registration_is_stored_encrypted_and_returned_masked and the
assist-desk / evaluation equivalents), which look at one table each.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from stdnum.cn import ric

from assist_desk.testing import Desk
from collection.testing import OTHER_AREA, admin, auth, collector, form, police, register_building, setup_places
from jiading_shared.devtools.rotate_pii_keys import main as rotate_main
from jiading_shared.devtools.rotate_pii_keys import rotate_service, service_metadata
from jiading_shared.pii import EncryptedColumn, FieldCipher, declare_encrypted_columns, encrypted_columns, generate_key
from jiading_shared.suite import SERVICES, SuiteService
from jiading_shared.testing.broker import TansuBroker
from jiading_shared.testing.postgres import create_database, drop_database
from jiading_shared.testing.services import bearer_header

pytestmark = pytest.mark.postgres


def valid_id_number(region: str, birth: str, sequence: str) -> str:
    body = f"{region}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


# --- the people of the run -----------------------------------------------------------------------------------------

ADULT_ID = valid_id_number("340102", "19850612", "131")
GUARDIAN_ID = valid_id_number("310114", "19880304", "242")
IMPORTED_IDS = [valid_id_number("320581", "19920115", "353"), valid_id_number("410105", "19790921", "464")]
DECLARANT_ID = valid_id_number("350203", "19950707", "575")
NEWCOMER_ID = valid_id_number("510104", "20000101", "686")
ID_NUMBERS = [ADULT_ID, GUARDIAN_ID, *IMPORTED_IDS, DECLARANT_ID, NEWCOMER_ID]
ADULT_MOBILE, ADULT_LANDLINE = "13812345678", "021-59991234"
IMPORTED_MOBILES = ["13987654321", "15000112233"]
DECLARANT_MOBILE, DECLARANT_LANDLINE = "18621348765", "021-69135790"
NEWCOMER_MOBILE = "17788990011"
TICKET_MOBILE, TICKET_LANDLINE = "13671112222", "021-39954321"
OPEN311_PHONE, OPEN311_EMAIL = "13916668888", "zhang.sanming@example.cn"
LIAISON_MOBILE, LIAISON_LANDLINE = "13524681357", "021-59563344"
RECTIFICATION_PHONE = "13900001111"
PROVIDER_PHONE = "+86 133 2468 1357"
PHONES = [
    ADULT_MOBILE,
    ADULT_LANDLINE,
    *IMPORTED_MOBILES,
    DECLARANT_MOBILE,
    DECLARANT_LANDLINE,
    NEWCOMER_MOBILE,
    TICKET_MOBILE,
    TICKET_LANDLINE,
    OPEN311_PHONE,
    LIAISON_MOBILE,
    LIAISON_LANDLINE,
    RECTIFICATION_PHONE,
    PROVIDER_PHONE,
]
EMAILS = [OPEN311_EMAIL]


# --- the detector ----------------------------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\+?\d(?:[\d \t\-()\u00a0]*\d)?")
_SPACING = re.compile(r"[\s\-\u00a0]+")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _phone_forms(phone: str) -> set[str]:
    """Digit strings that spell this number: as written, without the +86 prefix, the local part of a landline."""
    digits = _digits(phone)
    national = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    forms = {national, "86" + national, "0086" + national}
    if national.startswith("0"):  # landline: 021-59991234 is also written 59991234
        area = 3 if national[1] in "12" else 4
        forms.add(national[area:])
    return forms


def plaintext_hits(value: str, *, ids: list[str], phones: list[str], emails: list[str]) -> list[str]:
    """The personal values spelled out in `value`. Digit runs with separators are compared whole, so a masked form
    (``138****5678``) or a digit sequence inside a ciphertext token does not count, but ``138 1234 5678`` does."""
    hits: list[str] = []
    compact = _SPACING.sub("", value).upper()
    hits += [id_number for id_number in ids if id_number.upper() in compact]
    runs = {_digits(run) for run in _DIGIT_RUN.findall(value)}
    hits += [phone for phone in phones if runs & _phone_forms(phone)]
    lowered = value.lower()
    hits += [email for email in emails if email.lower() in lowered]
    return hits


def hits_in(value: str) -> list[str]:
    return plaintext_hits(value, ids=ID_NUMBERS, phones=PHONES, emails=EMAILS)


@dataclass
class ScanResult:
    tables: set[str] = field(default_factory=set)
    columns: int = 0
    values: int = 0
    ciphertexts: int = 0  # values that are FieldCipher tokens
    hits: list[str] = field(default_factory=list)


def scan_database(url: str) -> ScanResult:
    """Every column of every table in the public schema, read as text."""
    result = ScanResult()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            columns = connection.execute(
                text(
                    "SELECT c.table_name, c.column_name FROM information_schema.columns c "
                    "JOIN information_schema.tables t "
                    "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                    "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
                    "ORDER BY c.table_name, c.ordinal_position"
                )
            ).all()
            for table, column in columns:
                result.tables.add(table)
                result.columns += 1
                query = f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL'
                for (value,) in connection.execute(text(query)):
                    result.values += 1
                    result.ciphertexts += value.startswith("v1:")
                    result.hits += [f"{table}.{column}: {hit}" for hit in hits_in(value)]
    finally:
        engine.dispose()
    return result


# --- the run ----------------------------------------------------------------------------------------------------------


@dataclass
class Exchange:
    service: str
    method: str
    path: str
    status: int
    body: str
    expected_error: bool | None = False  # None: any status will do (the sweep of list routes)


class Recorder:
    """Every response of the run, so that each one can be checked for plaintext afterwards."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.reveals: list[Exchange] = []

    def call(
        self,
        service: str,
        client: TestClient,
        method: str,
        path: str,
        *,
        reveal: bool = False,
        expected_error: bool | None = False,
        **kwargs: Any,
    ) -> Any:
        response = client.request(method, path, **kwargs)
        exchange = Exchange(service, method, path, response.status_code, response.text, expected_error)
        (self.reveals if reveal else self.exchanges).append(exchange)
        return response


def service_settings(service: SuiteService, url: str, tmp_path: Path, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "database_url": url,
        "kafka_enabled": False,
        "schedulers_enabled": False,
        "migrate_on_start": True,
        "log_json": False,
        "blob_dir": str(tmp_path / "blobs" / service.name),
    }
    return service.settings_class()(**(values | overrides))


def wait_for_delivery(urls: dict[str, str], timeout_s: float = 60.0) -> None:
    """Until every service's outbox is published and grid-dispatch has handled what it consumes (the assist-desk
    escalation and the collection refusal report), so that the inbox and the consumer's writes are scanned too."""
    deadline = time.monotonic() + timeout_s
    pending: dict[str, Any] = {}
    while time.monotonic() < deadline:
        pending = {}
        for name, url in urls.items():
            engine = create_engine(url)
            with engine.connect() as connection:
                pending[name] = connection.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
                if name == "grid-dispatch":
                    handled = (
                        connection.execute(text("SELECT event_type FROM inbox WHERE outcome = 'handled'"))
                        .scalars()
                        .all()
                    )
                    wanted = {"cn.jiading.assist.ticket.escalated.v1", "cn.jiading.collection.refusal.reported.v1"}
                    pending["grid-dispatch inbox"] = sorted(wanted - set(handled))
            engine.dispose()
        if not any(pending.values()):
            return
        time.sleep(0.5)
    raise AssertionError(f"events not delivered within {timeout_s} s: {pending}")


@pytest.fixture
def service_databases(postgres_admin_url: str) -> Iterator[dict[str, str]]:
    """One fresh PostgreSQL database per service, as in production."""
    urls = {service.name: create_database(postgres_admin_url) for service in SERVICES}
    yield urls
    for url in urls.values():
        drop_database(postgres_admin_url, url)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def audit_rows(url: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [
                dict(row) for row in connection.execute(text("SELECT * FROM pii_access_audit ORDER BY id")).mappings()
            ]
    finally:
        engine.dispose()


def drive_collection(client: TestClient, settings: Any, rec: Recorder) -> dict[str, Any]:
    call = rec.call
    setup_places(client, settings)
    rooms = register_building(client, settings, "31011401", "31011402")["rooms"]
    register_building(client, settings, "31011501", sub="collector-8", area=OTHER_AREA, road="叶城路")
    by = collector(settings)
    adult = ok(
        call(
            "collection",
            client,
            "POST",
            "/api/v1/registrations",
            json=form(id_number=ADULT_ID, mobile=ADULT_MOBILE, landline=ADULT_LANDLINE),
            headers=by,
        ),
        201,
    )
    minor = form(
        house_code="31011402",
        id_number=None,
        name="张小宝",
        mobile=None,
        landline=None,
        education=None,
        residence_reason="随迁亲属",
        guardian={
            "name": "张建国",
            "id_number": GUARDIAN_ID,
            "relation": "父子",
            "household_address": "安徽省阜阳市颍州区文峰街道1号",
        },
    )
    ok(call("collection", client, "POST", "/api/v1/registrations", json=minor, headers=by), 201)
    imported = [
        form(house_code="31011402", name=name, id_number=id_number, mobile=mobile, landline=None)
        for name, id_number, mobile in zip(("李四海", "王五月"), IMPORTED_IDS, IMPORTED_MOBILES, strict=True)
    ]
    ok(call("collection", client, "POST", "/api/v1/registrations/import", json={"rows": imported}, headers=by))
    pdf = base64.b64encode(b"%PDF-1.4\n" + b"x" * 64).decode()
    declared = ok(
        call(
            "collection",
            client,
            "POST",
            "/api/v1/self-declarations",
            json={
                "app": "wechat",
                "external_reference": "SSB-2025-000123",
                "face_verified": True,
                "face_verified_at": "2025-11-20T09:30:00+08:00",
                "form": form(
                    name="陈晓红",
                    id_number=DECLARANT_ID,
                    mobile=DECLARANT_MOBILE,
                    landline=DECLARANT_LANDLINE,
                    filled_by="本人",
                ),
                "materials": [{"name": "租赁合同", "content_base64": pdf}],
                "preferred_visit_date": "2025-11-25",
            },
            headers=auth(settings, "external_system", sub="suishenban", town=None),
        ),
        201,
    )
    for day in ("2025-11-22", "2025-11-24"):  # the second refusal is reported to grid-dispatch (6.2.10)
        refusal = {"visited_at": f"{day}T19:00:00+08:00", "outcome": "refused"}
        ok(call("collection", client, "POST", f"/api/v1/rooms/{rooms[1]['id']}/visits", json=refusal, headers=by), 201)
    # Errors about a person must not echo the person's data either.
    call(
        "collection",
        client,
        "POST",
        "/api/v1/registrations",
        json=form(id_number=ADULT_ID, mobile=ADULT_MOBILE, landline=ADULT_LANDLINE),
        headers=by,
        expected_error=True,
    )
    call(
        "collection",
        client,
        "POST",
        "/api/v1/registrations",
        json=form(house_code="31019999", id_number=ADULT_ID, mobile=ADULT_MOBILE),
        headers=by,
        expected_error=True,
    )
    call("collection", client, "GET", "/api/v1/self-declarations", headers=by)
    call("collection", client, "GET", f"/api/v1/self-declarations/{declared['id']}", headers=by)
    ok(
        call(
            "collection",
            client,
            "POST",
            f"/api/v1/self-declarations/{declared['id']}/confirmation",
            json={},
            headers=by,
        ),
        201,
    )
    ok(
        call(
            "collection",
            client,
            "POST",
            f"/api/v1/rooms/{rooms[0]['id']}/visits",
            json={"visited_at": "2025-11-21T10:00:00+08:00", "outcome": "collected", "note": "住户在家，信息已核对"},
            headers=by,
        ),
        201,
    )
    ok(
        call(
            "collection",
            client,
            "POST",
            "/api/v1/key-house-lists",
            content="house_code,house_type,maintenance_requirement\n31011401,群租房,每月核查\n".encode(),
            headers={**police(settings), "Content-Type": "text/csv"},
        )
    )
    [task] = ok(call("collection", client, "GET", "/api/v1/key-house-tasks", headers=by))
    residents = ok(call("collection", client, "GET", f"/api/v1/rooms/{rooms[0]['id']}/registrations", headers=by))
    ok(
        call(
            "collection",
            client,
            "POST",
            f"/api/v1/key-house-tasks/{task['id']}/verification",
            json={
                "verified_at": "2025-11-21T11:00:00+08:00",
                "still_resident": [row["id"] for row in residents],
                "new_residents": [form(name="赵六一", id_number=NEWCOMER_ID, mobile=NEWCOMER_MOBILE, landline=None)],
                "note": "民警带领上门核查",
            },
            headers=by,
        )
    )
    for headers in (by, police(settings)):
        call("collection", client, "GET", f"/api/v1/registrations/{adult['id']}", headers=headers)
        call("collection", client, "GET", f"/api/v1/rooms/{rooms[1]['id']}/registrations?history=true", headers=headers)
        for id_number in ID_NUMBERS:
            call(
                "collection",
                client,
                "POST",
                "/api/v1/registrations/search",
                json={"id_number": id_number},
                headers=headers,
            )
    moved = next(
        row
        for row in ok(call("collection", client, "GET", f"/api/v1/rooms/{rooms[1]['id']}/registrations", headers=by))
        if row["name"] == "李*海"
    )
    ok(
        call(
            "collection",
            client,
            "POST",
            f"/api/v1/registrations/{moved['id']}/deregistration",
            json={"reason": "已搬离本市"},
            headers=by,
        )
    )
    return {"adult": adult, "rooms": rooms}


def drive_grid(client: TestClient, settings: Any, rec: Recorder) -> dict[str, Any]:
    call = rec.call
    town = "jd-anting"
    dispatcher = bearer_header(settings, "dispatcher", sub="dispatcher-1", town=town)
    for code, parent in (("AT-01", None), ("AT-01-01", "AT-01"), ("jd-anting-g03", "AT-01")):
        body = {"code": code, "name": code, "level": "grid" if parent else "sector_grid", "town": town}
        ok(
            client.post("/api/v1/grids", json=body | ({"parent_code": parent} if parent else {}), headers=dispatcher),
            201,
        )
    for code, name, unit_type, phone in (
        ("AT-PS", "安亭派出所", "police_station", LIAISON_MOBILE),
        ("AT-CG", "安亭城管中队", "enforcement_squad", LIAISON_LANDLINE),
        ("AT-SJ", "安亭市场监管所", "market_regulation_office", None),
    ):
        body = {"code": code, "name": name, "unit_type": unit_type, "liaison_name": "王联络", "town": town}
        ok(
            call(
                "grid",
                client,
                "POST",
                "/api/v1/departments",
                json=body | ({"liaison_phone": phone} if phone else {}),
                headers=dispatcher,
            ),
            201,
        )
    call("grid", client, "GET", "/api/v1/departments", headers=dispatcher)
    call("grid", client, "GET", "/api/v1/departments/AT-PS", headers=dispatcher)
    rectification = ok(
        call(
            "grid",
            client,
            "POST",
            "/api/v1/joint-rectifications",
            json={
                "applicant_department": "AT-CG",
                "contact_name": "李队长",
                "contact_phone": RECTIFICATION_PHONE,
                "content": "墨玉路沿线违法搭建集中拆除",
                "plan": "城管中队牵头拆除，派出所维持秩序",
                "action_date": (datetime.now() + timedelta(days=21)).date().isoformat(),
                "half_day": "pm",
                "hour": 2,
                "command_unit": "AT-CG",
                "command_leader": "李队长",
                "participants": [{"department_code": "AT-PS", "head_count": 4}],
                "vehicles": [{"type": "pickup", "count": 2}],
            },
            headers=bearer_header(settings, "commander", sub="commander-1", town=town),
        ),
        201,
    )
    call("grid", client, "GET", "/api/v1/joint-rectifications", headers=dispatcher)
    call("grid", client, "GET", f"/api/v1/joint-rectifications/{rectification['id']}", headers=dispatcher)
    hotline = bearer_header(settings, "external_system", sub="hotline-12345", town=town)
    created = ok(
        call(
            "grid",
            client,
            "POST",
            "/open311/v2/requests.json",
            data={
                "api_key": "dev-open311-key",
                "service_code": "water_pollution",
                "lat": "31.38",
                "long": "121.16",
                "description": "河道漂浮垃圾，气味很大",
                "email": OPEN311_EMAIL,
                "phone": OPEN311_PHONE,
                "first_name": "三明",
                "last_name": "张",
                "device_id": "ios-device-1",
            },
            headers=hotline,
        )
    )
    call("grid", client, "GET", "/open311/v2/requests.json", headers=hotline)
    call("grid", client, "GET", f"/open311/v2/requests/{created[0]['service_request_id']}.json", headers=hotline)
    return {"rectification": rectification}


def drive_assist(client: TestClient, settings: Any, rec: Recorder) -> dict[str, Any]:
    desk = Desk(client, settings)
    institution, member = desk.setup()
    tickets = []
    for name, number in (("张三明", TICKET_MOBILE), ("李家红", TICKET_LANDLINE)):
        body = desk.ticket_body(institution, member, target={"kind": "natural_person", "name": name, "mobile": number})
        tickets.append(
            ok(rec.call("assist", client, "POST", "/api/v1/tickets", json=body, headers=desk.assistant), 201)
        )
    hotline_body = desk.ticket_body(
        institution,
        member,
        channel="hotline_12345",
        target={"kind": "natural_person", "mobile": f"+86 {TICKET_MOBILE}"},
    )
    tickets.append(
        ok(rec.call("assist", client, "POST", "/api/v1/tickets", json=hotline_body, headers=desk.hotline), 201)
    )
    ok(rec.call("assist", client, "POST", f"/api/v1/tickets/{tickets[0]['id']}/start", json={}, headers=desk.assistant))
    ok(
        rec.call(
            "assist",
            client,
            "POST",
            f"/api/v1/tickets/{tickets[0]['id']}/escalate",
            json={"type": "coordination", "reason": "部门系统退回", "department": "market-reg"},
            headers=desk.assistant,
        )
    )
    rec.call("assist", client, "GET", "/api/v1/tickets", headers=desk.assistant)
    rec.call(
        "assist",
        client,
        "GET",
        "/api/v1/tickets",
        params={"mobile": f"{TICKET_MOBILE}#"},
        headers=desk.assistant,
        expected_error=True,
    )
    rec.call("assist", client, "GET", "/api/v1/tickets", params={"mobile": TICKET_MOBILE}, headers=desk.assistant)
    for ticket in tickets:
        rec.call("assist", client, "GET", f"/api/v1/tickets/{ticket['id']}", headers=desk.assistant)
        rec.call("assist", client, "GET", f"/api/v1/tickets/{ticket['id']}/log", headers=desk.assistant)
    return {"tickets": tickets, "desk": desk}


def drive_evaluation(client: TestClient, settings: Any, rec: Recorder) -> dict[str, Any]:
    federation = bearer_header(settings, "federation_admin", sub="federation-1")
    provider = ok(
        rec.call(
            "evaluation",
            client,
            "POST",
            "/api/v1/providers",
            json={
                "name": "嘉定区阳光助残服务社",
                "unified_social_credit_code": "91310114MA1GT12348",
                "contact_name": "王老师",
                "contact_phone": PROVIDER_PHONE,
            },
            headers=federation,
        ),
        201,
    )
    rec.call("evaluation", client, "GET", f"/api/v1/providers/{provider['id']}", headers=federation)
    return {"provider": provider}


def test_the_detector_finds_plaintext_in_any_spelling_and_passes_masked_forms(postgres_url: str) -> None:
    # The scan below proves nothing unless the detector sees what it looks for: planted on PostgreSQL, every type.
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE planted (id serial PRIMARY KEY, a text, b varchar(200), c json, d jsonb)")
        )
        connection.execute(
            text("INSERT INTO planted (a, b, c, d) VALUES (:a, :b, CAST(:c AS json), CAST(:d AS jsonb))"),
            {
                "a": f"电话 138 1234 5678，身份证 {ADULT_ID[:6]} {ADULT_ID[6:14]} {ADULT_ID[14:]}",
                "b": "+86-139-8765-4321",
                "c": json.dumps({"landline": "59991234"}),
                "d": json.dumps({"id": GUARDIAN_ID.lower(), "mail": OPEN311_EMAIL.upper()}),
            },
        )
        connection.execute(
            text("INSERT INTO planted (a, b) VALUES (:a, :b)"),
            {
                "a": "138****5678 021-****1234 340102********1234",
                "b": FieldCipher({"k": b"k" * 32}, "k").encrypt(ADULT_MOBILE),
            },
        )
    engine.dispose()

    result = scan_database(postgres_url)

    assert sorted(result.hits) == sorted(
        [
            f"planted.a: {ADULT_ID}",
            f"planted.a: {ADULT_MOBILE}",
            f"planted.b: {IMPORTED_MOBILES[0]}",
            f"planted.c: {ADULT_LANDLINE}",
            f"planted.d: {GUARDIAN_ID}",
            f"planted.d: {OPEN311_EMAIL}",
        ]
    )
    assert result.tables == {"planted"}
    assert result.columns == 5


@pytest.mark.kafka
def test_no_plaintext_at_rest_or_in_events_and_masked_by_default(
    service_databases: dict[str, str], tmp_path: Path, kafka_broker: TansuBroker
) -> None:
    rec = Recorder()
    live = {"kafka_enabled": True, "kafka_bootstrap_servers": kafka_broker.bootstrap, "relay_retry_initial_ms": 100}
    settings = {s.name: service_settings(s, service_databases[s.name], tmp_path, **live) for s in SERVICES}
    apps = {s.name: s.build_app(settings[s.name]) for s in SERVICES}
    with (
        TestClient(apps["collection"]) as collection,
        TestClient(apps["grid-dispatch"]) as grid,
        TestClient(apps["library-metrics"]),
        TestClient(apps["assist-desk"]) as assist,
        TestClient(apps["evaluation"]) as evaluation,
    ):
        seen = drive_collection(collection, settings["collection"], rec)
        grid_seen = drive_grid(grid, settings["grid-dispatch"], rec)
        desk = drive_assist(assist, settings["assist-desk"], rec)
        provider = drive_evaluation(evaluation, settings["evaluation"], rec)["provider"]

        # Reveals: the plaintext, for an allowed role with a purpose, audited; refused otherwise, not audited.
        adult = seen["adult"]
        disclosed = ok(
            rec.call(
                "collection",
                collection,
                "GET",
                f"/api/v1/registrations/{adult['id']}/disclosure",
                params={"purpose": "上门核查联系本人"},
                headers=collector(settings["collection"]),
                reveal=True,
            )
        )
        assert (disclosed["id_number"], disclosed["mobile"], disclosed["landline"]) == (
            ADULT_ID,
            ADULT_MOBILE,
            _digits(ADULT_LANDLINE),  # stored as the standard writes it: digits only
        )
        assert disclosed["masked"] is False
        refused = collection.get(
            f"/api/v1/registrations/{adult['id']}/disclosure",
            params={"purpose": "抽查数据质量"},
            headers=admin(settings["collection"]),
        )
        assert refused.status_code == 403
        no_purpose = collection.get(
            f"/api/v1/registrations/{adult['id']}/disclosure", headers=collector(settings["collection"])
        )
        assert no_purpose.status_code == 422
        ticket = desk["tickets"][0]
        contact = ok(
            rec.call(
                "assist",
                assist,
                "GET",
                f"/api/v1/tickets/{ticket['id']}/contact",
                params={"purpose": "回访办理结果"},
                headers=desk["desk"].assistant,
                reveal=True,
            )
        )
        assert contact["mobile"] == TICKET_MOBILE
        library = bearer_header(settings["assist-desk"], "facility_staff", sub="library-1", town="jd-anting")
        assert (
            assist.get(
                f"/api/v1/tickets/{ticket['id']}/contact", params={"purpose": "x" * 5}, headers=library
            ).status_code
            == 403
        )

        # Regression (issue 9 item 3): these phones were stored but no role could ever read them, although the
        # evaluation code promised "a separate, audited route"; each now has one.
        centre = bearer_header(settings["grid-dispatch"], "commander", sub="commander-1", town="jd-anting")
        patrol = bearer_header(settings["grid-dispatch"], "operations_patrol", sub="patrol-1", town="jd-anting")
        elsewhere = bearer_header(settings["grid-dispatch"], "commander", sub="commander-9", town="jd-nanxiang")
        grid_reveals = (
            ("/api/v1/departments/AT-PS/liaison-contact", "liaison_phone", LIAISON_MOBILE),
            (
                f"/api/v1/joint-rectifications/{grid_seen['rectification']['id']}/contact",
                "contact_phone",
                RECTIFICATION_PHONE,
            ),
        )
        for path, name, value in grid_reveals:
            revealed = ok(
                rec.call("grid", grid, "GET", path, params={"purpose": "联系核实整治安排"}, headers=centre, reveal=True)
            )
            assert revealed[name] == value
            assert grid.get(path, params={"purpose": "联系核实整治安排"}, headers=patrol).status_code == 403
            assert grid.get(path, params={"purpose": "联系核实整治安排"}, headers=elsewhere).status_code == 404
            assert grid.get(path, headers=centre).status_code == 422
        federation = bearer_header(settings["evaluation"], "federation_admin", sub="federation-1")
        path = f"/api/v1/providers/{provider['id']}/contact"
        revealed = ok(
            rec.call(
                "evaluation",
                evaluation,
                "GET",
                path,
                params={"purpose": "通知评估安排"},
                headers=federation,
                reveal=True,
            )
        )
        assert _digits(revealed["contact_phone"]).endswith(_digits(PROVIDER_PHONE)[2:])
        assessor = bearer_header(settings["evaluation"], "assessor", sub="assessor-1")
        assert evaluation.get(path, params={"purpose": "通知评估安排"}, headers=assessor).status_code == 403

        # The run goes on through the broker: events published, grid-dispatch consumes and writes its incidents.
        wait_for_delivery(service_databases)

        # And every list, report and export without path parameters, read district-wide (admin), after the run.
        clients = {"collection": collection, "grid-dispatch": grid, "assist-desk": assist, "evaluation": evaluation}
        swept = 0
        today = datetime.now().date()
        iso_year, iso_week, _ = today.isocalendar()
        # What the routes require or narrow by (extra parameters are ignored by the others).
        query = {
            "town": "jd-anting",
            "area": "jd-anting-a03",
            "month": "2025-11",
            "year": "2025",
            "from": (today - timedelta(days=300)).isoformat(),
            "to": today.isoformat(),
            "institution_id": desk["tickets"][0]["institution_id"],
        }
        weeks = {"grid-dispatch": f"{iso_year}-W{iso_week:02d}", "assist-desk": today.isoformat()}
        for name, client in clients.items():
            headers = bearer_header(settings[name], "admin", sub="admin-sweep")
            paths = ok(client.get("/openapi.json"))["paths"]
            for path in sorted(path for path, item in paths.items() if "get" in item and "{" not in path):
                response = rec.call(
                    name,
                    client,
                    "GET",
                    path,
                    params=query | {"week": weeks.get(name, "")},
                    headers=headers,
                    expected_error=None,
                )
                assert response.status_code < 500, (path, response.text)
                swept += response.status_code == 200
        assert swept == sum(e.expected_error is None for e in rec.exchanges)  # all answered 200

    # Audit: one row per reveal, naming who, what, why and when; the refused reads left none.
    grid_audit = audit_rows(service_databases["grid-dispatch"])
    assert [(row["record_type"], row["record_id"], json.loads(row["fields"])) for row in grid_audit] == [
        ("department", "AT-PS", ["liaison_phone"]),
        ("joint_rectification", grid_seen["rectification"]["id"], ["contact_phone"]),
    ]
    assert {(row["actor_sub"], row["purpose"], row["actor_roles"]) for row in grid_audit} == {
        ("commander-1", "联系核实整治安排", '["commander"]')
    }
    [evaluation_audit] = audit_rows(service_databases["evaluation"])
    assert (evaluation_audit["actor_sub"], evaluation_audit["record_type"], evaluation_audit["record_id"]) == (
        "federation-1",
        "provider",
        provider["id"],
    )
    assert evaluation_audit["purpose"] == "通知评估安排"
    [collection_audit] = audit_rows(service_databases["collection"])
    assert (collection_audit["actor_sub"], collection_audit["record_type"], collection_audit["record_id"]) == (
        "collector-7",
        "registration",
        adult["id"],
    )
    assert collection_audit["purpose"] == "上门核查联系本人"
    assert set(json.loads(collection_audit["fields"])) >= {"id_number", "mobile", "landline"}
    assert json.loads(collection_audit["actor_roles"]) == ["collector"]
    assert collection_audit["accessed_at"] is not None
    assert collection_audit["request_id"]
    [assist_audit] = audit_rows(service_databases["assist-desk"])
    assert (assist_audit["actor_sub"], assist_audit["record_type"], assist_audit["record_id"]) == (
        "assistant-1",
        "ticket",
        ticket["id"],
    )
    assert assist_audit["purpose"] == "回访办理结果"
    assert "mobile" in json.loads(assist_audit["fields"])

    # Masked by default: no response outside the reveal routes carries a plaintext value.
    assert len(rec.exchanges) > 40
    leaks = [f"{e.service} {e.method} {e.path} {e.status}: {hits_in(e.body)}" for e in rec.exchanges if hits_in(e.body)]
    assert leaks == []
    failed = [
        f"{e.service} {e.method} {e.path} {e.status}: {e.body[:200]}"
        for e in rec.exchanges
        if e.expected_error is not None and (e.status >= 400) != e.expected_error
    ]
    assert failed == []
    bodies = "\n".join(e.body for e in rec.exchanges)
    for masked in ("340102********", "138****5678", "021****1234", "135****1357"):
        assert masked in bodies, masked

    # At rest: every column of every table of every service database, outbox and inbox included.
    for service in SERVICES:
        result = scan_database(service_databases[service.name])
        metadata = service_metadata(service)
        assert set(metadata.tables) | {"alembic_version"} <= result.tables, service.name
        assert {"outbox", "inbox", "pii_access_audit"} <= result.tables
        assert result.hits == [], service.name
        assert result.values > 0, service.name
        print(f"{service.name}: {len(result.tables)} tables, {result.columns} columns, {result.values} values scanned")
    # The scan saw the run's personal data, encrypted: adult 3, guardian 1, imports 2 x 2, declaration form 1 and its
    # registration 3, newcomer 2.
    assert scan_database(service_databases["collection"]).ciphertexts == 14
    assert scan_database(service_databases["assist-desk"]).ciphertexts == 5  # 3 numbers, 2 names

    # Every column holding a token is declared for key rotation (one missing would keep an old key alive).
    for service in SERVICES:
        declared = {(c.table, c.column) for c in encrypted_columns(service_metadata(service))}
        assert ciphertext_columns(service_databases[service.name]) == declared, service.name


def ciphertext_columns(url: str) -> set[tuple[str, str]]:
    """The text columns holding at least one FieldCipher token."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            columns = connection.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')"
                )
            ).all()
            return {
                (table, column)
                for table, column in columns
                if connection.execute(
                    text(f"""SELECT 1 FROM "{table}" WHERE "{column}" LIKE 'v1:%:%' LIMIT 1""")
                ).first()
            }
    finally:
        engine.dispose()


# --- key rotation -----------------------------------------------------------------------------------------------------

K1, K2 = generate_key(), generate_key()


def test_key_rotation_while_the_api_writes_and_reads(postgres_url: str, tmp_path: Path) -> None:
    service = next(s for s in SERVICES if s.name == "collection")
    old = service_settings(service, postgres_url, tmp_path, pii_keys={"k1": K1}, pii_active_key_id="k1")
    rec = Recorder()
    with TestClient(service.build_app(old)) as client:
        seen = drive_collection(client, old, rec)
        registrations = _registrations(postgres_url)
        before = {rid: _plain(client, old, rid, area) for rid, area in registrations.items()}
    assert _key_ids(postgres_url) == {"k1"}
    assert {values[0] for values in before.values()} >= {ADULT_ID, *IMPORTED_IDS, DECLARANT_ID, NEWCOMER_ID}

    both = service_settings(service, postgres_url, tmp_path, pii_keys={"k1": K1, "k2": K2}, pii_active_key_id="k2")
    stop = threading.Event()
    written: list[str] = []
    errors: list[str] = []
    batches: list[int] = []

    def keep_serving(client: TestClient) -> None:
        # The API under the new configuration: registers people and reads every registration, unmasked too.
        n = 0
        while not stop.is_set():
            n += 1
            id_number = valid_id_number("310114", "19900101", f"{n % 1000:03d}")
            response = client.post(
                "/api/v1/registrations",
                json=form(
                    house_code="31011501", id_number=id_number, name="周小川", mobile="13600000000", landline=None
                ),
                headers=collector(both, "collector-8"),
            )
            if response.status_code == 201:
                written.append(response.json()["id"])
            elif response.status_code != 409:
                errors.append(f"POST {response.status_code}: {response.text[:200]}")
            for registration_id in list(registrations)[:5]:
                read = client.get(
                    f"/api/v1/registrations/{registration_id}/disclosure",
                    params={"purpose": "轮换期间核对"},
                    headers=collector(both, "collector-7"),
                )
                if read.status_code != 200:
                    errors.append(f"GET {read.status_code}: {read.text[:200]}")

    with TestClient(service.build_app(both)) as client:
        worker = threading.Thread(target=keep_serving, args=(client,), daemon=True)
        worker.start()
        time.sleep(0.3)
        reports = rotate_service(
            service, both, batch_size=2, pause_s=0.05, on_batch=lambda r: batches.append(r.rotated)
        )
        time.sleep(0.3)
        stop.set()
        worker.join(timeout=30)
    assert errors == []
    assert written, "the API kept writing during the rotation"
    assert len(batches) > 3  # small committed batches, not one transaction
    rotated = {report.name: report for report in reports}
    assert rotated["registration.id_number_cipher"].rotated == 5  # adult, two imports, declarant, newcomer: the k1 rows
    assert rotated["self_declaration.form_cipher"].rotated == 1
    assert all(report.failed == 0 and report.remaining == {} for report in reports)
    assert _key_ids(postgres_url) == {"k2"}

    again = rotate_service(service, both, batch_size=2)
    assert sum(report.rotated for report in again) == 0  # idempotent

    # k1 retired: every read still works and decrypts to the original values.
    new_only = service_settings(service, postgres_url, tmp_path, pii_keys={"k2": K2}, pii_active_key_id="k2")
    with TestClient(service.build_app(new_only)) as client:
        headers = collector(new_only)
        adult = ok(
            client.get(
                f"/api/v1/registrations/{seen['adult']['id']}/disclosure",
                params={"purpose": "退役旧密钥后核对"},
                headers=headers,
            )
        )
        assert (adult["id_number"], adult["mobile"], adult["landline"]) == (
            ADULT_ID,
            ADULT_MOBILE,
            _digits(ADULT_LANDLINE),
        )
        after = {rid: _plain(client, new_only, rid, area) for rid, area in _registrations(postgres_url).items()}
        assert {rid: after[rid] for rid in before} == before  # every value decrypts to what it was under k1
        assert len(after) > len(before)  # and those written during the rotation read too
        found = ok(client.post("/api/v1/registrations/search", json={"id_number": ADULT_ID}, headers=headers))
        assert [row["id_number"] for row in found] == [f"340102********{ADULT_ID[-4:]}"]
        room = ok(client.get(f"/api/v1/rooms/{seen['rooms'][1]['id']}/registrations", headers=headers))
        assert [row["guardian"]["id_number"] for row in room if row["guardian"]] == [
            f"310114********{GUARDIAN_ID[-4:]}"
        ]
        declarations = ok(client.get("/api/v1/self-declarations?status=confirmed", headers=headers))
        assert declarations
        assert declarations[0]["id_number"] == f"350203********{DECLARANT_ID[-4:]}"


def test_rotation_command_reports_and_fails_on_unknown_keys(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = next(s for s in SERVICES if s.name == "assist-desk")
    old = service_settings(service, postgres_url, tmp_path, pii_keys={"k1": K1}, pii_active_key_id="k1")
    with TestClient(service.build_app(old)) as client:
        drive_assist(client, old, Recorder())
    monkeypatch.setenv("ASSIST_DATABASE_URL", postgres_url)
    monkeypatch.setenv("ASSIST_PII_KEYS", json.dumps({"k1": K1, "k2": K2}))
    monkeypatch.setenv("ASSIST_PII_ACTIVE_KEY_ID", "k2")

    assert rotate_main(["--service", "assist-desk", "--dry-run"]) == 0
    assert "ticket.contact_mobile_cipher: would rotate 3" in capsys.readouterr().out
    assert _key_ids(postgres_url, "ticket", "contact_mobile_cipher") == {"k1"}
    assert rotate_main(["--service", "assist-desk", "--batch-size", "1"]) == 0
    out = capsys.readouterr().out
    assert "ticket.contact_mobile_cipher: rotated 3" in out
    assert "under other keys none" in out
    assert _key_ids(postgres_url, "ticket", "contact_mobile_cipher") == {"k2"}
    assert rotate_main(["--service", "assist-desk"]) == 0
    assert "rotated 0" in capsys.readouterr().out

    # A token under a key nobody configured is reported, not skipped silently.
    monkeypatch.setenv("ASSIST_PII_KEYS", json.dumps({"k3": generate_key()}))
    monkeypatch.setenv("ASSIST_PII_ACTIVE_KEY_ID", "k3")
    assert rotate_main(["--service", "assist-desk"]) == 1
    out = capsys.readouterr().out
    assert "failed 3" in out
    assert "unknown key id 'k2'" in out


def _plain(client: TestClient, settings: Any, registration_id: str, area: str) -> tuple[Any, ...]:
    """A registration's personal values, unmasked (an audited read by the area's collector)."""
    reader = collector(settings, "collector-7" if area == "jd-anting-a03" else "collector-8")
    row = ok(
        client.get(
            f"/api/v1/registrations/{registration_id}/disclosure", params={"purpose": "全量核对"}, headers=reader
        )
    )
    guardian = row["guardian"] or {}
    return (row["id_number"], row["mobile"], row["landline"], guardian.get("id_number"), row["name"])


def _registrations(url: str) -> dict[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {str(row.id): row.area for row in connection.execute(text("SELECT id, area FROM registration"))}
    finally:
        engine.dispose()


def _key_ids(url: str, table: str | None = None, column: str | None = None) -> set[str]:
    service = next(s for s in SERVICES if s.name == "collection")
    columns = (
        [(table, column)] if table else [(c.table, c.column) for c in encrypted_columns(service_metadata(service))]
    )
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                token.split(":")[1]
                for table_name, column_name in columns
                for (token,) in connection.execute(
                    text(f'SELECT "{column_name}" FROM "{table_name}" WHERE "{column_name}" IS NOT NULL')
                )
            }
    finally:
        engine.dispose()


def test_rotation_keeps_a_value_the_service_rewrote_meanwhile(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between the rotation's read and its write, the service stores a new number: the rotation must not put the old
    # number back (compare and set), and counts the row as changed.
    service = next(s for s in SERVICES if s.name == "assist-desk")
    old = service_settings(service, postgres_url, tmp_path, pii_keys={"k1": K1}, pii_active_key_id="k1")
    with TestClient(service.build_app(old)) as client:
        drive_assist(client, old, Recorder())
    both = service_settings(service, postgres_url, tmp_path, pii_keys={"k1": K1, "k2": K2}, pii_active_key_id="k2")
    service_cipher = FieldCipher.from_settings(both)
    context = "assist.ticket.contact_mobile"
    rewritten: dict[str, str] = {}
    original_rotate = FieldCipher.rotate

    def rotate_while_the_service_writes(self: FieldCipher, token: str, context: str = "") -> str:
        if not rewritten and context == "assist.ticket.contact_mobile":
            fresh = service_cipher.encrypt("13700001234", context=context)
            engine = create_engine(postgres_url)
            with engine.begin() as connection:
                row = connection.execute(
                    text("UPDATE ticket SET contact_mobile_cipher = :fresh WHERE contact_mobile_cipher = :token"),
                    {"fresh": fresh, "token": token},
                )
                assert row.rowcount == 1
            engine.dispose()
            rewritten[token] = fresh
        return original_rotate(self, token, context)

    monkeypatch.setattr(FieldCipher, "rotate", rotate_while_the_service_writes)
    reports = {report.name: report for report in rotate_service(service, both, batch_size=10)}

    mobile = reports["ticket.contact_mobile_cipher"]
    assert (mobile.rotated, mobile.changed, mobile.remaining) == (2, 1, {})
    [(replaced, fresh)] = rewritten.items()
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        stored = [row[0] for row in connection.execute(text("SELECT contact_mobile_cipher FROM ticket"))]
    engine.dispose()
    assert fresh in stored
    originals = [TICKET_MOBILE, TICKET_LANDLINE, f"+86 {TICKET_MOBILE}"]
    originals.remove(service_cipher.decrypt(replaced, context=context))
    assert sorted(service_cipher.decrypt(token, context=context) for token in stored) == sorted(
        [*originals, "13700001234"]
    )


def test_the_registry_refuses_unknown_columns_and_a_second_context() -> None:
    metadata = service_metadata(next(s for s in SERVICES if s.name == "evaluation"))
    declared = encrypted_columns(metadata)
    assert declared == [EncryptedColumn("provider", "contact_phone_ciphertext", "evaluation.provider.contact_phone")]

    declare_encrypted_columns(metadata, *declared)  # idempotent
    with pytest.raises(ValueError, match="not in this metadata"):
        declare_encrypted_columns(metadata, EncryptedColumn("provider", "contact_phone", "x"))
    with pytest.raises(ValueError, match="not in this metadata"):
        declare_encrypted_columns(metadata, EncryptedColumn("nowhere", "contact_phone_ciphertext", "x"))
    with pytest.raises(ValueError, match="already declared"):
        declare_encrypted_columns(metadata, EncryptedColumn("provider", "contact_phone_ciphertext", "other.context"))
    assert encrypted_columns(metadata) == declared
