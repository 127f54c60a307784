"""Expected operating conditions as one line each: what happened and what to do.

A load can stop because another load holds the warehouse, because another process (dbt, a
notebook, the dashboard) has the DuckDB file open, or because a server refuses the connection.
None of these is a bug, so none prints a traceback (`python -m loaders --verbose ...` does).
"""

from __future__ import annotations

import re

from .lock import WarehouseBusy

# DuckDB: 'Could not set lock on file "<path>": Conflicting lock is held in <program> (PID <n>) ...'
_DUCKDB_LOCK = re.compile(r'Could not set lock on file "(?P<file>[^"]+)".*?held in (?P<holder>.+?\(PID \d+\))', re.S)
_REFUSED = re.compile(r"connection to server at \"?(?P<host>[^\"\s,]+)\"?.*?port (?P<port>\d+) failed", re.S)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def explain(exc: BaseException) -> tuple[str, int]:
    """(one-line message, exit code) for an exception that reached the command line."""
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, WarehouseBusy):
            return str(e), 3
    for e in chain:
        found = _DUCKDB_LOCK.search(str(e))
        if found:
            return (
                f"the warehouse file {found['file']} is open in another process ({found['holder']}); "
                "close it (a dbt run, a notebook, the dashboard) and run the command again",
                3,
            )
    for e in chain:
        text = str(e)
        if "Connection refused" in text or "could not connect to server" in text:
            where = _REFUSED.search(text)
            place = f"{where['host']}:{where['port']}" if where else "the server"
            return (
                f"cannot connect to {place}: connection refused; check the host and port settings "
                "(REDSHIFT_HOST, REDSHIFT_PORT) and that the server is reachable",
                2,
            )
    for e in chain:
        if isinstance(e, (FileNotFoundError, ValueError)) and e is exc:
            return _first_line(e), 2
    inner = chain[-1]
    return f"{type(inner).__name__}: {_first_line(inner)} (run with --verbose for the traceback)", 1
