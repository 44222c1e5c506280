# Sourced by the set-up scripts so that a first run reads as one line per phase with its elapsed
# time, e.g. "[pulumi] 2/4 compiling the CLI … 3m05s". Set PHASE_TAG first. Everything goes to
# stderr: callers capture stdout (ensure-pulumi.sh prints its result there).

_phase_now() {  # seconds since the epoch, with a fraction where bash has EPOCHREALTIME (5.0+)
  if [ -n "${EPOCHREALTIME:-}" ]; then printf '%s' "${EPOCHREALTIME/,/.}"; else date +%s; fi
}

duration_since() {  # T0 (from _phase_now) -> 0.4s, 42s or 3m05s
  LC_ALL=C awk -v a="$1" -v b="$(_phase_now)" 'BEGIN {
    d = b - a; if (d < 0) d = 0
    if (d < 10) printf "%.1fs", d
    else if (d < 60) printf "%ds", d
    else printf "%dm%02ds", int(d / 60), int(d) % 60 }'
}

say() { printf '[%s] %s\n' "$PHASE_TAG" "$*" >&2; }

# phase_begin TEXT prints "[tag] TEXT … " and leaves the line open; phase_end [NOTE] closes it
# with the elapsed time, phase_fail with "failed after …".
phase_begin() { PHASE_T0="$(_phase_now)"; printf '[%s] %s … ' "$PHASE_TAG" "$1" >&2; }
phase_end() { printf '%s%s\n' "$(duration_since "$PHASE_T0")" "${1:+ ($1)}" >&2; }
phase_fail() { printf 'failed after %s\n' "$(duration_since "$PHASE_T0")" >&2; }

show_log_tail() {  # LOG [LINES]: the end of a log, indented, under a line saying where it is
  local lines="${2:-25}"
  say "the last $lines lines of $1:"
  tail -n "$lines" "$1" | sed 's/^/    /' >&2
}
