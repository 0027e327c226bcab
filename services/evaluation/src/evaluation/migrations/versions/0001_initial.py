"""Initial schema: infrastructure tables (outbox, inbox, PII access audit) and providers.

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
        "provider",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unified_social_credit_code", sa.String(18), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=False),
        sa.Column("contact_phone_ciphertext", sa.String(500), nullable=False),
        sa.Column("contact_phone_index", sa.String(64), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("unified_social_credit_code", name="uq_provider_unified_social_credit_code"),
    )
    op.create_index("ix_provider_contact_phone_index", "provider", ["contact_phone_index"])


def downgrade() -> None:
    op.drop_index("ix_provider_contact_phone_index", table_name="provider")
    op.drop_table("provider")

    drop_infra_tables_v1()
