"""Exactly once in raw, whatever happens: a load killed at any step, two loads at once, a reader
holding the file. After the next load, raw equals one clean load of the same files (rows, keys,
values, quarantine and delivery records; only load ids and read times differ).

The loader is killed with SIGKILL at named points (loaders/faults.py), not after a sleep, so
every run dies at the same step.
"""

from __future__ import annotations

import csv
import io
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from support import ROOT, Project, make_sample

from loaders.contracts import FEEDS
from loaders.faults import CRASH_ENV, GATE_ENV, PAUSE_ENV, POINTS
from loaders.status import REPAIR

# What a delivery record says, without the load ids and read time that differ between runs.
DELIVERY_FACTS = (
    "file_name, feed, file_format, file_size, file_fingerprint, delivery_status, status_reason, rows_in_file, "
    "rows_loaded, rows_quarantined, extra_columns, is_current, superseded_by_load_id is not null"
)
# apply:mid is reached only when a file is delivered again.
FIRST_LOAD_POINTS = [p for p in POINTS if p != "apply:mid"]


def raw_state(warehouse: Path) -> dict[str, list[tuple]]:
    """Every raw table as a sorted list of rows, load ids left out."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        state = {}
        for table in (*FEEDS, "quarantine"):
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ? and column_name <> '_dlt_load_id' "
                    "order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            rows = con.execute(f"select {', '.join(columns)} from raw.{table}").fetchall()
            state[table] = sorted(rows, key=repr)
        state["file_deliveries"] = sorted(
            con.execute(f"select {DELIVERY_FACTS} from raw.file_deliveries").fetchall(), key=repr
        )
        # each feed's latest read (its state), and no read of a load that did not complete (a review
        # found the rollback of raw.feed_reads untested); how many loads ran may differ
        state["feed_reads"] = sorted(
            con.execute(
                "select feed, rejected_file_name, rejection_reason, files_waiting, links_refused from raw.feed_reads"
                " qualify row_number() over (partition by feed order by _dlt_load_id desc) = 1"
            ).fetchall(),
            key=repr,
        )
        state["feed_reads_of_loads_not_completed"] = con.execute(
            "select count(*) from raw.feed_reads where _dlt_load_id not in"
            " (select load_id from raw._dlt_loads where status = 0)"
        ).fetchall()
        return state
    finally:
        con.close()


def _env(work: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (CRASH_ENV, PAUSE_ENV, GATE_ENV)}
    env.update(
        FINANCE_WAREHOUSE_PATH=str(work / "finance.duckdb"),
        FINANCE_PIPELINES_DIR=str(work / "pipelines"),
        RUNTIME__DLTHUB_TELEMETRY="false",
    )
    env.update(extra)
    return env


def run_loader(work: Path, source: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loaders", "load", "--source", str(source), "--quiet", *args],
        cwd=ROOT,
        env=_env(work, **env),
        capture_output=True,
        text=True,
        check=False,
    )


def start_loader(work: Path, source: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "loaders", "load", "--source", str(source), "--quiet", *args],
        cwd=ROOT,
        env=_env(work, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Day 1-3 (the first load), then days 1-4 with day 2's transactions file corrected (one line
    cancelled) and a quarantined spend row of day 1 fixed (a merge load)."""
    base = tmp_path_factory.mktemp("exactly-once")
    first = make_sample(base / "first", days=3, orders_per_day=8)
    spend = sorted(first.glob("marketing_spend/*/*.csv"))[0]
    rows = list(csv.reader(io.StringIO(spend.read_text())))
    rows[1][rows[0].index("clicks")] = "999999999"  # more clicks than impressions: quarantined
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    spend.write_text(out.getvalue())
    later = make_sample(base / "later", days=4, orders_per_day=8)
    corrected = sorted(later.glob("transactions/*/*.csv"))[1]
    rows = corrected.read_text().splitlines()
    corrected.write_text("\n".join([rows[0], *rows[2:]]) + "\n")
    return {"first": first, "later": later}


@pytest.fixture(scope="module")
def clean(deliveries: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Raw after clean loads: the first deliveries alone, and the first followed by the later."""
    work = tmp_path_factory.mktemp("clean")
    ok(run_loader(work, deliveries["first"]))
    first = raw_state(work / "finance.duckdb")
    ok(run_loader(work, deliveries["later"]))
    return {"first": first, "later": raw_state(work / "finance.duckdb")}


def test_the_clean_loads_differ_where_the_later_delivery_says(clean: dict[str, dict]) -> None:
    """The two reference states are not the same, so comparing with them proves something."""
    first, later = clean["first"], clean["later"]
    assert len(first["quarantine"]) == 1 and later["quarantine"] == []
    assert len(later["transactions"]) > len(first["transactions"])
    assert sum(1 for r in later["file_deliveries"] if r[11] is False) == 2  # two files delivered again


@pytest.mark.parametrize("point", FIRST_LOAD_POINTS)
def test_a_first_load_killed_at_any_step_then_run_again_equals_a_clean_load(
    point: str, deliveries: dict[str, Path], clean: dict[str, dict], tmp_path: Path
) -> None:
    crashed = run_loader(tmp_path, deliveries["first"], **{CRASH_ENV: point})
    assert crashed.returncode == -9, f"the loader never reached {point}: {crashed.stdout}{crashed.stderr}"
    again = run_loader(tmp_path, deliveries["first"])
    ok(again)
    assert raw_state(tmp_path / "finance.duckdb") == clean["first"]


@pytest.mark.parametrize("point", POINTS)
def test_a_merge_load_killed_at_any_step_then_run_again_equals_clean_loads(
    point: str, deliveries: dict[str, Path], clean: dict[str, dict], tmp_path: Path
) -> None:
    ok(run_loader(tmp_path, deliveries["first"]))
    crashed = run_loader(tmp_path, deliveries["later"], **{CRASH_ENV: point})
    assert crashed.returncode == -9, f"the loader never reached {point}: {crashed.stdout}{crashed.stderr}"
    again = run_loader(tmp_path, deliveries["later"])
    ok(again)
    assert raw_state(tmp_path / "finance.duckdb") == clean["later"]


def _status(work: Path) -> str:
    status = subprocess.run(
        [sys.executable, "-m", "loaders", "status"], cwd=ROOT, env=_env(work), capture_output=True, text=True
    )
    ok(status)
    return status.stdout


@pytest.mark.parametrize(
    ("point", "said"),
    [
        ("load:before-complete", "rows in raw of a load that has not completed"),
        ("apply:before", "which stopped (or is still running) before the new delivery replaced the earlier one in raw"),
    ],
)
def test_a_build_after_a_load_that_stopped_part_way_fails_saying_so_until_the_next_load(
    point: str, said: str, deliveries: dict[str, Path], tmp_path: Path
) -> None:
    """Decision log §13: a load killed part way leaves raw as it stopped until the next load
    repairs it. A build run in between (a scheduler that builds whatever the load returned) counted
    what raw held, part of a file or a file twice, and failed on control totals and layers naming
    files, never the load: nothing said to load again. The completeness check now names the load
    (with the rows it left in each raw table) or the file delivered again, says what the marts
    count and what to do, and so does `loaders status`; after the next load, it lists nothing."""
    project = Project(tmp_path)
    ok(run_loader(tmp_path, deliveries["first"]))
    crashed = run_loader(tmp_path, deliveries["later"], **{CRASH_ENV: point})
    assert crashed.returncode == -9, f"the loader never reached {point}: {crashed.stdout}{crashed.stderr}"
    stopped = (
        "select object_type, object_id, detail from marts.reconciliation_exceptions "
        "where invariant = 'completeness' and is_failure and detail like '%run the same load again%' order by object_id"
    )
    build = project.build_daily()
    assert build.returncode != 0
    assert "reconciliation_completeness" in project.failed()
    listed = project.query(stopped)
    status = _status(tmp_path)
    if point == "load:before-complete":
        # every raw table the load wrote, with its rows, as raw holds them
        tables = [*FEEDS, "quarantine", "file_deliveries", "feed_reads"]
        left = project.query(
            " union all ".join(
                f"select '{t}', _dlt_load_id, count(*) from raw.{t} where _dlt_load_id not in "
                "(select load_id from raw._dlt_loads where status = 0) group by all"
                for t in tables
            )
        )
        assert {load for _, load, _ in left} == {key for _, key, _ in listed} and len(listed) == 1
        assert {"transactions", "marketing_spend", "file_deliveries", "feed_reads"} <= {t for t, _, _ in left}
        parts = ", ".join(f"raw.{t} {n}" for t, _, n in sorted(left))
        assert f"({parts})" in listed[0][2], (parts, listed[0][2])
        assert f"{', '.join(f'raw.{t} {n:,}' for t, _, n in sorted(left))}" in status, status
    else:  # the corrected transactions file and the fixed spend file
        assert [kind for kind, _, _ in listed] == ["file", "file"]
        assert {key.split("/")[0] for _, key, _ in listed} == {"transactions", "marketing_spend"}
        assert all(key in status for _, key, _ in listed), status
    # what to do, in the same words as loaders status
    assert all(said in detail and detail.endswith(REPAIR) for _, _, detail in listed), listed
    assert status.count("STOPPED PART WAY") == len(listed), status
    ok(run_loader(tmp_path, deliveries["later"]))
    project.build_daily()
    assert project.query(stopped) == []
    # the correction itself (a line taken out of a file whose order total and trailer still count
    # it) fails order arithmetic and control totals, as after a clean load; completeness passes
    assert "reconciliation_completeness" not in project.failed()
    assert "STOPPED PART WAY" not in _status(tmp_path)


def test_a_load_that_stopped_part_way_never_writes_history(deliveries: dict[str, Path], tmp_path: Path) -> None:
    """Decision log §13: the snapshots read staging before any reconciliation runs, and a version
    they record stays after the next load repairs raw. A product renamed by a load killed before
    it completed became the product's current version, and, the file withdrawn, the repaired
    build failed on master data "corrected without a new updated_at" (review 24). The snapshots'
    inputs are now tested first (of_completed_loads): the build fails there and skips the
    snapshots; after the next load, the version goes into history."""
    project = Project(tmp_path)
    ok(run_loader(tmp_path, deliveries["first"]))
    project.build_daily()  # fails on its quarantined spend row: history is written all the same
    assert project.results()["products_snapshot"] == "success"
    later = tmp_path / "later"
    shutil.copytree(deliveries["first"], later)
    (original,) = sorted(later.glob("products/*/*.csv"))
    header, first_row, *_ = original.read_text().splitlines()
    sku = first_row.split(",")[0]
    renamed = later / "products" / "date=2025-11-23" / "products_2025-11-23.csv"
    renamed.parent.mkdir()
    renamed.write_text(
        f'{header}\n{sku},"Renamed",' + ",".join(first_row.split(",")[2:-1]) + ',"2025-11-23T00:00:00+00:00"\n'
    )
    crashed = run_loader(tmp_path, later, **{CRASH_ENV: "load:before-complete"})
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    history = "select count(*) from snapshots.products_snapshot where product_name = 'Renamed'"
    project.build_daily()
    assert "of_completed_loads_int_products_deduplicated_dlt_load_id" in project.failed()
    assert project.results()["products_snapshot"] == "skipped"
    assert project.query(history) == [(0,)]
    ok(run_loader(tmp_path, later))
    project.build_daily()
    assert not {name for name in project.failed() if name.startswith("of_completed_loads")}
    assert project.query(history) == [(1,)]


@pytest.fixture
def paused_load(deliveries: dict[str, Path], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A first load held after its first checked batch, with the warehouse lock taken."""
    gate = tmp_path / "gate"
    holder = start_loader(
        tmp_path / "a", deliveries["first"], **{PAUSE_ENV: "extract:first-batch", GATE_ENV: str(gate)}
    )
    try:
        _wait_for(Path(f"{gate}.reached"), holder)
        yield holder, gate
    finally:
        gate.touch()
        holder.wait(timeout=120)


def test_a_second_load_stops_at_once_naming_the_holder(
    paused_load: tuple[subprocess.Popen[str], Path], deliveries: dict[str, Path], clean: dict, tmp_path: Path
) -> None:
    holder, gate = paused_load
    # the same warehouse, another pipelines folder: as another user or host would run it
    work_b = tmp_path / "b"
    env = {"FINANCE_WAREHOUSE_PATH": str(tmp_path / "a" / "finance.duckdb")}
    started = time.monotonic()
    second = run_loader(work_b, deliveries["first"], **env)
    assert second.returncode == 3, second.stdout + second.stderr
    assert time.monotonic() - started < 30
    message = second.stderr.strip().splitlines()
    assert len(message) == 1, second.stderr
    assert f"PID {holder.pid}" in message[0] and "since" in message[0] and "--wait" in message[0]
    assert "Traceback" not in second.stderr
    gate.touch()
    assert holder.wait(timeout=120) == 0
    ok(run_loader(work_b, deliveries["first"], **env))  # the next run finds nothing to do
    assert raw_state(tmp_path / "a" / "finance.duckdb") == clean["first"]


def test_a_second_load_with_wait_queues_behind_the_first(
    paused_load: tuple[subprocess.Popen[str], Path], deliveries: dict[str, Path], clean: dict, tmp_path: Path
) -> None:
    holder, gate = paused_load
    env = {"FINANCE_WAREHOUSE_PATH": str(tmp_path / "a" / "finance.duckdb")}
    waiting = start_loader(tmp_path / "b", deliveries["later"], "--wait", **env)
    said = _stderr_lines(waiting)
    first = said.get(timeout=60)  # fails the test (queue.Empty) rather than hanging
    assert "waiting for another load" in first and f"PID {holder.pid}" in first, first
    assert waiting.poll() is None  # it queues instead of stopping
    gate.touch()
    assert holder.wait(timeout=120) == 0
    assert waiting.wait(timeout=120) == 0
    assert raw_state(tmp_path / "a" / "finance.duckdb") == clean["later"]


def _stderr_lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """The lines the process writes on stderr, as they come (read by a thread)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_a_reader_holding_the_file_gives_one_line(deliveries: dict[str, Path], tmp_path: Path) -> None:
    ok(run_loader(tmp_path, deliveries["first"]))
    warehouse = tmp_path / "finance.duckdb"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True); "
            "time.sleep(120)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        blocked = run_loader(tmp_path, deliveries["later"])
        assert blocked.returncode == 3, blocked.stdout + blocked.stderr
        lines = blocked.stderr.strip().splitlines()
        assert len(lines) == 1, blocked.stderr
        assert str(warehouse) in lines[0] and f"PID {reader.pid}" in lines[0] and "close it" in lines[0]
        verbose = subprocess.run(
            [sys.executable, "-m", "loaders", "--verbose", "load", "--source", str(deliveries["later"]), "--quiet"],
            cwd=ROOT,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            check=False,
        )
        assert "Traceback" in verbose.stderr
    finally:
        reader.kill()
        reader.wait()


def test_paths_with_quotes_spaces_and_non_ascii_work(tmp_path: Path) -> None:
    odd = tmp_path / 'it\'s a "quoted" fólder'
    source = odd / "deliveries"
    generated = subprocess.run(
        [sys.executable, "-m", "loaders", "generate", "--out", str(source), "--days", "2", "--orders-per-day", "5",
         "--format", "jsonl", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    ok(generated)
    env = {"FINANCE_WAREHOUSE_PATH": str(odd / "wh 1" / "finance.duckdb"), "FINANCE_PIPELINES_DIR": str(odd / "dlt")}
    ok(run_loader(tmp_path, source, **env))
    con = duckdb.connect(env["FINANCE_WAREHOUSE_PATH"], read_only=True)
    try:
        assert con.execute("select count(*) from raw.transactions").fetchone()[0] > 0
        assert con.execute("select count(*) from raw.quarantine").fetchone()[0] == 0
    finally:
        con.close()
    shutil.rmtree(odd)


def test_secrets_files_are_ignored_at_any_depth(tmp_path: Path) -> None:
    for path in ("loaders/.env.local", "deploy/.dlt/secrets.toml", ".dlt/secrets.toml", "x/.env"):
        checked = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        assert checked.returncode == 0, f"{path} is not git-ignored"
