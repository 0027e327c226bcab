"""`make bench` (bus part): outbox → relay → broker → consumer, measured with real processes.

Two runs of N events (default 10,000) through the probe service, the relay and the consumer each in its own process
as in production, a tansu broker, and PostgreSQL when one answers (else SQLite):

- throughput: all N events are written first (in transactions of 500), then the relay and consumer start; events/s
  is N divided by the time from the relay's start to the last handler commit;
- latency: with the relay and consumer running, events are written at a steady rate (default 1,000/s, one per
  transaction as domain changes are); latency is handler commit time minus the event's outbox write time (ce_time).

Figures only, no pass/fail: the targets (p99 < 250 ms, ≥ 2,000 events/s) are compared in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from jiading_shared.db import Database
from jiading_shared.testing import probe
from jiading_shared.testing.broker import TansuBroker, port_open
from jiading_shared.testing.postgres import DEFAULT_URL, create_database, drop_database


def _start(role: str, db_url: str, bootstrap: str, log_dir: Path) -> subprocess.Popen[bytes]:
    log = open(log_dir / f"{role}.log", "ab")  # noqa: SIM115 - owned by the child
    return subprocess.Popen(
        [sys.executable, "-m", "jiading_shared.testing.probe", role, "--db", db_url, "--bootstrap", bootstrap],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _handled(db: Database) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(probe.ProbeEffect)).scalar() or 0)


def _wait_handled(db: Database, want: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while _handled(db) < want:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {_handled(db)} of {want} events handled after {timeout_s} s")
        time.sleep(0.05)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def _ticks(count: int, keys: int) -> list[probe.Ticked]:
    return [probe.Ticked(key=f"k{i % keys}", seq=i) for i in range(count)]


def run_throughput(db_url: str, bootstrap: str, count: int, keys: int, log_dir: Path) -> dict[str, float]:
    db = Database(db_url)
    probe.create_schema(db)
    probe.publish_ticks(db, _ticks(count, keys), per_transaction=500)
    consumer = _start("consume", db_url, bootstrap, log_dir)
    time.sleep(8)  # let the consumer join its group first: tansu's first join takes seconds
    started = time.perf_counter()
    relay = _start("relay", db_url, bootstrap, log_dir)
    try:
        _wait_handled(db, count, timeout_s=600)
        elapsed = time.perf_counter() - started
    finally:
        _stop(relay, consumer)
        db.dispose()
    return {"events": count, "seconds": round(elapsed, 3), "events_per_second": round(count / elapsed, 1)}


def run_latency(db_url: str, bootstrap: str, count: int, keys: int, rate: float, log_dir: Path) -> dict[str, float]:
    db = Database(db_url)
    probe.create_schema(db)
    relay = _start("relay", db_url, bootstrap, log_dir)
    consumer = _start("consume", db_url, bootstrap, log_dir)
    try:
        probe.publish_ticks(db, [probe.Ticked(key="warm-up", seq=-1)])
        _wait_handled(db, 1, timeout_s=120)
        interval = 1.0 / rate
        next_at = time.perf_counter()
        for tick in _ticks(count, keys):
            probe.publish_ticks(db, [tick])
            next_at += interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        achieved_rate = count / (time.perf_counter() - (next_at - count * interval))
        _wait_handled(db, count + 1, timeout_s=600)
        with db.engine.connect() as connection:
            rows = connection.execute(
                select(probe.ProbeEffect.event_time, probe.ProbeEffect.handled_at).where(probe.ProbeEffect.seq >= 0)
            ).all()
    finally:
        _stop(relay, consumer)
        db.dispose()
    latencies = sorted((handled - written).total_seconds() * 1000 for written, handled in rows)
    return {
        "events": len(latencies),
        "offered_rate_per_s": rate,
        "achieved_write_rate_per_s": round(achieved_rate, 1),
        "p50_ms": round(_percentile(latencies, 0.50), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--rate", type=float, default=1000.0, help="offered rate of the latency run, events/s")
    parser.add_argument("--database", choices=["auto", "postgres", "sqlite"], default="auto")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    use_postgres = args.database == "postgres" or (args.database == "auto" and port_open("127.0.0.1", 5432))
    work = Path(tempfile.mkdtemp(prefix="jiading-bench-"))
    results: dict[str, object] = {"database": "postgresql" if use_postgres else "sqlite", "broker": "tansu 0.6.0"}
    with TansuBroker(log_path=work / "tansu.log") as broker:
        for name in ("throughput", "latency"):
            db_url = create_database(DEFAULT_URL, "bench") if use_postgres else f"sqlite:///{work}/{name}.db"
            try:
                if name == "throughput":
                    results[name] = run_throughput(db_url, broker.bootstrap, args.events, args.keys, work)
                else:
                    results[name] = run_latency(db_url, broker.bootstrap, args.events, args.keys, args.rate, work)
            finally:
                if use_postgres:
                    drop_database(DEFAULT_URL, db_url)
            print(f"{name}: {json.dumps(results[name])}", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
