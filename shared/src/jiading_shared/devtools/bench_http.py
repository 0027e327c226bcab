"""What the services' HTTP benchmarks share: the service under uvicorn in its own process (so the load generator does
not take the server's GIL), and concurrent clients that send back to back (saturation: latency is mostly queueing
behind the throughput) or paced (each client starts one request every `pace_ms`, a desk or phone with think time:
50 clients at 1,000 ms offer 50 requests/s, whatever the answers' speed — no coordinated omission)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import httpx

from jiading_shared.testing.broker import port_open


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def start_service(
    package: str, env_prefix: str, port: int, *, workers: int = 1, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`<package>.main:app_factory` under uvicorn on 127.0.0.1:`port`; `env` without the prefix (DATABASE_URL=...).
    Returns once /healthz answers."""
    environment = {**os.environ, f"{env_prefix}LOG_LEVEL": "WARNING"}
    environment.update({f"{env_prefix}{name}": value for name, value in (env or {}).items()})
    command = [sys.executable, "-m", "uvicorn", f"{package}.main:app_factory", "--factory", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=environment)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if port_open("127.0.0.1", port):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{package} did not start on port {port}")


def stop_service(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    errors: int = 0

    def summary(self) -> str:
        values = self.latencies_ms
        return (
            f"p50 {percentile(values, 0.50):.1f} ms  p95 {percentile(values, 0.95):.1f} ms  "
            f"p99 {percentile(values, 0.99):.1f} ms  max {max(values):.1f} ms  "
            f"throughput {len(values) / self.elapsed_s:.0f}/s  errors {self.errors}"
        )


async def run_clients(
    base: str,
    send: Callable[[httpx.AsyncClient, int, int], Awaitable[httpx.Response]],
    *,
    clients: int,
    total: int,
    pace_ms: float = 0.0,
    expected_status: int = 201,
) -> LoadResult:
    """`clients` concurrent clients share `total` requests; `send(client, client_number, request_number)` makes one.
    With `pace_ms` each client starts one request every `pace_ms`, latency counted from the planned start."""
    result = LoadResult()
    remaining = total

    async def worker(client: httpx.AsyncClient, number: int) -> None:
        nonlocal remaining
        # Spread the paced clients' first requests over one interval so that they do not arrive in step.
        await asyncio.sleep(pace_ms / 1000 * number / clients)
        planned = time.perf_counter()
        while remaining > 0:
            remaining -= 1
            if pace_ms:
                await asyncio.sleep(max(0.0, planned - time.perf_counter()))
            started = planned if pace_ms else time.perf_counter()
            planned += pace_ms / 1000
            try:
                response = await send(client, number, total - remaining)
            except httpx.TransportError:
                # A dropped connection (e.g. a keep-alive the server closed as it was reused) is a failed request
                # to report, not the end of the benchmark.
                result.errors += 1
                continue
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != expected_status:
                result.errors += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client, number) for number in range(clients)))
        result.elapsed_s = time.perf_counter() - started
    return result
