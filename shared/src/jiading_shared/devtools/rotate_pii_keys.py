"""Re-encrypt one service's personal data under the active PII key, while the service keeps serving.

    python -m jiading_shared.devtools.rotate_pii_keys --service collection [--batch-size 200] [--dry-run]

Settings come from the service's environment (`COLLECTION_DATABASE_URL`, `COLLECTION_PII_KEYS`,
`COLLECTION_PII_ACTIVE_KEY_ID`, ...), exactly as the service reads them. The columns are those the service declares
with `jiading_shared.pii.declare_encrypted_columns`. Each column is walked in primary-key order, `--batch-size` rows
per short transaction; a value not under the active key is decrypted and re-encrypted, and written back only if the
row still holds the value that was read (compare-and-set), so a row the service rewrote meanwhile is left alone and
counted as "changed". Running it again rotates nothing new (idempotent); stopping it half-way loses nothing (the next
run picks up what is left). The exit status is 1 when a value does not decrypt (a key missing from `PII_KEYS`) or
values are left under an old key, 0 otherwise. The procedure around it is in docs/personal-data.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, MetaData, Table, func, not_, select, update
from sqlalchemy.exc import OperationalError

from jiading_shared.db import create_db_engine
from jiading_shared.pii import TOKEN_VERSION, EncryptedColumn, FieldCipher, PiiDecryptionError, encrypted_columns
from jiading_shared.settings import ServiceSettings
from jiading_shared.suite import SERVICES, SuiteService

DEFAULT_BATCH_SIZE = 200
BATCH_ATTEMPTS = 5  # a batch that hits a lock timeout or deadlock with the live service is retried


@dataclass
class ColumnReport:
    table: str
    column: str
    rotated: int = 0  # re-encrypted under the active key (or, on a dry run, would be)
    changed: int = 0  # rewritten by the service between read and write: skipped, it holds a fresh value
    failed: int = 0  # does not decrypt with the configured keys
    batches: int = 0
    remaining: dict[str, int] = field(default_factory=dict)  # after the run: values per key id not active
    current: int = 0  # after the run: values under the active key
    first_error: str | None = None

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


def suite_service(name: str) -> SuiteService:
    for service in SERVICES:
        if name in (service.name, service.package):
            return service
    raise SystemExit(f"unknown service {name!r}; one of: {', '.join(s.name for s in SERVICES)}")


def service_metadata(service: SuiteService) -> MetaData:
    """The service's metadata with every domain imported, so every `declare_encrypted_columns` has run."""
    importlib.import_module(f"{service.package}.main")
    metadata: MetaData = importlib.import_module(f"{service.package}.tables").metadata
    return metadata


def _key_column(table: Table) -> Any:
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise ValueError(f"table {table.name} needs a single-column primary key for batched rotation")
    return keys[0]


def _active_prefix(cipher: FieldCipher) -> str:
    return f"{TOKEN_VERSION}:{cipher.active_key_id}:"


def _rotate_batch(
    engine: Engine, table: Table, spec: EncryptedColumn, cipher: FieldCipher, after: Any, batch_size: int, dry_run: bool
) -> tuple[list[Any], Counter[str], str | None]:
    """One committed batch: the keys it walked, its counts and the first decryption error."""
    key, column = _key_column(table), table.c[spec.column]
    counts: Counter[str] = Counter()
    error: str | None = None
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Wait briefly for a row the service holds; the batch is retried rather than blocking a request.
            connection.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
        query = select(key, column).where(
            column.is_not(None), not_(column.startswith(_active_prefix(cipher), autoescape=True))
        )
        if after is not None:
            query = query.where(key > after)
        rows = connection.execute(query.order_by(key).limit(batch_size)).all()
        for row_key, token in rows:
            try:
                fresh = cipher.rotate(token, context=spec.context)
            except PiiDecryptionError as exc:
                counts["failed"] += 1
                error = error or f"{spec.table}.{spec.column} {row_key}: {exc}"
                continue
            if dry_run:
                counts["rotated"] += 1
                continue
            result = connection.execute(
                update(table).where(key == row_key, column == token).values({column.name: fresh})
            )
            counts["rotated" if result.rowcount == 1 else "changed"] += 1
    return [row[0] for row in rows], counts, error


def key_id_counts(engine: Engine, table: Table, spec: EncryptedColumn) -> Counter[str]:
    """How many values of the column each key id encrypts (from the token prefix; nothing is decrypted)."""
    column = table.c[spec.column]
    key_id = func.substr(column, len(TOKEN_VERSION) + 2, 65)
    counts: Counter[str] = Counter()
    with engine.connect() as connection:
        for (token_tail,) in connection.execute(select(key_id).where(column.is_not(None))):
            counts[token_tail.split(":", 1)[0]] += 1
    return counts


def rotate_column(
    engine: Engine,
    table: Table,
    spec: EncryptedColumn,
    cipher: FieldCipher,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    pause_s: float = 0.0,
    on_batch: Callable[[ColumnReport], None] | None = None,
) -> ColumnReport:
    report = ColumnReport(spec.table, spec.column)
    after: Any = None
    while True:
        for attempt in range(1, BATCH_ATTEMPTS + 1):
            try:
                keys, counts, error = _rotate_batch(engine, table, spec, cipher, after, batch_size, dry_run)
                break
            except OperationalError:
                if attempt == BATCH_ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
        if not keys:
            break
        report.batches += 1
        report.rotated += counts["rotated"]
        report.changed += counts["changed"]
        report.failed += counts["failed"]
        report.first_error = report.first_error or error
        after = keys[-1]  # keyset pagination: rows that failed or changed are not read again in this run
        if on_batch is not None:
            on_batch(report)
        if pause_s:
            time.sleep(pause_s)
    by_key = key_id_counts(engine, table, spec)
    report.current = by_key.pop(cipher.active_key_id, 0)
    report.remaining = dict(sorted(by_key.items()))
    return report


def rotate_service(
    service: SuiteService | str,
    settings: ServiceSettings | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    pause_s: float = 0.0,
    on_batch: Callable[[ColumnReport], None] | None = None,
) -> list[ColumnReport]:
    """Rotate every declared encrypted column of the service; one report per column."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    service = suite_service(service) if isinstance(service, str) else service
    metadata = service_metadata(service)
    settings = settings if settings is not None else service.settings_class()()
    cipher = FieldCipher.from_settings(settings)
    engine = create_db_engine(settings.effective_database_url, pool_size=2)
    try:
        return [
            rotate_column(
                engine,
                metadata.tables[spec.table],
                spec,
                cipher,
                batch_size=batch_size,
                dry_run=dry_run,
                pause_s=pause_s,
                on_batch=on_batch,
            )
            for spec in encrypted_columns(metadata)
        ]
    finally:
        engine.dispose()


def format_reports(reports: Sequence[ColumnReport], *, active_key_id: str, dry_run: bool) -> str:
    verb = "would rotate" if dry_run else "rotated"
    lines = [f"active key: {active_key_id}"]
    if not reports:
        lines.append("no encrypted columns declared: nothing to rotate")
    for report in reports:
        left = ", ".join(f"{key_id}: {count}" for key_id, count in report.remaining.items()) or "none"
        lines.append(
            f"{report.name}: {verb} {report.rotated}, changed meanwhile {report.changed}, failed {report.failed}, "
            f"under {active_key_id} {report.current}, under other keys {left}"
        )
        if report.first_error:
            lines.append(f"  first failure: {report.first_error}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jiading_shared.devtools.rotate_pii_keys",
        description="Re-encrypt a service's personal data under its active PII key, in small committed batches.",
    )
    parser.add_argument("--service", required=True, help=f"one of: {', '.join(s.name for s in SERVICES)}")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="rows per transaction")
    parser.add_argument("--pause-ms", type=int, default=0, help="sleep between batches, to spare a busy database")
    parser.add_argument("--dry-run", action="store_true", help="count what would be rotated, write nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.batch_size < 1:
        build_parser().error("--batch-size must be at least 1")
    service = suite_service(args.service)
    settings = service.settings_class()()
    print(f"{service.name}: configured key ids {sorted(settings.pii_keys)}", file=sys.stderr)
    reports = rotate_service(
        service, settings, batch_size=args.batch_size, dry_run=args.dry_run, pause_s=args.pause_ms / 1000
    )
    print(format_reports(reports, active_key_id=settings.pii_active_key_id, dry_run=args.dry_run))
    left_behind = any(report.remaining for report in reports) and not args.dry_run
    return 1 if any(report.failed for report in reports) or left_behind else 0


if __name__ == "__main__":
    sys.exit(main())
