"""Joint rectification applications (form B.1) with sign-offs and summaries (form C.1).

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "joint_rectification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("applicant_department", sa.String(50), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=False),
        sa.Column("contact_phone_ciphertext", sa.String(500), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("action_date", sa.Date(), nullable=False),
        sa.Column("half_day", sa.String(length=2), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("command_unit", sa.String(50), nullable=False),
        sa.Column("command_leader", sa.String(100), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("vehicles", sa.JSON(), nullable=False),
        sa.Column("joint_duty_action", sa.Boolean(), nullable=False),
        sa.Column("police_notified_on", sa.Date(), nullable=True),
        sa.Column("notice_override_reason", sa.String(500), nullable=True),
        sa.Column("notice_rule_version", sa.String(50), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("sign_offs", sa.JSON(), nullable=False),
        sa.Column("reopened_from", sa.Uuid(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_joint_rectification_starts_at", "joint_rectification", ["starts_at"])
    op.create_index("ix_joint_rectification_state", "joint_rectification", ["state"])
    op.create_index("ix_joint_rectification_town", "joint_rectification", ["town"])


def downgrade() -> None:
    op.drop_index("ix_joint_rectification_town", table_name="joint_rectification")
    op.drop_index("ix_joint_rectification_state", table_name="joint_rectification")
    op.drop_index("ix_joint_rectification_starts_at", table_name="joint_rectification")

    op.drop_table("joint_rectification")
