"""Paths and environment variables shared by the loaders."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("data/raw")
WAREHOUSE_ENV = "FINANCE_WAREHOUSE_PATH"
DEFAULT_WAREHOUSE = Path("warehouse/finance.duckdb")
PIPELINES_ENV = "FINANCE_PIPELINES_DIR"
RAW_DATASET = "raw"
PIPELINE_NAME = "commerce_raw"


def warehouse_path() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV, str(DEFAULT_WAREHOUSE)))


def pipelines_dir() -> Path:
    """dlt's working folder stays inside the project (git-ignored), not in the home directory."""
    return Path(os.environ.get(PIPELINES_ENV, str(PROJECT_ROOT / ".dlt_pipelines")))


def dlt_pipelines_dir() -> Path:
    """The pipelines folder as dlt is given it. dlt's DuckDB loader pastes load-file paths into
    SQL unescaped, so a folder whose path has a quote or a backslash is reached through a link
    with a plain name in the temporary folder; the data stays where it was configured."""
    real = pipelines_dir().resolve()
    real.mkdir(parents=True, exist_ok=True)
    if not any(ch in str(real) for ch in "'\\\""):
        return real
    alias = (
        Path(tempfile.gettempdir()) / f"commerce-raw-pipelines-{hashlib.sha256(str(real).encode()).hexdigest()[:16]}"
    )
    if alias.is_symlink() and alias.resolve() != real:
        alias.unlink()
    if not alias.exists():
        alias.symlink_to(real, target_is_directory=True)
    return alias
