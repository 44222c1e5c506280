"""`make unit`, the fast layers, runs every test that needs no Pulumi CLI: the compatibility tests
that read the recorded fixtures without running the CLI belong there too."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The compat tests that run the real CLI (tests/compat/conftest.py marks them e2e).
NEEDS_THE_CLI = {"tests/compat/test_state_compat.py"}


def unit_target_paths() -> set[str]:
    make = shutil.which("make")
    assert make, "make is installed wherever the Makefile is used"
    dry_run = subprocess.run([make, "-n", "unit"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    [command] = [line for line in dry_run.replace("\\\n", " ").splitlines() if "scripts/test.sh" in line]
    return {arg.rstrip("/") for arg in shlex.split(command) if arg.startswith("tests")}


def test_make_unit_runs_the_cli_free_compat_tests_and_not_the_replay():
    paths = unit_target_paths()
    compat = {str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "compat").glob("test_*.py")}
    assert compat - NEEDS_THE_CLI <= paths, sorted(compat - NEEDS_THE_CLI - paths)
    assert not (NEEDS_THE_CLI & paths) and "tests/compat" not in paths
    assert {"tests/unit", "tests/emulator", "tests/provider"} <= paths
