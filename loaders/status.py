"""What the local warehouse holds: `python -m loaders status`."""

from __future__ import annotations

import duckdb

from . import settings
from .contracts import FEEDS


def file_format_line(con: duckdb.DuckDBPyConnection) -> str:
    from .file_format import PROJECT_FORMAT, version_of

    version = version_of(con)
    line = f"file format: DuckDB {version}"
    if version != PROJECT_FORMAT:
        line += f" (not the project's; `python -m loaders upgrade-format` rewrites it in {PROJECT_FORMAT})"
    return line


# what to do about a load that stopped part way: the next load repairs raw (loaders/raw_layer.py,
# recover), but a second load while one runs would delete the running one's rows (decision log §13)
REPAIR = (
    "if no load is running, run the same load again (the same --source and --destination, or make daily with the "
    "same SOURCE), then build; if one is, let it finish, then build"
)


def stopped_loads(con: duckdb.DuckDBPyConnection, schema: str, tables: set[str]) -> list[str]:
    """A line per load that stopped part way (killed, its connection lost), as the build's
    completeness check lists it: rows in raw of a load `_dlt_loads` does not hold, and files
    whose new delivery a completed load recorded but did not put in place of the earlier one."""
    completed = f"select load_id from {schema}._dlt_loads where status = 0"
    held: dict[str, list[str]] = {}
    for table in sorted((*FEEDS, "quarantine", "file_deliveries", "feed_reads")):  # as the build lists them
        if table in tables:
            for load_id, rows in con.execute(
                f"select _dlt_load_id, count(*) from {schema}.{table} "
                f"where _dlt_load_id is null or _dlt_load_id not in ({completed}) group by 1 order by 1"
            ).fetchall():
                held.setdefault(load_id or "(no load id)", []).append(f"{schema}.{table} {rows:,}")
    lines = [
        f"  STOPPED PART WAY: load {load_id} has not completed (it stopped, or is still running); its rows are in raw "
        f"({', '.join(parts)}): {REPAIR}"
        for load_id, parts in sorted(held.items())
    ]
    if "file_deliveries" in tables:
        for file_name, newest in con.execute(
            f"select file_name, max(_dlt_load_id) from {schema}.file_deliveries "
            f"where coalesce(is_current, true) and _dlt_load_id in ({completed}) "
            "group by file_name having count(*) > 1 order by file_name"
        ).fetchall():
            lines.append(
                f"  STOPPED PART WAY: {file_name} was delivered again by load {newest}, which stopped (or is still "
                f"running) before the new delivery replaced the earlier one in raw: {REPAIR}"
            )
    return lines


def report() -> str:
    path = settings.warehouse_path()
    if not path.exists():
        return f"no warehouse yet at {path}; run `make run` or `python -m loaders load`"
    con = duckdb.connect(str(path), read_only=True)
    schema = settings.RAW_DATASET
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }
    lines = [f"warehouse: {path.resolve()}", file_format_line(con), f"raw schema '{schema}':"]
    quarantined: dict[str, int] = {}
    if "quarantine" in tables:
        quarantined = dict(con.execute(f"select feed, count(*) from {schema}.quarantine group by feed").fetchall())
    delivered: dict[str, dict[str, int]] = {}
    if "file_deliveries" in tables:
        for feed, status, files in con.execute(
            f"select feed, coalesce(delivery_status, 'loaded'), count(*) from {schema}.file_deliveries "
            "where coalesce(is_current, true) group by all"
        ).fetchall():
            delivered.setdefault(feed, {})[status] = files
    stopped: dict[str, tuple[str | None, str | None, int, int]] = {}
    if "feed_reads" in tables:  # each feed's latest read: the file it stopped at, the links it refused
        for feed, *state in con.execute(
            f"select feed, rejected_file_name, rejection_reason, files_waiting, links_refused from {schema}.feed_reads "
            "qualify row_number() over (partition by feed order by _dlt_load_id desc) = 1"
        ).fetchall():
            stopped[feed] = tuple(state)  # type: ignore[assignment]
    for feed in FEEDS:
        if feed in tables:
            rows = con.execute(f"select count(*) from {schema}.{feed}").fetchone()[0]
            files = delivered.get(feed, {})
            unread = ", ".join(f"{n} {status}" for status, n in sorted(files.items()) if status != "loaded")
            lines.append(
                f"  {schema}.{feed:<16}{rows:>12,} rows   {quarantined.get(feed, 0):>8,} quarantined"
                f"   {files.get('loaded', 0):>6,} files" + (f" ({unread})" if unread else "")
            )
            rejected, reason, waiting, refused = stopped.get(feed, (None, None, 0, 0))
            if not files.get("loaded") and not rejected:  # a first file rejected was delivered
                lines.append(f"    never delivered: {FEEDS[feed].when_missing}")
            if rejected:
                lines.append(
                    f"    STOPPED at {rejected} ({reason}); {waiting:,} later file(s) wait: fix or remove it and "
                    "load again"
                )
            if refused:
                lines.append(f"    {refused:,} link(s) out of the source root refused, not read")
        else:
            lines.append(f"  {schema}.{feed:<16}{'not loaded':>12}")
    if "_dlt_loads" in tables:
        loads, last = con.execute(
            f"select count(*), max(inserted_at) from {schema}._dlt_loads where status = 0"
        ).fetchone()
        lines.append(f"  {loads} loads, the last at {last}")
        lines += stopped_loads(con, schema, tables)
    others = con.execute(
        "select table_schema, count(*) from information_schema.tables "
        "where table_schema not in (?, 'information_schema', 'pg_catalog') and table_schema not like ? "
        "group by 1 order by 1",
        [schema, f"{schema}_%"],
    ).fetchall()
    if others:
        lines.append("dbt schemas: " + ", ".join(f"{s} ({n} relations)" for s, n in others))
    return "\n".join(lines)
