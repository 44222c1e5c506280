#!/usr/bin/env bash
# Prints the directory holding a working `pulumi` CLI plus the Python language host and the
# dynamic-provider plugin scripts. Progress goes to stderr, one line per phase with its elapsed
# time; stdout carries only that directory. A build's full output goes to $OUT/build.log, and only
# a failure prints its path and its last lines.
#
# Order of preference:
#   1. `pulumi` on PATH when it is at least $PULUMI_MIN_VERSION and has the Python host beside it;
#   2. a build cached earlier under $AUTH0_MTLS_CACHE (outside the repository);
#   3. a build from the Go module proxy: the CLI from github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION,
#      the Python language host from upstream if the proxy serves it, else from our own minimal host
#      in tools/pulumi-language-python (the upstream host module is not served by the proxy), and
#      the two Python shim scripts from the github.com/pulumi/pulumi/sdk/v3 module zip;
#   4. Pulumi's official installer, when there is no usable Go but there is internet.
#
# Cache layout ($OUT = $CACHE_ROOT/pulumi-$PULUMI_VERSION):
#   cli/pulumi                 the CLI, compiled once (the slow part)
#   bin-upstream/              complete bin dir with the upstream language host
#   bin-local-<hash>/          complete bin dir with our host; <hash> covers its sources, so an
#                              edit of tools/pulumi-language-python rebuilds just the host
#   official/bin/              from the official installer
#   build.log                  everything the last build printed (go get, go build, ...)
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
PULUMI_MIN_VERSION="${PULUMI_MIN_VERSION:-3.272.0}"
CACHE_ROOT="${AUTH0_MTLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auth0-mtls}"
OUT="$CACHE_ROOT/pulumi-$PULUMI_VERSION"
LOG="$OUT/build.log"
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST_SRC="$REPO_DIR/tools/pulumi-language-python"
HOST_MODULE=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
SDK_MODULE=github.com/pulumi/pulumi/sdk/v3
CLI_PACKAGE=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

PHASE_TAG=pulumi
# shellcheck source=scripts/phase.sh
. "$REPO_DIR/scripts/phase.sh"
die() { say "error: $*"; exit 1; }
T_START="$(_phase_now)"

version_ge() {  # version_ge A B: A >= B (dotted numbers, leading v ignored)
  [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -n1)" = "${2#v}" ]
}

complete() {  # the four files a Python dynamic-provider program needs, side by side
  local d="$1"
  [ -x "$d/pulumi" ] && [ -x "$d/pulumi-language-python" ] &&
    [ -f "$d/pulumi-language-python-exec" ] && [ -x "$d/pulumi-resource-pulumi-python" ]
}

usable() {  # complete and reports the expected version
  complete "$1" && [ "$("$1/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]
}

found() { say "$1"; echo "$2"; exit 0; }

host_hash() {  # hash of our host's sources (go.mod, go.sum, *.go)
  (cd "$HOST_SRC" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print |
     LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-12
}

# 1. PATH
if command -v pulumi >/dev/null 2>&1; then
  p="$(dirname "$(readlink -f "$(command -v pulumi)")")"
  v="$(pulumi version 2>/dev/null || true)"
  if [ -n "$v" ] && version_ge "$v" "$PULUMI_MIN_VERSION" && complete "$p"; then
    found "using pulumi $v from PATH ($p)" "$p"
  fi
fi

# 2. cache
LOCAL_BIN=""
[ -d "$HOST_SRC" ] && LOCAL_BIN="$OUT/bin-local-$(host_hash)"
check_cache() {  # MESSAGE: prints the first usable bin dir and exits
  local d
  for d in "$OUT/bin-upstream" ${LOCAL_BIN:+"$LOCAL_BIN"} "$OUT/official/bin"; do
    if usable "$d"; then found "$1 ($d)" "$d"; fi
  done
}
check_cache "using cached pulumi $PULUMI_VERSION"

WORK=""
cleanup() { [ -z "$WORK" ] || rm -rf "$WORK"; }
trap cleanup EXIT

GO_FLAGS=(-trimpath -tags osusergo,grpcnotrace
          -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION")

go_usable() {  # a Go toolchain at least as new as our host's go.mod asks for
  command -v go >/dev/null 2>&1 || return 1
  local need have
  need="$(awk '$1 == "go" {print $2; exit}' "$HOST_SRC/go.mod" 2>/dev/null || true)"
  have="$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)"; have="${have#go}"
  [ -n "$have" ] || return 1
  if [ -n "$need" ] && ! version_ge "$have" "$need"; then
    say "go $have is older than the go $need that github.com/pulumi/pulumi/sdk/v3 needs"
    return 1
  fi
}

# The build steps below print only to the log ($LOG): each runs as `step >>"$LOG" 2>&1`, and its
# result for the phase line goes into NOTE. They chain commands with && / || return 1 because
# `set -e` does not apply inside a function called as a condition.

wrapper_module() {  # wrapper_module DIR: an empty module to `go get` tools into
  mkdir -p "$1" &&
  (cd "$1" && go mod init example.invalid/pulumi-cli-build &&
   # pkg/go.mod's own replace of clipboard is ignored in a dependency; repeat it so the graph matches.
   go mod edit -replace=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e)
}

cli_built() { [ -x "$OUT/cli/pulumi" ] && [ "$("$OUT/cli/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; }

download_modules() {  # the CLI's module graph (unless the CLI is built) and the SDK module -> SDK_DIR
  NOTE=""
  if cli_built; then
    NOTE="the CLI was built earlier: the SDK module only"
  else
    wrapper_module "$WORK/cli" &&
    (cd "$WORK/cli" && go get "$CLI_PACKAGE@$PULUMI_VERSION" "$SDK_MODULE@$PULUMI_VERSION") || return 1
  fi
  SDK_DIR="$(cd "$WORK" && go mod download -json "$SDK_MODULE@$PULUMI_VERSION" |
             sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' | head -n1)" || return 1
  [ -n "$SDK_DIR" ] && [ -d "$SDK_DIR/python" ] || { echo "cannot find the $SDK_MODULE@$PULUMI_VERSION module"; return 1; }
}

compile_cli() {  # -> $OUT/cli/pulumi
  NOTE=""
  if cli_built; then NOTE="built earlier"; return 0; fi
  mkdir -p "$OUT/cli" &&
  (cd "$WORK/cli" &&
   go build -mod=mod -buildvcs=false "${GO_FLAGS[@]}" -o "$OUT/cli/pulumi.tmp" "$CLI_PACKAGE") &&
  mv -f "$OUT/cli/pulumi.tmp" "$OUT/cli/pulumi"
}

build_upstream_host() {  # DEST: one quick try at the upstream module (not served by the proxy so far)
  local dest="$1" dir="$WORK/upstream-host" ref=latest hash
  hash="$(cd "$WORK" && go mod download -json "$SDK_MODULE@$PULUMI_VERSION" 2>/dev/null |
          sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]\{40\}\)".*/\1/p' | head -n1)" || true
  [ -z "$hash" ] || ref="$hash"
  wrapper_module "$dir" || return 1
  if ! (cd "$dir" && timeout 60 go list -m "$HOST_MODULE@$ref"); then
    echo "the proxy does not serve $HOST_MODULE@$ref: using our own host instead"
    return 1
  fi
  (cd "$dir" &&
   go get "$HOST_MODULE@$ref" "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "$SDK_MODULE@$PULUMI_VERSION" &&
   go build -mod=mod -buildvcs=false "${GO_FLAGS[@]}" -o "$dest/pulumi-language-python" "$HOST_MODULE")
}

build_local_host() {  # DEST: our minimal host from tools/pulumi-language-python (go.sum is complete)
  (cd "$HOST_SRC" &&
   GOFLAGS=-mod=readonly go build -buildvcs=false "${GO_FLAGS[@]}" -o "$1/pulumi-language-python" .)
}

build_host() {  # DEST -> HOST_KIND: upstream when the proxy serves it, else ours
  NOTE=""
  if build_upstream_host "$1"; then
    HOST_KIND=upstream NOTE="upstream"
    return 0
  fi
  rm -f "$1/pulumi-language-python"
  [ -n "$LOCAL_BIN" ] || { echo "no $HOST_SRC and no upstream language host"; return 1; }
  echo "compiling the minimal Python language host from ${HOST_SRC#"$REPO_DIR"/}"
  build_local_host "$1" && HOST_KIND=local NOTE="ours, from ${HOST_SRC#"$REPO_DIR"/}"
}

smoke_host() {  # the host starts and prints its port (the plugin start-up protocol)
  local d="$1" pid n=0
  "$d/pulumi-language-python" >"$WORK/port" 2>"$WORK/host.err" &
  pid=$!
  while [ ! -s "$WORK/port" ] && [ $n -lt 100 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -qE '^[0-9]+$' "$WORK/port" || { echo "the language host did not print its port:"; cat "$WORK/host.err"; return 1; }
}

assemble() {  # TMP: the CLI and both Python shims beside the host; it must start
  local tmp="$1"
  NOTE=""
  # A hard link keeps one copy of the big CLI binary (a symlink would make the CLI look for
  # bundled plugins next to cli/pulumi instead of here).
  { ln "$OUT/cli/pulumi" "$tmp/pulumi" 2>/dev/null || cp "$OUT/cli/pulumi" "$tmp/pulumi"; } &&
  # Files in the module cache are read-only and lack exec bits.
  install -m 0755 "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$tmp/" &&
  install -m 0755 "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" "$tmp/" &&
  smoke_host "$tmp"
}

go_failed() {  # after a failed phase: the log's tail, and what to do about the usual causes
  show_log_tail "$LOG"
  if grep -qiE 'dial tcp|no such host|i/o timeout|connection refused|proxyconnect|TLS handshake|network is unreachable|50[234] (Bad Gateway|Service Unavailable|Gateway Timeout)' "$LOG"; then
    say "the Go module proxy was not reachable (GOPROXY=$(go env GOPROXY 2>/dev/null)): check the network" \
        "or GOPROXY, then run this again; modules downloaded so far stay in $(go env GOMODCACHE 2>/dev/null)"
  elif grep -qi 'no space left on device' "$LOG"; then
    say "the disk is full: a first build needs about 3.5 GB (Go module and build caches)"
  fi
  die "building pulumi $PULUMI_VERSION from Go modules failed; full log: $LOG"
}

run_phase() {  # "N/M what" FUNCTION ARGS...: one phase line, the function's output in the log
  local label="$1"; shift
  phase_begin "$label"
  printf '\n=== %s (%s)\n' "$label" "$(date -u +%H:%M:%S)" >>"$LOG"
  if "$@" >>"$LOG" 2>&1; then phase_end "$NOTE"; else phase_fail; return 1; fi
}

build_from_go() {
  export GOTOOLCHAIN=local CGO_ENABLED=0
  WORK="$(mktemp -d)"
  if cli_built; then
    say "assembling pulumi $PULUMI_VERSION: the CLI is cached, the language host is new"
  else
    say "building pulumi $PULUMI_VERSION from Go modules: the first time only, 3-6 minutes on 2 cores"
  fi
  { echo "# pulumi $PULUMI_VERSION from Go modules, started $(date -u '+%Y-%m-%d %H:%M:%S') UTC"
    go version; for v in GOPROXY GOMODCACHE GOCACHE GOFLAGS; do echo "$v=$(go env "$v")"; done; } >"$LOG" 2>&1

  local tmp="$OUT/bin.tmp.$$" dest
  run_phase "1/4 downloading Go modules" download_modules || go_failed
  run_phase "2/4 compiling the CLI" compile_cli || go_failed
  rm -rf "$tmp"; mkdir -p "$tmp"
  run_phase "3/4 building the Python language host" build_host "$tmp" || { rm -rf "$tmp"; go_failed; }
  run_phase "4/4 checking the language host starts" assemble "$tmp" || { rm -rf "$tmp"; go_failed; }
  if [ "$HOST_KIND" = upstream ]; then dest="$OUT/bin-upstream"; else dest="$LOCAL_BIN"; fi
  rm -rf "$dest"; mv "$tmp" "$dest"
  # Builds of earlier host sources are dead weight (~10 MB each) once this one exists.
  if [ "$HOST_KIND" = local ]; then
    find "$OUT" -maxdepth 1 -type d -name 'bin-local-*' ! -path "$dest" -exec rm -rf {} + 2>/dev/null || true
  fi
}

install_official() {
  # The official archive ships the Python host and both scripts next to the CLI.
  curl -fsSL https://get.pulumi.com | sh -s -- --version "${PULUMI_VERSION#v}" --install-root "$OUT/official" \
    --no-edit-path
}

mkdir -p "$OUT"
exec 9>"$OUT/.lock"   # one builder at a time when several test runs start together
if ! flock -n 9; then
  say "another run is building pulumi $PULUMI_VERSION; waiting for it (its log: $LOG)"
  flock 9
fi
check_cache "using pulumi $PULUMI_VERSION built by another run"
if go_usable; then
  build_from_go
elif command -v curl >/dev/null 2>&1; then
  say "no usable Go toolchain: trying Pulumi's official installer"
  echo "# pulumi $PULUMI_VERSION from the official installer, started $(date -u '+%Y-%m-%d %H:%M:%S') UTC" >"$LOG"
  NOTE=""
  run_phase "1/1 downloading the official release" install_official || {
    show_log_tail "$LOG"
    die "no usable pulumi: not on PATH, not cached in $OUT, no Go toolchain to build it, and the official installer failed; full log: $LOG"
  }
else
  die "no usable pulumi: not on PATH, not cached in $OUT, and neither Go nor curl to get it"
fi
check_cache "pulumi $PULUMI_VERSION ready in $(duration_since "$T_START")"
die "pulumi in $OUT is incomplete or does not report version $PULUMI_VERSION; see $LOG"
