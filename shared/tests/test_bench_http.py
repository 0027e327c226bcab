"""The HTTP benchmark's client loop: a dropped connection is counted as a failed request, the run goes on."""

from __future__ import annotations

import asyncio

import httpx

from jiading_shared.devtools.bench_http import run_clients


def test_transport_errors_are_counted_not_fatal() -> None:
    calls: list[int] = []

    async def send(client: httpx.AsyncClient, number: int, request: int) -> httpx.Response:
        calls.append(request)
        if len(calls) == 3:
            raise httpx.ReadError("connection closed by the server")
        return httpx.Response(201 if len(calls) != 5 else 500)

    result = asyncio.run(run_clients("http://127.0.0.1:9", send, clients=2, total=10))

    assert len(calls) == 10
    assert result.errors == 2  # the dropped connection and the 500
    assert len(result.latencies_ms) == 9  # a request that got no answer has no latency
    assert "errors 2" in result.summary()
