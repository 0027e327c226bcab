"""Initial schema: infrastructure tables (outbox, inbox, PII access audit), buildings and rooms.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jiading_shared.migration_ops import create_infra_tables_v1, drop_infra_tables_v1

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_infra_tables_v1()

    op.create_table(
        "building",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("district", sa.String(50), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("committee", sa.String(50), nullable=False),
        sa.Column("area", sa.String(50), nullable=False),
        sa.Column("road", sa.String(100), nullable=False),
        sa.Column("lane", sa.String(20), nullable=True),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("is_legal", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_building_town", "building", ["town"])
    op.create_table(
        "room",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("building_id", sa.Uuid(), nullable=False),
        sa.Column("room_no", sa.String(20), nullable=False),
        sa.Column("house_code", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], name="fk_room_building"),
        sa.UniqueConstraint("house_code", name="uq_room_house_code"),
        sa.UniqueConstraint("building_id", "room_no", name="uq_room_building_room_no"),
    )


def downgrade() -> None:
    op.drop_table("room")
    op.drop_index("ix_building_town", table_name="building")
    op.drop_table("building")

    drop_infra_tables_v1()
