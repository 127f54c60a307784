"""Shared fixtures: a small generated delivery root and a private warehouse per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from support import make_sample
from xdist_grouping import pytest_xdist_make_scheduler  # noqa: F401  (the hook, registered here)

from loaders.pipeline import run_load


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def sample(sample_root: Path, tmp_path: Path) -> Path:
    """A private copy of the small sample that a test may change."""
    return Path(shutil.copytree(sample_root, tmp_path / "deliveries"))


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wh" / "finance.duckdb"
    monkeypatch.setenv("FINANCE_WAREHOUSE_PATH", str(path))
    monkeypatch.setenv("FINANCE_PIPELINES_DIR", str(tmp_path / "pipelines"))
    return path


@pytest.fixture
def load(warehouse: Path) -> Callable[..., int]:
    def _load(source: Path | str, **kwargs: object) -> int:
        return run_load(str(source), progress=False, **kwargs)

    return _load


@pytest.fixture
def query(warehouse: Path) -> Callable[[str], list[tuple]]:
    def _query(sql: str) -> list[tuple]:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    return _query
