"""Shared fixtures: a small generated delivery root and a private warehouse per test."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from support import make_sample

from loaders.pipeline import run_load


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`make test` runs two workers with `--dist loadgroup`; this is the grouping it uses.

    The tests of a module that defines a module-scoped fixture (a built warehouse, a Redshift
    stand-in) run on one worker, so that fixture is built once; every other test goes alone to
    whichever worker is free, the largest groups first. xdist's own loadgroup reads markers it
    can no longer write into pytest 9's test ids, so it would build those fixtures twice.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if _defines_module_fixture(config.rootpath / module) else nodeid

    return SharedFixtureScheduling(config, log)


@functools.cache
def _defines_module_fixture(path: Path) -> bool:
    return 'scope="module"' in path.read_text()


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
