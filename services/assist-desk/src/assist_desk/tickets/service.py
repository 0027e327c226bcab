"""Database reads and writes of tickets: reception, transitions, escalation, hand-overs, materials, contact data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from assist_desk.equipment.service import self_service_needs_staff
from assist_desk.institutions.models import InstitutionOut
from assist_desk.institutions.rules import ASSISTANCE_FORM_LABELS, AssistanceForm
from assist_desk.institutions.service import cached_institution
from assist_desk.matters.models import MatterVersion
from assist_desk.matters.rules import Material
from assist_desk.matters.service import cached_matter_in_force, matter_version
from assist_desk.policy.models import AssistPolicy
from assist_desk.policy.service import fallback_limit, form_limit, policy_in_force
from assist_desk.staff.models import StaffMember
from assist_desk.staff.service import member_and_serving_problem
from assist_desk.tickets.events import (
    TICKET_COMPLETED,
    TICKET_CREATED,
    TICKET_ESCALATED,
    TICKET_OVERDUE,
    TicketCompleted,
    TicketCreated,
    TicketEscalated,
    TicketOverdue,
)
from assist_desk.tickets.metrics import TICKETS_RECEIVED
from assist_desk.tickets.models import (
    ContactOut,
    EscalationIn,
    HandoverIn,
    HandoverOut,
    LogEntryOut,
    MaterialOut,
    MaterialsIn,
    Ticket,
    TicketHandover,
    TicketIn,
    TicketLogEntry,
    TicketMaterial,
    TicketOut,
)
from assist_desk.tickets.rules import (
    FALLBACK_TYPE_LABELS,
    OPEN_STATES,
    STATE_LABELS,
    Action,
    FallbackType,
    IllegalTransition,
    TargetKind,
    TicketState,
    allowed_actions,
    escalation_problem,
    next_state,
)
from assist_desk.time_limits.rules import OpeningHours, TimeLimit, compute_deadline, to_local
from jiading_shared.auth import DISTRICT_WIDE_ROLES, Principal, Role, town_in_scope
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.infra_tables import pii_access_audit_template
from jiading_shared.metrics import inc_on_commit
from jiading_shared.pii import (
    EncryptedColumn,
    PiiVault,
    declare_encrypted_columns,
    mask_mobile,
    mask_name,
    record_pii_access,
)
from jiading_shared.types import assume_utc
from jiading_shared.workdays import WorkdayCalendar

CONTACT_NAME_CONTEXT = "assist.ticket.contact_name"
CONTACT_MOBILE_CONTEXT = "assist.ticket.contact_mobile"
declare_encrypted_columns(
    Ticket.metadata,
    EncryptedColumn("ticket", "contact_name_cipher", CONTACT_NAME_CONTEXT),
    EncryptedColumn("ticket", "contact_mobile_cipher", CONTACT_MOBILE_CONTEXT),
)
FINISHING_ACTIONS = frozenset(
    {Action.COMPLETE, Action.RESOLVE, Action.NOT_ACCEPT, Action.END_EARLY, Action.GUIDE_TO_WINDOW}
)


@dataclass(frozen=True)
class Actor:
    sub: str
    principal: Principal


# --- reading --------------------------------------------------------------------------------------------------------


# The 12345 hotline and the online desks serve the whole district: they hand in tickets and ratings anywhere.
INTAKE_WIDE_ROLES = DISTRICT_WIDE_ROLES | {Role.EXTERNAL_SYSTEM}


def ticket_in_scope(
    session: Session, principal: Principal, ticket_id: uuid.UUID, *, lock: bool = False, intake: bool = False
) -> Ticket:
    """The ticket when the caller may see its town (locked for update when it is to change); 404 otherwise.
    `intake`: the hotline and online desks (external systems) count as district-wide."""
    ticket = session.get(Ticket, ticket_id, with_for_update=lock)
    wide = INTAKE_WIDE_ROLES if intake else DISTRICT_WIDE_ROLES
    if ticket is None or not town_in_scope(principal, ticket.town, district_wide_roles=wide):
        raise ProblemError(404, "ticket-not-found", f"no ticket {ticket_id}")
    return ticket


@dataclass
class TicketChildren:
    """Hand-overs and materials of a set of tickets, read with one query each."""

    handovers: dict[uuid.UUID, list[HandoverOut]]
    materials: dict[uuid.UUID, list[MaterialOut]]


def children_of(session: Session, ticket_ids: list[uuid.UUID]) -> TicketChildren:
    # One query per kind for a whole page: two queries per ticket made a page of 20 cost 41 statements (make load).
    children = TicketChildren({ticket_id: [] for ticket_id in ticket_ids}, {ticket_id: [] for ticket_id in ticket_ids})
    if not ticket_ids:
        return children
    for handover in session.exec(
        select(TicketHandover)
        .where(col(TicketHandover.ticket_id).in_(ticket_ids))
        .order_by(col(TicketHandover.ticket_id), col(TicketHandover.seq))
    ).all():
        children.handovers[handover.ticket_id].append(HandoverOut.model_validate(handover.model_dump(warnings=False)))
    for material in session.exec(
        select(TicketMaterial)
        .where(col(TicketMaterial.ticket_id).in_(ticket_ids))
        .order_by(col(TicketMaterial.ticket_id), col(TicketMaterial.material_code))
    ).all():
        children.materials[material.ticket_id].append(MaterialOut.model_validate(material.model_dump(warnings=False)))
    return children


def ticket_out(
    session: Session, ticket: Ticket, *, fresh: bool = False, children: TicketChildren | None = None
) -> TicketOut:
    """The API view of a ticket; `fresh` (just created) skips the look-ups that cannot find anything yet; `children`
    are the hand-overs and materials already read for a page of tickets."""
    handovers: list[HandoverOut] = []
    materials: list[MaterialOut] = []
    if not fresh:
        children = children or children_of(session, [ticket.id])
        handovers = children.handovers.get(ticket.id, [])
        materials = children.materials.get(ticket.id, [])
    state = TicketState(ticket.state)
    return TicketOut(
        **ticket.model_dump(
            warnings=False,
            exclude={
                "contact_name_cipher",
                "contact_mobile_cipher",
                "contact_mobile_index",
                "contact_name_masked",
                "contact_mobile_masked",
                "created_by",
                "overdue_at",
            },
        ),
        contact_name=ticket.contact_name_masked,
        contact_mobile=ticket.contact_mobile_masked,
        state_label=STATE_LABELS[state],
        allowed_actions=allowed_actions(state),
        handovers=handovers,
        materials=materials,
        due_soon=state in OPEN_STATES and ticket.warned_at is not None and ticket.overdue_at is None,
        overdue=ticket.overdue_at is not None,
        time_limit_breached=time_limit_breached(ticket),
    )


def time_limit_breached(ticket: Ticket) -> bool:
    """Any time limit of the ticket missed (7.4.4): the 自助办/陪同办 one before an escalation, or the current one."""
    if ticket.form_breached_at is not None or ticket.overdue_at is not None:
        return True
    if ticket.finished_at is None or ticket.due_at is None:
        return False
    return assume_utc(ticket.finished_at) > assume_utc(ticket.due_at)


def search(
    session: Session,
    principal: Principal,
    vault: PiiVault,
    *,
    institution_id: uuid.UUID | None,
    state: TicketState | None,
    mobile: str | None,
    limit: int,
    offset: int,
    due_soon: bool = False,
) -> list[TicketOut]:
    query = select(Ticket)
    if not principal.is_district_wide():
        query = query.where(Ticket.town == principal.town)
    if institution_id is not None:
        query = query.where(Ticket.institution_id == institution_id)
    if state is not None:
        query = query.where(Ticket.state == state)
    if mobile:
        query = query.where(Ticket.contact_mobile_index == vault.blind_index(mobile, kind="mobile"))
    if due_soon:
        query = query.where(
            col(Ticket.state).in_([s.value for s in OPEN_STATES]),
            col(Ticket.warned_at).is_not(None),
            col(Ticket.overdue_at).is_(None),
        )
    rows = session.exec(query.order_by(Ticket.received_at.desc()).offset(offset).limit(limit)).all()  # type: ignore[attr-defined]
    children = children_of(session, [row.id for row in rows])
    return [ticket_out(session, row, children=children) for row in rows]


def log_of(session: Session, ticket_id: uuid.UUID) -> list[LogEntryOut]:
    rows = session.exec(
        select(TicketLogEntry).where(TicketLogEntry.ticket_id == ticket_id).order_by(TicketLogEntry.id)
    ).all()
    return [LogEntryOut.model_validate(row.model_dump(warnings=False)) for row in rows]


def reveal_contact(
    session: Session, ticket: Ticket, vault: PiiVault, actor: Actor, purpose: str, request_id: str | None
) -> ContactOut:
    """The unmasked contact data, with an access record in the same transaction (PIPL: who saw what, and why)."""
    fields = [
        name
        for name, cipher in (("name", ticket.contact_name_cipher), ("mobile", ticket.contact_mobile_cipher))
        if cipher
    ]
    if fields:
        record_pii_access(
            session,
            tables=pii_access_audit_template,
            actor_sub=actor.sub,
            actor_name=actor.principal.name,
            actor_roles=sorted(actor.principal.roles),
            purpose=purpose,
            record_type="ticket",
            record_id=str(ticket.id),
            fields=fields,
            request_id=request_id,
        )
    return ContactOut(
        ticket_id=ticket.id,
        name=vault.open(ticket.contact_name_cipher, context=CONTACT_NAME_CONTEXT)
        if ticket.contact_name_cipher
        else None,
        mobile=vault.open(ticket.contact_mobile_cipher, context=CONTACT_MOBILE_CONTEXT)
        if ticket.contact_mobile_cipher
        else None,
    )


# --- reception ------------------------------------------------------------------------------------------------------


def create_ticket(
    session: Session, data: TicketIn, actor: Actor, vault: PiiVault, calendar: WorkdayCalendar
) -> TicketOut:
    institution = cached_institution(session, data.institution_id)
    if institution is None or not town_in_scope(
        actor.principal, institution.town, district_wide_roles=INTAKE_WIDE_ROLES
    ):
        raise field_error(422, "body.institution_id", f"no institution {data.institution_id} in your scope")
    if data.form is AssistanceForm.FALLBACK:
        raise field_error(
            422, "body.form", "兜底办 is reached by escalating a received ticket: POST /api/v1/tickets/{id}/escalate"
        )
    if data.form not in institution.assistance_forms:
        raise field_error(422, "body.form", f"{institution.name} does not offer {ASSISTANCE_FORM_LABELS[data.form]}")
    _staff_who_may_serve(session, institution.id, data.staff_id, "body.staff_id")
    matter: MatterVersion | None = None
    if data.matter_code is not None:
        matter = cached_matter_in_force(session, data.matter_code)
        if matter is None:
            raise field_error(422, "body.matter_code", f"no matter {data.matter_code} is in force")
    now = datetime.now(UTC)
    policy = policy_in_force(session, now)
    limit, rule = _form_limit(policy, matter, data.form)
    decision = compute_deadline(now, limit, calendar, _hours(institution), rule=rule)
    ticket = Ticket(
        institution_id=institution.id,
        town=institution.town,
        channel=data.channel,
        form=data.form,
        target_kind=data.target.kind,
        matter_code=matter.code if matter else None,
        matter_version=matter.version if matter else None,
        matter_name=matter.name if matter else None,
        department_code=matter.department_code if matter else None,
        summary=data.summary,
        state=TicketState.RECEIVED,
        first_responder_id=data.staff_id,
        current_handler_id=data.staff_id,
        needs_staff_assistance=data.form is AssistanceForm.SELF_SERVICE
        and self_service_needs_staff(session, institution.id),
        received_at=now,
        due_at=decision.due_at,
        time_limit_rule=rule,
        time_limit_explain=decision.explanation,
        time_limit_provisional=decision.provisional,
        policy_version=policy.version,
        created_by=actor.sub,
    )
    _seal_contact(ticket, data, vault)
    session.add(ticket)
    session.flush()
    log_action(session, ticket, "receive", None, actor, data.summary[:200])
    enqueue(
        session,
        TICKET_CREATED,
        TicketCreated(
            ticket_id=ticket.id,
            institution_id=ticket.institution_id,
            town=ticket.town,
            form=ticket.form,
            channel=ticket.channel,
            matter_code=ticket.matter_code,
            received_at=now,
            due_at=ticket.due_at,
        ),
        key=str(ticket.id),
    )
    inc_on_commit(session, TICKETS_RECEIVED.labels(form=ticket.form, channel=ticket.channel))
    return ticket_out(session, ticket, fresh=True)


def _seal_contact(ticket: Ticket, data: TicketIn, vault: PiiVault) -> None:
    if data.target.name:
        ticket.contact_name_cipher = vault.seal(data.target.name, kind="name", context=CONTACT_NAME_CONTEXT).ciphertext
        # An organisation's name is not personal information; a person's name is shown masked.
        person = data.target.kind is TargetKind.NATURAL_PERSON
        ticket.contact_name_masked = mask_name(data.target.name) if person else data.target.name
    if data.target.mobile:
        sealed = vault.seal(data.target.mobile, kind="mobile", context=CONTACT_MOBILE_CONTEXT)
        ticket.contact_mobile_cipher = sealed.ciphertext
        ticket.contact_mobile_index = sealed.index
        ticket.contact_mobile_masked = mask_mobile(data.target.mobile)


def _form_limit(policy: AssistPolicy, matter: MatterVersion | None, form: AssistanceForm) -> tuple[TimeLimit, str]:
    if matter is not None and form.value in matter.time_limits:
        limit = TimeLimit.model_validate(matter.time_limits[form.value])
        return limit, f"matter {matter.code} v{matter.version} · {form.value} {ASSISTANCE_FORM_LABELS[form]}"
    return form_limit(policy, form.value), f"policy v{policy.version} · {form.value} {ASSISTANCE_FORM_LABELS[form]}"


def _hours(institution: InstitutionOut) -> OpeningHours:
    return OpeningHours(institution.opens_at, institution.closes_at)


def _staff_who_may_serve(session: Session, institution_id: uuid.UUID, staff_id: uuid.UUID, field: str) -> StaffMember:
    member, problem = member_and_serving_problem(session, staff_id)
    if member is None or member.institution_id != institution_id:
        raise field_error(422, field, f"no staff member {staff_id} at this institution")
    if problem is not None:
        raise field_error(422, field, problem, slug="staff-may-not-serve")
    return member


# --- transitions ----------------------------------------------------------------------------------------------------


def transition(session: Session, ticket: Ticket, action: Action, actor: Actor, note: str | None = None) -> TicketOut:
    """Move the ticket by `action` (409 naming the current state when not allowed), log it and publish what follows."""
    previous = TicketState(ticket.state)
    target = next_or_409(previous, action)
    now = datetime.now(UTC)
    ticket.state = target
    if action in FINISHING_ACTIONS:
        ticket.finished_at = now
        ticket.outcome_note = note
    session.add(ticket)
    session.flush()
    log_action(session, ticket, action.value, previous, actor, note)
    if action in FINISHING_ACTIONS:
        enqueue(
            session,
            TICKET_COMPLETED,
            TicketCompleted(
                ticket_id=ticket.id,
                institution_id=ticket.institution_id,
                town=ticket.town,
                outcome=target,
                form=ticket.form,
                fallback_type=ticket.fallback_type,
                finished_at=now,
                within_time_limit=ticket.form_breached_at is None
                and (ticket.due_at is None or now <= assume_utc(ticket.due_at)),
            ),
            key=str(ticket.id),
        )
    return ticket_out(session, ticket)


def not_accept(session: Session, ticket: Ticket, legal_basis: str, actor: Actor) -> TicketOut:
    next_or_409(TicketState(ticket.state), Action.NOT_ACCEPT)
    ticket.legal_basis = legal_basis
    return transition(session, ticket, Action.NOT_ACCEPT, actor, f"legal basis: {legal_basis}")


def escalate(
    session: Session, ticket: Ticket, data: EscalationIn, actor: Actor, calendar: WorkdayCalendar
) -> TicketOut:
    """Escalate to 兜底办 (7.2.1 c): the type's own time limit starts, and `ticket.escalated` is published so that
    grid-dispatch can route a coordination to the named department."""
    previous = TicketState(ticket.state)
    target = next_or_409(previous, Action.ESCALATE)
    problem = escalation_problem(data.type, data.department)
    if problem is not None:
        raise field_error(422, "body.department", problem)
    now = datetime.now(UTC)
    policy = policy_in_force(session, now)
    institution = cached_institution(session, ticket.institution_id)
    assert institution is not None  # foreign key
    limit = fallback_limit(policy, data.type)
    rule = f"policy v{policy.version} · 兜底办 {data.type.value} {FALLBACK_TYPE_LABELS[data.type]}"
    decision = compute_deadline(now, limit, calendar, _hours(institution), rule=rule)
    # The 兜底办 clock starts afresh, but a limit already missed stays a breach (7.4.4), even before the scan saw it.
    if ticket.overdue_at is None and ticket.due_at is not None and now > assume_utc(ticket.due_at):
        mark_overdue(session, ticket, now)
    ticket.form_breached_at = ticket.overdue_at
    ticket.state = target
    ticket.fallback_type = data.type
    ticket.escalation_reason = data.reason
    ticket.escalated_department = data.department
    ticket.escalated_at = now
    ticket.due_at = decision.due_at
    ticket.time_limit_rule = rule
    ticket.time_limit_explain = decision.explanation
    ticket.time_limit_provisional = decision.provisional
    ticket.policy_version = policy.version
    ticket.warned_at = None
    ticket.overdue_at = None
    session.add(ticket)
    session.flush()
    note = f"{data.type.value}: {data.reason}"
    if ticket.form_breached_at is not None:
        note = (
            f"{ASSISTANCE_FORM_LABELS[AssistanceForm(ticket.form)]}时限已超 (time limit missed, stays counted); {note}"
        )
    log_action(session, ticket, Action.ESCALATE.value, previous, actor, note[:1000])
    department = (
        data.department if data.type is FallbackType.COORDINATION else data.department or ticket.department_code
    )
    enqueue(
        session,
        TICKET_ESCALATED,
        TicketEscalated(
            ticket_id=ticket.id,
            institution_id=ticket.institution_id,
            town=ticket.town,
            fallback_type=data.type,
            department_code=department,
            matter_code=ticket.matter_code,
            summary=ticket.summary,
            escalated_at=now,
            due_at=decision.due_at,
        ),
        key=str(ticket.id),
    )
    return ticket_out(session, ticket)


def hand_over(session: Session, ticket: Ticket, data: HandoverIn, actor: Actor) -> TicketOut:
    """Pass the ticket to another staff member; the first responder stays accountable (首问负责, 4.3 a)."""
    next_or_409(TicketState(ticket.state), Action.HAND_OVER)
    if data.to_staff_id == ticket.current_handler_id:
        raise field_error(422, "body.to_staff_id", "the ticket is already with this staff member")
    _staff_who_may_serve(session, ticket.institution_id, data.to_staff_id, "body.to_staff_id")
    seq = (
        session.exec(select(func.max(TicketHandover.seq)).where(TicketHandover.ticket_id == ticket.id)).one() or 0
    ) + 1
    session.add(
        TicketHandover(
            ticket_id=ticket.id,
            seq=seq,
            from_staff_id=ticket.current_handler_id,
            to_staff_id=data.to_staff_id,
            reason=data.reason,
            at=datetime.now(UTC),
            by_sub=actor.sub,
        )
    )
    ticket.current_handler_id = data.to_staff_id
    session.add(ticket)
    session.flush()
    log_action(session, ticket, Action.HAND_OVER.value, TicketState(ticket.state), actor, data.reason)
    return ticket_out(session, ticket)


# --- materials ------------------------------------------------------------------------------------------------------


def checklist_of(session: Session, ticket: Ticket) -> tuple[MatterVersion, list[Material]]:
    """The materials checklist of the matter version the ticket was received under."""
    if ticket.matter_code is None or ticket.matter_version is None:
        raise ProblemError(409, "ticket-without-matter", "the ticket names no matter, so it has no materials checklist")
    matter = matter_version(session, ticket.matter_code, ticket.matter_version)
    assert matter is not None  # versions are never deleted
    return matter, [Material.model_validate(item) for item in matter.materials]


def materials_in_hand(session: Session, ticket_id: uuid.UUID) -> dict[str, TicketMaterial]:
    rows = session.exec(select(TicketMaterial).where(TicketMaterial.ticket_id == ticket_id)).all()
    return {row.material_code: row for row in rows}


def record_materials(session: Session, ticket: Ticket, data: MaterialsIn, actor: Actor) -> TicketOut:
    """Record materials the applicant brought and those completed on the spot with the staff's help (7.3.2.2)."""
    next_or_409(TicketState(ticket.state), Action.RECORD_MATERIALS)
    _matter, checklist = checklist_of(session, ticket)
    known = {material.code for material in checklist}
    for field, codes in (("body.provided", data.provided), ("body.completed_on_spot", data.completed_on_spot)):
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise field_error(422, field, f"not on the checklist of matter {ticket.matter_code}: {', '.join(unknown)}")
    both = set(data.provided) & set(data.completed_on_spot)
    if both:
        raise field_error(422, "body.completed_on_spot", f"listed as provided too: {', '.join(sorted(both))}")
    now = datetime.now(UTC)
    existing = materials_in_hand(session, ticket.id)
    for status, codes in (("provided", data.provided), ("completed_on_spot", data.completed_on_spot)):
        for code in dict.fromkeys(codes):
            row = existing.get(code) or TicketMaterial(
                ticket_id=ticket.id, material_code=code, status=status, recorded_at=now, recorded_by=actor.sub
            )
            row.status, row.recorded_at, row.recorded_by = status, now, actor.sub
            session.add(row)
    session.flush()
    provided, on_spot = ", ".join(data.provided) or "-", ", ".join(data.completed_on_spot) or "-"
    note = f"provided: {provided}; completed on the spot: {on_spot}"
    log_action(session, ticket, Action.RECORD_MATERIALS.value, TicketState(ticket.state), actor, note[:1000])
    return ticket_out(session, ticket)


# --- helpers --------------------------------------------------------------------------------------------------------


def next_or_409(current: TicketState, action: Action) -> TicketState:
    try:
        return next_state(current, action)
    except IllegalTransition as exc:
        raise ProblemError(409, "illegal-transition", str(exc), title="Illegal state transition") from exc


def log_action(
    session: Session,
    ticket: Ticket,
    action: str,
    previous: TicketState | None,
    actor: Actor | str,
    note: str | None,
    *,
    at: datetime | None = None,
) -> None:
    """Append to the 帮办日志 (7.4.3); `actor` is a person, or the sub of a scheduled job."""
    session.add(
        TicketLogEntry(
            ticket_id=ticket.id,
            at=at or datetime.now(UTC),
            action=action,
            from_state=previous.value if previous else None,
            to_state=TicketState(ticket.state).value,
            actor_sub=actor if isinstance(actor, str) else actor.sub,
            note=note,
        )
    )


# --- time limits (限时办结, 7.4.4) ------------------------------------------------------------------------------------

TIME_LIMIT_SCAN = "system:assist-ticket-time-limits"


def warn_deadline(session: Session, ticket: Ticket, now: datetime) -> None:
    """The deadline is near: mark the ticket (shown as `warned_at` / `due_soon`) and log the warning."""
    ticket.warned_at = now
    session.add(ticket)
    due = to_local(assume_utc(ticket.due_at)) if ticket.due_at else None
    note = f"临近办结时限 / deadline near: due {due:%Y-%m-%d %H:%M} (Asia/Shanghai)" if due else None
    log_action(session, ticket, "deadline_warning", TicketState(ticket.state), TIME_LIMIT_SCAN, note, at=now)


def mark_overdue(session: Session, ticket: Ticket, now: datetime) -> None:
    """The current time limit has passed: mark the ticket, log it in the 帮办日志 and publish `ticket.overdue`."""
    assert ticket.due_at is not None
    due_at = assume_utc(ticket.due_at)
    ticket.overdue_at = now
    session.add(ticket)
    note = f"超过办结时限 / time limit passed: due {to_local(due_at):%Y-%m-%d %H:%M} (Asia/Shanghai)"
    note = f"{note}, {ticket.time_limit_rule}"
    log_action(session, ticket, "overdue", TicketState(ticket.state), TIME_LIMIT_SCAN, note[:1000], at=now)
    enqueue(
        session,
        TICKET_OVERDUE,
        TicketOverdue(
            ticket_id=ticket.id,
            institution_id=ticket.institution_id,
            town=ticket.town,
            state=ticket.state,
            due_at=due_at,
            time_limit_rule=ticket.time_limit_rule,
            detected_at=now,
        ),
        key=str(ticket.id),
    )
