"""Departments, duty roster and patrol logs, versioned rule sets (seeded), incidents and their timeline.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-26
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from grid_dispatch.rulesets.seed import SEED_EFFECTIVE_FROM, SEED_PUBLISHED_BY, SEED_VERSIONS

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("unit_type", sa.String(length=40), nullable=False),
        sa.Column("grids", sa.JSON(), nullable=False),
        sa.Column("liaison_name", sa.String(100), nullable=False),
        sa.Column("liaison_title", sa.String(100), nullable=True),
        sa.Column("liaison_phone_ciphertext", sa.String(500), nullable=True),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_department_town", "department", ["town"])
    op.create_index("ix_department_unit_type", "department", ["unit_type"])

    op.create_table(
        "incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("source_ref", sa.String(100), nullable=True),
        sa.Column("source_event_id", sa.String(100), nullable=True),
        sa.Column("named_department", sa.String(50), nullable=True),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("grid", sa.String(50), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("department_code", sa.String(50), nullable=True),
        sa.Column("responder", sa.String(200), nullable=True),
        sa.Column("routing_version", sa.String(50), nullable=False),
        sa.Column("routing_rule_id", sa.String(50), nullable=True),
        sa.Column("routing_reason", sa.String(300), nullable=False),
        sa.Column("sla_version", sa.String(50), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_explanation", sa.Text(), nullable=True),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("return_count", sa.Integer(), nullable=False),
        sa.Column("status_notes", sa.String(500), nullable=True),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_event_id"),
    )
    op.create_index("ix_incident_category", "incident", ["category"])
    op.create_index("ix_incident_department_code", "incident", ["department_code"])
    op.create_index("ix_incident_due_at", "incident", ["due_at"])
    op.create_index("ix_incident_grid", "incident", ["grid"])
    op.create_index("ix_incident_reported_at", "incident", ["reported_at"])
    op.create_index("ix_incident_source_ref", "incident", ["source_ref"])
    op.create_index("ix_incident_state", "incident", ["state"])
    op.create_index("ix_incident_town", "incident", ["town"])

    op.create_table(
        "rule_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "version", name="uq_rule_version_kind_version"),
    )
    op.create_index("ix_rule_version_kind", "rule_version", ["kind"])
    rule_version = sa.table(
        "rule_version",
        sa.column("id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("version", sa.Integer()),
        sa.column("effective_from", sa.DateTime(timezone=True)),
        sa.column("body", sa.JSON()),
        sa.column("note", sa.String()),
        sa.column("published_by", sa.String()),
        sa.column("published_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        rule_version,
        [
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"jiading-grid-rules:{kind}:1"),
                "kind": kind,
                "version": 1,
                "effective_from": SEED_EFFECTIVE_FROM,
                "body": body,
                "note": note,
                "published_by": SEED_PUBLISHED_BY,
                "published_at": SEED_EFFECTIVE_FROM,
            }
            for kind, body, note in SEED_VERSIONS
        ],
    )

    op.create_table(
        "duty_assignment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("department_code", sa.String(50), nullable=False),
        sa.Column("duty_kind", sa.String(length=30), nullable=False),
        sa.Column("officer_sub", sa.String(200), nullable=False),
        sa.Column("officer_name", sa.String(100), nullable=False),
        sa.Column("grids", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_by", sa.String(200), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["department_code"], ["department.code"], name="fk_duty_assignment_department"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_assignment_department_code", "duty_assignment", ["department_code"])
    op.create_index("ix_duty_assignment_ends_at", "duty_assignment", ["ends_at"])
    op.create_index("ix_duty_assignment_officer_sub", "duty_assignment", ["officer_sub"])
    op.create_index("ix_duty_assignment_starts_at", "duty_assignment", ["starts_at"])
    op.create_index("ix_duty_assignment_town", "duty_assignment", ["town"])

    op.create_table(
        "incident_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("department_code", sa.String(50), nullable=True),
        sa.Column("responder", sa.String(200), nullable=True),
        sa.Column("rule_version", sa.String(50), nullable=True),
        sa.Column("rule_id", sa.String(50), nullable=True),
        sa.Column("reason_code", sa.String(30), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name="fk_incident_step_incident"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "seq", name="uq_incident_step_seq"),
    )
    op.create_index("ix_incident_step_incident_id", "incident_step", ["incident_id"])

    op.create_table(
        "patrol_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("department_code", sa.String(50), nullable=False),
        sa.Column("grids", sa.JSON(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patrol_members", sa.JSON(), nullable=False),
        sa.Column("findings", sa.String(2000), nullable=False),
        sa.Column("logged_by", sa.String(200), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_code"], ["department.code"], name="fk_patrol_log_department"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_patrol_log_department_code", "patrol_log", ["department_code"])
    op.create_index("ix_patrol_log_started_at", "patrol_log", ["started_at"])
    op.create_index("ix_patrol_log_town", "patrol_log", ["town"])


def downgrade() -> None:
    op.drop_index("ix_patrol_log_town", table_name="patrol_log")
    op.drop_index("ix_patrol_log_started_at", table_name="patrol_log")
    op.drop_index("ix_patrol_log_department_code", table_name="patrol_log")

    op.drop_table("patrol_log")
    op.drop_index("ix_incident_step_incident_id", table_name="incident_step")

    op.drop_table("incident_step")
    op.drop_index("ix_duty_assignment_town", table_name="duty_assignment")
    op.drop_index("ix_duty_assignment_starts_at", table_name="duty_assignment")
    op.drop_index("ix_duty_assignment_officer_sub", table_name="duty_assignment")
    op.drop_index("ix_duty_assignment_ends_at", table_name="duty_assignment")
    op.drop_index("ix_duty_assignment_department_code", table_name="duty_assignment")

    op.drop_table("duty_assignment")
    op.drop_index("ix_rule_version_kind", table_name="rule_version")

    op.drop_table("rule_version")
    op.drop_index("ix_incident_town", table_name="incident")
    op.drop_index("ix_incident_state", table_name="incident")
    op.drop_index("ix_incident_source_ref", table_name="incident")
    op.drop_index("ix_incident_reported_at", table_name="incident")
    op.drop_index("ix_incident_grid", table_name="incident")
    op.drop_index("ix_incident_due_at", table_name="incident")
    op.drop_index("ix_incident_department_code", table_name="incident")
    op.drop_index("ix_incident_category", table_name="incident")

    op.drop_table("incident")
    op.drop_index("ix_department_unit_type", table_name="department")
    op.drop_index("ix_department_town", table_name="department")

    op.drop_table("department")
