"""The loader benchmark runs end to end on a small sample. It times nothing for the test: the
figures it prints are for `make bench`; this only keeps the script and its dlt-alone reference
working as the loader changes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_loader_benchmark_runs_and_all_three_land_the_same_rows() -> None:
    result = subprocess.run(
        [sys.executable, "bench/bench_load.py", "--lines", "20000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    rows = int(re.search(r"^rows: ([\d,]+)$", out, re.MULTILINE).group(1).replace(",", ""))
    assert rows > 15_000
    for label in ("ratio loader / floor", "ratio dlt alone / floor"):
        assert re.search(rf"^{label}: \d+\.\d\dx", out, re.MULTILINE), out
    assert re.search(r"^rerun, nothing new: +\d+\.\d\d s$", out, re.MULTILINE), out
    day = re.search(r"^next day \(([\d,]+) more lines\) on top of the full load: \d+\.\d\d s$", out, re.MULTILINE)
    assert day and int(day.group(1).replace(",", "")) > 0, out
