"""Seed the indicator rule table as version 1 from the standards (DB 31114/Z 005-2025, 006-2025, 007-2025),
effective 2025-02-12, the day they took effect. Later changes are new versions made through the admin API.

Revision ID: 0003
Revises: 0002
Create Date: 2026-05-10
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from library_metrics.indicators.service import seed_document

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The seed version's id is fixed, so that the downgrade removes exactly the rows this revision wrote.
SEED_VERSION_ID = uuid.UUID("5e3d0c55-0005-4007-8006-202502120001")


def upgrade() -> None:
    document = seed_document()
    version = sa.table(
        "rule_version",
        sa.column("id", sa.Uuid()),
        sa.column("version", sa.Integer()),
        sa.column("effective_from", sa.Date()),
        sa.column("reason", sa.Text()),
        sa.column("based_on", sa.Integer()),
        sa.column("created_by", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rule = sa.table(
        "indicator_rule",
        sa.column("id", sa.Uuid()),
        sa.column("version_id", sa.Uuid()),
        sa.column("rule_id", sa.String()),
        sa.column("clause", sa.String()),
        sa.column("scope", sa.String()),
        sa.column("tiers", sa.JSON()),
        sa.column("metric", sa.String()),
        sa.column("comparison", sa.String()),
        sa.column("threshold", sa.Numeric(16, 4)),
        sa.column("unit", sa.String()),
        sa.column("period", sa.String()),
        sa.column("params", sa.JSON()),
        sa.column("requirement", sa.Text()),
    )
    op.bulk_insert(
        version,
        [
            {
                "id": SEED_VERSION_ID,
                "version": 1,
                "effective_from": date.fromisoformat(str(document["effective_from"])),
                "reason": document["reason"],
                "based_on": None,
                "created_by": "migration 0003 (seeded from the standards)",
                "created_at": datetime(2025, 2, 12, tzinfo=UTC),
            }
        ],
    )
    op.bulk_insert(
        rule,
        [
            {
                "id": uuid.uuid5(SEED_VERSION_ID, row["rule_id"]),
                "version_id": SEED_VERSION_ID,
                **{
                    key: row[key]
                    for key in (
                        "rule_id",
                        "clause",
                        "scope",
                        "tiers",
                        "metric",
                        "comparison",
                        "unit",
                        "period",
                        "params",
                        "requirement",
                    )
                },
                "threshold": Decimal(str(row["threshold"])),
            }
            for row in document["rules"]
        ],
    )


def downgrade() -> None:
    # Later versions build on the seed, so they go with it.
    op.execute("DELETE FROM indicator_rule")
    op.execute("DELETE FROM rule_version")
