"""The warehouse benchmark runs end to end on a small sample and its floor ties out to the marts.
It times nothing for the test: the figures it prints are for a real run (`--lines 1000000`); this
keeps the script, the floor SQL in bench/floor/ and the project's definitions in step, so a model
that changes a definition, or a floor that drifts from it, fails here."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STEPS = (
    "generate",
    "floor",
    "load",
    "dbt build",
    "dbt run",
    "new day generate",
    "new day load",
    "new day build",
    "new day floor",
    "dashboards",
)
RATIOS = (
    "loader / floor read",
    "dbt build / floor transform",
    "dbt run / floor transform",
    "new day build / full build",
    "new day load \\+ build / full build",
)


def test_warehouse_benchmark_runs_end_to_end_and_its_floor_ties_out(tmp_path: Path) -> None:
    results = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "bench/bench_warehouse.py", "--lines", "5000", "--days", "10", "--dashboard-runs", "1",
         "--results", str(results), "--work", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-3000:]

    tie_out = re.search(r"^tie-out: (.*)$", out, re.MULTILINE)
    assert tie_out and tie_out.group(1).startswith("ok"), out
    tie_out_new_day = re.search(r"^tie-out after the new day: (.*)$", out, re.MULTILINE)
    assert tie_out_new_day and tie_out_new_day.group(1).startswith("ok"), out

    for step in STEPS:
        assert re.search(rf"^{step}: \d+\.\d\d s, max RSS [\d,]+ MiB", out, re.MULTILINE), (step, out)
    floor = re.search(r"^floor: .* end to end \(read (\d+\.\d\d) s, transform (\d+\.\d\d) s", out, re.MULTILINE)
    assert floor, out
    assert re.search(r"^new day load \+ build: \d+\.\d\d s$", out, re.MULTILINE), out
    slowest = r"^slowest nodes of dbt build:\n(  +\d+\.\d\d s  (model|test|unit_test|seed|snapshot) \S+\n){8}"
    assert re.search(slowest, out, re.MULTILINE), out
    questions = re.findall(r"^  (\w+__\w+) +median +\d+\.\d ms +max +\d+\.\d ms", out, re.MULTILINE)
    assert len(questions) == len(list((ROOT / "dashboards" / "queries").glob("*.sql"))), out
    assert re.search(r"^peak RSS: [\d,]+ MiB \(.+\)$", out, re.MULTILINE), out
    for label in RATIOS:
        assert re.search(rf"^  {label}: \d+\.\d\dx$", out, re.MULTILINE), (label, out)
    targets = re.findall(r"^  (.+ <= .+): (met|missed by \d+\.\dx .*)$", out, re.MULTILINE)
    assert len(targets) == 4, out

    files = list(results.glob("*_5000.json"))
    assert len(files) == 1, files
    figures = json.loads(files[0].read_text())
    assert set(figures["steps"]) == set(STEPS)
    for step in figures["steps"].values():
        assert step["seconds"] > 0 and step["max_rss_mib"] > 0 and step["returncode"] == 0
    assert figures["tie_out"]["ok"] and figures["tie_out_new_day"]["ok"]
    assert [c["check"] for c in figures["tie_out"]["checks"]][:4] == [
        "fct_transactions lines",
        "fct_transactions net_revenue_usd",
        "pnl_daily_by_channel net_revenue_usd",
        "fct_orders orders",
    ]
    assert {"ratios", "targets", "peak_rss_mib", "new_day_seconds", "dashboards_over_limit", "machine"} <= set(figures)
    assert len(figures["targets"]) == 4 and all(t["met"] in (True, False) for t in figures["targets"].values())
    assert len(figures["steps"]["dbt build"]["detail"]["slowest"]) == 8
    assert not (tmp_path / "work").exists(), "scratch is removed without --keep"
