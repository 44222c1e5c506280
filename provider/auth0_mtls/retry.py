"""The one retry policy for every Management API call, and how every wait is done.

urllib3's ``Retry`` already does capped exponential backoff with jitter and honours ``Retry-After``;
this subclass adds what Auth0 needs on top: waiting for ``X-RateLimit-Reset`` (Auth0 sends that, not
``Retry-After``, on a 429) and a bound on the total time one request may spend waiting, so a
sustained 429 ends in a clear error instead of an endless deploy.

Every wait (a retry's backoff, a rate-limit reset, a verification's poll interval) goes through
``pause``: it sleeps in short slices, stops when the Pulumi engine that started this process is gone,
and refuses to wait past the deadline of the operation in progress (``deadline``), so an operation
with a timeout of its own, such as a verification, has one deadline and not a retry budget on top.
"""

from __future__ import annotations

import os
import random
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from .errors import Interrupted

# 408 and 5xx are transient on Auth0's side; 429 is rate limiting. 501 is not transient.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_WAIT_BUDGET_SECONDS = 120.0
MAX_SINGLE_WAIT_SECONDS = 60.0
# Waits are cut into slices this long, so that a vanished engine is noticed within one.
PAUSE_SLICE_SECONDS = 0.25

# The engine starts the provider process; when the engine dies (a second Ctrl-C, a killed CLI)
# the process is re-parented. The Python dynamic-provider SDK ignores the engine's Cancel, so a
# changed parent is the one sign left that nobody is waiting for the answer. The engine starts the
# provider through a shell script (pulumi-resource-pulumi-python) that does not exec, so the
# provider's own parent is that shell, which outlives the engine: it is the shell's parent that
# changes then, and both are watched.
PLUGIN_WRAPPER = "pulumi-resource-pulumi-python"


def _parent_of(pid: int) -> int | None:
    """``pid``'s parent from /proc (Linux); ``None`` if the process is gone or /proc is absent."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            # The command name may hold spaces and parentheses: the fields follow the last ")".
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _is_plugin_wrapper(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            args = cmdline.read().split(b"\0")
    except OSError:
        return False
    return any(os.path.basename(arg.decode(errors="replace")) == PLUGIN_WRAPPER for arg in args[:3])


def _engine_watch() -> tuple[tuple[int, int], ...]:
    """``(pid, parent pid)`` pairs recorded at start: this process and, when its parent is the
    plugin wrapper, the wrapper too. A change in any of them means the engine is gone."""
    parent = os.getppid()
    watch = [(os.getpid(), parent)]
    if _is_plugin_wrapper(parent):
        grandparent = _parent_of(parent)
        if grandparent is not None:
            watch.append((parent, grandparent))
    return tuple(watch)


_ENGINE_WATCH = _engine_watch()
# The monotonic time by which the operation in progress must end, per thread (each provider hook
# runs on its own worker thread).
_deadline: ContextVar[float | None] = ContextVar("auth0_mtls_deadline", default=None)


def engine_gone() -> bool:
    for pid, parent in _ENGINE_WATCH:
        now = os.getppid() if pid == os.getpid() else _parent_of(pid)
        if now != parent:
            return True
    return False


def check_engine() -> None:
    if engine_gone():
        raise Interrupted("the Pulumi engine that started this provider process is gone (a second Ctrl-C or a killed "
                          "CLI); stopped instead of calling Auth0 for nobody. The stack has a pending operation: run "
                          "`pulumi refresh` (or `pulumi up`) to pick up where it stopped")


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Within this block, no wait may end after ``at`` (``time.monotonic()``)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds to the current deadline, ``None`` without one."""
    at = _deadline.get()
    return None if at is None else at - time.monotonic()


class RetryBudgetExhausted(Exception):
    """Waiting any longer would pass the request's wait budget.

    ``status`` is the answer that would have been retried (``None``: no answer at all, and ``error``
    is why), so the caller can say what it was waiting out: rate limiting, a failing gateway, or a
    host it cannot reach.
    """

    def __init__(self, status: int | None, waited: float, next_wait: float,
                 error: BaseException | None = None, past_deadline: bool = False) -> None:
        self.status = status
        self.waited = waited
        self.next_wait = next_wait
        self.error = error
        # True when it was the operation's deadline, not the per-request budget, that ran out.
        self.past_deadline = past_deadline
        super().__init__(f"gave up after waiting {waited:.1f}s; the next wait would have been {next_wait:.1f}s")


def pause(seconds: float, status: int | None = None) -> None:
    """Sleep ``seconds`` in short slices. Raises ``Interrupted`` when the engine is gone, and
    ``RetryBudgetExhausted(past_deadline=True)`` at once if the wait would end past the deadline
    (``status`` says what was being waited out)."""
    left = time_left()
    if left is not None and seconds > left:
        raise RetryBudgetExhausted(status, 0.0, seconds, past_deadline=True)
    remaining = seconds
    while True:
        check_engine()
        if remaining <= 0:
            return
        step = min(PAUSE_SLICE_SECONDS, remaining)
        time.sleep(step)
        remaining -= step


def wait_budget_from_env(environ: dict[str, str] | os._Environ[str] | None = None) -> float:
    env = os.environ if environ is None else environ
    raw = env.get("AUTH0_MTLS_RETRY_BUDGET_SECONDS")
    if not raw:
        return DEFAULT_WAIT_BUDGET_SECONDS
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_WAIT_BUDGET_SECONDS
    return max(0.0, value)


class Auth0Retry(Retry):
    """``Retry`` that understands Auth0's rate-limit headers and caps the total wait of one request."""

    def __init__(self, *args: Any, wait_budget: float = DEFAULT_WAIT_BUDGET_SECONDS, waited: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wait_budget = wait_budget
        self.waited = waited

    @classmethod
    def default(cls, wait_budget: float | None = None) -> "Auth0Retry":
        return cls(
            total=8,
            connect=4,
            read=4,
            status=8,
            other=0,
            redirect=0,
            # Every method: a POST whose response was lost is retried too. The callers make that safe
            # (create adopts the domain it finds on 409, verify and PATCH are idempotent).
            allowed_methods=None,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=0.5,
            backoff_max=10.0,
            backoff_jitter=0.5,
            respect_retry_after_header=True,
            raise_on_status=False,
            retry_after_max=int(MAX_SINGLE_WAIT_SECONDS),
            wait_budget=wait_budget_from_env() if wait_budget is None else wait_budget,
        )

    def new(self, **kw: Any) -> "Auth0Retry":
        kw.setdefault("wait_budget", self.wait_budget)
        kw.setdefault("waited", self.waited)
        return super().new(**kw)

    def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> "Auth0Retry":
        response = kwargs.get("response") if "response" in kwargs else (args[0] if args else None)
        new = super().increment(method, url, *args, **kwargs)
        if response is not None and response.status == 429:
            # Rate limiting is bounded by the wait budget, not by a count: on a busy tenant several
            # workers can lose the race for the next token a few times in a row without anything
            # being wrong. 5xx and connection errors keep their counts.
            new.total = self.total
            new.status = self.status
        return new

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        if seconds is not None:
            return seconds
        if response.status != 429:
            return None
        reset = response.headers.get("x-ratelimit-reset")
        if not reset:
            return None
        try:
            seconds = float(reset) - time.time()
        except ValueError:
            return None
        # The header has one-second resolution; a little jitter keeps the provider's four worker
        # threads from all arriving in the same instant the bucket refills.
        seconds = max(0.05, seconds) + random.uniform(0.0, 0.2)
        return min(seconds, MAX_SINGLE_WAIT_SECONDS)

    def _planned_wait(self, response: BaseHTTPResponse | None) -> float:
        if response is not None and self.respect_retry_after_header:
            after = self.get_retry_after(response)
            if after:
                return after
        return self.get_backoff_time()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        wait = self._planned_wait(response)
        status = response.status if response is not None else None
        error = self.history[-1].error if response is None and self.history else None
        if self.waited + wait > self.wait_budget:
            raise RetryBudgetExhausted(status, self.waited, wait, error)
        if wait > 0:
            try:
                pause(wait, status)
            except RetryBudgetExhausted as exc:
                raise RetryBudgetExhausted(status, self.waited, wait, error, past_deadline=True) from exc
            self.waited += wait
