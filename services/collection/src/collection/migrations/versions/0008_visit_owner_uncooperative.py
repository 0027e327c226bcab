"""owner non-cooperation on a visit (DB 31114/Z 002-2025 6.5): a `refused` visit records whether the house owner did
not cooperate with the collection (房主不配合采集), which is reported to the 社区民警 at once. Existing visits were all
ordinary refusals or other outcomes, hence the server default false.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_uncooperative", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("owner_uncooperative")
