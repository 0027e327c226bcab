"""Housekeeping of the event tables: published outbox rows and old inbox rows do not accumulate forever.

An inbox row must outlive any redelivery of its event (a consumer offset is never older than the retention), so its
retention is longer than the outbox's; both are settings.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from jiading_shared.db import Database
from jiading_shared.infra_tables import inbox_template as inbox
from jiading_shared.infra_tables import outbox_template as outbox

log = logging.getLogger(__name__)


def purge_event_tables(
    db: Database, *, outbox_days: float, inbox_days: float, now: datetime | None = None
) -> tuple[int, int]:
    """Delete outbox rows published more than `outbox_days` ago and inbox rows older than `inbox_days`.
    Pending (unpublished) outbox rows are never deleted. Returns (outbox rows, inbox rows) deleted."""
    now = now or datetime.now(UTC)
    with db.engine.begin() as connection:
        sent = connection.execute(
            delete(outbox).where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < now - timedelta(days=outbox_days))
        ).rowcount
        handled = connection.execute(
            delete(inbox).where(inbox.c.processed_at < now - timedelta(days=inbox_days))
        ).rowcount
    if sent or handled:
        log.info("purged %d published outbox rows and %d inbox rows", sent, handled)
    return sent, handled
