"""key-house checks keep the role in which they were recorded: the area's 协管员 or the station's 社区民警 on site
(DB 31114/Z 003-2025 4.1, 5.1.2). Checks recorded before this migration were all made by collectors.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("key_house_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_role", sa.String(20), nullable=True))
    # Until now only the area's collectors could record a check.
    op.execute("UPDATE key_house_task SET verified_role = 'collector' WHERE verified_by IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("key_house_task", schema=None) as batch_op:
        batch_op.drop_column("verified_role")
