"""Tables and API schemas of assistance tickets: the ticket, its log (帮办日志), its hand-over chain and the
materials recorded on it."""

import uuid
from datetime import datetime

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint, Uuid

from assist_desk.institutions.rules import AssistanceForm
from assist_desk.matters.rules import CODE_PATTERN
from assist_desk.tables import AssistTable
from assist_desk.tickets.rules import FALLBACK_TYPE_LABELS, Action, Channel, FallbackType, TargetKind, TicketState
from jiading_shared.types import UtcDateTime

__all__ = ["FALLBACK_TYPE_LABELS", "FallbackType"]  # re-exported: the escalation event imports them from here


class Ticket(AssistTable, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        ForeignKeyConstraint(["institution_id"], ["service_institution.id"], name="fk_ticket_institution"),
        ForeignKeyConstraint(["first_responder_id"], ["staff_member.id"], name="fk_ticket_first_responder"),
        ForeignKeyConstraint(["current_handler_id"], ["staff_member.id"], name="fk_ticket_current_handler"),
        Index("ix_ticket_institution_received", "institution_id", "received_at"),
        Index("ix_ticket_state_due", "state", "due_at"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    institution_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    town: str = sqlmodel.Field(max_length=50)
    channel: Channel = sqlmodel.Field(sa_type=String(20))
    form: AssistanceForm = sqlmodel.Field(sa_type=String(20))
    target_kind: TargetKind = sqlmodel.Field(sa_type=String(20))
    contact_name_cipher: str | None = sqlmodel.Field(default=None, sa_type=Text)
    contact_name_masked: str | None = sqlmodel.Field(default=None, max_length=200)
    contact_mobile_cipher: str | None = sqlmodel.Field(default=None, sa_type=Text)
    contact_mobile_masked: str | None = sqlmodel.Field(default=None, max_length=40)
    contact_mobile_index: str | None = sqlmodel.Field(default=None, max_length=64, index=True)
    matter_code: str | None = sqlmodel.Field(default=None, max_length=50)
    matter_version: int | None = None
    matter_name: str | None = sqlmodel.Field(default=None, max_length=200)
    department_code: str | None = sqlmodel.Field(default=None, max_length=50)
    summary: str = sqlmodel.Field(max_length=1000)
    state: TicketState = sqlmodel.Field(sa_type=String(20))
    fallback_type: FallbackType | None = sqlmodel.Field(default=None, sa_type=String(20))
    escalation_reason: str | None = sqlmodel.Field(default=None, max_length=1000)
    escalated_department: str | None = sqlmodel.Field(default=None, max_length=50)
    escalated_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    legal_basis: str | None = sqlmodel.Field(default=None, max_length=1000)
    first_responder_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    current_handler_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    needs_staff_assistance: bool = False
    received_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    due_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    time_limit_rule: str = sqlmodel.Field(max_length=200)
    time_limit_explain: str = sqlmodel.Field(sa_type=Text)
    time_limit_provisional: bool = False
    policy_version: int
    warned_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    overdue_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    # The 自助办/陪同办 limit was missed before the ticket was escalated: kept when the 兜底办 clock starts (7.4.4).
    form_breached_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    finished_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    outcome_note: str | None = sqlmodel.Field(default=None, max_length=1000)
    created_by: str = sqlmodel.Field(max_length=200)


class TicketLogEntry(AssistTable, table=True):
    """帮办日志 (DB 31114/Z 022-2025 7.3.3, 7.4.3): one row per thing done on a ticket, append-only."""

    __tablename__ = "ticket_log"
    __table_args__ = (ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_ticket_log_ticket"),)

    id: int | None = sqlmodel.Field(default=None, primary_key=True, sa_type=Integer)
    ticket_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid, index=True)
    at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    action: str = sqlmodel.Field(max_length=30)
    from_state: str | None = sqlmodel.Field(default=None, max_length=20)
    to_state: str = sqlmodel.Field(max_length=20)
    actor_sub: str = sqlmodel.Field(max_length=200)
    note: str | None = sqlmodel.Field(default=None, max_length=1000)


class TicketHandover(AssistTable, table=True):
    """One link of the hand-over chain; the first responder stays accountable across all of them (首问负责)."""

    __tablename__ = "ticket_handover"
    __table_args__ = (
        ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_ticket_handover_ticket"),
        ForeignKeyConstraint(["from_staff_id"], ["staff_member.id"], name="fk_ticket_handover_from"),
        ForeignKeyConstraint(["to_staff_id"], ["staff_member.id"], name="fk_ticket_handover_to"),
        UniqueConstraint("ticket_id", "seq", name="uq_ticket_handover_seq"),
    )

    id: int | None = sqlmodel.Field(default=None, primary_key=True, sa_type=Integer)
    ticket_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    seq: int
    from_staff_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    to_staff_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    reason: str = sqlmodel.Field(max_length=500)
    at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    by_sub: str = sqlmodel.Field(max_length=200)


class TicketMaterial(AssistTable, table=True):
    """A checklist material in hand: provided by the applicant or completed on the spot (7.3.2.2)."""

    __tablename__ = "ticket_material"
    __table_args__ = (ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_ticket_material_ticket"),)

    ticket_id: uuid.UUID = sqlmodel.Field(primary_key=True, sa_type=Uuid)
    material_code: str = sqlmodel.Field(primary_key=True, max_length=50)
    status: str = sqlmodel.Field(max_length=20)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    recorded_by: str = sqlmodel.Field(max_length=200)


# --- API schemas ----------------------------------------------------------------------------------------------------


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: TargetKind = Field(description="natural_person 自然人 / legal_person 法人 / other_organisation 其他组织")
    name: str | None = Field(default=None, min_length=1, max_length=200, description="name or organisation (encrypted)")
    mobile: str | None = Field(
        default=None, pattern=r"^\+?[0-9 -]{5,20}$", description="contact number (encrypted, shown masked)"
    )


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    institution_id: uuid.UUID
    channel: Channel = Field(description="服务渠道 (7.1)")
    form: AssistanceForm = Field(description="帮办形式; 兜底办 is reached by escalating (POST /tickets/{id}/escalate)")
    target: TargetIn = Field(description="服务对象")
    matter_code: str | None = Field(default=None, pattern=CODE_PATTERN, description="事项 code, when known")
    summary: str = Field(min_length=1, max_length=1000, description="what the applicant needs, no personal data")
    staff_id: uuid.UUID = Field(description="the staff member who receives the ticket: its first responder (首问)")


class EscalationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: FallbackType = Field(
        description="consultation 咨询引导 / coordination 协调办理 / complaint 投诉建议 / not_accepted 不予受理"
    )
    reason: str = Field(min_length=1, max_length=1000)
    department: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="department code to involve; required for coordination"
    )


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=1000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=1000)


class NotAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    legal_basis: str = Field(min_length=1, max_length=1000, description="不予受理的法律依据 (7.2.1 c 4), 7.3.2.1)")


class GuideIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    window: str = Field(min_length=1, max_length=200, description="the 办事窗口 the visitor was guided to")


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    to_staff_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class MaterialsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    provided: list[str] = Field(default_factory=list, description="checklist codes the applicant brought")
    completed_on_spot: list[str] = Field(
        default_factory=list, description="codes the staff helped fill in and print/upload on the spot (7.3.2.2)"
    )


class HandoverOut(BaseModel):
    seq: int
    from_staff_id: uuid.UUID
    to_staff_id: uuid.UUID
    reason: str
    at: UtcDateTime
    by_sub: str


class MaterialOut(BaseModel):
    material_code: str
    status: str
    recorded_at: UtcDateTime


class TicketOut(BaseModel):
    id: uuid.UUID
    institution_id: uuid.UUID
    town: str
    channel: Channel
    form: AssistanceForm
    target_kind: TargetKind
    contact_name: str | None = Field(description="masked")
    contact_mobile: str | None = Field(description="masked")
    matter_code: str | None
    matter_version: int | None
    matter_name: str | None
    department_code: str | None
    summary: str
    state: TicketState
    state_label: str
    allowed_actions: list[Action]
    fallback_type: FallbackType | None
    escalation_reason: str | None
    escalated_department: str | None
    escalated_at: UtcDateTime | None
    legal_basis: str | None
    first_responder_id: uuid.UUID = Field(description="首问负责人: accountable across every hand-over")
    current_handler_id: uuid.UUID
    handovers: list[HandoverOut]
    materials: list[MaterialOut]
    needs_staff_assistance: bool = Field(
        description="自助办 needs staff help: a self-service terminal failed its check"
    )
    received_at: UtcDateTime
    due_at: UtcDateTime | None
    time_limit_rule: str
    time_limit_explain: str
    time_limit_provisional: bool
    policy_version: int
    warned_at: UtcDateTime | None = Field(description="when the deadline warning was given (限时办结 warning lead)")
    due_soon: bool = Field(description="open, warned and not yet past its current time limit")
    overdue: bool = Field(description="past its current time limit (the 兜底办 one once escalated)")
    form_breached_at: UtcDateTime | None = Field(
        description="the 自助办/陪同办 time limit was missed before escalating to 兜底办: when that was found"
    )
    time_limit_breached: bool = Field(description="any of its time limits was missed: counted in the summaries")
    finished_at: UtcDateTime | None
    outcome_note: str | None


class TicketSearchIn(BaseModel):
    """Search by contact number. In the body, not the URL: a phone number must not land in access logs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    mobile: str = Field(pattern=r"^\+?[0-9 -]{5,20}$", description="联系电话, matched exactly through the blind index")
    institution_id: uuid.UUID | None = None
    state: TicketState | None = None


class LogEntryOut(BaseModel):
    at: UtcDateTime
    action: str
    from_state: str | None
    to_state: str
    actor_sub: str
    note: str | None


class ContactOut(BaseModel):
    ticket_id: uuid.UUID
    name: str | None
    mobile: str | None
