"""What every page says above its figures about the last build that changed the warehouse
(marts.warehouse_builds, decision log §16): nothing after a complete build, a warning when the
figures may not be one finished, complete build's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

UNKNOWN = (
    "Build status unknown: no build is logged in marts.warehouse_builds yet (a warehouse built before"
    " the log existed, or whose first build stopped); the next dbt build logs itself."
)


def _at(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "unknown"


def banner(last: dict[str, Any] | None) -> str | None:
    """The warning for the last build (a row of queries/frame__last_build.sql), or None when it
    completed: every model built, no node failed."""
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
        skipped = last["nodes_skipped"] or 0
        return f"{run} finished with {last['nodes_failed']:,} failed node(s): {last['failed_nodes']}." + (
            f" {skipped:,} node(s) depending on them were not run, so the figures they feed are the"
            " build before's and may not agree with the rest."
            if skipped
            else " Every model was refreshed; Data health lists the failing checks."
        )
    return (
        f"{run} built {last['models_selected']:,} of the project's {last['models_in_project']:,} models:"
        " the figures of the others are an earlier build's and may not agree with it until a full"
        " dbt build completes."
    )
