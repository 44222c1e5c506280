# Sourced by test.sh and lint.sh (after phase.sh): the virtualenv $VENV with the package and the
# dev extra's tools. A regular, not editable, install: the Pulumi program and the provider process
# import the package exactly as a user's would. pip's output goes to $VENV/install.log and is
# shown only when it fails.

ensure_dev_venv() {
  local out log="$VENV/install.log"
  if [ ! -x "$VENV/bin/python" ]; then
    phase_begin "creating the virtualenv $VENV"
    out="$(python3 -m venv "$VENV" 2>&1)" || { phase_fail; printf '%s\n' "$out" >&2; exit 1; }
    phase_end
  fi
  # setuptools reuses ./build/lib between in-tree builds, so a module deleted from the source would
  # still be installed (and tests would pass against code that no longer exists).
  rm -rf "$ROOT/build"
  phase_begin "installing auth0-mtls and the dev tools (pytest, ruff, mypy, build)"
  if "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade "$ROOT[dev]" >"$log" 2>&1; then
    phase_end
  else
    phase_fail
    show_log_tail "$log"
    say "error: pip install failed; full log: $log"
    exit 1
  fi
}
