"""`make bench`: what a deploy costs the tenant (Management API calls) and how fast it runs.

Every figure comes from one run of this script on this machine: call counts from the emulator's
call log, wall times from `time.perf_counter` around real Pulumi CLI commands (median and spread
of --repeat runs), memory from the provider process's VmHWM in /proc, and the provider's fixed
cost per process from fresh interpreters doing the same steps one at a time (bench/fixed_cost.py).

The emulator serves https by default, as Auth0 does: the provider builds a TLS context, shakes
hands and verifies the emulator's certificate like it would a tenant's. Its private CA is given
through `auth0:caBundle` appended to certifi's roots, so the provider loads a full root bundle, as it
does for a real tenant (`--http` measures plain http instead).
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "provider"))

import certifi  # noqa: E402

from auth0_mtls.emulator import Emulator  # noqa: E402
from e2e.harness import CLIENT_ID, CLIENT_SECRET, CLIENTS_PROGRAM, EmulatorAdmin, Stack, pulumi_bin_dir  # noqa: E402

PROGRAM = Path(__file__).resolve().parent / "program"
FIXED_COST = Path(__file__).resolve().parent / "fixed_cost.py"
OPERATIONS = ("preview", "up", "refresh", "destroy")
# What a user's plain `pulumi refresh --yes` costs: the engine runs a preview pass first, in a
# provider process of its own, and that pass reads the tenant too (pulumi-engine.md section 3.2).
REFRESH_DEFAULT = "refresh (default, with preview)"
GOAL_RATIO = 1.10
# Whether the emulator serves https (main() sets it from --http); every emulator of a run does the same.
TLS = {"on": True}


class ProviderMemory:
    """Samples the peak resident memory (VmHWM) of every dynamic-provider process while running."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"pulumi.dynamic" not in cmd:
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                except OSError:
                    continue
            self._stop.wait(0.05)

    def __enter__(self) -> "ProviderMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class BenchAdmin(EmulatorAdmin):
    """The emulator's admin and Management API, over https when it serves https."""

    def __init__(self, base_url: str, trust: Path | None) -> None:
        super().__init__(base_url, verify=str(trust) if trust else True)
        self.trust = trust  # certifi's roots plus the emulator's CA, as the provider is given it


def new_stack(workdir: Path, emu: BenchAdmin, bin_dir: Path, name: str, program: Path = PROGRAM) -> Stack:
    path = workdir / name
    path.mkdir()
    stack = Stack(path, emu.base_url, bin_dir, program_dir=program)
    if emu.trust is not None:
        stack.run("config", "set", "auth0:caBundle", str(emu.trust))
    return stack


def start_emulator(**kw: Any) -> tuple[Emulator, BenchAdmin]:
    emu = Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auto_dns=True, tls=TLS["on"], **kw)
    emu.start()
    trust = None
    if emu.ca_path is not None:
        trust = emu.ca_path.with_name("trust.pem")
        trust.write_text(Path(certifi.where()).read_text() + "\n" + emu.ca_path.read_text())
    return emu, BenchAdmin(emu.base_url, trust)


def default_refresh(stack: Stack) -> Any:
    """`pulumi refresh --yes` as a user types it: a preview pass, then the refresh."""
    return stack.run("refresh", "--yes", "--color", "never")


def default_up(stack: Stack, *extra: str) -> Any:
    """`pulumi up --yes` as a user types it: a preview pass, then the update."""
    return stack.run("up", "--yes", "--color", "never", *extra)


SKIP = "--skip-preview"
PREVIEW_PASS_WHY = ("the engine's preview pass reads too, in a provider process of its own: "
                    "twice the --skip-preview figure")


def call_row(label: str, minimum: int, why: str, command: str, made: list[dict[str, Any]],
             kinds: dict[str, int], api_minimum: int | None = None) -> dict[str, Any]:
    """One row of a call table. `command` is the CLI line measured; `api_minimum`, on rows whose
    command runs the engine's preview pass, is what the API itself needs (the --skip-preview row's
    figure), while `minimum` is the least that command can make given the pass reads too."""
    preview_pass = command.split()[1] in ("up", "refresh", "destroy") and SKIP not in command
    row = {"operation": label, "calls": len(made), "minimum": minimum, "why_minimum": why, "detail": kinds,
           "command": command, "preview_pass": preview_pass}
    if api_minimum is not None:
        row["api_minimum"] = api_minimum
    return row


def measure_calls(rows: list[dict[str, Any]], admin: EmulatorAdmin, key_of: Callable[[dict[str, Any]], str],
                  label: str, minimum: int, why: str, command: str, action: Callable[[], Any],
                  api_minimum: int | None = None) -> None:
    """Run `action` and add its row to `rows`: the calls it made, counted by `key_of` (a call's
    method and path with its ids elided)."""
    admin.clear_calls()
    action()
    made = admin.api_calls()
    kinds: dict[str, int] = {}
    for c in made:
        key = key_of(c)
        kinds[key] = kinds.get(key, 0) + 1
    rows.append(call_row(label, minimum, why, command, made, kinds, api_minimum))


def domain_call(c: dict[str, Any]) -> str:
    key = f"{c['method']} {c['path'].split('/cd_')[0]}{'/{id}' if '/cd_' in c['path'] else ''}"
    return key + ("/verify" if c["path"].endswith("/verify") else "")


def calls_per_operation(workdir: Path, bin_dir: Path) -> list[dict[str, Any]]:
    """Management API calls (token included) per CLI operation, against the least the API allows."""
    emu, admin = start_emulator()
    try:
        stack = new_stack(workdir, admin, bin_dir, "calls")
        stack.write_spec({"count": 1, "verify": True, "tenant": True})
        rows: list[dict[str, Any]] = []
        measure = functools.partial(measure_calls, rows, admin, domain_call)

        reads = "token, one GET per custom domain (its verification shares it), GET tenant settings"
        measure("preview, new stack", 0, "check needs no API", "pulumi preview", lambda: stack.preview())
        measure("up, new stack (domain + verification + tenant setting)", 5,
                "token, POST domain, POST verify (DNS ready), GET + PATCH tenant settings",
                f"pulumi up --yes {SKIP}", lambda: stack.up())
        measure("preview, unchanged", 0, "check and diff need no API", "pulumi preview", lambda: stack.preview())
        measure("up, unchanged", 0, "nothing to do", f"pulumi up --yes {SKIP}", lambda: stack.up())
        stack.write_spec({"count": 1, "verify": True, "tenant": True, "ip_header": "x-forwarded-for"})
        measure("up, one field changed", 2, "token, one PATCH", f"pulumi up --yes {SKIP}", lambda: stack.up())
        measure("refresh", 3, reads, f"pulumi refresh --yes {SKIP}", lambda: stack.refresh())
        measure("refresh (default, with its preview pass)", 6, f"{PREVIEW_PASS_WHY}: 2 x ({reads})",
                "pulumi refresh --yes", lambda: default_refresh(stack), api_minimum=3)
        measure("up --refresh, unchanged", 3, f"{reads}; nothing to update",
                f"pulumi up --refresh --yes {SKIP}", lambda: stack.up("--refresh"))
        measure("up --refresh, unchanged (default)", 6, f"{PREVIEW_PASS_WHY}: 2 x ({reads}); nothing to update",
                "pulumi up --refresh --yes", lambda: default_up(stack, "--refresh"), api_minimum=3)
        stack.write_spec({"count": 1, "verify": True, "tenant": True})
        measure("up, one field changed (default)", 2, "token, one PATCH; the preview pass's diff needs no API",
                "pulumi up --yes", lambda: default_up(stack))
        measure("destroy", 3, "token, DELETE domain, PATCH tenant (restore); verification is state-only",
                f"pulumi destroy --yes {SKIP}", lambda: stack.destroy())
        return rows
    finally:
        emu.stop()


def client_calls_per_operation(workdir: Path, bin_dir: Path) -> list[dict[str, Any]]:
    """The same for the certificate-bound-client resources: a credential, the client's mTLS
    authentication and the API's proof-of-possession, through a rotation and a destroy."""
    from certs import make_certificate

    emu, admin = start_emulator()
    try:
        api = admin.mgmt()
        app = api.create_client("bench")
        server = api.create_api("https://bench.example.com", name="bench")
        stack = new_stack(workdir, admin, bin_dir, "client-calls", program=CLIENTS_PROGRAM)
        certs = {"a": make_certificate("bench", org="a").pem, "b": make_certificate("bench", org="b").pem}

        def spec(listed: list[str]) -> dict[str, Any]:
            return {"credentials": [{"name": n, "client_id": app["client_id"], "credential_type": "x509_cert",
                                     "pem": certs[n]} for n in listed],
                    "auths": [{"name": "app", "client_id": app["client_id"], "method": "self_signed_tls_client_auth",
                               "credentials": listed, "require_proof_of_possession": True}],
                    "apis": [{"name": "api", "resource_server_id": server["id"], "mechanism": "mtls",
                              "required": True}]}

        rows: list[dict[str, Any]] = []

        def client_call(c: dict[str, Any]) -> str:
            key = f"{c['method']} " + c["path"].replace(app["client_id"], "{client}").replace(server["id"], "{api}")
            return key.split("/credentials/")[0] + ("/credentials/{id}" if "/credentials/" in key else "")

        measure = functools.partial(measure_calls, rows, admin, client_call)

        def drift() -> None:
            api.patch_client(app["client_id"], {"client_authentication_methods": None,
                                                "token_endpoint_auth_method": "client_secret_post"})
            api.patch_api(server["id"], {"proof_of_possession": None})
            stack.refresh()

        up, destroy = f"pulumi up --yes {SKIP}", f"pulumi destroy --yes {SKIP}"
        reads = "token, one GET per resource (3)"
        stack.write_spec(spec(["a"]))
        measure("preview, new stack", 0, "check needs no API", "pulumi preview", lambda: stack.preview())
        measure("up, new stack (credential, client auth, API PoP)", 6,
                "token, POST credential, GET + PATCH client, GET + PATCH API (each GET remembers what to restore)",
                up, lambda: stack.up())
        measure("preview, unchanged", 0, "check and diff need no API", "pulumi preview", lambda: stack.preview())
        measure("up, unchanged", 0, "nothing to do", up, lambda: stack.up())
        measure("refresh", 4, reads, f"pulumi refresh --yes {SKIP}", lambda: stack.refresh())
        measure("refresh (default, with its preview pass)", 8, f"{PREVIEW_PASS_WHY}: 2 x ({reads})",
                "pulumi refresh --yes", lambda: default_refresh(stack), api_minimum=4)
        measure("up --refresh, unchanged (default)", 8, f"{PREVIEW_PASS_WHY}: 2 x ({reads}); nothing to update",
                "pulumi up --refresh --yes", lambda: default_up(stack, "--refresh"), api_minimum=4)
        drift()
        measure("up, drift reverted (client and API edited elsewhere)", 3, "token, PATCH client, PATCH API",
                up, lambda: stack.up())
        stack.write_spec(spec(["a", "b"]))
        measure("up, rotation 1: add a credential, list both", 3, "token, POST credential, PATCH client",
                up, lambda: stack.up())
        stack.write_spec(spec(["b"]))
        measure("up, rotation 2: drop the old credential", 3, "token, PATCH client, then DELETE credential",
                up, lambda: stack.up())
        measure("destroy", 4, "token, PATCH client (restore), DELETE credential, PATCH API (restore)",
                destroy, lambda: stack.destroy())
        return rows
    finally:
        emu.stop()


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def summary(samples: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": len(samples)}


KINDS = {"noop": {"kind": "noop"}, "noop-shape": {"kind": "noop", "shape": True}, "auth0": {"kind": "auth0"}}


def engine_overhead(workdir: Path, bin_dir: Path, count: int, repeat: int) -> dict[str, Any]:
    """Wall time of auth0-mtls over do-nothing providers of the same resource graph: `count`
    domains, each verified, plus the tenant setting (2 * count + 1 resources), rate limits off.
    "noop-shape" is that floor with auth0-mtls's shape: the same declared properties (which the SDK
    serializes for every resource the program registers) and the same progress lines (which the
    engine displays), so auth0-mtls minus it is what its provider does: set-up, calls, the tenant.
    The four commands run with --skip-preview; REFRESH_DEFAULT is a plain `pulumi refresh --yes`,
    whose preview pass starts a second provider process and reads the tenant again, timed the same
    way against the floor's own default refresh."""
    emu, admin = start_emulator(verify_rate=None)
    results: dict[str, dict[str, list[float]]] = {kind: {} for kind in KINDS}
    # CPU time of this process while a command runs: the emulator serving it (plus the memory
    # sampler, which the no-op runs pay alike). The tenant's side of each call, which a real tenant
    # spends on its own machines, here spent on the same cores as the engine and the provider.
    serving: dict[str, dict[str, list[float]]] = {kind: {} for kind in KINDS}
    peak = ProviderMemory()
    pickled_sizes: list[int] = []
    calls: dict[str, int] = {}  # Management API calls (token included) of auth0-mtls's first run
    load_before = os.getloadavg()
    try:
        with peak:
            for run in range(repeat):
                for kind, spec in KINDS.items():  # alternate so drift in machine load hits each alike
                    stack = new_stack(workdir, admin, bin_dir, f"{kind}-{run}")
                    stack.write_spec({**spec, "count": count, "verify": True, "tenant": True})
                    commands: dict[str, Callable[[], Any]] = {
                        "preview": stack.preview, "up": stack.up, "refresh": stack.refresh,
                        REFRESH_DEFAULT: functools.partial(default_refresh, stack), "destroy": stack.destroy}
                    for op, command in commands.items():
                        if kind == "auth0" and run == 0:
                            admin.clear_calls()
                        cpu = time.process_time()
                        results[kind].setdefault(op, []).append(timed(command))
                        serving[kind].setdefault(op, []).append(time.process_time() - cpu)
                        if kind == "auth0" and run == 0:
                            calls[op] = len(admin.api_calls())
                        if op == "refresh" and kind == "auth0" and not pickled_sizes:
                            for r in stack.resources("CustomDomain"):
                                pickled_sizes.append(len(base64.b64decode(r["inputs"]["__provider"])))
    finally:
        emu.stop()
    ops = {}
    for op in results["auth0"]:
        a, n, shaped = (summary(results[kind][op]) for kind in ("auth0", "noop", "noop-shape"))
        ops[op] = {"auth0_mtls_seconds": a, "noop_seconds": n, "noop_same_shape_seconds": shaped,
                   "ratio": a["median"] / n["median"], "extra_seconds": a["median"] - n["median"],
                   "shape_seconds": shaped["median"] - n["median"], "api_calls": calls.get(op),
                   "emulator_cpu_seconds": (statistics.median(serving["auth0"][op])
                                            - statistics.median(serving["noop"][op]))}
    # The four commands of a stack's life, as before; the default refresh is reported beside them.
    total_a = sum(ops[op]["auth0_mtls_seconds"]["median"] for op in OPERATIONS)
    total_n = sum(ops[op]["noop_seconds"]["median"] for op in OPERATIONS)
    return {"count": count, "resources": 2 * count + 1, "tls": TLS["on"], "operations": ops,
            "ratio_all": total_a / total_n, "goal_ratio": GOAL_RATIO,
            "load_average_1min": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
            "provider_peak_rss_mib": round(peak.peak_kib / 1024, 1),
            "pickled_provider_bytes": max(pickled_sizes) if pickled_sizes else None}


def fixed_cost(repeat: int) -> dict[str, Any]:
    """The provider's set-up per process, piece by piece, from fresh interpreters (bench/fixed_cost.py):
    what a first call pays before the tenant answers it, and what the engine's own plugin start-up
    costs every dynamic provider alike."""
    emu, admin = start_emulator()
    samples: dict[str, list[float]] = {}
    try:
        for _ in range(repeat):
            out = subprocess.run([sys.executable, str(FIXED_COST), emu.base_url, str(admin.trust or ""),
                                  CLIENT_ID, CLIENT_SECRET], check=True, capture_output=True, text=True)
            for key, value in json.loads(out.stdout).items():
                samples.setdefault(key, []).append(value)
    finally:
        emu.stop()
    return {"runs": repeat, "tls": TLS["on"],
            "pieces_ms": {key: summary([v * 1000 for v in values]) for key, values in samples.items()}}


def throughput(workdir: Path, bin_dir: Path, count: int, repeat: int, rate: float, burst: int) -> dict[str, Any]:
    """`up` of N domains with the emulator at the free tier's limit."""
    runs = []
    for run in range(repeat):
        emu, admin = start_emulator(management_rate=(rate, 1, burst))
        try:
            stack = new_stack(workdir, admin, bin_dir, f"rate-{run}")
            stack.write_spec({"count": count})
            seconds = timed(stack.up)
            calls = [c for c in admin.calls() if c["path"].startswith("/api/v2/")]
            ok = [c for c in calls if c["status"] != 429]
            limited = len(calls) - len(ok)
            domains = len(admin.domains())
            first = min(c["time"] for c in calls)
            last = max(c["time"] for c in calls)
            minimum = len(ok) / rate  # the definition: calls / rate
            strict = max(0, len(ok) - burst) / rate  # the burst may go at once: a stricter floor
            runs.append({"seconds": seconds, "api_phase_seconds": last - first, "calls": len(ok),
                         "rate_limited_calls": limited, "domains": domains, "minimum_seconds": minimum,
                         "strict_minimum_seconds": strict})
        finally:
            emu.stop()
    med = summary([r["seconds"] for r in runs])
    phase = summary([r["api_phase_seconds"] for r in runs])
    minimum = runs[0]["minimum_seconds"]
    return {"count": count, "rate_per_second": rate, "burst": burst, "runs": runs,
            "failures": sum(1 for r in runs if r["domains"] != count),
            "up_seconds": med, "api_phase_seconds": phase, "minimum_seconds": minimum,
            "ratio_up": med["median"] / minimum if minimum else None,
            "ratio_api_phase": phase["median"] / minimum if minimum else None,
            "ratio_up_strict": (med["median"] / runs[0]["strict_minimum_seconds"]
                                if runs[0]["strict_minimum_seconds"] else None)}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def pulumi_version(bin_dir: Path) -> str:
    out = subprocess.run([str(bin_dir / "pulumi"), "version"], capture_output=True, text=True,
                         env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"})
    return out.stdout.strip() or "?"


def shown(row: dict[str, Any]) -> str:
    """A call-table row's label, naming --skip-preview where it changes the count: the commands
    that read the tenant, whose preview pass would read it again."""
    command = row.get("command", "")
    return f"{row['operation']} ({SKIP})" if SKIP in command and "refresh" in command else row["operation"]


def call_table(title: str, rows: list[dict[str, Any]]) -> list[str]:
    lines = [title, f"  {'operation':<58} {'calls':>5} {'min':>4}"]
    for row in rows:
        mark = "" if row["calls"] == row["minimum"] else "  <- above minimum"
        star = "*" if "api_minimum" in row else ""
        lines.append(f"  {shown(row):<58} {row['calls']:>5} {str(row['minimum']) + star:>4}{mark}")
    starred = [row for row in rows if "api_minimum" in row]
    if starred:
        lines.append("  * the least with the engine's preview pass, which reads the tenant again in a provider "
                     f"process of its own; the API itself needs half that ({SKIP})")
    return lines


def render(report: dict[str, Any]) -> str:
    lines = [f"auth0-mtls benchmark, {report['date']}, {report['machine']}", ""]
    lines.append(f"up, refresh and destroy run with --yes {SKIP}, except the rows marked (default): "
                 "--yes only, as a user types them, so the engine runs its preview pass first")
    lines += call_table("API calls per operation (token included)", report["calls"])
    if report.get("client_calls"):
        lines += [""] + call_table("API calls per operation, certificate-bound clients (token included)",
                                   report["client_calls"])
    eo = report.get("engine_overhead")
    if eo:
        scheme = "https" if eo["tls"] else "http"
        load = eo["load_average_1min"]
        lines += ["", f"Overhead over the no-op floor: {eo['count']} domains, each verified, plus the tenant setting "
                      f"({eo['resources']} resources), over {scheme}, rate limits off (median of "
                      f"{eo['operations']['up']['auth0_mtls_seconds']['runs']} runs [min-max]; 1-min load average "
                      f"{load['before']} before, {load['after']} after)"]
        width = max(len(op) for op in eo["operations"])
        lines.append(f"  {'':{width}} {'auth0-mtls':>22} {'no-op floor':>22} {'ratio':>6} {'no-op, our shape':>22}"
                     f"  (goal <= {eo['goal_ratio']:.2f})")
        for op, v in eo["operations"].items():
            a, n, w = v["auth0_mtls_seconds"], v["noop_seconds"], v["noop_same_shape_seconds"]
            mark = "" if v["ratio"] <= eo["goal_ratio"] else "  above the goal"
            lines.append(f"  {op:<{width}} {a['median']:6.2f}s [{a['min']:.2f}-{a['max']:.2f}] {n['median']:8.2f}s "
                         f"[{n['min']:.2f}-{n['max']:.2f}] {v['ratio']:6.2f} {w['median']:8.2f}s "
                         f"[{w['min']:.2f}-{w['max']:.2f}]{mark}")
        lines.append(f"  all four ({', '.join(OPERATIONS)}, each {SKIP}): ratio {eo['ratio_all']:.3f}")
        lines.append("  auth0-mtls's API calls (token included): " + ", ".join(
            f"{op} {v['api_calls']}" for op, v in eo["operations"].items()))
        lines.append("  the emulator's CPU serving auth0-mtls's calls, on the same cores (ms): " + ", ".join(
            f"{op} {v['emulator_cpu_seconds'] * 1000:.0f}" for op, v in eo["operations"].items()))
        lines.append(f"  provider process peak RSS {eo['provider_peak_rss_mib']} MiB; pickled provider "
                     f"{eo['pickled_provider_bytes']} bytes per resource")
    fc = report.get("fixed_cost")
    if fc:
        names = {"plugin_start": "the engine's plugin start-up (pulumi, grpc, dill; the no-op pays it too)",
                 "package_import": "import auth0_mtls (what unpickling a provider loads)",
                 "http_client_import": "import the HTTP client (requests, urllib3)",
                 "tls_context": "TLS context: load the CA bundle (once per process)",
                 "token": "token: connect, TLS handshake, POST /oauth/token",
                 "first_call": "next call on the kept-alive connection"}
        lines += ["", f"Provider fixed cost per process (fresh interpreters, median of {fc['runs']} [min-max], ms)"]
        for key, label in names.items():
            if key in fc["pieces_ms"]:
                v = fc["pieces_ms"][key]
                lines.append(f"  {label:<72} {v['median']:6.1f} [{v['min']:.1f}-{v['max']:.1f}]")
        ours = sum(fc["pieces_ms"][k]["median"] for k in ("package_import", "http_client_import", "tls_context",
                                                          "token") if k in fc["pieces_ms"])
        lines.append(f"  {'ours before the first answer (import, client, TLS context, token)':<72} {ours:6.1f}")
    tp = report.get("throughput")
    if tp:
        lines += ["", f"Throughput under rate limits: up of {tp['count']} domains at {tp['rate_per_second']:g}/s "
                      f"burst {tp['burst']}"]
        lines.append(f"  API calls {tp['runs'][0]['calls']}, 429s {sum(r['rate_limited_calls'] for r in tp['runs'])}, "
                     f"failures {tp['failures']}; minimum the limit allows {tp['minimum_seconds']:.2f}s (calls / rate)")
        up = tp["up_seconds"]
        lines.append(f"  up {up['median']:.2f}s [{up['min']:.2f}-{up['max']:.2f}]"
                     f" ratio {tp['ratio_up']:.3f}; API phase {tp['api_phase_seconds']['median']:.2f}s ratio "
                     f"{tp['ratio_api_phase']:.3f} (goal <= 1.2); up vs (calls - burst) / rate: "
                     f"{tp['ratio_up_strict'] or float('nan'):.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="domains in the overhead and throughput runs")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing, reported as median and spread")
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--burst", type=int, default=2)
    parser.add_argument("--skip", choices=["overhead", "throughput", "fixed-cost"], action="append", default=[])
    parser.add_argument("--http", action="store_true", help="serve plain http instead of https (not how Auth0 runs)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args(argv)
    TLS["on"] = not args.http

    bin_dir = pulumi_bin_dir()
    report: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores ({cpu_model()}), "
                   f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
                   f"Python {platform.python_version()}, Pulumi CLI {pulumi_version(bin_dir)}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report["calls"] = calls_per_operation(work, bin_dir)
        report["client_calls"] = client_calls_per_operation(work, bin_dir)
        if "fixed-cost" not in args.skip:
            report["fixed_cost"] = fixed_cost(max(5, args.repeat))
        if "overhead" not in args.skip:
            report["engine_overhead"] = engine_overhead(work, bin_dir, args.count, args.repeat)
        if "throughput" not in args.skip:
            report["throughput"] = throughput(work, bin_dir, args.count, args.repeat, args.rate, args.burst)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(render(report))
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
