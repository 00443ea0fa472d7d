"""The benchmark harness runs end to end (real servers on 127.0.0.1, tiny sizes, no peer) and writes its JSON.
No figure is asserted beyond "it was measured": timings belong to `make bench`, not to tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.loadgen import Plan

ROOT = Path(__file__).resolve().parents[2]


def test_plan_fills_in_ids_and_growing_timestamps() -> None:
    plan = Plan("PATCH", "/x/LOC{n}", body='{"last_updated":"{ts}"}', count=5, epoch=0)
    assert plan.expand(7) == ("/x/LOC0000002", b'{"last_updated":"1970-01-01T00:00:07Z"}')
    assert plan.expand(8)[1] == b'{"last_updated":"1970-01-01T00:00:08Z"}'


def test_quick_run_writes_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    command = [sys.executable, "-m", "benchmarks.run", "--quick", "--skip-peer", "--loader", "python"]
    command += ["--no-install", "--duration", "0.3", "--warmup", "0", "--output", str(output)]
    env = {k: v for k, v in os.environ.items() if k != "OCPI_TEST_POSTGRES_URL"}
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]

    results = json.loads(output.read_text())
    assert set(results) == {
        "meta", "read", "ingest", "validation", "rss_mb", "crawl", "push", "outbound", "busy_cpo", "ratios"
    }  # fmt: skip
    assert results["meta"]["loader"] == "python" and results["meta"]["peer"] is None
    for group, measures, targets in (
        ("read", ("list", "one"), ("ours_sqlite", "ceiling", "ours_sqlite_1k")),
        ("ingest", ("put_location", "patch_evse_status"), ("ours_sqlite", "ceiling")),
    ):
        assert set(results[group]) == set(measures)
        for measure in measures:
            assert set(results[group][measure]) == set(targets)
            for figures in results[group][measure].values():
                assert figures["requests"] > 0 and figures["errors"] == 0
                assert len(figures["runs"]) == 3
                assert {"rps", "p50_ms", "p99_ms", "server_cpu_ms"} <= set(figures)
    assert results["validation"]["ours"]["ops_per_s"] > 0 and "peer" not in results["validation"]
    assert set(results["rss_mb"]) == {"ours_200", "ours_1000"}
    # The crawl reads every stored location (1,000 in a quick run) and each validates as a 2.2.1 Location.
    assert results["crawl"]["objects"] == 1000 and results["crawl"]["skipped"] == 0
    assert {"seconds", "objects_per_s", "limit", "target_s"} <= set(results["crawl"])
    push = results["push"]
    assert push["measured"], push.get("note")
    assert push["partners"] == 3 and push["updates"] == 5 and len(push["runs_s"]) == 5
    assert {"latency_s", "latency_max_s", "first_delivery_s", "target_s"} <= set(push)
    assert push["node"].startswith("ocpi serve")
    # Issue 27's backlog: 2,000 EVSE status changes over 200 Locations, each Location sent once (its latest state).
    outbound = results["outbound"]
    assert outbound["measured"], outbound.get("note")
    assert (outbound["changes"], outbound["locations"]) == (2000, 200)
    assert outbound["requests"] == outbound["distinct"] == [200, 200, 200]
    assert {"push", "ceiling", "httpx", "transport"} <= set(outbound)
    assert results["ratios"]["outbound.push.rps/ceiling"] is not None
    # Issue 24: the receiver's writes against the write ceiling, and the busy CPO on ocpi serve.
    for measure in ("put_location", "patch_evse_status"):
        for ratio in ("rps/ceiling", "p99/ceiling", "cpu/ceiling"):
            assert results["ratios"][f"ingest.{measure}.ours_sqlite.{ratio}"] is not None
    busy = results["busy_cpo"]["ours_sqlite"]
    assert busy["measured"], busy.get("note")
    assert (busy["evses"], busy["partners"], busy["node"]) == (1000, 10, "ocpi serve")
    assert [step["rate"] for step in busy["steps"]] == [20, 50][: len(busy["steps"])]
    for step in busy["steps"]:
        assert set(step["lag_s"]) == set(step["drain_s"]) == {str(n) for n in range(10)}
        assert step["requests"] > 0 and step["bytes_per_change"] > 0
    assert results["ratios"]["read.list.ours_sqlite.rps/ceiling"] is not None
    assert results["ratios"]["read.one.ours_sqlite_1k.rps/ceiling"] is not None
    assert results["ratios"]["read.list.ours_sqlite.rps/peer"] is None
    rows = ("GET locations list", "crawl 1000 locations via our client", "push: one update to 3 partners")
    for row in (*rows, "push: 2000 changes over 200 locations (200 requests)"):
        assert row in finished.stdout
