"""Issuing one-time notices and finding breaches."""

import uuid
from datetime import UTC, datetime

from prometheus_client import Counter
from sqlmodel import Session, select

from assist_desk.notices.models import NoticeIn, NoticeItemOut, NoticeOut, OneTimeNotice
from assist_desk.notices.rules import MaterialState, Problem, breaches, unlisted_missing
from assist_desk.tickets.models import Ticket
from assist_desk.tickets.rules import Action, TicketState
from assist_desk.tickets.service import Actor, checklist_of, log_action, materials_in_hand, next_or_409
from jiading_shared.errors import field_error
from jiading_shared.metrics import inc_on_commit

NOTICE_BREACHES = Counter(
    "assist_one_time_notice_breaches_total",
    "Later notices that asked for something already missing at the first (一次性告知, 7.3.2.1).",
)


def issue_notice(session: Session, ticket: Ticket, data: NoticeIn, actor: Actor) -> NoticeOut:
    next_or_409(TicketState(ticket.state), Action.ISSUE_NOTICE)
    matter, checklist = checklist_of(session, ticket)
    by_code = {material.code: material for material in checklist}
    for index, item in enumerate(data.items):
        if item.material_code not in by_code:
            raise field_error(
                422,
                f"body.items.{index}.material_code",
                f"not on the checklist of matter {matter.code} v{matter.version}",
            )
    codes = [item.material_code for item in data.items]
    if len(set(codes)) != len(codes):
        raise field_error(422, "body.items", "each material is listed once, with all its problems in how_to_correct")
    if not data.items and not data.refusal_reason and not data.guidance:
        raise field_error(422, "body.items", "a notice lists what is missing, a refusal reason or guidance")
    in_hand = set(materials_in_hand(session, ticket.id))
    states = [MaterialState(m.code, m.required, m.code in in_hand) for m in checklist]
    missing_now = [state.code for state in states if state.required and not state.in_hand]
    previous = list(
        session.exec(
            select(OneTimeNotice).where(OneTimeNotice.ticket_id == ticket.id).order_by(OneTimeNotice.seq)
        ).all()
    )
    breach_codes: list[str] = []
    if not previous:
        # 7.3.2.1: the first notice names everything missing at once; it cannot leave a required material out.
        left_out = unlisted_missing(states, codes)
        if left_out and not data.refusal_reason:
            raise field_error(
                422,
                "body.items",
                f"一次性告知: the notice must also list the missing required materials {', '.join(left_out)} "
                "(or record them as provided first)",
                slug="one-time-notice-incomplete",
            )
    else:
        first = previous[0]
        listed_first = [item["material_code"] for item in first.items]
        breach_codes = breaches(
            listed_first,
            first.missing_at_issue,
            first.in_hand_at_issue,
            {item.material_code: item.problem for item in data.items},
        )
    notice = OneTimeNotice(
        ticket_id=ticket.id,
        seq=len(previous) + 1,
        institution_id=ticket.institution_id,
        matter_code=matter.code,
        matter_version=matter.version,
        items=[
            {
                **item.model_dump(mode="json"),
                "material_name": by_code[item.material_code].name,
                "legal_form": by_code[item.material_code].legal_form,
            }
            for item in data.items
        ],
        missing_at_issue=missing_now,
        in_hand_at_issue=sorted(in_hand),
        refusal_reason=data.refusal_reason,
        guidance=data.guidance,
        breach=bool(breach_codes),
        breach_materials=breach_codes,
        issued_at=datetime.now(UTC),
        issued_by=actor.sub,
    )
    session.add(notice)
    session.flush()
    note = f"one-time notice #{notice.seq}: {', '.join(codes) or '-'}" + (
        f"; BREACH {breach_codes}" if breach_codes else ""
    )
    log_action(session, ticket, Action.ISSUE_NOTICE.value, TicketState(ticket.state), actor, note[:1000])
    if breach_codes:
        inc_on_commit(session, NOTICE_BREACHES)
    return notice_out(notice)


def notices_of(session: Session, ticket_id: uuid.UUID) -> list[NoticeOut]:
    query = select(OneTimeNotice).where(OneTimeNotice.ticket_id == ticket_id).order_by(OneTimeNotice.seq)
    return [notice_out(row) for row in session.exec(query).all()]


def notice_out(notice: OneTimeNotice) -> NoticeOut:
    return NoticeOut(
        **notice.model_dump(
            warnings=False, exclude={"items", "missing_at_issue", "in_hand_at_issue", "institution_id"}
        ),
        items=[NoticeItemOut(**{**item, "problem": Problem(item["problem"])}) for item in notice.items],
    )
