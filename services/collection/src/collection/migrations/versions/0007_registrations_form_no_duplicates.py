"""registration form number (表号, DB 31114/Z 001-2025 表 A.1) and the duplicate registrations found (不重复, 6.1) for
the coverage report.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_no", sa.String(50), nullable=True))
    op.create_table(
        "duplicate_detection",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.String(50), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("existing_registration_id", sa.Uuid(), nullable=True),
        sa.Column("detected_by", sa.String(200), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_duplicate_detection_room"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("duplicate_detection", schema=None) as batch_op:
        batch_op.create_index("ix_duplicate_detection_area", ["area"], unique=False)
        batch_op.create_index("ix_duplicate_detection_person_key", ["person_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("duplicate_detection", schema=None) as batch_op:
        batch_op.drop_index("ix_duplicate_detection_person_key")
        batch_op.drop_index("ix_duplicate_detection_area")
    op.drop_table("duplicate_detection")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_column("form_no")
