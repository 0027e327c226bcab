"""room_status keeps free space in its pages (fillfactor 70) so the status updates of visits and of the overdue scan
stay HOT updates (no index writes): the first scan after a migration can mark 100,000+ rooms in one statement.
PostgreSQL only; SQLite has no such setting.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROOM_STATUS_FILLFACTOR = 70


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Applies to pages written from now on; existing pages gain the space as rows are rewritten.
        op.execute(f"ALTER TABLE room_status SET (fillfactor = {ROOM_STATUS_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE room_status RESET (fillfactor)")
