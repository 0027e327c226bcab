"""Per-process caches of read-mostly look-ups on the ticket path (institutions, matter versions, policy versions).

Why: receiving a ticket read the institution, its forms, the matter's versions and the policy versions on every
request — four database round trips for rows that never change in place (versions are added, never edited;
institutions have no edit endpoint). Each cache entry lives `ttl_seconds`; a write in this process forgets the entry at
once and again after its commit, so another replica sees a new version within the TTL at the latest.

Entries are plain snapshots (transient copies), never instances attached to a session, and the caches are kept per
database engine so that two apps in one process (tests) never share entries.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

V = TypeVar("V")

# Bounds how long another replica's new policy or matter version stays unseen here.
DEFAULT_TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000


class TtlCache(Generic[V]):
    """A small thread-safe map with expiry; only found values are cached (a miss is looked up again next time)."""

    def __init__(self, ttl_seconds: float = DEFAULT_TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[key] = (now + self.ttl_seconds, value)
        return value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_caches: weakref.WeakKeyDictionary[Engine, dict[str, TtlCache[Any]]] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_of(session: Session, name: str, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> TtlCache[Any]:
    """The cache `name` of the database the session is bound to."""
    engine = session.get_bind()
    engine = engine.engine if not isinstance(engine, Engine) else engine
    with _caches_lock:
        per_engine = _caches.setdefault(engine, {})
        cache = per_engine.get(name)
        if cache is None:
            cache = per_engine[name] = TtlCache(ttl_seconds)
        return cache


def forget_on_write(session: Session, name: str, key: Hashable) -> None:
    """Forget `key` now and again once the writing transaction commits (a concurrent reader may have cached the old
    rows in between)."""
    cache = cache_of(session, name)
    cache.forget(key)

    def after_commit(_session: Session) -> None:
        cache.forget(key)

    event.listen(session, "after_commit", after_commit, once=True)
