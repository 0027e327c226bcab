"""Initial schema: infrastructure tables (outbox, inbox, PII access audit) and facilities.

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
        "facility",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tier", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("population_served", sa.Integer(), nullable=True),
        sa.Column("floor_area_m2", sa.Numeric(12, 2), nullable=True),
        sa.Column("usable_area_m2", sa.Numeric(12, 2), nullable=True),
        sa.Column("public_service_area_m2", sa.Numeric(12, 2), nullable=True),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["facility.id"], name="fk_facility_parent"),
        sa.UniqueConstraint("town", "name", name="uq_facility_town_name"),
    )
    op.create_index("ix_facility_town", "facility", ["town"])
    op.create_index("ix_facility_parent_id", "facility", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_facility_parent_id", table_name="facility")
    op.drop_index("ix_facility_town", table_name="facility")
    op.drop_table("facility")

    drop_infra_tables_v1()
