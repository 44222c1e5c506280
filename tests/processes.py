"""Processes the tests start and watch, read from /proc: whether one is still running, and a stand-in
for the Pulumi engine whose death orphans the provider process it started."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Mapping

# The engine's part in an orphaning: start the provider script as a child, say its pid, then wait
# to be killed (SIGKILL), which leaves the child reparented.
_ENGINE = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, {script!r}], stdout=open({out!r}, "w"), stderr=subprocess.STDOUT)
print(child.pid, flush=True)
time.sleep(3600)
"""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs: a zombie (Z) or dead (X) process has stopped, whoever reaps it."""
    try:
        # The command name may hold spaces or parentheses: fields start after the last ")".
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def start_engine(script: Path, out: Path, env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen[str], int]:
    """A stand-in engine running ``script`` as its provider (output to ``out``): the engine's
    process, to kill, and the provider's pid, to watch."""
    engine = subprocess.Popen([sys.executable, "-c", _ENGINE.format(script=str(script), out=str(out))],
                              stdout=subprocess.PIPE, text=True, env=None if env is None else dict(env))
    assert engine.stdout is not None
    return engine, int(engine.stdout.readline())
