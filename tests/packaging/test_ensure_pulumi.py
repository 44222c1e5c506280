"""scripts/ensure-pulumi.sh: callers capture its stdout, so that carries the bin directory and
nothing else; a person reads its stderr, which is one line per phase, and a failed build says
where its log is, shows its end and what to do."""

from __future__ import annotations

import os
import re
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


# Stands in for the Go toolchain on PATH so that the whole first-build path runs in a second, offline.
# It answers each command ensure-pulumi.sh runs the way `go` does as far as the script can tell, and
# chatters as `go get`/`go build` do on a first build (`go` writes this to stderr; some of it goes to
# stdout here so that a leak of either stream to the terminal shows). Any other command fails, so a
# change in what the script runs shows up here instead of passing unexercised.
GO_STUB = r"""#!/usr/bin/env bash
set -eu
chatter() {  # VERB STREAM: as many lines as a first `go get` of the CLI prints, to fd STREAM
  local i; for i in $(seq 1 60); do echo "go: $1 example.com/dep$i v1.$i.0" >&"$2"; done
}
case "$1 ${2:-}" in
  "env GOVERSION") echo "go$GO_STUB_VERSION" ;;
  "env GOMODCACHE") echo "$GOMODCACHE" ;;
  "env "*) echo "" ;;
  "version ") echo "go version go$GO_STUB_VERSION linux/amd64" ;;
  "mod init") echo "go: creating new go.mod: module $3" >&2; echo "module $3" >go.mod ;;
  "mod edit") ;;
  "get "*) chatter downloading 2; chatter added 2; chatter added 1 ;;
  "mod download")  # -json MODULE@VERSION: the SDK module, unpacked read-only as in the module cache
    dir="$GOMODCACHE/${4%@*}@${4#*@}"
    mkdir -p "$dir/python/cmd" "$dir/python/dist"
    printf '#!/bin/sh\n' >"$dir/python/cmd/pulumi-language-python-exec"
    printf '#!/bin/sh\n' >"$dir/python/dist/pulumi-resource-pulumi-python"
    chmod 0444 "$dir/python/cmd/pulumi-language-python-exec" "$dir/python/dist/pulumi-resource-pulumi-python"
    echo "go: downloading ${4%@*} ${4#*@}" >&2
    printf '{\n\t"Path": "%s",\n\t"Version": "%s",\n\t"Dir": "%s",\n' "${4%@*}" "${4#*@}" "$dir"
    printf '\t"Origin": {\n\t\t"VCS": "git",\n\t\t"Hash": "%s"\n\t}\n}\n' 0123456789abcdef0123456789abcdef01234567 ;;
  "list -m")  # the proxy does not serve the upstream language host module
    echo "go: $3: not found: 404 Not Found" >&2; exit 1 ;;
  "build "*)  # -o OUT ... PACKAGE: the CLI answers `version` as -X set it; the host prints its port
    out="" ver=""
    while [ $# -gt 0 ]; do
      case "$1" in
        -o) out="$2"; shift ;;
        *version.Version=*) ver="${1##*version.Version=}"; ver="${ver%% *}" ;;
      esac
      shift
    done
    chatter downloading 1
    case "$out" in
      */pulumi-language-python) printf '#!/bin/sh\necho 40123\nexec sleep 30\n' >"$out" ;;
      *) printf '#!/bin/sh\n[ "$1" = version ] && echo %s\n' "$ver" >"$out" ;;
    esac
    chmod 0755 "$out" ;;
  *) echo "go stub: unexpected command: go $*" >&2; exit 2 ;;
esac
"""

DURATION = r"(\d+\.\ds|\d+s|\d+m\d\ds)"


def test_a_successful_first_build_prints_one_line_per_phase_and_keeps_go_output_in_the_log(tmp_path: Path) -> None:
    go_mod = (ROOT / "tools" / "pulumi-language-python" / "go.mod").read_text()
    go_version = next(line.split()[1] for line in go_mod.splitlines() if line.startswith("go "))
    stub_dir = tmp_path / "stub"
    stub_dir.mkdir()
    (stub_dir / "go").write_text(GO_STUB)
    (stub_dir / "go").chmod(0o755)
    cache = tmp_path / "cache"
    out = cache / f"pulumi-{VERSION}"
    env = {"AUTH0_MTLS_CACHE": str(cache), "PATH": f"{stub_dir}:/usr/bin:/bin",
           "GOMODCACHE": str(tmp_path / "mod"), "GO_STUB_VERSION": go_version}

    proc = ensure(tmp_path, **env)

    assert proc.returncode == 0, proc.stderr
    bin_dir = Path(proc.stdout.removesuffix("\n"))
    assert proc.stdout == f"{bin_dir}\n", "stdout carries the bin directory and nothing else"
    assert bin_dir.parent == out and re.fullmatch(r"bin-local-[0-9a-f]{12}", bin_dir.name), bin_dir
    patterns = [
        rf"\[pulumi\] building pulumi {VERSION} from Go modules: the first time only, 3-6 minutes on 2 cores",
        rf"\[pulumi\] 1/4 downloading Go modules … {DURATION}",
        rf"\[pulumi\] 2/4 compiling the CLI … {DURATION}",
        rf"\[pulumi\] 3/4 building the Python language host … {DURATION} \(ours, from tools/pulumi-language-python\)",
        rf"\[pulumi\] 4/4 checking the language host starts … {DURATION}",
        rf"\[pulumi\] pulumi {VERSION} ready in {DURATION} \({re.escape(str(bin_dir))}\)",
    ]
    lines = proc.stderr.splitlines()
    assert len(lines) == len(patterns), proc.stderr
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    assert "go:" not in proc.stderr

    log = (out / "build.log").read_text()
    assert "go: added example.com/dep1 v1.1.0" in log
    assert log.count("go: added ") == 120, "both streams of `go get` belong in the log"
    assert log.count("go: downloading ") >= 60
    assert f"go version go{go_version}" in log
    for label in ("1/4 downloading Go modules", "2/4 compiling the CLI",
                  "3/4 building the Python language host", "4/4 checking the language host starts"):
        assert f"=== {label} (" in log
    assert "the proxy does not serve github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3" in log

    names = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python")
    assert sorted(p.name for p in bin_dir.iterdir()) == sorted(names)
    assert all(os.access(bin_dir / name, os.X_OK) for name in names)
    assert (bin_dir / "pulumi").samefile(out / "cli" / "pulumi"), "one copy of the CLI, hard-linked"

    again = ensure(tmp_path, **env)
    assert (again.returncode, again.stdout) == (0, proc.stdout)
    assert again.stderr == f"[pulumi] using cached pulumi {VERSION} ({bin_dir})\n"
