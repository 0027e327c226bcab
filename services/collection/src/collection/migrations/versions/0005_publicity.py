"""Publicity: versioned rules (seeded from DB 31114/Z 004-2025 7.3 and 7.5), preparation records, activities
(表 A.1) and the committee-months reported as missed.

Revision ID: 0005
Revises: 0004
Create Date: 2025-11-27
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rule_table = op.create_table(
        "publicity_rule_version",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("preparation_days_before", sa.Integer(), nullable=False),
        sa.Column("monthly_centralised_minimum", sa.Integer(), nullable=False),
        sa.Column("clause", sa.String(300), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    # DB 31114/Z 004-2025 7.3 (活动开展三天前) and 7.5 (每月不少于1次集中宣传), in force since 2025-02-12.
    op.bulk_insert(
        rule_table,
        [
            {
                "version": 1,
                "effective_from": date(2025, 2, 12),
                "preparation_days_before": 3,
                "monthly_centralised_minimum": 1,
                "clause": "DB 31114/Z 004-2025 7.3, 7.5",
                "created_by": "migration 0005",
                "created_at": datetime(2025, 11, 27, tzinfo=UTC),
            }
        ],
    )
    op.create_table(
        "publicity_preparation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("committee", sa.String(50), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("materials", sa.String(1000), nullable=False),
        sa.Column("people", sa.String(1000), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["committee"], ["committee.code"], name="fk_preparation_committee"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("publicity_preparation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publicity_preparation_committee"), ["committee"], unique=False)
    op.create_table(
        "publicity_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("committee", sa.String(50), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("venue_type", sa.String(length=30), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("organiser", sa.String(200), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("preparation_id", sa.Uuid(), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["committee"], ["committee.code"], name="fk_activity_committee"),
        sa.ForeignKeyConstraint(["preparation_id"], ["publicity_preparation.id"], name="fk_activity_preparation"),
        sa.ForeignKeyConstraint(["rule_version"], ["publicity_rule_version.version"], name="fk_activity_rule_version"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("publicity_activity", schema=None) as batch_op:
        batch_op.create_index("ix_publicity_activity_committee_held", ["committee", "held_at"], unique=False)
    op.create_table(
        "publicity_month_missed",
        sa.Column("committee", sa.String(50), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("centralised_activities", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("committee", "month"),
    )


def downgrade() -> None:
    op.drop_table("publicity_month_missed")
    with op.batch_alter_table("publicity_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_publicity_activity_committee_held")
    op.drop_table("publicity_activity")
    with op.batch_alter_table("publicity_preparation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicity_preparation_committee"))
    op.drop_table("publicity_preparation")
    op.drop_table("publicity_rule_version")
