"""Initial schema: infrastructure tables (outbox, inbox, PII access audit) and grids.

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
        "grid",
        sa.Column("code", sa.String(50), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("parent_code", sa.String(50), nullable=True),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_code"], ["grid.code"], name="fk_grid_parent"),
    )
    op.create_index("ix_grid_town", "grid", ["town"])
    op.create_index("ix_grid_parent_code", "grid", ["parent_code"])


def downgrade() -> None:
    op.drop_index("ix_grid_parent_code", table_name="grid")
    op.drop_index("ix_grid_town", table_name="grid")
    op.drop_table("grid")

    drop_infra_tables_v1()
