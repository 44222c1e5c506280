"""Commands the tests need, installed from Debian's packages on first use.

    nginx = ensure_command("nginx", package="nginx")

CI runs as root on a machine that may lack them; a failed install is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Optional, Sequence

_lock = threading.Lock()
_found: dict[str, str] = {}
# Debian's maintainer scripts start a package's service unless policy-rc.d says no: a test install
# must not leave, say, an nginx running on port 80.
_POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


class PackageError(RuntimeError):
    """A command is missing and its package could not be installed."""


def _find(command: str, also: Sequence[str]) -> Optional[str]:
    found = shutil.which(command)
    if found:
        return found
    for candidate in also:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", *args], env=env,
                          capture_output=True, text=True, timeout=900)


def _install(package: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise PackageError(f"{package} is not installed and cannot be installed here (needs root and apt-get): "
                           f"install Debian's `{package}` package")
    made_policy = False
    if not _POLICY_RC_D.exists():
        _POLICY_RC_D.write_text("#!/bin/sh\n# written by the auth0-mtls tests during a package install\nexit 101\n")
        _POLICY_RC_D.chmod(0o755)
        made_policy = True
    try:
        result = _apt("install", "-y", "--no-install-recommends", package)
        if result.returncode != 0:  # a machine whose package lists are missing or stale
            update = _apt("update")
            result = _apt("install", "-y", "--no-install-recommends", package)
            if result.returncode != 0:
                raise PackageError(f"apt-get install {package} failed ({result.returncode}):\n"
                                   f"{update.stderr[-2000:]}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    finally:
        if made_policy:
            _POLICY_RC_D.unlink()


def ensure_command(command: str, *, package: str, also: Sequence[str] = ()) -> str:
    """The path of ``command`` (looked up on PATH, then in ``also``), installing ``package`` once
    if it is missing."""
    with _lock:
        if command not in _found:
            found = _find(command, also)
            if found is None:
                _install(package)
                found = _find(command, also)
                if found is None:
                    raise PackageError(f"apt-get installed {package}, but no {command} executable was found")
            _found[command] = found
        return _found[command]
