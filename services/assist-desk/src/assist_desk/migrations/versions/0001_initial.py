"""Initial schema: infrastructure tables (outbox, inbox, PII access audit), service institutions
and the assistance forms they offer.

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
        "service_institution",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", name="uq_service_institution_name"),
    )
    op.create_index("ix_service_institution_town", "service_institution", ["town"])
    op.create_table(
        "institution_assistance_form",
        sa.Column("institution_id", sa.Uuid(), primary_key=True),
        sa.Column("form", sa.String(20), primary_key=True),
        sa.ForeignKeyConstraint(["institution_id"], ["service_institution.id"], name="fk_assistance_form_institution"),
    )


def downgrade() -> None:
    op.drop_table("institution_assistance_form")
    op.drop_index("ix_service_institution_town", table_name="service_institution")
    op.drop_table("service_institution")

    drop_infra_tables_v1()
