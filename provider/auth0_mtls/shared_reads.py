"""Reads shared by the resources of one provider process: one request per object at a time, its
answer reused for a few seconds, and dropped by any write to that object.

Why: a ``CustomDomain`` and its ``CustomDomainVerification`` read the same custom domain, so a
`pulumi refresh` would GET every domain twice; each call spends the tenant's rate limit, which its
sign-ins share. With one ``SharedReads`` per tenant (it lives with the tenant's client), both reads
cost one GET.

The rules, and why each holds:

- Only ``read`` hooks use it (the client's ``read_*`` methods). Create, update, delete and verify
  always send their own call and decide from its answer, never from a shared one.
- A write to an object drops its answer, before the write is sent and again once it is done (even
  if it failed: it may have reached the tenant). A GET that was already on its way when a write
  started still answers the callers that were waiting for it (they asked before the write) but is
  never handed to anyone later.
- Concurrent callers of one key wait for the one request in flight (single-flight): the provider
  runs up to four hooks at once, and the engine refreshes resources in parallel.
- A failed request is not kept. Its callers all get the error: the request has already been
  retried by the client's retry policy, and sending it again per waiter would multiply calls to a
  tenant that is refusing them. The next caller sends a new request. An error that *is* an answer
  (``shareable``, e.g. a 404: the domain is gone) is shared like any other answer.
- An answer is reused for ``SHARE_WINDOW_SECONDS`` after it arrived, never longer, so a
  long-lived process never serves old state, and nothing reads older than that in any command.
- Every caller gets its own copy of the answer (and its own exception object), so no resource can
  change what another one sees.
"""

from __future__ import annotations

import copy
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")

# How long an answer is reused. Long enough for a refresh's second read of a domain to find the
# first one's answer, short enough that no read is handed state much older than it asked for.
# Measured (refresh of N verified domains and the tenant setting, one provider process): the engine
# reads resources in state order, a few at a time, and after a first `up` the state lists most
# domains before their verifications. Unthrottled, the two reads of a domain are ~50 ms apart at
# N=20. When the tenant throttles the provider to 2 calls/s (the free tier, non-production Enterprise
# tenants) they are about N/2 s apart: 15 s shares every read up to N=30, which is where a throttled
# refresh needs the saving most (measured at N=20, 2/s: 42 calls and 21 s with 5 s, 22 calls and
# 10-11 s with 15 s). Reads only ever see an answer from the same command, and a write through this
# client drops the answer whatever its age. Reads that overlap share one GET (single-flight).
SHARE_WINDOW_SECONDS = 15.0


def now() -> float:
    """The clock answers are aged by: monotonic, so a change of the wall clock does not age them."""
    return time.monotonic()


def _own_copy(exc: BaseException) -> BaseException:
    """A copy of an exception for another thread to raise: raising one object in several threads
    at once would weave their tracebacks together. Built without calling ``__init__``, whose
    signature varies (``ApiError`` takes the call's details)."""
    clone = type(exc).__new__(type(exc))
    clone.args = exc.args
    clone.__dict__.update(getattr(exc, "__dict__", {}))
    clone.__cause__, clone.__context__ = exc.__cause__, exc.__context__
    clone.__suppress_context__ = exc.__suppress_context__
    return clone


class _Flight:
    """One request and its outcome, shared by the callers that asked for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.waiters = 0
        self.value: Any = None
        self.error: BaseException | None = None
        self.kept = False  # whether later callers may use the outcome (an answer, not a failure)
        self.answered_at = 0.0

    def settle(self, value: Any = None, error: BaseException | None = None, kept: bool = False) -> None:
        self.value, self.error, self.kept, self.answered_at = value, error, kept, now()
        self.done.set()

    def outcome(self) -> Any:
        if self.error is not None:
            raise _own_copy(self.error)
        return copy.deepcopy(self.value)


class SharedReads:
    """One request per key at a time; its answer reused for ``SHARE_WINDOW_SECONDS``. Thread-safe."""

    def __init__(self, shareable: Callable[[BaseException], bool] = lambda exc: False) -> None:
        self._shareable = shareable
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    def get(self, key: str, fetch: Callable[[], T]) -> T:
        """The answer for ``key``: a fresh one shared with concurrent callers, or one that arrived
        less than the window ago; otherwise ``fetch()`` is called, once for all."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is not None and flight.done.is_set() and not self._usable(flight):
                flight = None
            leader = flight is None
            if flight is None:
                self._drop_expired()
                flight = self._flights[key] = _Flight()
            else:
                flight.waiters += 1
        if not leader:
            flight.done.wait()
            return flight.outcome()
        try:
            value = fetch()
        except BaseException as exc:
            kept = isinstance(exc, Exception) and self._shareable(exc)
            if not kept:
                self._discard(key, flight)
            flight.settle(error=exc, kept=kept)
            raise
        flight.settle(value=value, kept=True)
        return copy.deepcopy(value)

    def forget(self, key: str) -> None:
        """Drop the answer for ``key``, or the request in flight for it, for every later caller."""
        with self._lock:
            self._flights.pop(key, None)

    @contextmanager
    def writing(self, key: str) -> Iterator[None]:
        """Around a write to ``key``: no caller after it begins gets an answer from before it."""
        self.forget(key)
        try:
            yield
        finally:
            self.forget(key)

    # -- for tests and diagnostics --------------------------------------------------------------

    def in_flight(self, key: str) -> bool:
        with self._lock:
            flight = self._flights.get(key)
            return flight is not None and not flight.done.is_set()

    def waiting(self, key: str) -> int:
        """How many callers wait for the request in flight for ``key`` (its sender not counted)."""
        with self._lock:
            flight = self._flights.get(key)
            return flight.waiters if flight is not None and not flight.done.is_set() else 0

    def held(self) -> int:
        with self._lock:
            return len(self._flights)

    # -- under the lock -------------------------------------------------------------------------

    def _usable(self, flight: _Flight) -> bool:
        return flight.kept and now() - flight.answered_at <= SHARE_WINDOW_SECONDS

    def _drop_expired(self) -> None:
        for key in [k for k, f in self._flights.items() if f.done.is_set() and not self._usable(f)]:
            del self._flights[key]

    def _discard(self, key: str, flight: _Flight) -> None:
        with self._lock:
            if self._flights.get(key) is flight:
                del self._flights[key]
