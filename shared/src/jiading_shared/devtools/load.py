"""`make load` (`python -m jiading_shared.devtools.load`): load, soak and faults under load — figures, not pass/fail.

Starts a tansu broker, one fresh PostgreSQL database per service and the five services as uvicorn processes (relays,
consumers and scheduled jobs running), seeds reference data through the APIs, then drives the mixed workload of
`load_workload` open-loop at `--rate` requests/s for `--minutes` after a warm-up. Reports requests/s, p50/p95/p99 per
endpoint, errors by status, event lag (relay publish and cross-service delivery, from the outbox and inbox
timestamps), resident memory per service after warm-up and at the end, then reconciles the databases
(`reconcile.py`).

`--find-rate`: short steps of increasing rate until p95 ≥ 200 ms or any error; prints the highest rate that held.
`--faults`: during the run the broker is stopped for `--outage-seconds` (tansu keeps everything in memory, so it comes
back empty: topics are recreated by the relays, groups rejoin) and one service process is restarted (SIGTERM, then
started again).

Examples: `make load LOAD_ARGS="--minutes 10 --rate 40"`, `make load LOAD_ARGS="--find-rate"`,
`make load LOAD_ARGS="--minutes 4 --rate 30 --faults"`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jiading_shared.devtools.load_suite import LoadSuite
from jiading_shared.devtools.load_workload import Http, Recorder, World, drive, percentile, seed
from jiading_shared.devtools.reconcile import Databases, event_lags, pending_outbox, reconcile, table
from jiading_shared.settings import ServiceSettings
from jiading_shared.suite import SERVICES

P95_TARGET_MS = 200.0


def _mb(value: int) -> float:
    return value / 1024 / 1024


def _fmt(value: float) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.1f}"


def print_summary(title: str, summary: dict[str, Any]) -> None:
    print(f"\n== {title}")
    print(
        f"requests {summary['requests']:,} in {summary['seconds']:.0f} s = {summary['rate']:.1f}/s; "
        f"p50 {_fmt(summary['p50'])} ms, p95 {_fmt(summary['p95'])} ms, p99 {_fmt(summary['p99'])} ms, "
        f"max {_fmt(summary['max'])} ms; errors {summary['errors']} {summary['errors_by_status'] or ''}; "
        f"503 problem+json {summary['refused_503_problem']}; retried after connection refused/reset "
        f"{summary['retried_requests']}; generator dispatch lag p99 {_fmt(summary['dispatch_lag_p99_ms'])} ms"
    )
    if summary["skipped_ops"]:
        print(f"operations skipped for want of a work item (no request sent): {summary['skipped_ops']}")
    width = max((len(label) for label in summary["endpoints"]), default=10)
    print(f"{'endpoint':<{width}}  {'n':>6}  {'p50':>8}  {'p95':>8}  {'p99':>8}  {'max':>8}  statuses")
    for label, row in summary["endpoints"].items():
        extra = f" {row['transport']}" if row["transport"] else ""
        extra += f" retried {row['retried']}" if row["retried"] else ""
        print(
            f"{label:<{width}}  {row['n']:>6}  {_fmt(row['p50']):>8}  {_fmt(row['p95']):>8}  {_fmt(row['p99']):>8}  "
            f"{_fmt(row['max']):>8}  {row['statuses']}{extra}"
        )
    for sample in summary["error_samples"]:
        print(f"  error: {sample}")


def timeline(recorder: Recorder, bucket_s: float = 10.0) -> list[dict[str, Any]]:
    buckets: dict[int, list[tuple[float, bool]]] = {}
    for scheduled, latency, ok in recorder.timeline:
        buckets.setdefault(int((scheduled - recorder.started) // bucket_s), []).append((latency, ok))
    rows = []
    for index in sorted(buckets):
        values = buckets[index]
        rows.append(
            {
                "t": index * bucket_s,
                "requests": len(values),
                "errors": sum(1 for _, ok in values if not ok),
                "p50": percentile([v for v, _ in values], 0.5),
                "p95": percentile([v for v, _ in values], 0.95),
                "max": max(v for v, _ in values),
            }
        )
    return rows


class Faults:
    """Broker outage and one service restart at fixed points of the run; the blocking parts run in threads."""

    def __init__(self, suite: LoadSuite, seconds: float, outage_s: float, restart_service: str) -> None:
        self.suite = suite
        self.broker_stop_at = seconds * 0.2
        self.restart_at = seconds * 0.6
        self.outage_s = outage_s
        self.restart_service = restart_service
        self.events: list[dict[str, Any]] = []
        self.done_broker = False
        self.done_restart = False
        self.tasks: list[asyncio.Task[None]] = []

    def _note(self, what: str, elapsed: float, **extra: Any) -> None:
        entry = {"what": what, "t": round(elapsed, 1), "wall": datetime.now(UTC).isoformat(), **extra}
        self.events.append(entry)
        print(f"  [{elapsed:6.1f} s] {what} {extra if extra else ''}", flush=True)

    async def tick(self, elapsed: float) -> None:
        if not self.done_broker and elapsed >= self.broker_stop_at:
            self.done_broker = True
            self.tasks.append(asyncio.create_task(self._outage(elapsed)))
        if not self.done_restart and elapsed >= self.restart_at:
            self.done_restart = True
            self.tasks.append(asyncio.create_task(self._restart(elapsed)))

    async def _outage(self, started: float) -> None:
        broker = self.suite.broker
        assert broker is not None
        t0 = time.monotonic()
        self._note("broker stop requested (SIGTERM)", started)
        await asyncio.to_thread(broker.stop)
        self._note("broker stopped", started + time.monotonic() - t0)
        await asyncio.sleep(self.outage_s)
        await asyncio.to_thread(broker.start)
        self._note("broker started again (empty)", started + time.monotonic() - t0)

    async def _restart(self, started: float) -> None:
        process = self.suite.services[self.restart_service]
        t0 = time.monotonic()
        code = await asyncio.to_thread(process.stop)
        stopped = time.monotonic() - t0
        self._note(
            f"{self.restart_service} stopped by SIGTERM", started + stopped, exit_code=code, stop_s=round(stopped, 2)
        )
        await asyncio.to_thread(process.start)
        ready = await asyncio.to_thread(process.wait_ready)
        self._note(
            f"{self.restart_service} started again and ready",
            started + time.monotonic() - t0,
            down_s=round(time.monotonic() - t0, 2),
            start_to_ready_s=round(ready, 2),
        )


async def run_load(suite: LoadSuite, world: World, bases: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    warm = Recorder()
    http = Http(bases, warm)
    try:
        if args.warmup > 0:
            print(f"warm-up: {args.warmup:.0f} s at {args.rate}/s", flush=True)
            await drive(world, http, args.rate, args.warmup, seed_value=7)
            results["warmup"] = {"requests": warm.requests, "errors": warm.errors}
        rss_start = suite.rss()
        results["rss_start"] = rss_start
        print("RSS after warm-up: " + ", ".join(f"{n} {_mb(v):.0f} MiB" for n, v in rss_start.items()), flush=True)

        if args.find_rate:
            steps = []
            rate = args.find_start
            best = None
            while rate <= args.find_max:
                recorder = Recorder()
                http.recorder = recorder
                await drive(world, http, rate, args.find_step_seconds, seed_value=int(rate))
                summary = recorder.summary()
                held = summary["p95"] < P95_TARGET_MS and summary["errors"] == 0
                steps.append({"offered": rate, **{k: summary[k] for k in ("rate", "p50", "p95", "p99", "errors")}})
                print(
                    f"  offered {rate:>6.1f}/s: achieved {summary['rate']:.1f}/s p50 {_fmt(summary['p50'])} "
                    f"p95 {_fmt(summary['p95'])} p99 {_fmt(summary['p99'])} errors {summary['errors']} "
                    f"{summary['errors_by_status'] or ''} -> {'held' if held else 'MISSED'}",
                    flush=True,
                )
                if not held:
                    print_summary(f"first step that missed ({rate}/s)", summary)
                    break
                best = rate
                rate += args.find_step
                # Let the backlog of the step (relay, consumer, autovacuum) settle before the next one.
                await asyncio.sleep(5)
            results["find_rate"] = {"steps": steps, "highest_held": best}
            print(f"highest rate with p95 < {P95_TARGET_MS:.0f} ms and no errors: {best}/s", flush=True)
        else:
            seconds = args.minutes * 60
            recorder = Recorder()
            http.recorder = recorder
            faults = Faults(suite, seconds, args.outage_seconds, args.restart_service) if args.faults else None
            rss_samples: list[dict[str, Any]] = []
            last_sample = [0.0]

            async def on_tick(elapsed: float) -> None:
                if faults is not None:
                    await faults.tick(elapsed)
                if elapsed - last_sample[0] >= 15:
                    last_sample[0] = elapsed
                    rss_samples.append({"t": round(elapsed), **{n: round(_mb(v), 1) for n, v in suite.rss().items()}})

            print(f"measured run: {seconds:.0f} s at {args.rate}/s{' with faults' if faults else ''}", flush=True)
            run_started = datetime.now(UTC)
            await drive(world, http, args.rate, seconds, seed_value=11, on_tick=on_tick)
            if faults is not None and faults.tasks:
                await asyncio.gather(*faults.tasks)
            results["run_window"] = [run_started.isoformat(), datetime.now(UTC).isoformat()]
            results["summary"] = recorder.summary()
            results["timeline"] = timeline(recorder)
            results["rss_samples"] = rss_samples
            results["faults"] = faults.events if faults else []
            print_summary(f"measured run ({args.rate}/s offered)", results["summary"])
            if faults is not None:
                print("\nper 10 s: t, requests, errors, p50, p95, max (ms)")
                for row in results["timeline"]:
                    print(
                        f"  {row['t']:>5.0f}  {row['requests']:>5}  {row['errors']:>4}  {_fmt(row['p50']):>8}  "
                        f"{_fmt(row['p95']):>8}  {_fmt(row['max']):>8}"
                    )
        results["rss_end"] = suite.rss()
    finally:
        await http.close()
    return results


def wait_drained(urls: dict[str, str], timeout_s: float) -> dict[str, int]:
    """Wait until every outbox is published; then a few seconds for the consumer to finish what it fetched."""
    dbs = Databases(urls)
    try:
        deadline = time.monotonic() + timeout_s
        pending = pending_outbox(dbs)
        while any(pending.values()) and time.monotonic() < deadline:
            time.sleep(1)
            pending = pending_outbox(dbs)
        time.sleep(5)
        return pending
    finally:
        dbs.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jiading_shared.devtools.load", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="measured run length (after the warm-up)")
    parser.add_argument("--rate", type=float, default=40.0, help="offered requests per second (Poisson arrivals)")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds at --rate before measuring")
    parser.add_argument("--find-rate", action="store_true", help="step the rate up until p95 >= 200 ms or an error")
    parser.add_argument("--find-start", type=float, default=20.0)
    parser.add_argument("--find-step", type=float, default=10.0)
    parser.add_argument("--find-max", type=float, default=400.0)
    parser.add_argument("--find-step-seconds", type=float, default=45.0)
    parser.add_argument("--faults", action="store_true", help="broker outage and a service restart during the run")
    parser.add_argument("--outage-seconds", type=float, default=30.0)
    parser.add_argument("--restart-service", default="grid-dispatch", choices=[s.name for s in SERVICES])
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes per service")
    parser.add_argument("--run-dir", type=Path, default=None, help="logs and results (default var/load/<time>)")
    parser.add_argument("--keep-databases", action="store_true", help="keep them for a later reconcile run")
    parser.add_argument("--drain-timeout", type=float, default=180.0)
    args = parser.parse_args(argv)

    run_dir = (args.run_dir or Path("var/load") / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    print(f"load run in {run_dir}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    suite = LoadSuite(run_dir, workers=args.workers)
    started = time.monotonic()
    status = 0
    try:
        suite.start()
        bases = {name: process.base_url for name, process in suite.services.items()}
        print("services ready: " + ", ".join(f"{n} {b}" for n, b in bases.items()), flush=True)
        world = World(settings=ServiceSettings())
        seed(world, bases)
        print(
            f"seeded: {len(world.rooms)} rooms in 4 areas, 5 departments with duty roster, 1 institution, "
            f"{len(world.facilities)} libraries, {len(world.projects)} projects ({time.monotonic() - started:.0f} s)",
            flush=True,
        )
        load_avg_before = os.getloadavg()
        results = asyncio.run(run_load(suite, world, bases, args))
        results["load_average_before"] = load_avg_before
        results["load_average_after"] = os.getloadavg()
        results["args"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
        urls = suite.database_urls()
        pending = wait_drained(urls, args.drain_timeout)
        print(f"\noutbox rows still pending after the drain wait: {pending}")

        print("\n== memory (RSS, MiB): after warm-up → end")
        growth = {}
        for name in results["rss_start"]:
            start_mb, end_mb = _mb(results["rss_start"][name]), _mb(results["rss_end"][name])
            growth[name] = (end_mb - start_mb) / start_mb * 100 if start_mb else float("nan")
            restarted = " (restarted mid-run: end is the new process)" if suite.services[name].starts > 1 else ""
            print(f"  {name:<16} {start_mb:7.1f} → {end_mb:7.1f}  {growth[name]:+6.1f} %{restarted}")
        results["rss_growth_pct"] = growth

        ledger = {
            "collection": {k: v for k, v in world.ledger.items() if k in ("visit", "registration")},
            "grid-dispatch": {"incident": world.ledger.get("incident", [])},
            "assist-desk": {"ticket": world.ledger.get("ticket", [])},
            "library-metrics": {k: v for k, v in world.ledger.items() if k.startswith("library:")},
        }
        checks, lags = reconcile(urls, ledger)
        results["reconcile"] = [check.__dict__ for check in checks]
        results["event_lag_all"] = lags
        print("\n== event lag, all events of the run (ms)")
        print(json.dumps(lags, indent=1, default=str))
        outage = next((e for e in results.get("faults", []) if e["what"] == "broker stopped"), None)
        if outage is not None:
            since = datetime.fromisoformat(outage["wall"])
            dbs = Databases(urls)
            try:
                results["event_lag_outage"] = event_lags(dbs, since, since + timedelta(seconds=args.outage_seconds))
                results["event_lag_outside_outage"] = event_lags(
                    dbs, since + timedelta(seconds=args.outage_seconds + 60), None
                )
            finally:
                dbs.dispose()
            print("== event lag, events written while the broker was down (ms)")
            print(json.dumps(results["event_lag_outage"], indent=1, default=str))
        print("\n== reconciliation")
        print(table(checks))
        if not all(check.passed for check in checks):
            status = 1
        run_file = run_dir / "run.json"
        run_file.write_text(
            json.dumps({"databases": urls, "ledger": ledger, "results": results}, indent=1, default=str)
        )
        print(f"\nresults: {run_file}" + ("" if args.keep_databases else " (databases dropped)"))
    finally:
        suite.stop(drop=not args.keep_databases)
    print(f"total {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
