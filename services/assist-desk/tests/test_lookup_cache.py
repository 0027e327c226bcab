"""The per-process look-up cache of the ticket path: expiry, forgetting on write, one cache per database."""

from __future__ import annotations

import time
from pathlib import Path

from sqlmodel import Session, create_engine

from assist_desk.lookup_cache import TtlCache, cache_of, forget_on_write


def test_found_values_are_cached_until_they_expire() -> None:
    cache: TtlCache[str] = TtlCache(ttl_seconds=0.05)
    loads: list[str] = []

    def load() -> str:
        loads.append("x")
        return f"value {len(loads)}"

    assert cache.get("k", load) == "value 1"
    assert cache.get("k", load) == "value 1"
    time.sleep(0.06)
    assert cache.get("k", load) == "value 2"
    assert len(loads) == 2


def test_a_miss_is_not_cached() -> None:
    cache: TtlCache[str] = TtlCache()
    assert cache.get("k", lambda: None) is None
    assert cache.get("k", lambda: "found later") == "found later"


def test_forget_and_bounded_size() -> None:
    cache: TtlCache[int] = TtlCache(max_entries=2)
    assert cache.get("a", lambda: 1) == 1
    cache.forget("a")
    assert cache.get("a", lambda: 2) == 2
    cache.get("b", lambda: 3)
    cache.get("c", lambda: 4)  # full: the map starts over rather than growing without bound
    assert cache.get("a", lambda: 5) == 5


def test_caches_are_per_database_and_forgotten_again_after_commit(tmp_path: Path) -> None:
    first = create_engine(f"sqlite:///{tmp_path}/a.db")
    second = create_engine(f"sqlite:///{tmp_path}/b.db")
    with Session(first) as session_a, Session(second) as session_b:
        assert cache_of(session_a, "policy").get(None, lambda: "a") == "a"
        assert cache_of(session_b, "policy").get(None, lambda: "b") == "b"
        with Session(first) as writer:
            forget_on_write(writer, "policy", None)
            # A reader caching the old rows between the write and its commit ...
            assert cache_of(session_a, "policy").get(None, lambda: "stale") == "stale"
            writer.commit()
        # ... is forgotten when the write commits.
        assert cache_of(session_a, "policy").get(None, lambda: "new") == "new"
    first.dispose()
    second.dispose()
