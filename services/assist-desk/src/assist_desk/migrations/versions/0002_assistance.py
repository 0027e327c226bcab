"""Assistance: stationed departments and opening hours of institutions, staff and training, matters (versioned),
the policy (versioned, seeded with version 1), tickets with their log, hand-overs and materials, one-time notices,
reviews, rectifications, call-backs, devices and their checks.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-26
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assist_policy",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("form_time_limits", sa.JSON(), nullable=False),
        sa.Column("fallback_time_limits", sa.JSON(), nullable=False),
        sa.Column("warning_lead_hours", sa.Integer(), nullable=False),
        sa.Column("rectification_working_days", sa.Integer(), nullable=False),
        sa.Column("callback_share_percent", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version", name="uq_assist_policy_version"),
    )
    op.create_table(
        "matter_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department_code", sa.String(length=50), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("time_limits", sa.JSON(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "version", name="uq_matter_version_code_version"),
    )
    op.create_index(op.f("ix_matter_version_code"), "matter_version", ["code"], unique=False)
    op.create_table(
        "device",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("in_service_since", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_daily_check_on", sa.Date(), nullable=True),
        sa.Column("last_monthly_inspection_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["service_institution.id"], name="fk_device_institution"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_device_institution_id"), "device", ["institution_id"], unique=False)
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("account_sub", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=20), nullable=False),
        sa.Column("employment", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("department_code", sa.String(length=50), nullable=True),
        sa.Column("registration_no", sa.String(length=50), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["service_institution.id"], name="fk_staff_member_institution"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_sub", name="uq_staff_member_account_sub"),
    )
    op.create_index(op.f("ix_staff_member_institution_id"), "staff_member", ["institution_id"], unique=False)
    op.create_table(
        "stationed_department",
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("department_code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("stationed_since", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["service_institution.id"], name="fk_stationed_department_institution"
        ),
        sa.PrimaryKeyConstraint("institution_id", "department_code"),
    )
    op.create_table(
        "device_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("checked_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], name="fk_device_check_device"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_device_check_device_id"), "device_check", ["device_id"], unique=False)
    op.create_table(
        "staff_training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_member.id"], name="fk_staff_training_staff"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_staff_training_staff_id"), "staff_training", ["staff_id"], unique=False)
    op.create_table(
        "ticket",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("town", sa.String(length=50), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("contact_name_cipher", sa.Text(), nullable=True),
        sa.Column("contact_name_masked", sa.String(length=200), nullable=True),
        sa.Column("contact_mobile_cipher", sa.Text(), nullable=True),
        sa.Column("contact_mobile_masked", sa.String(length=40), nullable=True),
        sa.Column("contact_mobile_index", sa.String(length=64), nullable=True),
        sa.Column("matter_code", sa.String(length=50), nullable=True),
        sa.Column("matter_version", sa.Integer(), nullable=True),
        sa.Column("matter_name", sa.String(length=200), nullable=True),
        sa.Column("department_code", sa.String(length=50), nullable=True),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("fallback_type", sa.String(length=20), nullable=True),
        sa.Column("escalation_reason", sa.String(length=1000), nullable=True),
        sa.Column("escalated_department", sa.String(length=50), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("legal_basis", sa.String(length=1000), nullable=True),
        sa.Column("first_responder_id", sa.Uuid(), nullable=False),
        sa.Column("current_handler_id", sa.Uuid(), nullable=False),
        sa.Column("needs_staff_assistance", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_limit_rule", sa.String(length=200), nullable=False),
        sa.Column("time_limit_explain", sa.Text(), nullable=False),
        sa.Column("time_limit_provisional", sa.Boolean(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_note", sa.String(length=1000), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["current_handler_id"], ["staff_member.id"], name="fk_ticket_current_handler"),
        sa.ForeignKeyConstraint(["first_responder_id"], ["staff_member.id"], name="fk_ticket_first_responder"),
        sa.ForeignKeyConstraint(["institution_id"], ["service_institution.id"], name="fk_ticket_institution"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ticket_contact_mobile_index"), "ticket", ["contact_mobile_index"], unique=False)
    op.create_index("ix_ticket_institution_received", "ticket", ["institution_id", "received_at"], unique=False)
    op.create_index("ix_ticket_state_due", "ticket", ["state", "due_at"], unique=False)
    op.create_table(
        "callback_task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("town", sa.String(length=50), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("selected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.Column("reached", sa.Boolean(), nullable=True),
        sa.Column("level", sa.String(length=30), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_callback_task_ticket"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", name="uq_callback_task_ticket"),
    )
    op.create_index(
        "ix_callback_task_institution_week", "callback_task", ["institution_id", "week_start"], unique=False
    )
    op.create_table(
        "one_time_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("matter_code", sa.String(length=50), nullable=False),
        sa.Column("matter_version", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("missing_at_issue", sa.JSON(), nullable=False),
        sa.Column("in_hand_at_issue", sa.JSON(), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("guidance", sa.Text(), nullable=True),
        sa.Column("breach", sa.Boolean(), nullable=False),
        sa.Column("breach_materials", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_one_time_notice_ticket"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_one_time_notice_seq"),
    )
    op.create_index(op.f("ix_one_time_notice_institution_id"), "one_time_notice", ["institution_id"], unique=False)
    op.create_table(
        "review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_review_ticket"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", name="uq_review_ticket"),
    )
    op.create_index("ix_review_institution_reviewed", "review", ["institution_id", "reviewed_at"], unique=False)
    op.create_table(
        "ticket_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_staff_id", sa.Uuid(), nullable=False),
        sa.Column("to_staff_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_sub", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["from_staff_id"], ["staff_member.id"], name="fk_ticket_handover_from"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_ticket_handover_ticket"),
        sa.ForeignKeyConstraint(["to_staff_id"], ["staff_member.id"], name="fk_ticket_handover_to"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_ticket_handover_seq"),
    )
    op.create_table(
        "ticket_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor_sub", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_ticket_log_ticket"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ticket_log_ticket_id"), "ticket_log", ["ticket_id"], unique=False)
    op.create_table(
        "ticket_material",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("material_code", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_ticket_material_ticket"),
        sa.PrimaryKeyConstraint("ticket_id", "material_code"),
    )
    op.create_table(
        "rectification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("town", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_explain", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_by", sa.String(length=200), nullable=True),
        sa.Column("callback_note", sa.String(length=1000), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("outcome_note", sa.String(length=1000), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"], name="fk_rectification_review"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_rectification_ticket"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", name="uq_rectification_review"),
    )
    op.create_index(op.f("ix_rectification_institution_id"), "rectification", ["institution_id"], unique=False)
    op.create_index("ix_rectification_state_due", "rectification", ["state", "due_at"], unique=False)
    with op.batch_alter_table("service_institution") as batch:
        batch.add_column(sa.Column("opens_at", sa.Time(), server_default=sa.text("'09:00:00'"), nullable=False))
        batch.add_column(sa.Column("closes_at", sa.Time(), server_default=sa.text("'17:00:00'"), nullable=False))
    seed_policy()


# Version 1 of the policy, in force from the standard's implementation date. DB 31114/Z 022-2025 names the systems
# (限时办结 7.4.4, 回访 4.3 e, 整改 9.1.1) but not their numbers: these are the district's starting values, changed
# later through POST /api/v1/policies as new versions. Frozen here: the migration must not follow later code.
SEED_POLICY = {
    "version": 1,
    "effective_from": datetime(2025, 3, 1, tzinfo=UTC),
    "form_time_limits": {
        "self_service": {"amount": 1, "unit": "working_hours"},
        "accompanied": {"amount": 1, "unit": "working_days"},
        "express": {"amount": 1, "unit": "working_hours"},
        "video": {"amount": 1, "unit": "working_days"},
        "outreach": {"amount": 3, "unit": "working_days"},
    },
    "fallback_time_limits": {
        "consultation": {"amount": 1, "unit": "working_days"},
        "coordination": {"amount": 5, "unit": "working_days"},
        "complaint": {"amount": 5, "unit": "working_days"},
        "not_accepted": {"amount": 1, "unit": "working_days"},
    },
    "warning_lead_hours": 4,
    "rectification_working_days": 5,
    "callback_share_percent": 10,
    "note": "初始版本：DB 31114/Z 022-2025 实施 (seed)",
    "created_by": "migration-0002",
}


def seed_policy() -> None:
    policy = sa.table(
        "assist_policy",
        sa.column("id", sa.Uuid()),
        sa.column("version", sa.Integer()),
        sa.column("effective_from", sa.DateTime(timezone=True)),
        sa.column("form_time_limits", sa.JSON()),
        sa.column("fallback_time_limits", sa.JSON()),
        sa.column("warning_lead_hours", sa.Integer()),
        sa.column("rectification_working_days", sa.Integer()),
        sa.column("callback_share_percent", sa.Integer()),
        sa.column("note", sa.String()),
        sa.column("created_by", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(policy, [{**SEED_POLICY, "id": uuid.UUID(int=1), "created_at": datetime(2025, 3, 1, tzinfo=UTC)}])


def downgrade() -> None:
    with op.batch_alter_table("service_institution") as batch:
        batch.drop_column("closes_at")
        batch.drop_column("opens_at")
    op.drop_index("ix_rectification_state_due", table_name="rectification")
    op.drop_index(op.f("ix_rectification_institution_id"), table_name="rectification")
    op.drop_table("rectification")
    op.drop_table("ticket_material")
    op.drop_index(op.f("ix_ticket_log_ticket_id"), table_name="ticket_log")
    op.drop_table("ticket_log")
    op.drop_table("ticket_handover")
    op.drop_index("ix_review_institution_reviewed", table_name="review")
    op.drop_table("review")
    op.drop_index(op.f("ix_one_time_notice_institution_id"), table_name="one_time_notice")
    op.drop_table("one_time_notice")
    op.drop_index("ix_callback_task_institution_week", table_name="callback_task")
    op.drop_table("callback_task")
    op.drop_index("ix_ticket_state_due", table_name="ticket")
    op.drop_index("ix_ticket_institution_received", table_name="ticket")
    op.drop_index(op.f("ix_ticket_contact_mobile_index"), table_name="ticket")
    op.drop_table("ticket")
    op.drop_index(op.f("ix_staff_training_staff_id"), table_name="staff_training")
    op.drop_table("staff_training")
    op.drop_index(op.f("ix_device_check_device_id"), table_name="device_check")
    op.drop_table("device_check")
    op.drop_table("stationed_department")
    op.drop_index(op.f("ix_staff_member_institution_id"), table_name="staff_member")
    op.drop_table("staff_member")
    op.drop_index(op.f("ix_device_institution_id"), table_name="device")
    op.drop_table("device")
    op.drop_index(op.f("ix_matter_version_code"), table_name="matter_version")
    op.drop_table("matter_version")
    op.drop_table("assist_policy")
