"""`python -m jiading_shared.devtools.reconcile --run-file var/load/<run>/run.json`: compare database rows with the
events published and handled after a load run, and print a pass/fail table.

Checks, over the five services' PostgreSQL databases:
- every outbox row of every service was published (none pending, none dead-lettered);
- every `refusal.reported` / `visit.overdue` of collection and every coordination `ticket.escalated` of assist-desk has
  exactly one grid-dispatch inbox row and exactly one incident (`source_event_id`); other escalations one inbox row and
  no incident; no incident names an event that no service wrote;
- domain rows and their own events agree (tickets ↔ ticket.created, incidents ↔ incident.created, visits that
  reported a refusal ↔ refusal.reported, registrations ↔ registration.registered);
- every write the load generator saw acknowledged (2xx with an id) is in its database.

Also computes event lag (relay publish: outbox `sent_at − created_at`; delivery across services: grid-dispatch inbox
`processed_at` − the source outbox `created_at`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

GRID_GROUP = "grid-dispatch"
REFUSAL = "cn.jiading.collection.refusal.reported.v1"
OVERDUE = "cn.jiading.collection.visit.overdue.v1"
ESCALATED = "cn.jiading.assist.ticket.escalated.v1"
LEDGER_TABLES = {
    ("collection", "visit"): "visit",
    ("collection", "registration"): "registration",
    ("grid-dispatch", "incident"): "incident",
    ("assist-desk", "ticket"): "ticket",
    ("library-metrics", "library:events"): "event",
    ("library-metrics", "library:shelf-checks"): "shelf_check",
    ("library-metrics", "library:reference-questions"): "reference_question",
}


@dataclass
class Check:
    name: str
    expected: int | str
    found: int | str
    passed: bool
    note: str = ""


def _percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    return {"n": len(ordered), "p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


class Databases:
    def __init__(self, urls: dict[str, str]) -> None:
        self.engines: dict[str, Engine] = {name: create_engine(url) for name, url in urls.items()}

    def rows(self, service: str, sql: str, **params: Any) -> list[Any]:
        with self.engines[service].connect() as connection:
            return list(connection.execute(text(sql), params))

    def scalar(self, service: str, sql: str, **params: Any) -> Any:
        with self.engines[service].connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def pending_outbox(dbs: Databases) -> dict[str, int]:
    return {name: int(dbs.scalar(name, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")) for name in dbs.engines}


def event_lags(dbs: Databases, since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
    """Relay publish lag per service and cross-service delivery lag (ms), for events written in [since, until)."""
    window = ""
    params: dict[str, Any] = {}
    if since is not None:
        window += " AND created_at >= :since"
        params["since"] = since
    if until is not None:
        window += " AND created_at < :until"
        params["until"] = until
    publish = {}
    for name in dbs.engines:
        rows = dbs.rows(
            name,
            "SELECT extract(epoch FROM sent_at - created_at) * 1000 FROM outbox WHERE sent_at IS NOT NULL" + window,
            **params,
        )
        publish[name] = _percentiles([float(row[0]) for row in rows])
    processed = {
        row[0]: row[1]
        for row in dbs.rows(
            "grid-dispatch", "SELECT event_id, processed_at FROM inbox WHERE consumer_group = :g", g=GRID_GROUP
        )
    }
    delivery = {}
    for source, event_type in (("collection", REFUSAL), ("collection", OVERDUE), ("assist-desk", ESCALATED)):
        rows = dbs.rows(
            source, "SELECT event_id, created_at FROM outbox WHERE event_type = :t" + window, t=event_type, **params
        )
        lags = [
            (processed[event_id] - created).total_seconds() * 1000
            for event_id, created in rows
            if event_id in processed
        ]
        delivery[event_type.split(".", 3)[3]] = _percentiles(lags)
    return {"publish_ms": publish, "delivery_ms": delivery}


def reconcile(urls: dict[str, str], ledger: dict[str, dict[str, list[str]]] | None = None) -> tuple[list[Check], dict]:
    dbs = Databases(urls)
    checks: list[Check] = []
    try:
        for name, pending in pending_outbox(dbs).items():
            checks.append(Check(f"{name}: outbox rows not yet published", 0, pending, pending == 0))
        dead = int(dbs.scalar("grid-dispatch", "SELECT count(*) FROM inbox WHERE outcome <> 'handled'"))
        checks.append(Check("grid-dispatch: inbox rows dead-lettered", 0, dead, dead == 0))

        inbox = Counter(
            row[0]
            for row in dbs.rows(
                "grid-dispatch",
                "SELECT event_id FROM inbox WHERE consumer_group = :g AND outcome = 'handled'",
                g=GRID_GROUP,
            )
        )
        incidents_by_event = Counter(
            row[0]
            for row in dbs.rows(
                "grid-dispatch", "SELECT source_event_id FROM incident WHERE source_event_id IS NOT NULL"
            )
        )
        written: set[str] = set()
        for source, event_type, wants_incident in (
            ("collection", REFUSAL, "all"),
            ("collection", OVERDUE, "all"),
            ("assist-desk", ESCALATED, "coordination"),
        ):
            rows = dbs.rows(source, "SELECT event_id, payload FROM outbox WHERE event_type = :t", t=event_type)
            ids = [row[0] for row in rows]
            written.update(ids)
            short = event_type.split(".", 3)[3]
            handled = sum(1 for event_id in ids if inbox[event_id] == 1)
            checks.append(
                Check(f"{short}: written → handled once by grid-dispatch", len(ids), handled, handled == len(ids))
            )
            if wants_incident == "all":
                effect_ids = ids
            else:
                effect_ids = [row[0] for row in rows if json.loads(row[1]).get("fallback_type") == "coordination"]
            with_one = sum(1 for event_id in effect_ids if incidents_by_event[event_id] == 1)
            doubled = sum(1 for event_id in effect_ids if incidents_by_event[event_id] > 1)
            checks.append(
                Check(
                    f"{short}{' (coordination)' if wants_incident != 'all' else ''}: exactly one incident each",
                    len(effect_ids),
                    with_one,
                    with_one == len(effect_ids) and doubled == 0,
                    f"{doubled} with more than one" if doubled else "",
                )
            )
        phantom = sum(n for event_id, n in incidents_by_event.items() if event_id not in written)
        checks.append(Check("grid-dispatch: incidents from events no service wrote", 0, phantom, phantom == 0))

        for service, table, event_type, where in (
            ("assist-desk", "ticket", "cn.jiading.assist.ticket.created.v1", ""),
            ("grid-dispatch", "incident", "cn.jiading.grid.incident.created.v1", ""),
            ("collection", "visit", REFUSAL, " WHERE refusal_reported"),
            ("collection", "registration", "cn.jiading.collection.registration.registered.v1", ""),
        ):
            rows = int(dbs.scalar(service, f"SELECT count(*) FROM {table}{where}"))
            events = int(dbs.scalar(service, "SELECT count(*) FROM outbox WHERE event_type = :t", t=event_type))
            label = f"{service}: {table} rows{where.replace(' WHERE ', ' with ')} ↔ {event_type.split('.', 3)[3]}"
            checks.append(Check(label, rows, events, rows == events))

        for (service, kind), table in LEDGER_TABLES.items():
            ids = (ledger or {}).get(service, {}).get(kind, [])
            if not ids:
                continue
            found = 0
            for start in range(0, len(ids), 5000):
                chunk = ids[start : start + 5000]
                found += int(dbs.scalar(service, f"SELECT count(*) FROM {table} WHERE id::text = ANY(:ids)", ids=chunk))
            checks.append(
                Check(f"{service}: acknowledged {kind} writes in the database", len(ids), found, found == len(ids))
            )
        lags = event_lags(dbs)
    finally:
        dbs.dispose()
    return checks, lags


def table(checks: list[Check]) -> str:
    width = max(len(check.name) for check in checks)
    lines = [
        f"{'check':<{width}}  {'expected':>9}  {'found':>9}  result",
        f"{'-' * width}  {'-' * 9}  {'-' * 9}  ------",
    ]
    for check in checks:
        note = f"  ({check.note})" if check.note else ""
        verdict = "PASS" if check.passed else "FAIL"
        lines.append(f"{check.name:<{width}}  {check.expected!s:>9}  {check.found!s:>9}  {verdict}{note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--run-file", type=Path, required=True, help="run.json written by `make load` (--keep-databases)"
    )
    args = parser.parse_args(argv)
    run = json.loads(args.run_file.read_text())
    checks, lags = reconcile(run["databases"], run.get("ledger"))
    print(table(checks))
    print(json.dumps(lags, indent=2, default=str))
    return 0 if all(check.passed for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
