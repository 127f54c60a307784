"""The warehouse file's DuckDB format: `python -m loaders upgrade-format`.

A load creates a new warehouse in the project's format (settings.DUCKDB_STORAGE_VERSION); a file
created before keeps the format it was written in. This rewrites such a file in the project's
format: every schema, table, view, sequence, macro and index copied into a new file (DuckDB's
`copy from database`), each table's rows and every other object's name compared on both sides,
then the new file put in the old one's place and the old one kept beside it.

The warehouse stays attached read-write for the whole upgrade, so DuckDB's own file lock keeps dbt,
a notebook or the dashboards out until the copy is in place; the load lock keeps loads out. The
warehouse's name always points at a whole file: the old one is linked to <name>.before-upgrade
first, then the copy replaces the name in one rename.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from . import settings
from .destinations import duckdb_lock_path
from .lock import warehouse_lock

VERSION_SQL = "select tags['storage_version'] from duckdb_databases() where not internal"  # one file open
# What a copy must hold besides the tables' rows: every other object, by name.
OBJECTS_SQL = """
select 'view ' || schema_name || '.' || view_name from duckdb_views() where database_name = $1 and not internal
union all
select 'sequence ' || schema_name || '.' || sequence_name from duckdb_sequences() where database_name = $1
union all
select 'macro ' || schema_name || '.' || function_name from duckdb_functions()
where database_name = $1 and function_type in ('macro', 'table_macro') and not internal
union all
select 'index ' || schema_name || '.' || index_name from duckdb_indexes() where database_name = $1
"""
# room for the copy beside the warehouse: at 10M lines the copy was 1.5% larger than the file
SPACE_FACTOR = 1.2
SPACE_MARGIN = 64 * 2**20


class UpgradeError(ValueError):
    """The upgrade cannot go on; the warehouse was left as it was."""


# the project's format as a file reports it
PROJECT_FORMAT = f"{settings.DUCKDB_STORAGE_VERSION}+"


def version_of(con: duckdb.DuckDBPyConnection) -> str:
    """The DuckDB format of the file a connection has open, as DuckDB names it (e.g. `v1.0.0+`)."""
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


def _contents(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    """Every table of a catalog with its row count, and every other object with 1."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? order by all", [catalog]
    ).fetchall()
    contents = {
        f"table {schema}.{table}": con.execute(f'select count(*) from "{catalog}"."{schema}"."{table}"').fetchone()[0]
        for schema, table in tables
    }
    contents.update({name: 1 for (name,) in con.execute(OBJECTS_SQL, [catalog]).fetchall()})
    return contents


def _check_space(path: Path) -> None:
    size = path.stat().st_size
    needed = max(int(size * SPACE_FACTOR), size + SPACE_MARGIN)
    free = shutil.disk_usage(path.parent).free
    if free < needed:
        raise UpgradeError(
            f"the copy of {path} needs about {needed / 2**30:.1f} GiB free beside it and "
            f"{free / 2**30:.1f} GiB is; free some space and run upgrade-format again"
        )


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_and_swap(path: Path, new: Path, kept: Path) -> dict[str, int]:
    """Copies the warehouse into `new`, checks it, and puts it at `path`, the old file at `kept`."""
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = {_literal(settings.duckdb_memory_limit())}")
        con.execute("set preserve_insertion_order = false")
        con.execute(f"set temp_directory = {_literal(path.with_name(path.name + '.tmp'))}")  # dbt's spill folder
        # read-write: DuckDB's lock on the file is held until the connection closes, after the swap
        con.execute(f"attach {_literal(path)} as old_file")
        con.execute("checkpoint old_file")  # its write-ahead log into the file: none may outlive it
        con.execute(f"attach {_literal(new)} as new_file (storage_version {_literal(settings.DUCKDB_STORAGE_VERSION)})")
        con.execute("copy from database old_file to new_file")
        before, after = _contents(con, "old_file"), _contents(con, "new_file")
        con.execute("detach new_file")
        if before != after:
            differ = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
            raise UpgradeError(
                f"the copy of {path} does not hold what it holds ({', '.join(differ[:5])}); the warehouse is "
                f"unchanged; the copy stays at {new} to inspect until the next upgrade-format; please report it"
            )
        logs = [log for log in (Path(f"{path}.wal"), Path(f"{new}.wal")) if log.exists()]
        if logs:
            raise UpgradeError(f"{logs[0]} is there after a checkpoint; the warehouse is unchanged; please report it")
        os.link(path, kept)
        try:
            os.replace(new, path)
        except OSError:
            kept.unlink()
            raise
        _sync_folder(path.parent)
        return before
    finally:
        con.close()


def upgrade(path: Path | None = None, wait: bool = False) -> str:
    """Rewrites the warehouse in the project's format, holding the load lock (with `wait`, queued
    behind a load) and DuckDB's file lock; returns what was done, in one line."""
    path = path or settings.warehouse_path()
    wanted = PROJECT_FORMAT
    new = path.with_name(path.name + ".upgrading")
    kept = path.with_name(path.name + ".before-upgrade")
    if not path.exists():
        if kept.exists():
            raise UpgradeError(f"no warehouse at {path}, but {kept} is there: move it back to {path}")
        return f"no warehouse at {path}; a load creates it in DuckDB's {wanted} format"
    with warehouse_lock(duckdb_lock_path(path), f"DuckDB file {path}", wait=wait):
        current = storage_version(path)
        if current == wanted:
            return f"{path} is in DuckDB's {wanted} format already; nothing to do"
        if kept.exists():
            raise UpgradeError(
                f"{kept} is there from an earlier upgrade; move it elsewhere and run upgrade-format again"
            )
        _check_space(path)
        for leftover in (new, Path(f"{new}.wal")):
            leftover.unlink(missing_ok=True)
        try:
            contents = _copy_and_swap(path, new, kept)
        except UpgradeError:
            raise
        except BaseException:
            new.unlink(missing_ok=True)  # a copy that failed part way holds nothing anyone needs
            raise
    tables = {name: rows for name, rows in contents.items() if name.startswith("table ")}
    return (
        f"rewrote {path} from DuckDB's {current} format in {wanted}: {len(tables)} tables, "
        f"{sum(tables.values()):,} rows and {len(contents) - len(tables)} other objects, the same in both; "
        f"the old file is {kept}, delete it once the warehouse builds"
    )
