"""Weekly meetings (form A.1) and their action items, the on-site coordination log, joint rectification tasks.

Revision ID: 0004
Revises: 0003
Create Date: 2025-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "weekly_meeting",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(50), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("last_week_results", sa.Text(), nullable=True),
        sa.Column("targets", sa.Text(), nullable=False),
        sa.Column("incident_ids", sa.JSON(), nullable=False),
        sa.Column("carried_item_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "subject", "week", name="uq_weekly_meeting_subject_week"),
    )
    op.create_index("ix_weekly_meeting_town", "weekly_meeting", ["town"])
    op.create_index("ix_weekly_meeting_subject", "weekly_meeting", ["subject"])
    op.create_index("ix_weekly_meeting_week", "weekly_meeting", ["week"])

    op.create_table(
        "meeting_action_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(50), nullable=False),
        sa.Column("owner_department", sa.String(50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("carried_count", sa.Integer(), nullable=False),
        sa.Column("last_reviewed_meeting_id", sa.Uuid(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["weekly_meeting.id"], name="fk_meeting_action_item_meeting"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_meeting_action_item_meeting_id", "meeting_action_item", ["meeting_id"])
    op.create_index("ix_meeting_action_item_town", "meeting_action_item", ["town"])
    op.create_index("ix_meeting_action_item_subject", "meeting_action_item", ["subject"])
    op.create_index("ix_meeting_action_item_owner_department", "meeting_action_item", ["owner_department"])
    op.create_index("ix_meeting_action_item_state", "meeting_action_item", ["state"])

    op.create_table(
        "onsite_coordination",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("department_code", sa.String(50), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("contact_person", sa.String(100), nullable=True),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name="fk_onsite_coordination_incident"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_onsite_coordination_incident_id", "onsite_coordination", ["incident_id"])
    op.create_index("ix_onsite_coordination_department_code", "onsite_coordination", ["department_code"])

    op.create_table(
        "rectification_task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rectification_id", sa.Uuid(), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("department_code", sa.String(50), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("head_count", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("deployed_head_count", sa.Integer(), nullable=True),
        sa.Column("completed_by", sa.String(200), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rectification_id"], ["joint_rectification.id"], name="fk_rectification_task_rectification"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rectification_id", "department_code", name="uq_rectification_task_department"),
    )
    op.create_index("ix_rectification_task_rectification_id", "rectification_task", ["rectification_id"])
    op.create_index("ix_rectification_task_town", "rectification_task", ["town"])
    op.create_index("ix_rectification_task_department_code", "rectification_task", ["department_code"])
    op.create_index("ix_rectification_task_state", "rectification_task", ["state"])


def downgrade() -> None:
    for table, columns in (
        ("rectification_task", ("state", "department_code", "town", "rectification_id")),
        ("onsite_coordination", ("department_code", "incident_id")),
        ("meeting_action_item", ("state", "owner_department", "subject", "town", "meeting_id")),
        ("weekly_meeting", ("week", "subject", "town")),
    ):
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.drop_table(table)
