"""A ticket keeps a missed 自助办/陪同办 time limit when it is escalated to 兜底办 (DB 31114/Z 022-2025 7.4.4 限时办结):
escalating used to clear the overdue mark, so the breach left the summaries. Breaches erased before this migration
cannot be recovered from the ticket row (their `ticket.overdue` events are on the broker).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_breached_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("form_breached_at")
