"""Self-declarations from the 随申办 channel and their uploaded materials (DB 31114/Z 001-2025 §5).

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-27
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
        "self_declaration",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.String(50), nullable=False),
        sa.Column("app", sa.String(length=20), nullable=False),
        sa.Column("external_reference", sa.String(100), nullable=True),
        sa.Column("declarant_name", sa.String(100), nullable=False),
        sa.Column("form_cipher", sa.Text(), nullable=False),
        sa.Column("id_number_index", sa.String(64), nullable=True),
        sa.Column("face_verified", sa.Boolean(), nullable=False),
        sa.Column("face_verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("preferred_visit_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(500), nullable=True),
        sa.Column("registration_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_self_declaration_room"),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"], name="fk_self_declaration_registration"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("self_declaration", schema=None) as batch_op:
        batch_op.create_index("ix_self_declaration_area_status", ["area", "status"], unique=False)
        batch_op.create_index("ix_self_declaration_id_number_index", ["id_number_index"], unique=False)
    op.create_table(
        "self_declaration_material",
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("blob_key", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["self_declaration.id"], name="fk_material_declaration"),
        sa.PrimaryKeyConstraint("declaration_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("self_declaration_material")
    with op.batch_alter_table("self_declaration", schema=None) as batch_op:
        batch_op.drop_index("ix_self_declaration_id_number_index")
        batch_op.drop_index("ix_self_declaration_area_status")
    op.drop_table("self_declaration")
