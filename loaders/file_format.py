"""The warehouse file's DuckDB format: `python -m loaders upgrade-format`.

A load creates a new warehouse in the project's format (settings.DUCKDB_STORAGE_VERSION); a file
created before keeps the format it was written in. This rewrites such a file in the project's
format: every schema, table, view and sequence copied into a new file, each table's rows counted
on both sides, then the new file put in the old one's place and the old one kept beside it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from . import settings
from .destinations import duckdb_lock_path
from .lock import warehouse_lock

VERSION_SQL = "select tags['storage_version'] from duckdb_databases() where not internal"  # one file open


class UpgradeError(ValueError):
    """The copy does not hold what the warehouse holds; the warehouse was left as it was."""


def version_of(con: duckdb.DuckDBPyConnection | None = None) -> str:
    """The DuckDB format of the file a connection has open, as DuckDB names it (e.g. `v1.5.0+`);
    without a connection, the project's format, named the same way."""
    if con is None:
        return f"{settings.DUCKDB_STORAGE_VERSION}+"
    return str(con.execute(VERSION_SQL).fetchone()[0])


def storage_version(path: Path) -> str:
    """The DuckDB format a file was written in."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return version_of(con)
    finally:
        con.close()


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _row_counts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? order by all", [catalog]
    ).fetchall()
    return {
        f"{schema}.{table}": con.execute(f'select count(*) from "{catalog}"."{schema}"."{table}"').fetchone()[0]
        for schema, table in tables
    }


def _copy(path: Path, new: Path) -> dict[str, int]:
    """Copies the warehouse into `new` in the project's format; the tables' row counts, checked."""
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = {_literal(settings.duckdb_memory_limit())}")
        con.execute(f"set temp_directory = {_literal(path.with_name(path.name + '.tmp'))}")  # dbt's spill folder
        con.execute(f"attach {_literal(path)} as old_file (read_only)")
        con.execute(f"attach {_literal(new)} as new_file (storage_version {_literal(settings.DUCKDB_STORAGE_VERSION)})")
        con.execute("copy from database old_file to new_file")
        before, after = _row_counts(con, "old_file"), _row_counts(con, "new_file")
    finally:
        con.close()
    if before != after:
        differ = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
        raise UpgradeError(
            f"the copy of {path} does not hold the same rows ({', '.join(differ)}); the warehouse is "
            f"unchanged and the copy is left at {new} to inspect"
        )
    return before


def upgrade(path: Path | None = None) -> str:
    """Rewrites the warehouse in the project's format under the load lock (no load can run);
    DuckDB's own file lock stops it while dbt or anything else writes the file. The old file is
    kept as <name>.before-upgrade; returns what was done, in one line."""
    path = path or settings.warehouse_path()
    wanted = version_of()
    if not path.exists():
        return f"no warehouse at {path}; a load creates it in DuckDB's {wanted} format"
    with warehouse_lock(duckdb_lock_path(path), f"DuckDB file {path}"):
        current = storage_version(path)
        if current == wanted:
            return f"{path} is in DuckDB's {wanted} format already; nothing to do"
        # the old file's write-ahead log goes into it first: a log left beside the new file
        # would be replayed onto it
        writer = duckdb.connect(str(path))
        writer.execute("checkpoint")
        writer.close()
        if Path(f"{path}.wal").exists():
            raise UpgradeError(f"{path}.wal is still there after a checkpoint; the warehouse is unchanged")
        new = path.with_name(path.name + ".upgrading")
        kept = path.with_name(path.name + ".before-upgrade")
        for leftover in (new, Path(f"{new}.wal")):
            leftover.unlink(missing_ok=True)
        counts = _copy(path, new)
        os.replace(path, kept)
        os.replace(new, path)
    rows = sum(counts.values())
    return (
        f"rewrote {path} from DuckDB's {current} format in {wanted}: {len(counts)} tables, {rows:,} rows, "
        f"the same in both; the old file is {kept}, delete it once the warehouse builds"
    )
