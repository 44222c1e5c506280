"""`make bench` is not a timed test, but it must not rot: run it small and check its report."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from .harness import ROOT


def test_bench_runs_small_and_reports_every_figure(tmp_path: Path, pulumi_bin: Path, capsys):
    spec = importlib.util.spec_from_file_location("bench_main", ROOT / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    assert bench.main(["--count", "2", "--repeat", "1", "--rate", "4", "--burst", "2", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    calls = {row["operation"]: (row["calls"], row["minimum"]) for row in report["calls"]}
    assert len(calls) == 11
    assert all(actual == minimum for actual, minimum in calls.values()), calls
    client_calls = {row["operation"]: (row["calls"], row["minimum"]) for row in report["client_calls"]}
    assert len(client_calls) == 11
    assert all(actual == minimum for actual, minimum in client_calls.values()), client_calls
    # A plain `pulumi refresh --yes` (and `up --refresh --yes`) runs the engine's preview pass in a
    # provider process of its own, which reads too: two tokens and every read twice. The small stack
    # reads one domain (its verification shares the read) and the tenant settings; the clients stack
    # reads its three resources. A plain `up` of a changed field: the preview pass's diff makes none.
    by_name = {row["operation"]: row for row in report["calls"]}
    assert by_name["refresh"]["command"] == "pulumi refresh --yes --skip-preview"
    assert by_name["refresh"]["calls"] == 1 + 1 + 1 and by_name["refresh"]["preview_pass"] is False
    default = by_name["refresh (default, with its preview pass)"]
    assert default["command"] == "pulumi refresh --yes" and default["preview_pass"] is True
    assert default["detail"] == {"POST /oauth/token": 2, "GET /api/v2/custom-domains/{id}": 2,
                                 "GET /api/v2/tenants/settings": 2}
    assert (default["calls"], default["api_minimum"]) == (2 * (1 + 1 + 1), 3)
    assert by_name["up --refresh, unchanged"]["calls"] == 3
    assert by_name["up --refresh, unchanged (default)"]["calls"] == 2 * (1 + 1 + 1)
    assert by_name["up --refresh, unchanged (default)"]["detail"] == default["detail"]
    assert by_name["up, one field changed (default)"]["detail"] == {
        "POST /oauth/token": 1, "PATCH /api/v2/custom-domains/{id}": 1}
    assert client_calls["refresh"] == (1 + 3, 1 + 3)
    assert client_calls["refresh (default, with its preview pass)"] == (2 * (1 + 3), 2 * (1 + 3))
    assert client_calls["up --refresh, unchanged (default)"] == (2 * (1 + 3), 2 * (1 + 3))
    overhead = report["engine_overhead"]
    assert overhead["tls"] is True and overhead["resources"] == 5  # 2 verified domains + the tenant setting
    assert set(overhead["operations"]) == {"preview", "up", "refresh", "refresh (default, with preview)", "destroy"}
    for op in overhead["operations"].values():
        assert op["ratio"] > 0 and op["noop_seconds"]["median"] > 0 and op["noop_same_shape_seconds"]["median"] > 0
    # N verified domains and the tenant setting: refresh reads each domain once for both of its
    # resources (token + N + tenant settings); destroy deletes each domain and restores the setting.
    assert {op: v["api_calls"] for op, v in overhead["operations"].items()} == {
        "preview": 0, "up": 1 + 2 * 2 + 2, "refresh": 1 + 2 + 1, "refresh (default, with preview)": 2 * (1 + 2 + 1),
        "destroy": 1 + 2 + 1}
    assert overhead["ratio_all"] > 0 and overhead["pickled_provider_bytes"] < 1024
    assert overhead["provider_peak_rss_mib"] > 0
    pieces = report["fixed_cost"]["pieces_ms"]
    assert set(pieces) == {"plugin_start", "package_import", "http_client_import", "tls_context", "token",
                           "first_call"}
    assert all(piece["median"] > 0 for piece in pieces.values())
    assert report["throughput"]["failures"] == 0 and report["throughput"]["runs"][0]["domains"] == 2
    printed = capsys.readouterr().out
    assert "API calls per operation" in printed and "certificate-bound clients" in printed
    assert "over https" in printed and "Provider fixed cost per process" in printed
    assert "refresh (--skip-preview)" in printed and "refresh (default, with its preview pass)" in printed
