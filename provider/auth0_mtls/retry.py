"""How every wait is done, and the budget of the one retry policy (``Auth0Retry``, in
``retry_policy``: urllib3's ``Retry`` with Auth0's rate-limit headers and a bound on the total wait of
one request, so a sustained 429 ends in a clear error instead of an endless deploy).

``Auth0Retry`` is importable from here as before, but loaded on first use: it subclasses urllib3's
``Retry``, and importing urllib3 costs the Pulumi program and every preview's provider process about
15 ms for nothing (only the HTTP client needs it, and it imports urllib3 anyway).

Every wait (a retry's backoff, a rate-limit reset, a verification's poll interval) goes through
``pause``: it sleeps in short slices, stops when the Pulumi engine that started this process is gone,
and refuses to wait past the deadline of the operation in progress (``deadline``), so an operation
with a timeout of its own, such as a verification, has one deadline and not a retry budget on top.
"""

from __future__ import annotations

import math
import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Iterator

from .errors import Interrupted

if TYPE_CHECKING:
    from .retry_policy import Auth0Retry as Auth0Retry

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
    """Whether a watched process was re-parented. Only a parent read and found changed counts: the
    wrapper's /proc entry unread (a transient error) proves nothing, and a wrapper that is really
    gone has re-parented this very process, which ``os.getppid`` shows without reading /proc. A
    ``True`` ends the process (``watchdog``), so it must be certain."""
    for pid, parent in _ENGINE_WATCH:
        now = os.getppid() if pid == os.getpid() else _parent_of(pid)
        if now is not None and now != parent:
            return True
    return False


def check_engine() -> None:
    if engine_gone():
        raise Interrupted("the Pulumi engine that started this provider process is gone (a second Ctrl-C or a killed "
                          "CLI); stopped instead of calling Auth0 for nobody. The stack has a pending operation: run "
                          "`pulumi refresh` (or `pulumi up`) to pick up where it stopped")


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Within this block, no wait may end after ``at`` (``time.monotonic()``). A NaN deadline (a
    timeout of NaN seconds) is refused: every comparison with it is false, so it would bound nothing."""
    if at is not None and math.isnan(at):
        raise ValueError("an operation's deadline must be a number, got nan (a timeout of nan seconds?)")
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
    (``status`` says what was being waited out). A wait that could never end (NaN seconds, or
    infinite ones without a deadline) raises ``ValueError`` at once instead of sleeping for ever:
    NaN passes every comparison below, so the slices would never run out."""
    if math.isnan(seconds):
        raise ValueError("cannot wait nan seconds: such a wait would never end")
    left = time_left()
    if left is not None and seconds > left:
        raise RetryBudgetExhausted(status, 0.0, seconds, past_deadline=True)
    if math.isinf(seconds) and seconds > 0:
        raise ValueError("cannot wait an infinite number of seconds without a deadline")
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


def __getattr__(name: str) -> Any:
    if name == "Auth0Retry":
        from .retry_policy import Auth0Retry

        return Auth0Retry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
