"""Loader benchmark: the dlt loader against DuckDB's own CSV reader on the same files.

    .venv/bin/python bench/bench_load.py [--lines 1000000] [--repeat 1]

Generates the sample with about N transaction lines, then times in the same run (a) the floor:
DuckDB's `read_csv` of every transactions file into a table of a fresh DuckDB file, and (b) the
loader: `python -m loaders load --feeds transactions` into another fresh warehouse (parse,
contract checks, dlt extract/normalize/load). Prints both and their ratio.

Then, on the warehouse the last loader run filled, (d) a rerun with nothing new (every file's
content is hashed and found unchanged) and (e) the next day: one more day of deliveries
appended with the generator, loaded on top (a later load: append, then the re-delivery step).

For reference it also times (c) dlt alone: the rows the loader landed, already typed, appended by
a bare dlt pipeline (`bench/dlt_alone.py`, start-up included). The gap between (c) and the floor
is dlt's share, which no loader built on dlt avoids; the gap between (b) and (c) is the loader's
own work: reading the files, checking every row, keeping each key once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent


def floor(files: str, db: Path) -> tuple[float, int]:
    start = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"create table transactions as select * from read_csv('{files}')")
    rows = con.execute("select count(*) from transactions").fetchone()[0]
    con.close()
    return time.perf_counter() - start, rows


def timed(command: list[str], env: dict[str, str], db: Path) -> tuple[float, int]:
    """Runs `command` (start-up included in the time); returns the time and the rows it landed
    in `db`'s raw.transactions."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select count(*) from raw.transactions").fetchone()[0]
    con.close()
    return elapsed, rows


def loader(source: Path, work: Path, fresh: bool = True) -> tuple[float, int]:
    if fresh:
        shutil.rmtree(work / "pipelines", ignore_errors=True)
        (work / "loader.duckdb").unlink(missing_ok=True)
    env = {"FINANCE_WAREHOUSE_PATH": str(work / "loader.duckdb"), "FINANCE_PIPELINES_DIR": str(work / "pipelines")}
    command = [sys.executable, "-m", "loaders", "load", "--source", str(source), "--feeds", "transactions", "--quiet"]
    return timed(command, env, work / "loader.duckdb")


def next_day(source: Path, work: Path) -> tuple[float, float, int]:
    """A rerun with nothing new, then one more day loaded on top of the full load."""
    rerun = loader(source, work, fresh=False)
    subprocess.run(
        [sys.executable, "-m", "loaders", "generate", "--out", str(source), "--append-days", "1", "--quiet"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    day = loader(source, work, fresh=False)
    return rerun[0], day[0], day[1] - rerun[1]


def dlt_alone(rows: Path, work: Path) -> tuple[float, int]:
    shutil.rmtree(work / "alone-pipelines", ignore_errors=True)
    (work / "alone.duckdb").unlink(missing_ok=True)
    db = work / "alone.duckdb"
    command = [sys.executable, "bench/dlt_alone.py", str(rows), str(db), str(work / "alone-pipelines")]
    return timed(command, {"PYTHONPATH": str(ROOT)}, db)


def landed_rows(work: Path) -> Path:
    """The rows the loader landed, as dlt received them (without dlt's load id)."""
    rows = work / "landed.parquet"
    con = duckdb.connect(str(work / "loader.duckdb"), read_only=True)
    con.execute(f"copy (select * exclude (_dlt_load_id) from raw.transactions) to '{rows}' (format parquet)")
    con.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="repeat the timings, report the best of each")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        source = work / "deliveries"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "loaders", "generate", "--out", str(source), "--lines", str(args.lines), "--quiet"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"generated {args.lines:,} lines (approx.) in {time.perf_counter() - start:.1f} s")
        files = str(source / "transactions" / "*" / "*.csv")
        floors, loads, alone = [], [], []
        for i in range(args.repeat):
            (work / "floor.duckdb").unlink(missing_ok=True)
            floors.append(floor(files, work / "floor.duckdb"))
            loads.append(loader(source, work))
            alone.append(dlt_alone(landed_rows(work), work))
            print(
                f"run {i + 1}: floor {floors[-1][0]:.2f} s, loader {loads[-1][0]:.2f} s, dlt alone {alone[-1][0]:.2f} s"
            )
        best_floor, best_load, best_alone = min(floors), min(loads), min(alone)
        counts = {"floor": best_floor[1], "loader": best_load[1], "dlt alone": best_alone[1]}
        assert len(set(counts.values())) == 1, f"row counts differ: {counts}"
        print(f"rows: {best_load[1]:,}")
        print(f"floor     (duckdb read_csv into a table):      {best_floor[0]:.2f} s")
        print(f"loader    (python -m loaders load):            {best_load[0]:.2f} s")
        print(f"dlt alone (typed rows appended by bare dlt):   {best_alone[0]:.2f} s")
        print(f"ratio loader / floor: {best_load[0] / best_floor[0]:.2f}x")
        print(f"ratio dlt alone / floor: {best_alone[0] / best_floor[0]:.2f}x (reference: dlt's share)")
        rerun, day, day_rows = next_day(source, work)
        print(f"rerun, nothing new:                            {rerun:.2f} s")
        print(f"next day ({day_rows:,} more lines) on top of the full load: {day:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
