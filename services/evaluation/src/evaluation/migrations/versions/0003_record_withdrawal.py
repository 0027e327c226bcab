"""Withdrawal of a project's actual (DB 31114/Z 017-2025 5.3.4.2, 表 A.2 安全管理: a record entered by mistake must
not prove a veto for good): every actual keeps its row and gains who withdrew it, when and why. Existing records are
all in force, hence nullable columns.

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

RECORD_TABLES = (
    "activity_record",
    "expenditure",
    "budget_adjustment",
    "article",
    "recognition",
    "complaint",
    "satisfaction_survey",
    "safety_incident",
    "archive_item",
    "mobilisation",
)


def upgrade() -> None:
    for table in RECORD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column("withdrawal_reason", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    for table in RECORD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("withdrawal_reason")
            batch_op.drop_column("withdrawn_by")
            batch_op.drop_column("withdrawn_at")
