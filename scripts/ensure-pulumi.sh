#!/usr/bin/env bash
# Prints the directory holding a working `pulumi` CLI plus the Python language host and the
# dynamic-provider plugin scripts. Progress goes to stderr; stdout carries only that directory.
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
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
PULUMI_MIN_VERSION="${PULUMI_MIN_VERSION:-3.272.0}"
CACHE_ROOT="${AUTH0_MTLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auth0-mtls}"
OUT="$CACHE_ROOT/pulumi-$PULUMI_VERSION"
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST_SRC="$REPO_DIR/tools/pulumi-language-python"
HOST_MODULE=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
SDK_MODULE=github.com/pulumi/pulumi/sdk/v3

say() { printf '[ensure-pulumi] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

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
check_cache() {
  local d
  for d in "$OUT/bin-upstream" ${LOCAL_BIN:+"$LOCAL_BIN"} "$OUT/official/bin"; do
    if usable "$d"; then found "using cached pulumi $PULUMI_VERSION ($d)" "$d"; fi
  done
}
check_cache

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

wrapper_module() {  # wrapper_module DIR: an empty module to `go get` tools into
  mkdir -p "$1"
  (cd "$1" && go mod init example.invalid/pulumi-cli-build >/dev/null 2>&1 &&
   # pkg/go.mod's own replace of clipboard is ignored in a dependency; repeat it so the graph matches.
   go mod edit -replace=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e)
}

build_cli() {  # -> $OUT/cli/pulumi
  if [ -x "$OUT/cli/pulumi" ] && [ "$("$OUT/cli/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
    return 0
  fi
  local t0=$SECONDS dir="$WORK/cli"
  say "building the pulumi CLI $PULUMI_VERSION from Go modules (first time only: several minutes)"
  wrapper_module "$dir"
  (cd "$dir" &&
   go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" "$SDK_MODULE@$PULUMI_VERSION" >&2 &&
   mkdir -p "$OUT/cli" &&
   go build -mod=mod -buildvcs=false "${GO_FLAGS[@]}" -o "$OUT/cli/pulumi.tmp" \
     github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2) || return 1
  mv -f "$OUT/cli/pulumi.tmp" "$OUT/cli/pulumi"
  say "compiled the CLI in $((SECONDS - t0)) s"
}

build_upstream_host() {  # DEST: one quick try at the upstream module (not served by the proxy so far)
  local dest="$1" dir="$WORK/upstream-host" ref=latest hash
  hash="$(cd "$WORK" && go mod download -json "$SDK_MODULE@$PULUMI_VERSION" 2>/dev/null |
          sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]\{40\}\)".*/\1/p' | head -n1)" || true
  [ -z "$hash" ] || ref="$hash"
  wrapper_module "$dir"
  if ! (cd "$dir" && timeout 60 go list -m "$HOST_MODULE@$ref" >/dev/null 2>&1); then
    say "the proxy does not serve $HOST_MODULE@$ref: using our own host instead"
    return 1
  fi
  say "the proxy serves $HOST_MODULE@$ref: building the upstream Python language host"
  (cd "$dir" &&
   go get "$HOST_MODULE@$ref" "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "$SDK_MODULE@$PULUMI_VERSION" >&2 &&
   go build -mod=mod -buildvcs=false "${GO_FLAGS[@]}" -o "$dest/pulumi-language-python" "$HOST_MODULE" >&2)
}

build_local_host() {  # DEST: our minimal host from tools/pulumi-language-python (go.sum is complete)
  local dest="$1" t0=$SECONDS
  say "compiling the minimal Python language host from ${HOST_SRC#"$REPO_DIR"/}"
  (cd "$HOST_SRC" &&
   GOFLAGS=-mod=readonly go build -buildvcs=false "${GO_FLAGS[@]}" -o "$dest/pulumi-language-python" . >&2) ||
    return 1
  say "compiled the language host in $((SECONDS - t0)) s"
}

smoke_host() {  # the host starts and prints its port (the plugin start-up protocol)
  local d="$1" pid n=0
  "$d/pulumi-language-python" >"$WORK/port" 2>"$WORK/host.err" &
  pid=$!
  while [ ! -s "$WORK/port" ] && [ $n -lt 100 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -qE '^[0-9]+$' "$WORK/port" || { cat "$WORK/host.err" >&2; return 1; }
}

build_from_go() {
  export GOTOOLCHAIN=local CGO_ENABLED=0
  WORK="$(mktemp -d)"
  build_cli || return 1

  local sdk kind tmp dest
  sdk="$(cd "$WORK" && go mod download -json "$SDK_MODULE@$PULUMI_VERSION" |
         sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' | head -n1)"
  [ -n "$sdk" ] && [ -d "$sdk/python" ] || { say "cannot find the $SDK_MODULE@$PULUMI_VERSION module"; return 1; }

  for kind in upstream local; do
    tmp="$OUT/bin.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    if [ "$kind" = upstream ]; then
      build_upstream_host "$tmp" || { rm -rf "$tmp"; continue; }
      dest="$OUT/bin-upstream"
    else
      [ -n "$LOCAL_BIN" ] || { say "no $HOST_SRC and no upstream language host"; return 1; }
      build_local_host "$tmp" || { rm -rf "$tmp"; return 1; }
      dest="$LOCAL_BIN"
    fi
    # A hard link keeps one copy of the big CLI binary (a symlink would make the CLI look for
    # bundled plugins next to cli/pulumi instead of here).
    ln "$OUT/cli/pulumi" "$tmp/pulumi" 2>/dev/null || cp "$OUT/cli/pulumi" "$tmp/pulumi"
    # Files in the module cache are read-only and lack exec bits.
    install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$tmp/"
    install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$tmp/"
    smoke_host "$tmp" || { rm -rf "$tmp"; say "the $kind language host does not start"; return 1; }
    rm -rf "$dest"; mv "$tmp" "$dest"
    # Builds of earlier host sources are dead weight (~10 MB each) once this one exists.
    if [ "$kind" = local ]; then
      find "$OUT" -maxdepth 1 -type d -name 'bin-local-*' ! -path "$dest" -exec rm -rf {} + 2>/dev/null || true
    fi
    return 0
  done
  return 1
}

install_official() {
  say "no usable Go toolchain: trying Pulumi's official installer"
  command -v curl >/dev/null 2>&1 || return 1
  # The official archive ships the Python host and both scripts next to the CLI.
  curl -fsSL https://get.pulumi.com | sh -s -- --version "${PULUMI_VERSION#v}" --install-root "$OUT/official" \
    --no-edit-path >&2 || return 1
}

mkdir -p "$OUT"
exec 9>"$OUT/.lock"   # one builder at a time when several test runs start together
flock 9
check_cache           # another run may have finished the build while we waited for the lock
if go_usable; then
  build_from_go || die "building from Go modules failed (see the output above)"
else
  install_official ||
    die "no usable pulumi: not on PATH, not cached in $OUT, no Go toolchain to build it, and the official installer failed"
fi
check_cache
die "pulumi in $OUT is incomplete or does not report version $PULUMI_VERSION"
