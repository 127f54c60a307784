"""How fast dbt starts working on this project: a fresh clone's first parse against a re-run
after an analyst edits one model (partial parsing), in the same run.

    .venv/bin/python bench/bench_parse.py [--repeat 3]

Works on a copy of the project in a temporary folder, so the real target/ is untouched. Times
(best of --repeat):
  startup      `dbt --version`: importing dbt and its adapters, the floor of any dbt command
  cold         `dbt parse` with no target/ folder, as on a fresh clone
  unchanged    `dbt parse` again, nothing edited
  one edit     `dbt parse` after a comment is appended to one model (partial parsing)
  no partial   `dbt parse --no-partial-parse` after the same edit, for contrast
and prints each with its ratio to the cold parse.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).with_name("dbt"))
PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "snapshots", "analyses", "profiles.yml.example")
EDITED_MODEL = Path("models/marts/finance/refunds_monthly.sql")


def copy_project(dest: Path) -> Path:
    for part in PROJECT_PARTS:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / part)
    shutil.copy(dest / "profiles.yml.example", dest / "profiles.yml")
    return dest


def timed(args: list[str], project: Path, before: Callable[[], None] = lambda: None) -> float:
    before()
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "FINANCE_WAREHOUSE_PATH": str(project / "bench.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    start = time.perf_counter()
    run = subprocess.run([DBT, *args], cwd=project, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"dbt {' '.join(args)} failed:\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case; the best is reported")
    repeat = parser.parse_args().repeat

    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        project = copy_project(Path(tmp))
        model = project / EDITED_MODEL
        edits = iter(range(10**6))

        def fresh() -> None:
            shutil.rmtree(project / "target", ignore_errors=True)

        def edit() -> None:
            with model.open("a") as f:
                f.write(f"-- edit {next(edits)}\n")

        cases: dict[str, Callable[[], float]] = {
            "startup": lambda: timed(["--version"], project),
            "cold": lambda: timed(["parse", "--quiet"], project, fresh),
            "unchanged": lambda: timed(["parse", "--quiet"], project),
            "one edit": lambda: timed(["parse", "--quiet"], project, edit),
            "no partial": lambda: timed(["parse", "--quiet", "--no-partial-parse"], project, edit),
        }
        best = {name: min(case() for _ in range(repeat)) for name, case in cases.items()}

    print(f"dbt parse of the project, editing {EDITED_MODEL} ({repeat} runs each, best):")
    for name, seconds in best.items():
        print(f"  {name:<11} {seconds:6.2f} s   {seconds / best['cold']:5.2f}x cold")


if __name__ == "__main__":
    main()
