"""Paths and environment variables shared by the loaders."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("data/raw")
WAREHOUSE_ENV = "FINANCE_WAREHOUSE_PATH"
DEFAULT_WAREHOUSE = Path("warehouse/finance.duckdb")
PIPELINES_ENV = "FINANCE_PIPELINES_DIR"
SEEDS_ENV = "FINANCE_SEEDS_DIR"
RAW_DATASET = "raw"
PIPELINE_NAME = "commerce_raw"
MEMORY_LIMIT_ENV = "FINANCE_DUCKDB_MEMORY_LIMIT"
# The dbt profile's default too (profiles.yml.example); a test checks that the two agree.
DEFAULT_MEMORY_LIMIT = "3GB"
# The file format a new warehouse is written in (DuckDB's `storage_compatibility_version`). Left
# to itself DuckDB writes the oldest format its releases still read (setting v0.10.2, which a file
# reports as v1.0.0+): it compresses text columns one way or the other, where the 1.5 format tries
# both at once (DICT_FSST). At 10M lines a full build took 152-163 s against 169-186 s, on the
# same data. Every program that opens the warehouse runs the duckdb pyproject.toml pins. The dbt
# profile's `config_options` say the same, for a file dbt creates; a test checks that the two
# agree. A file keeps the format it was created in (`python -m loaders upgrade-format`).
DUCKDB_STORAGE_VERSION = "v1.5.0"


def warehouse_path() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV, str(DEFAULT_WAREHOUSE)))


# A load checks every feed's rows in one in-memory scratch DuckDB and keeps the good ones there
# until the feed is read; it gets this share of the memory limit (and at least SCRATCH_MINIMUM,
# never more than the limit). Its rows are written and checked a batch at a time, then read out
# once, so memory beyond a few batches buys nothing: at 10M lines a load took 41.6-44.0 s either
# way, and peaked at 3,596-3,713 MiB with the whole limit, 1,630-1,751 MiB with a quarter
# (bench/README.md, "Peak memory").
SCRATCH_SHARE = 4
SCRATCH_MINIMUM = 64 * 1024**2
# DuckDB's memory units: KB, MB, GB, TB (and K, M, G, T) count 1000s, KiB, MiB, GiB, TiB 1024s.
MEMORY_UNITS = {
    **{unit: 1 for unit in ("b", "byte", "bytes")},
    **{
        unit: 1000**power
        for power, (short, long) in enumerate([("k", "kilo"), ("m", "mega"), ("g", "giga"), ("t", "tera")], start=1)
        for unit in (short, short + "b", long + "byte", long + "bytes")
    },
    **{unit: 1024**power for power, unit in enumerate(["kib", "mib", "gib", "tib"], start=1)},
}
MEMORY_SIZE = re.compile(r"\s*((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-z]+)\s*", re.IGNORECASE)


def duckdb_memory_limit() -> str:
    """What the warehouse's DuckDB (dbt's, and a load's destination) may hold in memory before it
    spills to disk; a load's scratch gets a share of it (scratch_memory_limit)."""
    return os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT)


def memory_bytes(size: str) -> int | None:
    """A memory size as DuckDB reads it ('3GB', '700 MB', '512MiB'), in bytes; None when it is
    not one (DuckDB then says why, where the size is used)."""
    match = MEMORY_SIZE.fullmatch(size)
    if match is None or match[2].lower() not in MEMORY_UNITS:
        return None
    return int(float(match[1]) * MEMORY_UNITS[match[2].lower()])


def scratch_memory_limit() -> str:
    """What a load's scratch DuckDB may hold: a share of the memory limit (SCRATCH_SHARE, at least
    SCRATCH_MINIMUM and at most the limit), in KiB; the limit itself when memory_bytes cannot
    read it (no limit, a size written another way)."""
    limit = duckdb_memory_limit()
    size = memory_bytes(limit)
    if size is None:
        return limit
    return f"{min(size, max(size // SCRATCH_SHARE, SCRATCH_MINIMUM)) // 1024}KiB"


def pipelines_dir() -> Path:
    """dlt's working folder stays inside the project (git-ignored), not in the home directory."""
    return Path(os.environ.get(PIPELINES_ENV, str(PROJECT_ROOT / ".dlt_pipelines")))


def seeds_dir() -> Path:
    """The dbt project's seeds folder: the open reference sets (channels, ad platforms, refund
    reasons, customer segments) the loader accepts are the rows the user keeps there."""
    return Path(os.environ.get(SEEDS_ENV, str(PROJECT_ROOT / "seeds")))


UNSAFE_IN_SQL = "'\\\""


def dlt_pipelines_dir() -> Path:
    """The pipelines folder as dlt is given it. dlt's DuckDB loader pastes load-file paths into
    SQL unescaped (and resolves links), so when the configured folder's path holds a quote or a
    backslash, dlt works in a folder named after it in the user's cache folder instead: it holds
    only load packages and local state, which dlt restores from the warehouse."""
    configured = pipelines_dir().resolve()
    if not any(ch in str(configured) for ch in UNSAFE_IN_SQL):
        return configured
    digest = hashlib.sha256(str(configured).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").resolve()
    if any(ch in str(cache) for ch in UNSAFE_IN_SQL):
        cache = Path(tempfile.gettempdir()).resolve()
    return cache / "commerce-finance" / f"pipelines-{digest}"
