"""Tables and API schemas of incidents and their timeline."""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKeyConstraint, String, Text, UniqueConstraint

from grid_dispatch.grids.models import CODE_LENGTH
from grid_dispatch.incidents.rules import Action, CoordinationMethod, IncidentState, ReturnReason
from grid_dispatch.rulesets.models import CATEGORY_PATTERN, IncidentKind
from grid_dispatch.tables import GridTable
from jiading_shared.types import UtcDateTime


class IncidentSource(StrEnum):
    PATROL_FINDING = "patrol_finding"  # 巡查发现
    HOTLINE = "hotline"  # 热线
    ONSITE_CALL = "onsite_call"  # 现场呼叫
    OPEN311 = "open311"  # other government systems
    COLLECTION_REFUSAL = "collection_refusal"  # collection refusal.reported
    COLLECTION_VISIT_OVERDUE = "collection_visit_overdue"  # collection visit.overdue
    ASSIST_ESCALATION = "assist_escalation"  # assist-desk ticket.escalated (coordination)


# Sources a caller of the dispatch API may give; the others are set by the facade and the consumers.
API_SOURCES = (IncidentSource.PATROL_FINDING, IncidentSource.HOTLINE, IncidentSource.ONSITE_CALL)


class Incident(GridTable, table=True):
    __tablename__ = "incident"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    kind: IncidentKind = sqlmodel.Field(sa_type=String(30))
    category: str = sqlmodel.Field(max_length=50, index=True)
    source: IncidentSource = sqlmodel.Field(sa_type=String(30))
    source_ref: str | None = sqlmodel.Field(default=None, max_length=100, index=True)
    # The CloudEvent that opened it (a second delivery finds it here as well as in the inbox).
    source_event_id: str | None = sqlmodel.Field(default=None, max_length=100, unique=True)
    # The department the intake named (the event's 派出所, the ticket's department); kept for routing replays.
    named_department: str | None = sqlmodel.Field(default=None, max_length=CODE_LENGTH)
    town: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    grid: str | None = sqlmodel.Field(default=None, max_length=CODE_LENGTH, index=True)
    title: str = sqlmodel.Field(max_length=200)
    description: str = sqlmodel.Field(sa_type=Text)
    address: str | None = sqlmodel.Field(default=None, max_length=300)
    lat: float | None = None
    long: float | None = None
    state: IncidentState = sqlmodel.Field(sa_type=String(20), index=True)
    department_code: str | None = sqlmodel.Field(default=None, max_length=CODE_LENGTH, index=True)
    responder: str | None = sqlmodel.Field(default=None, max_length=200)
    routing_version: str = sqlmodel.Field(max_length=50)
    routing_rule_id: str | None = sqlmodel.Field(default=None, max_length=50)
    routing_reason: str = sqlmodel.Field(max_length=300)
    sla_version: str = sqlmodel.Field(max_length=50)
    due_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True), index=True)
    warn_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    warned_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    overdue_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    expected_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    sla_explanation: str | None = sqlmodel.Field(default=None, sa_type=Text)
    supervised: bool = False
    return_count: int = 0
    status_notes: str | None = sqlmodel.Field(default=None, max_length=500)
    reported_by: str = sqlmodel.Field(max_length=200)
    reported_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True), index=True)
    updated_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    closed_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class IncidentStep(GridTable, table=True):
    """One step of the immutable timeline: who, when, what, which rule."""

    __tablename__ = "incident_step"
    __table_args__ = (
        UniqueConstraint("incident_id", "seq", name="uq_incident_step_seq"),
        ForeignKeyConstraint(["incident_id"], ["incident.id"], name="fk_incident_step_incident"),
    )

    id: int | None = sqlmodel.Field(default=None, primary_key=True)
    incident_id: uuid.UUID = sqlmodel.Field(index=True)
    seq: int
    action: Action = sqlmodel.Field(sa_type=String(20))
    from_state: IncidentState | None = sqlmodel.Field(default=None, sa_type=String(20))
    to_state: IncidentState = sqlmodel.Field(sa_type=String(20))
    actor: str = sqlmodel.Field(max_length=200)
    at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    department_code: str | None = sqlmodel.Field(default=None, max_length=CODE_LENGTH)
    responder: str | None = sqlmodel.Field(default=None, max_length=200)
    rule_version: str | None = sqlmodel.Field(default=None, max_length=50)
    rule_id: str | None = sqlmodel.Field(default=None, max_length=50)
    reason_code: str | None = sqlmodel.Field(default=None, max_length=30)
    note: str | None = sqlmodel.Field(default=None, sa_type=Text)


class OnsiteCoordination(GridTable, table=True):
    """现场协调 log entry (DB 31114/Z 009-2025 4.3.1): a call or radio contact with a department, its arrival."""

    __tablename__ = "onsite_coordination"
    __table_args__ = (ForeignKeyConstraint(["incident_id"], ["incident.id"], name="fk_onsite_coordination_incident"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True)
    incident_id: uuid.UUID = sqlmodel.Field(index=True)
    department_code: str = sqlmodel.Field(max_length=CODE_LENGTH, index=True)
    method: CoordinationMethod = sqlmodel.Field(sa_type=String(10))
    contact_person: str | None = sqlmodel.Field(default=None, max_length=100)
    contacted_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    arrived_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    outcome: str | None = sqlmodel.Field(default=None, sa_type=Text)
    recorded_by: str = sqlmodel.Field(max_length=200)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IncidentIn(_In):
    category: str = Field(pattern=CATEGORY_PATTERN, max_length=50, description="category code of the catalogue")
    town: str = Field(min_length=1, max_length=CODE_LENGTH, description="街道/镇 code")
    grid: str | None = Field(default=None, max_length=CODE_LENGTH, description="村居(单元)网格 code")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=4000)
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    source: IncidentSource = Field(
        default=IncidentSource.PATROL_FINDING, description="patrol_finding/hotline/onsite_call"
    )
    source_ref: str | None = Field(default=None, max_length=100, description="the caller's own reference")


class DispatchIn(_In):
    department_code: str | None = Field(
        default=None, max_length=CODE_LENGTH, description="department to dispatch to; default: route again"
    )
    note: str | None = Field(default=None, max_length=2000)


class RulingIn(_In):
    department_code: str = Field(
        min_length=1, max_length=CODE_LENGTH, description="department the commander designates"
    )
    basis: str = Field(min_length=1, max_length=2000, description="依据 of the ruling (DB 31114/Z 009-2025 4.3.2)")
    make_rule: bool = Field(default=False, description="publish a routing rule for this category and grid")


class NoteIn(_In):
    note: str | None = Field(default=None, max_length=2000)


class ResultIn(_In):
    note: str = Field(min_length=1, max_length=2000, description="处置结果")


class VerifyIn(_In):
    passed: bool = Field(description="核查通过; false reopens the incident for its department")
    note: str = Field(min_length=1, max_length=2000, description="核查情况")


class ReturnIn(_In):
    reason_code: ReturnReason = Field(
        description="wrong_locality 属地不符 / unclear_ownership 权属不清 / overlapping_duties 职能交叉 / other"
    )
    basis: str = Field(min_length=1, max_length=2000, description="退单依据")


class SuperviseIn(_In):
    note: str = Field(min_length=1, max_length=2000, description="督办/催办 要求")


class StepOut(BaseModel):
    seq: int
    action: Action
    from_state: IncidentState | None
    to_state: IncidentState
    actor: str
    at: UtcDateTime
    department_code: str | None
    responder: str | None
    rule_version: str | None
    rule_id: str | None
    reason_code: str | None
    note: str | None


class IncidentOut(BaseModel):
    id: uuid.UUID
    kind: IncidentKind
    category: str
    source: IncidentSource
    source_ref: str | None
    town: str
    grid: str | None
    title: str
    description: str
    address: str | None
    lat: float | None
    long: float | None
    state: IncidentState
    state_label: str
    department_code: str | None
    responder: str | None
    in_dispatcher_queue: bool
    routing_version: str
    routing_rule_id: str | None
    routing_reason: str
    sla_version: str
    due_at: UtcDateTime | None
    warn_at: UtcDateTime | None
    expected_at: UtcDateTime | None
    sla_status: str
    sla_explanation: str | None
    supervised: bool
    return_count: int
    reported_by: str
    reported_at: UtcDateTime
    updated_at: UtcDateTime
    closed_at: UtcDateTime | None
    allowed_actions: list[Action]
    timeline: list[StepOut] | None = None


class SimulationIn(_In):
    body: dict[str, object] = Field(description="draft routing rule set")
    last: int = Field(default=200, ge=1, le=5000, description="replay the last N incidents")


class SimulatedChange(BaseModel):
    incident_id: uuid.UUID
    category: str
    grid: str | None
    routed_to: str | None
    draft_routes_to: str | None
    draft_rule_id: str | None
    draft_reason: str


class SimulationOut(BaseModel):
    replayed: int
    changed: int
    changes: list[SimulatedChange]


class CoordinationIn(_In):
    department_code: str = Field(min_length=1, max_length=CODE_LENGTH, description="department contacted")
    method: CoordinationMethod = Field(description="phone 电话 / radio 电台 / on_site 现场")
    contact_person: str | None = Field(default=None, max_length=100, description="who answered")
    contacted_at: datetime = Field(description="when the department was contacted")
    arrived_at: datetime | None = Field(default=None, description="arrival on site, if already known")
    outcome: str | None = Field(default=None, max_length=2000, description="现场情况 / result of the contact")


class ArrivalIn(_In):
    arrived_at: datetime = Field(description="when the department's staff reached the site")
    outcome: str | None = Field(default=None, max_length=2000, description="现场情况")


class CoordinationOut(BaseModel):
    id: uuid.UUID
    incident_id: uuid.UUID
    department_code: str
    method: CoordinationMethod
    method_label: str
    contact_person: str | None
    contacted_at: UtcDateTime
    arrived_at: UtcDateTime | None
    minutes_to_arrive: int | None = Field(description="minutes from contact to arrival")
    outcome: str | None
    recorded_by: str
    recorded_at: UtcDateTime
