"""Published indicator breaches can be withdrawn: `withdrawn_at` is set when a later evaluation of the closed period
passes (indicator.breach_withdrawn) and cleared if the rule fails again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("indicator_breach") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicator_breach") as batch:
        batch.drop_column("withdrawn_at")
