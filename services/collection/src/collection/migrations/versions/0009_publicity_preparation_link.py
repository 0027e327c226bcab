"""publicity activities linked to their preparation once (DB 31114/Z 004-2025 7.3).

A unique constraint on publicity_activity.preparation_id: one preparation backs at most one activity (NULL, an
activity without a preparation, never collides). Earlier versions let several activities share a preparation; such
rows stop the upgrade with their ids instead of being unlinked silently, because choosing which activity keeps the
preparation is a decision for the committee, not for a migration.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED_PREPARATIONS = sa.text(
    "SELECT preparation_id, COUNT(*) AS activities FROM publicity_activity WHERE preparation_id IS NOT NULL "
    "GROUP BY preparation_id HAVING COUNT(*) > 1"
)


def upgrade() -> None:
    shared = op.get_bind().execute(SHARED_PREPARATIONS).all()
    if shared:
        listed = ", ".join(f"{row.preparation_id} ({row.activities} activities)" for row in shared)
        raise RuntimeError(
            f"publicity preparations shared by several activities: {listed}. Keep each preparation on one activity "
            "(set preparation_id to NULL on the others) and run the upgrade again."
        )
    with op.batch_alter_table("publicity_activity", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_publicity_activity_preparation", ["preparation_id"])


def downgrade() -> None:
    with op.batch_alter_table("publicity_activity", schema=None) as batch_op:
        batch_op.drop_constraint("uq_publicity_activity_preparation", type_="unique")
