"""PostgreSQL storage settings the overdue scan's speed depends on (issue 3 performance)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from jiading_shared.migrations import downgrade, upgrade

pytestmark = pytest.mark.postgres


def reloptions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            options = connection.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'room_status'"))
            return list(options.scalar_one() or [])
    finally:
        engine.dispose()


def test_room_status_keeps_free_space_for_hot_updates(postgres_url: str) -> None:
    upgrade("collection", postgres_url)
    assert reloptions(postgres_url) == ["fillfactor=70"]

    downgrade("collection", postgres_url, "0005")
    assert reloptions(postgres_url) == []
