"""What every dashboard page, the month-end pack and the export say about the last build that
changed the warehouse (marts.warehouse_builds, decision log §16): nothing after a complete build,
a warning when the figures may not be one finished, complete build's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

# The columns banner() reads, from the warehouse's build log, the last started first.
LAST_BUILD_SQL = """
    select command, build_status, started_at, nodes_selected, nodes_in_project, models_selected,
        models_in_project, nodes_failed, nodes_skipped, failed_nodes
    from marts.warehouse_builds
    order by started_at desc nulls last, invocation_id desc
    limit 1
"""

UNKNOWN = (
    "Build status unknown: marts.warehouse_builds holds no build (a warehouse built before the log"
    " existed, or whose first build with it stopped). The figures may not be one finished build's"
    " until a dbt build of the whole project completes."
)


def _at(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "unknown"


def banner(last: dict[str, Any] | None) -> str | None:
    """The warning for the last build (the first row of queries/frame__builds.sql), or None when
    it completed: every model, seed, snapshot and data test of the project run, none failed."""
    if last is None:
        return UNKNOWN
    status = last["build_status"]
    run = f"The last build (dbt {last['command']}, started {_at(last['started_at'])})"
    if status == "complete":
        return None
    if status == "not finished":
        return (
            f"{run} has not finished: it is still running, or it stopped. The figures may hold some of"
            " its results and some of the build before, and may not agree with one another until a build"
            " completes."
        )
    if status == "failed":
        # the log names the failed nodes, not their kind: said for either (a test alone failing
        # refreshed every model, and read "a failed model was not refreshed")
        skipped = int(last["nodes_skipped"] or 0)
        return (
            f"{run} finished with {last['nodes_failed']:,} failed node(s): {last['failed_nodes']}. A failed"
            " model keeps the build before's figures, and a failed test found figures it checks wrong"
            + (
                f"; the {skipped:,} node(s) depending on a failed one were not run: the figures they feed are"
                " the build before's and may not agree with the rest"
                if skipped
                else "; no node was skipped"
            )
            + ". Data health lists the failing reconciliation checks."
        )
    return (
        f"{run} ran {last['nodes_selected']:,} of the project's {last['nodes_in_project']:,} models, seeds,"
        f" snapshots and data tests ({last['models_selected']:,} of {last['models_in_project']:,} models):"
        " what it left out was not refreshed or not checked with it, and may not agree with it until a"
        " dbt build of the whole project completes."
    )


def last_build(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The last build that changed the warehouse, as banner() reads it; None when the log holds
    none (or the warehouse has no log yet)."""
    try:
        cursor = con.execute(LAST_BUILD_SQL)
    except duckdb.CatalogException:
        return None
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))
