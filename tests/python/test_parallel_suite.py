"""`make test` runs on two workers: a module-scoped fixture is still built once (xdist_grouping.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

HERE = Path(__file__).resolve().parent

SHARED = """
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def built():
    with Path(os.environ["SUITE_LOG"]).open("a") as log:
        log.write(f"built {os.getpid()}\\n")


@pytest.mark.parametrize("n", range(6))
def test_reads_the_build(built, n):
    with Path(os.environ["SUITE_LOG"]).open("a") as log:
        log.write(f"shared {os.getpid()}\\n")
"""

ALONE = """
import os
from pathlib import Path

import pytest


@pytest.mark.parametrize("n", range(6))
def test_alone(n):
    with Path(os.environ["SUITE_LOG"]).open("a") as log:
        log.write(f"alone {os.getpid()}\\n")
"""


def test_a_module_fixture_is_built_once_and_other_tests_spread(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = pytester.path / "suite.log"
    monkeypatch.setenv("SUITE_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    pytester.makeconftest("from xdist_grouping import pytest_xdist_make_scheduler  # noqa: F401\n")
    pytester.makepyfile(test_a_alone=ALONE, test_b_shared=SHARED)

    result = pytester.runpytest_subprocess("-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=12)
    events = [line.split() for line in log.read_text().splitlines()]
    built = [pid for what, pid in events if what == "built"]
    shared = {pid for what, pid in events if what == "shared"}
    alone = {pid for what, pid in events if what == "alone"}
    assert len(built) == 1, events
    assert shared == set(built), events
    assert len(alone | shared) == 2, events
