"""Expected operating conditions as one line each: what happened and what to do.

A load can stop because another load holds the warehouse, because another process (dbt, a
notebook, the dashboard) has the DuckDB file open, or because a server refuses the connection.
None of these is a bug, so none prints a traceback (`python -m loaders --verbose ...` does).
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

from .lock import WarehouseBusy
from .raw_layer import RawLayerError

PACKAGE = Path(__file__).resolve().parent

# DuckDB: 'Could not set lock on file "<path>": Conflicting lock is held in <program> (PID <n>) ...'
_DUCKDB_LOCK = re.compile(r'Could not set lock on file "(?P<file>[^"]+)".*?held in (?P<holder>.+?\(PID \d+\))', re.S)
# psycopg2 (dlt's Redshift client): 'connection to server at "<host>" (...), port <n> failed: Connection refused'
_REFUSED = re.compile(
    r"connection to server at \"?(?P<host>[^\"\s,]+)\"?.*?port (?P<port>\d+) failed: Connection refused", re.S
)

# What an exception's text says -> the line to print (from the text's named groups), exit code.
KNOWN_CONDITIONS = (
    (
        _DUCKDB_LOCK,
        "the warehouse file {file} is open in another process ({holder}); close it (a dbt run, a notebook, "
        "the dashboard) and run the command again",
        3,
    ),
    (
        _REFUSED,
        "cannot connect to {host}:{port}: connection refused; check the host and port settings (REDSHIFT_HOST, "
        "REDSHIFT_PORT) and that the server is reachable",
        2,
    ),
)


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


def _raised_here(exc: BaseException) -> bool:
    """True when the loaders themselves raised it (a message written for the user), not a library
    (which may be a bug to look into, so it keeps the hint to --verbose)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(PACKAGE)


def explain(exc: BaseException) -> tuple[str, int]:
    """(one-line message, exit code) for an exception that reached the command line."""
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, WarehouseBusy):
            return str(e), 3
        if isinstance(e, RawLayerError):
            return str(e), 2
    for pattern, line, code in KNOWN_CONDITIONS:
        for e in chain:
            found = pattern.search(str(e))
            if found:
                return line.format(**found.groupdict()), code
    if isinstance(exc, (FileNotFoundError, ValueError)) and _raised_here(exc):
        return _first_line(exc), 2
    inner = chain[-1]
    return f"{type(inner).__name__}: {_first_line(inner)} (run with --verbose for the traceback)", 1
