"""Named points where a test can kill the loader (SIGKILL) or hold it, to prove that whatever
step a load dies in, the next load leaves raw exactly as one clean load would.

Set `FINANCE_LOADER_CRASH_AT=<point>` to kill the process at that point, or
`FINANCE_LOADER_PAUSE_AT=<point>` and `FINANCE_LOADER_PAUSE_GATE=<file>` to hold it there until
`<file>` exists (it writes `<file>.reached` when it gets there). Nothing happens when neither
is set.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

CRASH_ENV = "FINANCE_LOADER_CRASH_AT"
PAUSE_ENV = "FINANCE_LOADER_PAUSE_AT"
GATE_ENV = "FINANCE_LOADER_PAUSE_GATE"
# In the order a load passes them.
POINTS = (
    "extract:first-batch",  # the first batch of a feed checked and handed to dlt
    "extract:done",  # the package extracted, nothing normalized
    "normalize:first-file",  # one extracted file normalized, the package not yet committed
    "normalize:done",  # the package normalized, nothing loaded
    "load:first-job",  # one table's rows are in the warehouse, the others are not
    "load:before-complete",  # every table loaded, the load not yet recorded in _dlt_loads
    "apply:before",  # the load recorded, re-delivered files not yet applied
    "apply:mid",  # inside the apply transaction, after its first statement
)


def reached(point: str) -> None:
    """Called by the loader at each point."""
    if os.environ.get(CRASH_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)
    gate = os.environ.get(GATE_ENV, "")
    if os.environ.get(PAUSE_ENV) == point and gate:
        Path(gate + ".reached").touch()
        while not Path(gate).exists():
            time.sleep(0.05)


def install() -> None:
    """Puts the points that sit inside dlt's own steps in place, only when a test asks for one."""
    wanted = os.environ.get(CRASH_ENV) or os.environ.get(PAUSE_ENV, "")
    if not wanted.startswith(("normalize:", "load:")):
        return
    from dlt.common.destination.client import RunnableLoadJob
    from dlt.destinations.job_client_impl import SqlJobClientBase
    from dlt.normalize.items_normalizers.arrow import ArrowItemsNormalizer

    def after(cls: Any, method: str, point: str) -> None:
        original = getattr(cls, method)

        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            reached(point)
            return result

        setattr(cls, method, wrapped)

    def before(cls: Any, method: str, point: str) -> None:
        original = getattr(cls, method)

        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            reached(point)
            return original(self, *args, **kwargs)

        setattr(cls, method, wrapped)

    after(ArrowItemsNormalizer, "__call__", "normalize:first-file")
    after(RunnableLoadJob, "run_managed", "load:first-job")
    before(SqlJobClientBase, "complete_load", "load:before-complete")
