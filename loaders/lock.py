"""One writer at a time: a load holds an exclusive lock on the warehouse it writes.

The lock is an advisory `flock` on a file beside the DuckDB warehouse (for Redshift, in the
pipelines folder, named after the cluster and database: it keeps loads from this machine apart).
The operating system releases it when the process ends, however it ends (kill -9 included), so
a crashed load never leaves a stale lock. The file says who holds it, for the message.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(Exception):
    """Another load holds the warehouse."""


def _holder(path: Path) -> str:
    try:
        text = path.read_text().strip()
    except OSError:
        text = ""
    return text or "another process"


@contextmanager
def warehouse_lock(path: Path, what: str, wait: bool = False, notify: object = None) -> Iterator[None]:
    """Holds the lock at `path` for the block. Without `wait`, raises WarehouseBusy at once when
    another load holds it; with `wait`, blocks until it is free (saying so once on stderr)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(path)
            if not wait:
                raise WarehouseBusy(
                    f"another load is writing {what} ({holder}); wait for it to finish, "
                    "or run again with --wait to queue behind it"
                ) from None
            if callable(notify):
                notify(f"waiting for another load to finish writing {what} ({holder})")
            started = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            if callable(notify):
                notify(f"the other load finished after {time.monotonic() - started:.0f} s; loading")
        since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"PID {os.getpid()} on {socket.gethostname()}, since {since}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
