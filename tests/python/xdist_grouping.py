"""How `make test` spreads the suite over its workers (pytest-xdist, `--dist loadgroup`).

conftest.py imports the hook, which registers it; test_parallel_suite.py tests it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`make test` runs two workers with `--dist loadgroup`; this is the grouping it uses.

    The tests of a module that defines a module-scoped fixture (a built warehouse, a Redshift
    stand-in) run on one worker, so that fixture is built once; every other test goes alone to
    whichever worker is free, the largest groups first. xdist's own loadgroup cannot be used:
    it writes the group into a test id field pytest 9.2 no longer reads, so every test went
    alone and the Redshift stand-in was built twice (pytest-dev/pytest-xdist#1386, open).
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
