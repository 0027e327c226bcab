"""Tickets over HTTP against a migrated SQLite database: reception, the state machine, escalation, first-inquiry
responsibility, contact data protection."""

from __future__ import annotations

import json

from assist_desk.testing import TOWN, Desk
from jiading_shared.testing.services import bearer_header, outbox_rows, query_rows


def events_of(desk: Desk, event_type: str) -> list[dict]:
    return [json.loads(row["payload"]) for row in outbox_rows(desk.settings) if row["event_type"] == event_type]


def test_receive_a_ticket_with_masked_encrypted_contact_and_a_deadline(desk: Desk) -> None:
    institution, member = desk.setup()

    ticket = desk.ticket(institution, member)

    assert ticket["state"] == "received"
    # DB31114/Z 022-2025 6.1.1 d) 不泄露服务对象的相关信息: contact data leaves masked, rests encrypted.
    assert ticket["contact_name"] == "张*明"
    assert ticket["contact_mobile"] == "138****5678"
    [row] = query_rows(desk.settings, "SELECT contact_name_cipher, contact_mobile_cipher FROM ticket")
    assert "13812345678" not in row["contact_mobile_cipher"]
    assert row["contact_mobile_cipher"].startswith("v1:")
    assert "张三明" not in row["contact_name_cipher"]
    # DB31114/Z 022-2025 7.4.4 限时办结: the matter's limit for 陪同办 (2 working days), explained.
    assert ticket["time_limit_rule"].startswith("matter BIZ-001 v1 · accompanied")
    assert "2 working days" in ticket["time_limit_explain"]
    assert ticket["due_at"] is not None
    assert ticket["first_responder_id"] == member["id"] == ticket["current_handler_id"]
    assert ticket["department_code"] == "market-reg"
    [created] = events_of(desk, "cn.jiading.assist.ticket.created.v1")
    assert created["ticket_id"] == ticket["id"]
    assert "张三明" not in json.dumps(created)


def test_policy_default_limit_when_the_matter_sets_none(desk: Desk) -> None:
    institution, member = desk.setup()

    ticket = desk.ticket(institution, member, form="video", channel="online_video")

    # DB31114/Z 022-2025 7.4.4: no matter limit for 视讯办, so the policy default applies and says so.
    assert ticket["time_limit_rule"].startswith("policy v1 · video")
    assert ticket["policy_version"] == 1


def test_the_full_assistance_path(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)

    started = desk.act(ticket["id"], "start")
    done = desk.act(ticket["id"], "complete", {"note": "已协助提交"})

    assert started["state"] == "in_service"
    assert done["state"] == "completed"
    assert done["finished_at"] is not None
    [completed] = events_of(desk, "cn.jiading.assist.ticket.completed.v1")
    assert completed["outcome"] == "completed"
    assert completed["within_time_limit"] is True
    log = desk.ok(desk.client.get(f"/api/v1/tickets/{ticket['id']}/log", headers=desk.assistant))
    # DB31114/Z 022-2025 7.4.3 帮办日志 complete: every step is in the log.
    assert [entry["action"] for entry in log] == ["receive", "start", "complete"]


def test_illegal_transition_is_a_409_naming_the_current_state(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)

    response = desk.client.post(f"/api/v1/tickets/{ticket['id']}/complete", json={}, headers=desk.assistant)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "received" in response.json()["detail"]
    assert "start" in response.json()["detail"]  # and what is allowed instead
    assert query_rows(desk.settings, "SELECT state FROM ticket") == [{"state": "received"}]


def test_escalate_to_coordination_publishes_the_contract_event(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    desk.act(ticket["id"], "start")

    escalated = desk.act(
        ticket["id"],
        "escalate",
        {"type": "coordination", "reason": "材料已交，部门系统退回", "department": "market-reg"},
    )

    assert escalated["state"] == "escalated"
    assert escalated["fallback_type"] == "coordination"
    # DB31114/Z 022-2025 7.2.1 c) 兜底办: the type's own time limit (policy: coordination 5 working days).
    assert "coordination" in escalated["time_limit_rule"]
    [event] = events_of(desk, "cn.jiading.assist.ticket.escalated.v1")
    assert event["ticket_id"] == ticket["id"]
    assert event["institution_id"] == institution["id"]
    assert event["town"] == TOWN
    assert event["fallback_type"] == "coordination"
    assert event["department_code"] == "market-reg"
    assert event["matter_code"] == "BIZ-001"
    assert event["summary"] == ticket["summary"]
    assert event["escalated_at"]
    [row] = [r for r in outbox_rows(desk.settings) if r["event_type"].endswith("escalated.v1")]
    assert row["topic"] == "assist.ticket"
    assert row["event_key"] == ticket["id"]


def test_coordination_names_the_department(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.2.1 c 2), 7.3.2.3: coordination is with a named department.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)

    response = desk.client.post(
        f"/api/v1/tickets/{ticket['id']}/escalate", json={"type": "coordination", "reason": "x"}, headers=desk.assistant
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.department"
    assert events_of(desk, "cn.jiading.assist.ticket.escalated.v1") == []


def test_unknown_escalation_type_names_the_field(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)

    response = desk.client.post(
        f"/api/v1/tickets/{ticket['id']}/escalate", json={"type": "magic", "reason": "x"}, headers=desk.assistant
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.type"


def test_escalating_twice_is_illegal(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    desk.act(ticket["id"], "escalate", {"type": "consultation", "reason": "需求不清"})

    response = desk.client.post(
        f"/api/v1/tickets/{ticket['id']}/escalate", json={"type": "complaint", "reason": "x"}, headers=desk.assistant
    )

    assert response.status_code == 409
    assert "escalated" in response.json()["detail"]


def test_consultation_escalation_carries_the_matter_department(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)

    desk.act(ticket["id"], "escalate", {"type": "consultation", "reason": "不了解全程网办"})

    [event] = events_of(desk, "cn.jiading.assist.ticket.escalated.v1")
    assert event["fallback_type"] == "consultation"
    assert event["department_code"] == "market-reg"


def test_fallback_path_coordinating_then_not_accepted_with_legal_basis(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    desk.act(ticket["id"], "escalate", {"type": "coordination", "reason": "退件", "department": "market-reg"})
    desk.act(ticket["id"], "coordinate", {"note": "已联系市场监管所"})

    missing_basis = desk.client.post(f"/api/v1/tickets/{ticket['id']}/not-accept", json={}, headers=desk.assistant)
    rejected = desk.act(ticket["id"], "not-accept", {"legal_basis": "《市场主体登记管理条例》第二十六条"})

    # DB31114/Z 022-2025 7.2.1 c 4) 不予受理 with its legal basis.
    assert missing_basis.status_code == 422
    assert rejected["state"] == "not_accepted"
    assert rejected["legal_basis"].startswith("《市场主体")


def test_resolve_after_coordination(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    desk.act(ticket["id"], "escalate", {"type": "complaint", "reason": "等候过久"})
    desk.act(ticket["id"], "coordinate")

    resolved = desk.act(ticket["id"], "resolve", {"note": "已致歉并加开窗口"})

    assert resolved["state"] == "resolved"


def test_citizen_ends_early(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.4.2: 在服务对象的要求下，可提前结束帮办服务.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    desk.act(ticket["id"], "start")

    ended = desk.act(ticket["id"], "end-early", {"reason": "服务对象有事先离开"})

    assert ended["state"] == "ended_early"
    desk.act(ticket["id"], "start", status=409)


def test_visitor_without_need_is_guided_to_a_window(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.3.1.3: 无帮办需求的服务对象引导至正确的办事窗口.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member, matter_code=None)

    guided = desk.act(ticket["id"], "guide-to-window", {"window": "综合受理 5 号窗口"})

    assert guided["state"] == "guided_to_window"
    assert guided["outcome_note"] == "window: 综合受理 5 号窗口"


def test_first_responder_stays_accountable_across_handovers(desk: Desk) -> None:
    # DB31114/Z 022-2025 4.3 a) 首问责任制: the first staff member stays accountable; the chain is kept.
    institution, first = desk.setup()
    second = desk.staff(
        institution["id"],
        "李专业",
        team="specialist",
        source="department",
        department_code="tax",
        employment="part_time",
    )
    third = desk.staff(institution["id"], "赵综合")
    ticket = desk.ticket(institution, first)

    desk.act(ticket["id"], "handovers", {"to_staff_id": second["id"], "reason": "税务专业问题"})
    final = desk.act(ticket["id"], "handovers", {"to_staff_id": third["id"], "reason": "回到综合窗口"})

    assert final["first_responder_id"] == first["id"]
    assert final["current_handler_id"] == third["id"]
    assert [(h["seq"], h["from_staff_id"], h["to_staff_id"]) for h in final["handovers"]] == [
        (1, first["id"], second["id"]),
        (2, second["id"], third["id"]),
    ]


def test_untrained_staff_cannot_take_tickets(desk: Desk) -> None:
    # DB31114/Z 022-2025 6.1.3: 服务人员应接受岗前培训.
    institution, member = desk.setup()
    newcomer = desk.staff(institution["id"], "新人", trained=False)
    ticket = desk.ticket(institution, member)

    created = desk.client.post("/api/v1/tickets", json=desk.ticket_body(institution, newcomer), headers=desk.assistant)
    handed = desk.client.post(
        f"/api/v1/tickets/{ticket['id']}/handovers",
        json={"to_staff_id": newcomer["id"], "reason": "x"},
        headers=desk.assistant,
    )

    assert created.status_code == 422
    assert created.json()["errors"][0]["field"] == "body.staff_id"
    assert handed.status_code == 422
    assert handed.json()["errors"][0]["field"] == "body.to_staff_id"
    assert "岗前培训" in created.json()["errors"][0]["message"]


def test_form_must_be_offered_and_fallback_is_reached_by_escalation(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.2.2: each institution enables its own "X" forms.
    institution, member = desk.setup()

    not_offered = desk.client.post(
        "/api/v1/tickets", json=desk.ticket_body(institution, member, form="express"), headers=desk.assistant
    )
    fallback = desk.client.post(
        "/api/v1/tickets", json=desk.ticket_body(institution, member, form="fallback"), headers=desk.assistant
    )

    assert not_offered.status_code == 422
    assert "快闪办" in not_offered.json()["errors"][0]["message"]
    assert fallback.status_code == 422
    assert fallback.json()["errors"][0]["field"] == "body.form"
    assert query_rows(desk.settings, "SELECT id FROM ticket") == []


def test_bad_bodies_name_their_fields(desk: Desk) -> None:
    institution, member = desk.setup()
    cases = {
        "body.channel": {"channel": "carrier_pigeon"},
        "body.target.kind": {"target": {"kind": "alien"}},
        "body.target.mobile": {"target": {"kind": "natural_person", "mobile": "call me"}},
        "body.matter_code": {"matter_code": "NOPE-9"},
        "body.summary": {"summary": ""},
    }
    for field, override in cases.items():
        response = desk.client.post(
            "/api/v1/tickets", json=desk.ticket_body(institution, member, **override), headers=desk.assistant
        )
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["field"] == field


def test_hotline_hands_in_a_ticket(desk: Desk) -> None:
    # DB31114/Z 022-2025 7.1 a) 1) "12345" 市民服务热线.
    institution, member = desk.setup()
    body = desk.ticket_body(institution, member, channel="hotline_12345", form="self_service")

    response = desk.client.post("/api/v1/tickets", json=body, headers=desk.hotline)

    assert response.status_code == 201
    assert response.json()["channel"] == "hotline_12345"


def test_other_towns_do_not_see_the_ticket(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    outsider = bearer_header(desk.settings, "assistant", sub="assistant-9", town="jd-nanxiang")

    response = desk.client.get(f"/api/v1/tickets/{ticket['id']}", headers=outsider)
    listed = desk.client.get("/api/v1/tickets", headers=outsider)

    assert response.status_code == 404
    assert listed.json() == []


def test_search_by_mobile_uses_the_blind_index(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    desk.ticket(institution, member, target={"kind": "natural_person", "mobile": "13900000000"})

    found = desk.ok(
        desk.client.post("/api/v1/tickets/search", json={"mobile": "+86 138 1234 5678"}, headers=desk.assistant)
    )
    by_query = desk.ok(
        desk.client.get("/api/v1/tickets", params={"mobile": "+86 138 1234 5678"}, headers=desk.assistant)
    )
    bad = desk.client.post("/api/v1/tickets/search", json={"mobile": "call me"}, headers=desk.assistant)

    assert [t["id"] for t in found] == [ticket["id"]]
    assert by_query == found  # the deprecated query parameter still answers existing callers
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.mobile"]


def test_search_by_mobile_keeps_the_number_out_of_the_url(desk: Desk) -> None:
    # Personal information (docs/personal-data.md): the number goes in the body; the query parameter is deprecated.
    document = desk.client.get("/openapi.json").json()
    search = document["paths"]["/api/v1/tickets/search"]["post"]
    listing = document["paths"]["/api/v1/tickets"]["get"]

    assert "requestBody" in search
    assert not [p for p in search.get("parameters", []) if p["name"] == "mobile"]
    [mobile] = [p for p in listing["parameters"] if p["name"] == "mobile"]
    assert mobile["deprecated"] is True


def test_unmasked_contact_is_audited(desk: Desk) -> None:
    # PIPL / ARCHITECTURE "Personal information": an unmasked read writes an access record with its purpose.
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)

    contact = desk.ok(
        desk.client.get(
            f"/api/v1/tickets/{ticket['id']}/contact", params={"purpose": "回访电话"}, headers=desk.assistant
        )
    )
    no_purpose = desk.client.get(f"/api/v1/tickets/{ticket['id']}/contact", headers=desk.assistant)

    assert contact == {"ticket_id": ticket["id"], "name": "张三明", "mobile": "13812345678"}
    [audit] = query_rows(desk.settings, "SELECT actor_sub, purpose, record_id, fields FROM pii_access_audit")
    assert audit["actor_sub"] == "assistant-1"
    assert audit["purpose"] == "回访电话"
    assert audit["record_id"] == ticket["id"]
    assert json.loads(audit["fields"]) == ["name", "mobile"]
    assert no_purpose.status_code == 422


def test_organisation_name_is_not_masked(desk: Desk) -> None:
    institution, member = desk.setup()

    ticket = desk.ticket(institution, member, target={"kind": "legal_person", "name": "上海嘉定某某有限公司"})

    assert ticket["contact_name"] == "上海嘉定某某有限公司"
