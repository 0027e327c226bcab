"""Tables every service carries in its own database: the transactional outbox, the consumer inbox and the
personal-information access audit. Defined once here with SQLAlchemy Core and copied into each service's metadata,
so each service's alembic migrations own them like any other table."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

_template = MetaData()

outbox_template = Table(
    "outbox",
    _template,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("event_key", String(200), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("source", String(200), nullable=False),
    Column("subject", String(200), nullable=True),
    Column("event_time", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),
    Column("extra_headers", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Index(
        "ix_outbox_pending",
        "id",
        postgresql_where=text("sent_at IS NULL"),
        sqlite_where=text("sent_at IS NULL"),
    ),
)

inbox_template = Table(
    "inbox",
    _template,
    Column("consumer_group", String(200), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

pii_access_audit_template = Table(
    "pii_access_audit",
    _template,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("accessed_at", DateTime(timezone=True), nullable=False),
    Column("actor_sub", String(200), nullable=False),
    Column("actor_name", String(200), nullable=True),
    Column("actor_roles", Text, nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("record_type", String(100), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("fields", Text, nullable=False),
    Column("request_id", String(100), nullable=True),
    Index("ix_pii_access_audit_record", "record_type", "record_id"),
)

INFRA_TABLE_NAMES = ("outbox", "inbox", "pii_access_audit")


def install_infra_tables(metadata: MetaData) -> None:
    """Copy the infrastructure tables into a service's metadata (idempotent)."""
    for template in (outbox_template, inbox_template, pii_access_audit_template):
        if template.name not in metadata.tables:
            template.to_metadata(metadata)


class InfraTables:
    """The infrastructure tables as they live in one service's metadata."""

    def __init__(self, metadata: MetaData) -> None:
        install_infra_tables(metadata)
        self.outbox: Table = metadata.tables["outbox"]
        self.inbox: Table = metadata.tables["inbox"]
        self.pii_access_audit: Table = metadata.tables["pii_access_audit"]
