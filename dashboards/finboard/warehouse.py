"""Short, read-only reads of the warehouse that never stand in a load's or a build's way.

DuckDB allows one writer per file, and a reader holding the file would stop a writer too. So the
file is read only while a page renders, and released when the render ends: `frame.page` wraps
every page in `one_connection`, whose queries that miss the cache share one read-only reading of
the file, made at the first of them. Opening a DuckDB file costs more than most questions: DuckDB
starts an instance (its function catalog, ICU, JSON, Parquet) and loads the catalog and column
statistics of every table in the file. So the instance is started once per server process, in
memory (it holds no file), and the warehouse is ATTACHed to it read-only while at least one page
render needs it and DETACHed when the last one ends; a render that needs another file than the
one attached under the same catalog name opens its own connection. Outside `one_connection` each
query opens and closes a connection of its own.

Results are kept by `st.cache_data` (ttl) keyed on the file's modification time, so a new build
shows on the next rerun and an idle dashboard does not touch the file. While a writer holds the
file, the last result fetched for the same query is shown and the page says "warehouse busy: data
as of <time>" (the app frame draws the banner, see `busy_since`).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from finboard import refs

WAREHOUSE_ENV = "FINANCE_WAREHOUSE_PATH"
DEFAULT_WAREHOUSE = Path("warehouse/finance.duckdb")
CACHE_TTL_SECONDS = 300
BUSY_KEY = "_warehouse_busy_as_of"
FALLBACK_KEY = "_manifest_fallbacks"
PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class WarehouseBusy(Exception):
    """A writer holds the warehouse and nothing was fetched before for this query."""


class WarehouseMissing(Exception):
    """No warehouse file at the configured path."""


def warehouse_path() -> Path:
    """As the loaders and dbt read it: FINANCE_WAREHOUSE_PATH, else warehouse/finance.duckdb."""
    return Path(os.environ.get(WAREHOUSE_ENV, str(DEFAULT_WAREHOUSE)))


@dataclass(frozen=True)
class Result:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    fetched_at: datetime
    sources: tuple[str, ...]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def one(self) -> dict[str, Any]:
        records = self.records()
        return records[0] if records else dict.fromkeys(self.columns)


# The last result of every query, kept for the whole server process (all sessions): what a page
# shows while a writer holds the file. Keyed without the file's version.
_last_good: dict[tuple[str, tuple[tuple[str, Any], ...], str], Result] = {}
_last_good_lock = threading.Lock()


def is_lock_conflict(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, duckdb.IOException) and ("lock" in text or "resource temporarily unavailable" in text)


RESERVED_CATALOGS = frozenset({"memory", "system", "temp", "main"})


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Attachments:
    """The server process's in-memory DuckDB, and the warehouse ATTACHed to it read-only (as
    catalog <file stem>, the name the queries are rendered with) while page renders use it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instance: duckdb.DuckDBPyConnection | None = None
        self._path: str | None = None
        self._users = 0

    def acquire(self, path: str) -> duckdb.DuckDBPyConnection | None:
        """A cursor that reads `path`, attached for it unless already attached; None if another
        file is attached under the same catalog name (the caller opens the file itself). A writer
        holding the file: raises duckdb.IOException, and nothing is attached."""
        catalog = Path(path).stem
        if catalog.lower() in RESERVED_CATALOGS:
            return None
        path = str(Path(path).resolve())  # one file, one name: never attached twice
        with self._lock:
            if self._users and self._path != path:
                return None
            if self._instance is None:
                self._instance = duckdb.connect()
            if not self._users:  # ATTACH takes no bound parameter: the configured path, quoted
                self._instance.execute(f"attach {_literal(path)} as {_quoted(catalog)} (read_only)")
                self._path = path
            self._users += 1
            return self._instance.cursor()

    def release(self) -> None:
        """One user fewer; the last one detaches the file (writers can take it at once)."""
        with self._lock:
            self._users -= 1
            if not self._users and self._instance is not None and self._path is not None:
                path, self._path = self._path, None
                try:
                    self._instance.execute(f"detach {_quoted(Path(path).stem)}")
                except duckdb.Error:  # never keep the file: drop the instance with it
                    instance, self._instance = self._instance, None
                    instance.close()

    @property
    def attached(self) -> str | None:
        return self._path


_attachments = _Attachments()


class _RunConnection:
    """What the queries of one page render read through: made by the first query that misses the
    cache, given up by `one_connection` when the render ends."""

    def __init__(self) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None
        self._path: str | None = None
        self._attached = False

    def get(self, path: str) -> duckdb.DuckDBPyConnection:
        if self._con is None or self._path != path:
            self.close()
            cursor = _attachments.acquire(path)
            self._attached = cursor is not None
            self._con = cursor if cursor is not None else duckdb.connect(path, read_only=True)
            self._path = path
        return self._con

    def close(self) -> None:
        if self._con is None:
            return
        con, attached = self._con, self._attached
        self._con, self._path, self._attached = None, None, False
        try:
            con.close()
        finally:
            if attached:
                _attachments.release()


_run_connection: ContextVar[_RunConnection | None] = ContextVar("finboard_run_connection", default=None)


@contextmanager
def one_connection() -> Iterator[None]:
    """Within the block (one page render), queries read the file through one attachment made at
    the first cache miss (none if every result is cached); it is given up when the block ends,
    however it ends (a rerun or page switch raises through it)."""
    shared = _RunConnection()
    token = _run_connection.set(shared)
    try:
        yield
    finally:
        _run_connection.reset(token)
        shared.close()


def attached() -> str | None:
    """The warehouse file the server process has attached now (None: the file is free)."""
    return _attachments.attached


def file_version(path: Path) -> tuple[int, int]:
    """What the cache is keyed on: the file's mtime and its write-ahead log's (0 without one). A
    writer that stops without a checkpoint (a killed build) leaves its writes in `<file>.wal`,
    which a read replays, and the file itself unchanged."""
    wal = path.with_name(path.name + ".wal")
    return path.stat().st_mtime_ns, wal.stat().st_mtime_ns if wal.exists() else 0


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=1024, show_spinner=False)
def _fetch(sql: str, params: tuple[tuple[str, Any], ...], path: str, version: tuple[int, int]) -> Result:
    """The query on the run's shared connection, or on one of its own closed before returning
    (`version` is file_version's: part of the cache key only)."""
    shared = _run_connection.get()
    con = shared.get(path) if shared is not None else duckdb.connect(path, read_only=True)
    try:
        cursor = con.execute(sql, dict(params)) if params else con.execute(sql)
        columns = tuple(d[0] for d in cursor.description or ())
        rows = tuple(tuple(row) for row in cursor.fetchall())
    finally:
        if shared is None:
            con.close()
    return Result(columns, rows, datetime.now(UTC), ())


def run(page: str, name: str, params: Mapping[str, Any] | None = None) -> Result:
    """Runs `queries/<page>__<name>.sql` with named parameters ($name)."""
    path = warehouse_path()
    if not path.exists():
        raise WarehouseMissing(str(path))
    rendered = refs.render(refs.load_query(page, name), catalog=path.stem)
    if rendered.fallbacks:
        fallbacks = st.session_state.setdefault(FALLBACK_KEY, set())
        fallbacks.update(rendered.fallbacks)
    wanted = set(PARAMETER.findall(rendered.sql))
    given = dict(params or {})
    if wanted - given.keys():
        raise KeyError(f"{page}__{name}.sql needs {sorted(wanted - given.keys())}")
    frozen = tuple(sorted((k, _hashable(v)) for k, v in given.items() if k in wanted))
    key = (rendered.sql, frozen, str(path.resolve()))
    try:
        result = _fetch(rendered.sql, frozen, str(path), file_version(path))
    except duckdb.Error as error:
        if not is_lock_conflict(error):
            raise
        with _last_good_lock:
            cached = _last_good.get(key)
        if cached is None:
            raise WarehouseBusy(str(path)) from error
        _mark_busy(cached.fetched_at)
        return _with_sources(cached, rendered)
    with _last_good_lock:
        _last_good[key] = result
    return _with_sources(result, rendered)


def _with_sources(result: Result, rendered: refs.Rendered) -> Result:
    return Result(result.columns, result.rows, result.fetched_at, rendered.refs)


def _hashable(value: Any) -> Any:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(value)
    return value


def _mark_busy(as_of: datetime) -> None:
    current = st.session_state.get(BUSY_KEY)
    st.session_state[BUSY_KEY] = as_of if current is None else min(current, as_of)


def busy_since() -> datetime | None:
    """The oldest cached result this run showed because the warehouse was busy (None: all fresh)."""
    value = st.session_state.get(BUSY_KEY)
    return value if isinstance(value, datetime) else None


def start_run() -> None:
    st.session_state[BUSY_KEY] = None
    st.session_state[FALLBACK_KEY] = set()


def busy_banner(as_of: datetime | None) -> str:
    if as_of is None:
        return "warehouse busy: no data cached yet"
    return f"warehouse busy: data as of {as_of:%Y-%m-%d %H:%M:%S} UTC"


def expire_cache() -> None:
    """Ends every cached result's ttl now (the last-good results stay, for a busy warehouse)."""
    _fetch.clear()


def clear_memory() -> None:
    """For tests: forget every cached and last-good result."""
    _fetch.clear()
    with _last_good_lock:
        _last_good.clear()
