"""A background loop that can be asked to stop and sleeps interruptibly (relay, consumers, schedulers)."""

from __future__ import annotations

import asyncio
import contextlib


class StoppableLoop:
    def __init__(self) -> None:
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, waking at once when stop() is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
