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

import pytest
from pytest import MonkeyPatch
from support import ROOT, bench_module

# The connections dbt logs a COMMIT on: a node's (its unique id), and those dbt names itself.
DBT_CONNECTION = re.compile(
    r"(model|snapshot|seed|test|unit_test)\.commerce_finance\.\w+(\.\w+)*|master|(create|list)_\w+"
)
STEPS = (
    "generate",
    "floor",
    "load",
    "dbt build",
    "floor (run 2)",
    "dbt build (run 2)",
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
    "new day load \\+ build / full build without its unit tests",
)


def test_warehouse_benchmark_runs_end_to_end_and_its_floor_ties_out(tmp_path: Path) -> None:
    results = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "bench/bench_warehouse.py", "--lines", "5000", "--days", "10", "--dashboard-runs", "1",
         "--repeat", "2", "--results", str(results), "--work", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-3000:]

    tie_out = re.search(r"^tie-out: (.*)$", out, re.MULTILINE)
    assert tie_out and tie_out.group(1).startswith("ok"), out
    tie_out_new_day = re.search(r"^tie-out after the new day: (.*)$", out, re.MULTILINE)
    assert tie_out_new_day and tie_out_new_day.group(1).startswith("ok"), out

    for step in STEPS:
        assert re.search(rf"^{re.escape(step)}: \d+\.\d\d s, max RSS [\d,]+ MiB", out, re.MULTILINE), (step, out)
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
    targets = re.findall(r"^  (.+ <= .+): (met|missed by \d+\.\d\dx .*)$", out, re.MULTILINE)
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
    # --repeat 2: the floor and the full build ran twice each, every build from the warehouse as
    # loaded (the bench stops otherwise), and the fastest of each side is the one compared
    assert figures["repeat"] == 2
    for base, seconds in (("floor", lambda s: s["detail"]["transform_seconds"]), ("dbt build", lambda s: s["seconds"])):
        runs = [figures["steps"][base], figures["steps"][f"{base} (run 2)"]]
        fastest = figures["steps"][figures["fastest"][base]]
        assert fastest in runs and seconds(fastest) == min(seconds(run) for run in runs), (base, figures["fastest"])
        listed = ", ".join(f"{seconds(run):.2f}" for run in runs)
        assert f"{base}{' transform' if base == 'floor' else ''} in 2 runs: {listed} s" in out, out
    floor_best = figures["steps"][figures["fastest"]["floor"]]["detail"]["transform_seconds"]
    build_best = figures["steps"][figures["fastest"]["dbt build"]]["seconds"]
    assert abs(figures["ratios"]["dbt build / floor transform"] - build_best / floor_best) < 1e-9
    best_build = figures["steps"][figures["fastest"]["dbt build"]]
    without_unit_tests = build_best - best_build["detail"]["by_kind"]["unit tests"]["seconds"]
    for name, expected in (
        ("new day load + build / full build", figures["new_day_seconds"] / build_best),
        ("new day load + build / full build without its unit tests", figures["new_day_seconds"] / without_unit_tests),
        ("loader / floor read", figures["steps"]["load"]["seconds"] / min(
            figures["steps"][run]["detail"]["read_seconds"] for run in ("floor", "floor (run 2)"))),
    ):  # fmt: skip
        assert abs(figures["ratios"][name] - expected) < 1e-9, name
    for run in ("dbt build", "dbt build (run 2)"):  # both from the warehouse as loaded, with a full parse
        assert figures["steps"][run]["detail"]["builds_logged"] == 1, run
        assert figures["steps"][run]["detail"]["parse"] == "full", run
    assert figures["steps"]["new day build"]["detail"]["parse"] == "partial"
    full_build_name = re.escape(figures["fastest"]["dbt build"])
    printed = len(bench_module().KINDS) + 1  # and "all"
    kinds = re.search(
        rf"^where the time went: {full_build_name} against new day build .*\n((  .+\n){{{printed}}})",
        out,
        re.MULTILINE,
    )
    assert kinds and kinds.group(1).startswith("  start-up, parse, results "), out
    assert kinds.group(1).splitlines()[-1].startswith("  all "), out
    for step in ("dbt build", "dbt build (run 2)", "new day build"):
        by_kind = figures["steps"][step]["detail"]["by_kind"]
        seconds = figures["steps"][step]["seconds"]
        assert abs(sum(kind["seconds"] for kind in by_kind.values()) - seconds) < 1e-6, (step, by_kind)
        assert by_kind["incremental models"]["nodes"] >= 5 and by_kind["reconciliation models"]["nodes"] >= 10
        assert by_kind["incremental work lists"]["nodes"] == 2
        # the commits are read from the step's own debug log, and taken out of the nodes
        commits = figures["steps"][step]["detail"]["slowest_commits"]
        assert commits and by_kind["commits (checkpoints among them)"]["seconds"] + 1e-9 >= sum(
            c["seconds"] for c in commits
        )
        # a node's unique id, or a connection dbt names itself: `master`, and one per schema it
        # creates or lists (`create_<database>_<schema>`, `list_<database>_<schema>`)
        assert all(DBT_CONNECTION.fullmatch(c["connection"]) for c in commits), commits
    # the new day is built as make daily builds it: the full build runs the unit tests, the new day not
    full_build, new_day = (figures["steps"][step]["detail"]["by_kind"] for step in ("dbt build", "new day build"))
    assert full_build["unit tests"]["nodes"] > 0 and new_day["unit tests"]["nodes"] == 0
    assert not (tmp_path / "work").exists(), "scratch is removed without --keep"


def test_a_repeated_build_from_a_built_warehouse_stops_the_bench(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """--repeat: a repeated build whose build log holds another count of builds than the first
    build's did not start from the warehouse as loaded (it took the incremental path)."""
    bench = bench_module()
    monkeypatch.setattr(bench, "copy_warehouse", lambda source, target: None)
    monkeypatch.setattr(bench, "dbt", lambda name, *args: bench.Step(name, 1.0, 1.0, 0, "log", {}))
    monkeypatch.setattr(bench, "print_dbt", lambda step: None)
    steps = {"dbt build": bench.Step("dbt build", 2.0, 1.0, 0, "log", {"builds_logged": 1})}
    repeat = (2, True, tmp_path / "loaded", tmp_path / "deliveries", {}, tmp_path)

    monkeypatch.setattr(bench, "builds_logged", lambda work: 2)
    with pytest.raises(bench.StepFailed, match=r"^dbt build \(run 2\) did not start from the warehouse as loaded"):
        bench.repeat_floor_and_build(steps, *repeat)

    monkeypatch.setattr(bench, "builds_logged", lambda work: 1)
    bench.repeat_floor_and_build(steps, *repeat)
    assert steps["dbt build (run 2)"].detail["builds_logged"] == 1


def test_the_fastest_run_that_succeeded_is_compared() -> None:
    bench = bench_module()
    step = bench.Step
    steps = {
        "floor": step("floor", 9.0, 1.0, 0, "log", {"transform_seconds": 5.0}),
        "dbt build": step("dbt build", 12.0, 1.0, 0, "log"),
        "floor (run 2)": step("floor (run 2)", 8.0, 1.0, 0, "log", {"transform_seconds": 6.0}),
        "dbt build (run 2)": step("dbt build (run 2)", 3.0, 1.0, 1, "log"),  # failed: skipped nodes
        "floor (run 3)": step("floor (run 3)", 10.0, 1.0, 0, "log", {"transform_seconds": 4.0}),
        "dbt build (run 3)": step("dbt build (run 3)", 11.0, 1.0, 0, "log"),
        "new day build": step("new day build", 1.0, 1.0, 0, "log"),
        "new day floor": step("new day floor", 1.0, 1.0, 0, "log", {"transform_seconds": 1.0}),
    }

    assert bench.fastest(steps, "floor").name == "floor (run 3)"  # by its transform, not its wall time
    assert bench.fastest(steps, "dbt build").name == "dbt build (run 3)"
    del steps["dbt build"], steps["dbt build (run 3)"]
    assert bench.fastest(steps, "dbt build").name == "dbt build (run 2)"  # none succeeded: not measured


def test_the_new_day_is_built_with_the_flags_make_daily_gives_dbt_build() -> None:
    bench = bench_module()
    dry_run = subprocess.run(
        ["make", "-n", "daily", "SOURCE=/deliveries"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    # the dbt command's own arguments: the recipe goes on after it (`|| code=$?; ... status`)
    builds = [
        re.split(r"\|\||;", line.split(" build", 1)[1])[0].split()
        for line in dry_run.splitlines()
        if "/dbt build" in line
    ]

    assert builds == [bench.daily_build_flags()], dry_run
    assert bench.daily_build_flags() == ["--exclude-resource-type", "unit_test"]


def test_a_dbt_commands_time_is_split_by_kind_of_node_and_the_kinds_add_up_to_its_wall_time() -> None:
    bench = bench_module()
    project = "model.p"
    manifest = {
        "nodes": {
            f"{project}.fct": {"config": {"materialized": "incremental"}, "fqn": ["p", "marts", "core", "fct"]},
            f"{project}.recon": {"config": {"materialized": "table"}, "fqn": ["p", "marts", "reconciliation", "recon"]},
            f"{project}.dim": {"config": {"materialized": "table"}, "fqn": ["p", "marts", "core", "dim"]},
            f"{project}.int_lines_invalidated": {
                "name": "int_lines_invalidated",
                "config": {"materialized": "table"},
                "fqn": ["p", "intermediate", "finance", "int_lines_invalidated"],
            },
            "test.p.unique_fct": {"depends_on": {"nodes": [f"{project}.fct"]}},
            "test.p.relationships_fct_dim": {"depends_on": {"nodes": [f"{project}.dim", f"{project}.fct"]}},
            "test.p.unique_dim": {"depends_on": {"nodes": [f"{project}.dim"]}},
            "snapshot.p.history": {"config": {"materialized": "snapshot"}},
        }
    }
    timings = {
        f"{project}.fct": 10.0,
        f"{project}.recon": 4.0,
        f"{project}.dim": 2.0,
        f"{project}.int_lines_invalidated": 0.5,
        "test.p.unique_fct": 1.5,
        "test.p.relationships_fct_dim": 0.5,
        "test.p.unique_dim": 0.25,
        "snapshot.p.history": 1.0,
        "unit_test.p.fct.rule": 0.75,
        "seed.p.channels": 0.125,
        "exposure.p.board": 0.0625,
    }
    results = {
        "elapsed_time": 21.0,
        "results": [{"unique_id": uid, "execution_time": seconds} for uid, seconds in timings.items()],
    }

    # the dimension's commit wrote a checkpoint holding the fact's deletes; dbt's own one did not
    commits = {f"{project}.fct": 0.0625, f"{project}.dim": 1.5, "master": 0.03125}

    # every figure is a binary fraction, so the sums below are exact
    by_kind = bench.time_by_kind(results, manifest, 25.0, commits)

    assert list(by_kind) == list(bench.KINDS)
    assert {kind: (figure["seconds"], figure["nodes"]) for kind, figure in by_kind.items()} == {
        "start-up, parse, results": (4.0, 0),
        "incremental models": (10.0 - 0.0625, 1),
        "incremental work lists": (0.5, 1),
        "reconciliation models": (4.0, 1),
        "models rebuilt in full": (2.0 - 1.5, 1),
        "snapshots and seeds": (1.125, 2),
        "data tests reading an incremental model": (2.0, 2),
        "other data tests": (0.25, 1),
        "unit tests": (0.75, 1),
        "commits (checkpoints among them)": (1.59375, 1),
        "dbt around the nodes": (21.0 - 20.6875 + 0.0625 - 0.03125, 0),
    }
    assert sum(figure["seconds"] for figure in by_kind.values()) == 25.0
    # without the commits, each node's time stays with its kind
    assert bench.time_by_kind(results, manifest, 25.0)["models rebuilt in full"]["seconds"] == 2.0


def test_a_commit_is_timed_from_dbts_debug_log() -> None:
    """dbt logs a COMMIT twice before it runs, then its time on the next status line; any other
    statement's time is not a commit's."""
    log = """\
\x1b[0m06:03:28.021921 [debug] [Thread-1 (]: SQL status: OK in 0.001 seconds
\x1b[0m06:03:28.030957 [debug] [Thread-1 (]: On model.p.orders_daily: COMMIT
\x1b[0m06:03:28.031500 [debug] [Thread-1 (]: Using duckdb connection "model.p.orders_daily"
\x1b[0m06:03:28.031987 [debug] [Thread-1 (]: On model.p.orders_daily: COMMIT
\x1b[0m06:03:32.326581 [debug] [Thread-1 (]: SQL status: OK in 4.294 seconds
\x1b[0m06:03:32.330590 [debug] [Thread-1 (]: On model.p.orders_daily: /* {"app": "dbt"} */
\x1b[0m06:03:32.332394 [debug] [Thread-1 (]: SQL status: OK in 0.001 seconds
\x1b[0m06:03:33.000000 [debug] [Thread-1 (]: On model.p.fct: COMMIT
\x1b[0m06:03:33.500000 [debug] [Thread-1 (]: SQL status: OK in 0.500 seconds
\x1b[0m06:03:34.000000 [debug] [Thread-1 (]: On model.p.fct: COMMIT
\x1b[0m06:03:34.250000 [debug] [Thread-1 (]: SQL status: OK in 0.250 seconds
\x1b[0m06:03:35.000000 [debug] [MainThread]: On master: COMMIT
\x1b[0m06:03:35.001000 [debug] [MainThread]: SQL status: OK in 0.001 seconds
\x1b[0m06:03:35.100000 [debug] [ThreadPool]: On create_finance_marts: COMMIT
\x1b[0m06:03:35.120000 [debug] [ThreadPool]: SQL status: OK in 0.020 seconds
"""
    assert bench_module().commit_seconds(log) == {
        "model.p.orders_daily": 4.294,
        "model.p.fct": 0.75,
        "master": 0.001,
        "create_finance_marts": 0.02,
    }
