"""scripts/ensure-pulumi.sh: callers capture its stdout, so that carries the bin directory and
nothing else; a person reads its stderr, which is one line per phase, and a failed build says
where its log is, shows its end and what to do."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure-pulumi.sh"
VERSION = "v3.274.1"


def ensure(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "PULUMI_", "AUTH0_MTLS_"))}
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**base, "PULUMI_VERSION": VERSION, **env})


def test_cached_build_prints_only_its_directory_on_stdout(tmp_path: Path) -> None:
    bin_dir = tmp_path / "cache" / f"pulumi-{VERSION}" / "bin-upstream"
    bin_dir.mkdir(parents=True)
    for name in ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python"):
        (bin_dir / name).write_text(f"#!/bin/sh\necho {VERSION}\n")
        (bin_dir / name).chmod(0o755)
    # No pulumi on PATH, so the cache is what is found.
    proc = ensure(tmp_path, AUTH0_MTLS_CACHE=str(tmp_path / "cache"), PATH="/usr/bin:/bin")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{bin_dir}\n"
    assert proc.stderr == f"[pulumi] using cached pulumi {VERSION} ({bin_dir})\n"


@pytest.mark.skipif(shutil.which("go") is None, reason="needs a Go toolchain (the build path under test)")
def test_unreachable_module_proxy_fails_with_the_log_and_advice(tmp_path: Path) -> None:
    go_dir = Path(shutil.which("go") or "").resolve().parent
    cache = tmp_path / "cache"
    proc = ensure(tmp_path, AUTH0_MTLS_CACHE=str(cache), PATH=f"{go_dir}:/usr/bin:/bin",
                  GOPROXY="http://127.0.0.1:9", GOMODCACHE=str(tmp_path / "mod"), GOCACHE=str(tmp_path / "gocache"))
    log = cache / f"pulumi-{VERSION}" / "build.log"
    assert proc.returncode == 1
    assert proc.stdout == "", "a failure must not hand callers a directory"
    lines = proc.stderr.splitlines()
    assert lines[0].startswith(f"[pulumi] building pulumi {VERSION} from Go modules: the first time only")
    assert lines[1].startswith("[pulumi] 1/4 downloading Go modules … failed after ")
    assert f"[pulumi] the last 25 lines of {log}:" in lines
    assert any("127.0.0.1:9" in line and "connection refused" in line for line in lines), proc.stderr
    assert any("the Go module proxy was not reachable (GOPROXY=http://127.0.0.1:9)" in line for line in lines)
    assert lines[-1] == f"[pulumi] error: building pulumi {VERSION} from Go modules failed; full log: {log}"
    assert "connection refused" in log.read_text()
    assert not (cache / f"pulumi-{VERSION}" / "cli").exists()
