"""The call log: every non-admin request, its outcome and whether it changed the tenant."""

from __future__ import annotations

import copy
import re
from typing import Any, Callable, Mapping

_SECRET_KEYS = re.compile(r"secret|token|password|key|assertion|authorization", re.IGNORECASE)


def redact(query: Mapping[str, str]) -> dict[str, str]:
    return {key: ("[redacted]" if _SECRET_KEYS.search(key) else value) for key, value in query.items()}


class CallLog:
    def __init__(self, lock: Any, clock: Callable[[], float]) -> None:
        self._lock = lock
        self._clock = clock
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._calls: list[dict[str, Any]] = []
            self._seq = 0

    def record(self, *, method: str, path: str, query: Mapping[str, str], status: int | None, outcome: str,
               applied: bool) -> dict[str, Any]:
        """Log one call; query values whose names look secret are redacted, bodies never kept."""
        with self._lock:
            self._seq += 1
            entry = {
                "seq": self._seq,
                "time": self._clock(),
                "method": method,
                "path": path,
                "query": redact(query),
                "status": status,
                "outcome": outcome,
                "applied": applied,
            }
            self._calls.append(entry)
            return dict(entry)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._calls)
