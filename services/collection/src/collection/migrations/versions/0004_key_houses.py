"""Key-house lists and verification tasks (DB 31114/Z 003-2025).

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
        "key_house_list",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("police_station", sa.String(50), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "key_house_task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("list_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("house_code", sa.String(8), nullable=False),
        sa.Column("area", sa.String(50), nullable=False),
        sa.Column("police_station", sa.String(50), nullable=False),
        sa.Column("house_type", sa.String(50), nullable=False),
        sa.Column("maintenance_requirement", sa.String(500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.String(200), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.Column("persons_confirmed", sa.Integer(), nullable=True),
        sa.Column("persons_deregistered", sa.Integer(), nullable=True),
        sa.Column("persons_registered", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["list_id"], ["key_house_list.id"], name="fk_key_house_task_list"),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_key_house_task_room"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("key_house_task", schema=None) as batch_op:
        batch_op.create_index("ix_key_house_task_area_status", ["area", "status"], unique=False)
        batch_op.create_index("ix_key_house_task_station_status", ["police_station", "status"], unique=False)
        batch_op.create_index("ix_key_house_task_room_status", ["room_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("key_house_task", schema=None) as batch_op:
        batch_op.drop_index("ix_key_house_task_room_status")
        batch_op.drop_index("ix_key_house_task_station_status")
        batch_op.drop_index("ix_key_house_task_area_status")
    op.drop_table("key_house_task")
    op.drop_table("key_house_list")
