"""Answers of another service kept in memory per process, dropped when their source says they
changed (an event read by cokit.events.broadcast), and after `ttl` seconds in any case.

    OFFICES = Copies(ttl=60.0)
    office = OFFICES.get(slug, lambda: registry.GetOffice(...))
    OFFICES.drop()                      # on office.created / office.updated / office.phase_changed

An answer fetched while a drop happened is returned but not kept: it may have been read
before the change it was dropped for. Errors are never kept.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Hashable


class Copies:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._generation = 0

    def get(self, key: Hashable, fetch: Callable[[], Any]) -> Any:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            generation = self._generation
        if entry is not None and now < entry[0]:
            return entry[1]
        value = fetch()
        with self._lock:
            if generation == self._generation:
                self._entries[key] = (now + self.ttl, value)
        return value

    def drop(self, keep: Callable[[Hashable, Any], bool] | None = None) -> None:
        """Forget every copy, or those `keep(key, value)` does not keep."""
        with self._lock:
            self._generation += 1
            if keep is None:
                self._entries.clear()
            else:
                self._entries = {k: v for k, v in self._entries.items() if keep(k, v[1])}

    def __len__(self) -> int:
        return len(self._entries)
