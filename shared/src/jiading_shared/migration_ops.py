"""Alembic operations that create and drop the infrastructure tables (outbox, inbox, PII access audit) of
`jiading_shared.infra_tables`, called from every service's migrations.

Each version is FROZEN once released: a migration that ran in production called it, and a fresh database upgraded
later must end up exactly as that one did. Never edit `create_infra_tables_v1` / `drop_infra_tables_v1`. When
infra_tables.py changes, add `upgrade_infra_tables_v2` / `downgrade_infra_tables_v2` here (altering the v1 tables into
the new shape) and give every service a new migration that calls them.

The append-only triggers of pii_access_audit come from `jiading_shared.pii.append_only_ddl` (PostgreSQL only; nothing
on SQLite). Those statements are idempotent (CREATE OR REPLACE, DROP ... IF EXISTS); a change to them is a change of
the infrastructure too and needs its own versioned operation and migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jiading_shared.pii import append_only_ddl, drop_append_only_ddl

# As in jiading_shared.infra_tables: SQLite only auto-increments an INTEGER primary key.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def create_infra_tables_v1() -> None:
    """The outbox, inbox and pii_access_audit tables with their indexes, and the audit table's append-only triggers."""
    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("extra_headers", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer_group", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "pii_access_audit",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("accessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_sub", sa.String(200), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("actor_roles", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("record_type", sa.String(100), nullable=False),
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=True),
    )
    op.create_index("ix_pii_access_audit_record", "pii_access_audit", ["record_type", "record_id"])
    # The dialect decides: trigger DDL on PostgreSQL, nothing on SQLite, an error on a dialect nobody planned for.
    for statement in append_only_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def drop_infra_tables_v1() -> None:
    """Undo `create_infra_tables_v1`, triggers first."""
    for statement in drop_append_only_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_pii_access_audit_record", table_name="pii_access_audit")
    op.drop_table("pii_access_audit")
    op.drop_table("inbox")
    op.drop_index("ix_outbox_pending", table_name="outbox", postgresql_where=sa.text("sent_at IS NULL"))
    op.drop_table("outbox")
