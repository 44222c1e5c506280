"""`make bench`: what a deploy costs the tenant (Management API calls) and how fast it runs.

Every figure comes from one run of this script on this machine: call counts from the emulator's
call log, wall times from `time.perf_counter` around real Pulumi CLI commands (median and spread
of --repeat runs), memory from the provider process's VmHWM in /proc.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
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

from auth0_mtls.emulator import Emulator  # noqa: E402
from e2e.harness import CLIENT_ID, CLIENT_SECRET, EmulatorAdmin, Stack, pulumi_bin_dir  # noqa: E402

PROGRAM = Path(__file__).resolve().parent / "program"
CLIENTS_PROGRAM = ROOT / "tests" / "e2e" / "clients_program"


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


def api_calls(emu: EmulatorAdmin) -> list[dict[str, Any]]:
    return [c for c in emu.calls() if c["path"].startswith(("/api/v2/", "/oauth/"))]


def new_stack(workdir: Path, emu: EmulatorAdmin, bin_dir: Path, name: str) -> Stack:
    path = workdir / name
    path.mkdir()
    return Stack(path, emu.base_url, bin_dir, program_dir=PROGRAM)


def start_emulator(**kw: Any) -> tuple[Emulator, EmulatorAdmin]:
    emu = Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auto_dns=True, **kw)
    emu.start()
    return emu, EmulatorAdmin(emu.base_url)


def calls_per_operation(workdir: Path, bin_dir: Path) -> list[dict[str, Any]]:
    """Management API calls (token included) per CLI operation, against the least the API allows."""
    emu, admin = start_emulator()
    try:
        stack = new_stack(workdir, admin, bin_dir, "calls")
        stack.write_spec({"count": 1, "verify": True, "tenant": True})
        rows = []

        def measure(label: str, minimum: int, why: str, action: Callable[[], Any]) -> None:
            admin.clear_calls()
            action()
            calls = api_calls(admin)
            kinds: dict[str, int] = {}
            for c in calls:
                key = f"{c['method']} {c['path'].split('/cd_')[0]}{'/{id}' if '/cd_' in c['path'] else ''}"
                key += "/verify" if c["path"].endswith("/verify") else ""
                kinds[key] = kinds.get(key, 0) + 1
            rows.append({"operation": label, "calls": len(calls), "minimum": minimum, "why_minimum": why,
                         "detail": kinds})

        measure("preview, new stack", 0, "check needs no API", lambda: stack.preview())
        measure("up, new stack (domain + verification + tenant setting)", 5,
                "token, POST domain, POST verify (DNS ready), GET + PATCH tenant settings", lambda: stack.up())
        measure("preview, unchanged", 0, "check and diff need no API", lambda: stack.preview())
        measure("up, unchanged", 0, "nothing to do", lambda: stack.up())
        stack.write_spec({"count": 1, "verify": True, "tenant": True, "ip_header": "x-forwarded-for"})
        measure("up, one field changed", 2, "token, one PATCH", lambda: stack.up())
        measure("refresh", 4, "token, one GET per resource (3)", lambda: stack.refresh())
        measure("destroy", 3, "token, DELETE domain, PATCH tenant (restore); verification is state-only",
                lambda: stack.destroy())
        return rows
    finally:
        emu.stop()


def client_calls_per_operation(workdir: Path, bin_dir: Path) -> list[dict[str, Any]]:
    """The same for the certificate-bound-client resources: a credential, the client's mTLS
    authentication and the API's proof-of-possession, through a rotation and a destroy."""
    from certs import make_certificate

    emu, admin = start_emulator()
    try:
        api = admin.management()
        base = f"{admin.base_url}/api/v2"
        app = api.post(f"{base}/clients", json={"name": "bench", "app_type": "non_interactive",
                                                "token_endpoint_auth_method": "client_secret_post"}).json()
        server = api.post(f"{base}/resource-servers", json={"name": "bench", "identifier": "https://bench.example.com"}).json()
        path = workdir / "client-calls"
        path.mkdir()
        stack = Stack(path, admin.base_url, bin_dir, program_dir=CLIENTS_PROGRAM)
        certs = {"a": make_certificate("bench", org="a").pem, "b": make_certificate("bench", org="b").pem}

        def spec(listed: list[str]) -> dict[str, Any]:
            return {"credentials": [{"name": n, "client_id": app["client_id"], "credential_type": "x509_cert",
                                     "pem": certs[n]} for n in listed],
                    "auths": [{"name": "app", "client_id": app["client_id"], "method": "self_signed_tls_client_auth",
                               "credentials": listed, "require_proof_of_possession": True}],
                    "apis": [{"name": "api", "resource_server_id": server["id"], "mechanism": "mtls",
                              "required": True}]}

        rows: list[dict[str, Any]] = []

        def measure(label: str, minimum: int, why: str, action: Callable[[], Any]) -> None:
            admin.clear_calls()
            action()
            made = api_calls(admin)
            kinds: dict[str, int] = {}
            for c in made:
                key = f"{c['method']} " + c["path"].replace(app["client_id"], "{client}").replace(server["id"], "{api}")
                key = key.split("/credentials/")[0] + ("/credentials/{id}" if "/credentials/" in key else "")
                kinds[key] = kinds.get(key, 0) + 1
            rows.append({"operation": label, "calls": len(made), "minimum": minimum, "why_minimum": why,
                         "detail": kinds})

        def drift() -> None:
            api.patch(f"{base}/clients/{app['client_id']}", json={"client_authentication_methods": None,
                                                                  "token_endpoint_auth_method": "client_secret_post"})
            api.patch(f"{base}/resource-servers/{server['id']}", json={"proof_of_possession": None})
            stack.refresh()

        stack.write_spec(spec(["a"]))
        measure("preview, new stack", 0, "check needs no API", lambda: stack.preview())
        measure("up, new stack (credential, client auth, API PoP)", 6,
                "token, POST credential, GET + PATCH client, GET + PATCH API (each GET remembers what to restore)",
                lambda: stack.up())
        measure("preview, unchanged", 0, "check and diff need no API", lambda: stack.preview())
        measure("up, unchanged", 0, "nothing to do", lambda: stack.up())
        measure("refresh", 4, "token, one GET per resource (3)", lambda: stack.refresh())
        drift()
        measure("up, drift reverted (client and API edited elsewhere)", 3, "token, PATCH client, PATCH API",
                lambda: stack.up())
        stack.write_spec(spec(["a", "b"]))
        measure("up, rotation 1: add a credential, list both", 3, "token, POST credential, PATCH client",
                lambda: stack.up())
        stack.write_spec(spec(["b"]))
        measure("up, rotation 2: drop the old credential", 3, "token, PATCH client, then DELETE credential",
                lambda: stack.up())
        measure("destroy", 4, "token, PATCH client (restore), DELETE credential, PATCH API (restore)",
                lambda: stack.destroy())
        return rows
    finally:
        emu.stop()


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def summary(samples: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": len(samples)}


def engine_overhead(workdir: Path, bin_dir: Path, count: int, repeat: int) -> dict[str, Any]:
    """Wall time of auth0-mtls over a do-nothing provider with the same resource graph."""
    emu, admin = start_emulator()
    results: dict[str, dict[str, list[float]]] = {"auth0": {}, "noop": {}}
    peak = ProviderMemory()
    pickled_sizes: list[int] = []
    try:
        with peak:
            for run in range(repeat):
                for kind in ("noop", "auth0"):  # alternate so drift in machine load hits both
                    stack = new_stack(workdir, admin, bin_dir, f"{kind}-{run}")
                    stack.write_spec({"kind": kind, "count": count})
                    times = results[kind]
                    times.setdefault("preview", []).append(timed(stack.preview))
                    times.setdefault("up", []).append(timed(stack.up))
                    times.setdefault("refresh", []).append(timed(stack.refresh))
                    if kind == "auth0" and not pickled_sizes:
                        for r in stack.resources("CustomDomain"):
                            pickled_sizes.append(len(base64.b64decode(r["inputs"]["__provider"])))
                    times.setdefault("destroy", []).append(timed(stack.destroy))
    finally:
        emu.stop()
    ops = {}
    for op in ("preview", "up", "refresh", "destroy"):
        a, n = summary(results["auth0"][op]), summary(results["noop"][op])
        ops[op] = {"auth0_mtls_seconds": a, "noop_seconds": n, "ratio": a["median"] / n["median"]}
    total_a = sum(ops[op]["auth0_mtls_seconds"]["median"] for op in ops)
    total_n = sum(ops[op]["noop_seconds"]["median"] for op in ops)
    return {"count": count, "operations": ops, "ratio_all": total_a / total_n,
            "provider_peak_rss_mib": round(peak.peak_kib / 1024, 1),
            "pickled_provider_bytes": max(pickled_sizes) if pickled_sizes else None}


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


def render(report: dict[str, Any]) -> str:
    lines = [f"auth0-mtls benchmark, {report['date']}, {report['machine']}", ""]
    lines.append("API calls per operation (token included)")
    lines.append(f"  {'operation':<58} {'calls':>5} {'min':>4}")
    for row in report["calls"]:
        mark = "" if row["calls"] == row["minimum"] else "  <- above minimum"
        lines.append(f"  {row['operation']:<58} {row['calls']:>5} {row['minimum']:>4}{mark}")
    if report.get("client_calls"):
        lines += ["", "API calls per operation, certificate-bound clients (token included)"]
        lines.append(f"  {'operation':<58} {'calls':>5} {'min':>4}")
        for row in report["client_calls"]:
            mark = "" if row["calls"] == row["minimum"] else "  <- above minimum"
            lines.append(f"  {row['operation']:<58} {row['calls']:>5} {row['minimum']:>4}{mark}")
    eo = report.get("engine_overhead")
    if eo:
        lines += ["", f"Engine overhead, {eo['count']} domains, rate limits off (median of "
                      f"{eo['operations']['up']['auth0_mtls_seconds']['runs']} runs; auth0-mtls / no-op provider)"]
        for op, v in eo["operations"].items():
            a, n = v["auth0_mtls_seconds"], v["noop_seconds"]
            lines.append(f"  {op:<8} {a['median']:6.2f}s [{a['min']:.2f}-{a['max']:.2f}]  vs  {n['median']:6.2f}s "
                         f"[{n['min']:.2f}-{n['max']:.2f}]  ratio {v['ratio']:.3f}")
        lines.append(f"  all four: ratio {eo['ratio_all']:.3f} (goal <= 1.15)")
        lines.append(f"  provider process peak RSS {eo['provider_peak_rss_mib']} MiB; pickled provider "
                     f"{eo['pickled_provider_bytes']} bytes per resource")
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
    parser.add_argument("--skip", choices=["overhead", "throughput"], action="append", default=[])
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args(argv)

    bin_dir = pulumi_bin_dir()
    report: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, "
                   f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
                   f"Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report["calls"] = calls_per_operation(work, bin_dir)
        report["client_calls"] = client_calls_per_operation(work, bin_dir)
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
