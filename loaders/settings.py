"""Paths and environment variables shared by the loaders."""

from __future__ import annotations

import os
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
