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
    assert len(calls) == 7
    assert all(actual == minimum for actual, minimum in calls.values()), calls
    client_calls = {row["operation"]: (row["calls"], row["minimum"]) for row in report["client_calls"]}
    assert len(client_calls) == 9
    assert all(actual == minimum for actual, minimum in client_calls.values()), client_calls
    overhead = report["engine_overhead"]
    assert set(overhead["operations"]) == {"preview", "up", "refresh", "destroy"}
    assert overhead["ratio_all"] > 0 and overhead["pickled_provider_bytes"] < 1024
    assert overhead["provider_peak_rss_mib"] > 0
    assert report["throughput"]["failures"] == 0 and report["throughput"]["runs"][0]["domains"] == 2
    printed = capsys.readouterr().out
    assert "API calls per operation" in printed and "certificate-bound clients" in printed
