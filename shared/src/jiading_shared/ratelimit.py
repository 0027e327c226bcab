"""Rate limiting of the public intake endpoints (Open311 `POST requests.json`, 随申办 self-declarations): a token
bucket per client, 429 problem+json with `Retry-After` when it is empty.

The client key is the token subject (every route needs a bearer token, and an external system's token names that
system), else the client address. A bucket holds `intake_rate_limit_burst` tokens and refills at
`intake_rate_limit_per_minute`; a request takes one. The bucket is checked after authentication, so requests
without a valid token cannot drain a real caller's budget.

The buckets live in the process's memory. With several replicas the limit is therefore per replica: N replicas
accept up to N times the configured rate. That is acceptable for one replica and as a second line of defence; a
production deployment with several replicas sets the district limit at the ingress / API gateway (per api key or
token subject, e.g. nginx `limit_req` or the gateway's rate-limit plugin), or replaces `TokenBucketLimiter` with a
PostgreSQL-backed bucket (one row per key updated with `UPDATE ... RETURNING` in the request's transaction).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from jiading_shared.auth import Principal, current_principal
from jiading_shared.errors import PROBLEM_JSON, Problem, ProblemError

Clock = Callable[[], float]

# Past this many clients, buckets that have refilled (idle clients) are forgotten, then the least recently used.
MAX_TRACKED_CLIENTS = 100_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """One token bucket per key. Thread-safe: sync routes run in a thread pool."""

    def __init__(
        self, per_minute: float, burst: int, *, clock: Clock = time.monotonic, max_keys: int = MAX_TRACKED_CLIENTS
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("need per_minute > 0 and burst >= 1")
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for `key`: 0.0 when granted, else the seconds until a token is available."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._forget_some(now)
                bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
            else:
                bucket.tokens = min(float(self.burst), bucket.tokens + max(0.0, now - bucket.updated) * self.rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def _forget_some(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping it changes nobody's limit.
        full = [key for key, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            by_age = sorted(self._buckets, key=lambda key: self._buckets[key].updated)
            for key in by_age[: len(by_age) - self.max_keys // 2]:
                del self._buckets[key]


def client_key(request: Request, principal: Principal | None) -> str:
    """Whose budget a request spends: the token subject, else the client address."""
    if principal is not None and principal.sub:
        return f"sub:{principal.sub}"
    return f"addr:{request.client.host if request.client else 'unknown'}"


def limiter_for(request: Request, name: str) -> TokenBucketLimiter:
    """The app's limiter called `name`, built on first use from the settings (and `app.state.rate_limit_clock`, which
    tests set to a clock they move)."""
    state = request.app.state
    limiters: dict[str, TokenBucketLimiter] | None = getattr(state, "rate_limiters", None)
    if limiters is None:
        limiters = state.rate_limiters = {}
    limiter = limiters.get(name)
    if limiter is None:
        settings = state.settings
        clock: Clock = getattr(state, "rate_limit_clock", None) or time.monotonic
        limiter = limiters.setdefault(
            name,
            TokenBucketLimiter(settings.intake_rate_limit_per_minute, settings.intake_rate_limit_burst, clock=clock),
        )
    return limiter


def rate_limit(name: str) -> Callable[..., Any]:
    """Route dependency: one token of the bucket `name` per request, else 429 with Retry-After. Use it in the route's
    `dependencies=[Depends(rate_limit("..."))]` together with `responses=RATE_LIMIT_RESPONSES`."""

    def dependency(request: Request, principal: Annotated[Principal, Depends(current_principal)]) -> None:
        wait = limiter_for(request, name).take(client_key(request, principal))
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ProblemError(
                429,
                "too-many-requests",
                f"rate limit of this endpoint reached; retry in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    return dependency


RATE_LIMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
        "description": "Too many requests from this client; wait `Retry-After` seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
    }
}
