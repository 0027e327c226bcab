"""Facility registry fields for DB 31114/Z 005-2025 8.1 (意见箱, 公开监督电话, 网上投诉通道) and 006-2025 6.3 (室外广场,
照明灯光, 外接电源), and their two rule rows (indicators/data/indicator-rules-2025-supplement-1.yaml).

Versions are never edited, so the rows arrive as new versions: the version in force on the supplement's effective date
(2025-02-12, when the standards took effect; normally version 1) and every version effective later are each re-issued
with the rows added, same effective date, as the next version number. Of two versions effective the same day the
later one is in force, and later rule changes made through the API build on the re-issued versions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from library_metrics.indicators.service import rule_document

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUPPLEMENT_FILE = "indicator-rules-2025-supplement-1.yaml"
CREATED_BY = "migration 0005 (DB 31114/Z 005-2025 8.1, 006-2025 6.3)"
# Ids derive from this namespace, so the rows this revision wrote are recognisable.
NAMESPACE = uuid.UUID("5e3d0c55-0005-4007-8006-202512050005")
COLUMNS = (
    "suggestion_box",
    "supervision_phone_published",
    "online_complaint_channel",
    "outdoor_plaza",
    "plaza_lighting",
    "plaza_power_supply",
)
RULE_FIELDS = ("rule_id", "clause", "scope", "tiers", "metric", "comparison", "unit", "period", "params", "requirement")

version_table = sa.table(
    "rule_version",
    sa.column("id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("effective_from", sa.Date()),
    sa.column("reason", sa.Text()),
    sa.column("based_on", sa.Integer()),
    sa.column("created_by", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
rule_table = sa.table(
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


def upgrade() -> None:
    with op.batch_alter_table("facility") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=True))
    _add_supplement_rows()


def _add_supplement_rows() -> None:
    document = rule_document(SUPPLEMENT_FILE)
    effective = date.fromisoformat(str(document["effective_from"]))
    connection = op.get_bind()
    versions = connection.execute(
        sa.select(version_table.c.id, version_table.c.version, version_table.c.effective_from)
    ).all()
    # The version in force on each day a version takes effect, from the supplement's date on.
    days = sorted({effective} | {v.effective_from for v in versions if v.effective_from > effective})
    next_number = max((v.version for v in versions), default=0) + 1
    for day in days:
        candidates = [v for v in versions if v.effective_from <= day]
        if not candidates:
            continue
        base = max(candidates, key=lambda v: (v.effective_from, v.version))
        present = set(
            connection.execute(sa.select(rule_table.c.rule_id).where(rule_table.c.version_id == base.id)).scalars()
        )
        added = [row for row in document["rules"] if row["rule_id"] not in present]
        if not added:
            continue
        version_id = uuid.uuid5(NAMESPACE, f"{day.isoformat()}/{base.version}")
        op.bulk_insert(
            version_table,
            [
                {
                    "id": version_id,
                    "version": next_number,
                    "effective_from": day,
                    "reason": f"{document['reason']}（版本 {base.version} 加补录条款）",
                    "based_on": base.version,
                    "created_by": CREATED_BY,
                    "created_at": datetime.now(UTC),
                }
            ],
        )
        _copy_rows(connection, base.id, version_id)
        op.bulk_insert(
            rule_table,
            [
                {
                    "id": uuid.uuid5(version_id, row["rule_id"]),
                    "version_id": version_id,
                    **{key: row[key] for key in RULE_FIELDS},
                    "threshold": Decimal(str(row["threshold"])),
                }
                for row in added
            ],
        )
        next_number += 1


def _copy_rows(connection: sa.Connection, from_version: uuid.UUID, to_version: uuid.UUID) -> None:
    rows = connection.execute(sa.select(rule_table).where(rule_table.c.version_id == from_version)).mappings().all()
    if rows:
        op.bulk_insert(
            rule_table,
            [{**row, "id": uuid.uuid5(to_version, row["rule_id"]), "version_id": to_version} for row in rows],
        )


def downgrade() -> None:
    connection = op.get_bind()
    ours = sa.select(version_table.c.id).where(version_table.c.created_by == CREATED_BY)
    connection.execute(sa.delete(rule_table).where(rule_table.c.version_id.in_(ours)))
    connection.execute(sa.delete(version_table).where(version_table.c.created_by == CREATED_BY))
    with op.batch_alter_table("facility") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
