"""Ends a provider process whose Pulumi engine is gone.

When the CLI dies without stopping its plugins (``kill -9``, the OOM killer, a CI job cancelled by
killing ``pulumi``), the provider process is left behind. ``retry.pause`` notices within a slice
and stops calling Auth0, but the Python dynamic-provider SDK serves gRPC until it is killed, so the
process would idle for ever and CI runners and laptops would collect them. Once the engine has
configured a provider in this process, one daemon thread checks ``retry.engine_gone`` every
``POLL_SECONDS``; when the engine is gone it gives the hooks still running ``GRACE_SECONDS`` to
raise ``Interrupted`` at their next wait slice, and then ends the process.

Only the provider process ever runs this: the Pulumi program process imports the same package (and
so do tests), and a watchdog there could end a process that is still someone's to run.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, Callable

from . import retry

POLL_SECONDS = 1.0
# Hooks notice a vanished engine within retry.PAUSE_SLICE_SECONDS (0.25 s) of their next wait;
# four slices leave room for a busy machine. A hook in the middle of a request is cut short, but
# its answer had nobody to go to: the engine that asked is gone.
GRACE_SECONDS = 1.0
EXIT_STATUS = 1
# The module the Pulumi engine runs as the Python dynamic provider (`python -m pulumi.dynamic`).
PROVIDER_MAIN = "pulumi.dynamic.__main__"


class Watchdog:
    """One watch thread, started at most once. ``gone`` says whether the engine is gone; ``end``
    ends the process with a status (both injectable, for tests)."""

    def __init__(self, gone: Callable[[], bool], end: Callable[[int], Any] = os._exit, *,
                 poll_seconds: float = POLL_SECONDS, grace_seconds: float = GRACE_SECONDS) -> None:
        self.gone = gone
        # os._exit and not sys.exit: from this thread sys.exit would only raise SystemExit here and
        # end the watchdog, and even from the main thread a normal interpreter exit waits for the
        # gRPC server's worker threads (a hook may still be in one) and runs cleanups that write to
        # the dead engine's pipes. Nothing is left to flush: every answer was for the dead engine.
        self.end = end
        self.poll_seconds = poll_seconds
        self.grace_seconds = grace_seconds
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> bool:
        """Start the watch thread unless it was started already; ``True`` if this call started it.
        Safe to call from every hook thread at once."""
        with self._lock:
            if self._thread is not None:
                return False
            # A daemon thread: it never keeps the process alive on its own.
            self._thread = threading.Thread(target=self._watch, name="auth0-mtls-engine-watchdog", daemon=True)
            self._thread.start()
            return True

    def stop(self) -> None:
        """End the watch without exiting (tests run several watchdogs in one process)."""
        self._stopped.set()

    def _watch(self) -> None:
        while not self._stopped.wait(self.poll_seconds):
            if not self.gone():
                continue
            if self._stopped.wait(self.grace_seconds):
                return
            # Reparenting cannot be undone, so this second look always agrees in practice; it makes
            # a single misreading of /proc unable to end a process whose engine is still there.
            if self.gone():
                self.end(EXIT_STATUS)
                return


_WATCHDOG = Watchdog(retry.engine_gone)


def in_provider_process() -> bool:
    """Whether this process is the Python dynamic provider the engine started."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == PROVIDER_MAIN


def watch_engine() -> None:
    """Start the watchdog if this is the provider process and it is not running yet. Called from
    ``Auth0Provider.configure``, which the SDK runs only in the provider process, once per provider
    class; never at import, since the program process imports this package too."""
    if not _WATCHDOG.started and in_provider_process():
        _WATCHDOG.start()
