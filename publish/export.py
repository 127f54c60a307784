"""The marts as partitioned Parquet, for a lake reader (Athena, Spark, another BI tool) that must
not touch the warehouse file: `exports/<mart>/year=YYYY/month=MM/*.parquet` for a mart with a
date, `exports/<mart>/<mart>.parquet` for one without.

Atomic per mart: each export writes a new version folder (`exports/.versions/<mart>/<stamp>/`)
and then replaces the link `exports/<mart>` with one to it in a single rename, so a reader that
resolves `exports/<mart>` sees the whole old export or the whole new one, never a mix. The
previous version is kept until the next export (a reader may still be on it); older ones go.
The marts switch one after another, so `_build_status.json` says the export is unfinished (the
marts may be of two builds) from before the first switch until after the last.
Money keeps its fixed-scale decimal type; nothing is rounded or cast to a float.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .build_status import banner, last_build

# The date each exported mart is partitioned by; marts not named here are written unpartitioned.
PARTITION_DATE = {
    "fct_transactions": "event_date",
    "fct_orders": "order_date",
    "fct_marketing_spend": "spend_date",
    "pnl_daily_by_channel": "date_day",
    "product_performance_monthly": "month_start_date",
    "refunds_monthly": "month_start_date",
    "marketing_performance_monthly": "month_start_date",
    "orders_daily": "order_date",
    "refund_reasons_daily": "event_date",
}
# Every other mart a reader of the warehouse reads (the dbt exposures: dashboards, BI, the
# reconciliation report), so that a lake reader can read what the dashboards read: the dimensions
# the facts' keys join to, and what says a figure is unknown (a feed never delivered is not 0).
# Left out: the Customers page's search indexes (customer_search, customer_group_search), lookups
# over customer_360 and customer_groups_360, which are exported.
UNPARTITIONED = (
    "customer_360",
    "customer_groups_360",
    "dim_campaign",
    "dim_channel",
    "dim_customer",
    "dim_date",
    "dim_product",
    "feed_deliveries",
    "feed_freshness",
    "reconciliation_exceptions",
    "reconciliation_expected_unknowns",
    "warehouse_builds",
)
SEARCH_INDEXES = ("customer_search", "customer_group_search")
MARTS = (*PARTITION_DATE, *UNPARTITIONED)
VERSIONS = ".versions"
# Beside the marts: the last build's status and warning (decision log §16), rewritten by every export.
BUILD_STATUS = "_build_status.json"


@dataclass(frozen=True)
class Exported:
    mart: str
    rows: int
    path: Path


def _stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 1_000_000_000:09d}"


def _swap_link(link: Path, target: Path) -> None:
    """Points `link` at `target` in one rename (a new link beside it replaces the old one)."""
    fresh = link.with_name(f".{link.name}.{os.getpid()}.link")
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(target.relative_to(link.parent), target_is_directory=True)
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} is a folder, not an export link: move it away and export again")
    os.replace(fresh, link)


def _prune(versions: Path, keep: set[Path]) -> None:
    for old in versions.iterdir():
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


def export_mart(con: duckdb.DuckDBPyConnection, mart: str, root: Path) -> Exported:
    """Writes one mart as a new version and switches `root/<mart>` to it."""
    versions = root / VERSIONS / mart
    target = versions / _stamp()
    target.mkdir(parents=True)
    date = PARTITION_DATE.get(mart)
    if date:
        query = (
            f"select *, cast(extract(year from {date}) as integer) as year, "
            f"lpad(cast(extract(month from {date}) as varchar), 2, '0') as month from marts.{mart}"
        )
        con.execute(f"copy ({query}) to '{target}' (format parquet, partition_by (year, month))")
    else:
        con.execute(f"copy (select * from marts.{mart}) to '{target / (mart + '.parquet')}' (format parquet)")
    rows = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
    link = root / mart
    previous = link.resolve() if link.is_symlink() else None
    _swap_link(link, target)
    _prune(versions, {target.resolve(), *([previous] if previous else [])})
    return Exported(mart, int(rows), link)


# What the status says while an export writes the marts one by one, and after one that stopped
# part way: the marts switched so far are the new build's, the others the export's before.
EXPORT_UNFINISHED = (
    "An export started at {started} has not finished: it is still writing the marts, or it stopped part way, "
    "so the marts may be of two builds and may not agree with one another. Export again."
)


def write_build_status(con: duckdb.DuckDBPyConnection, root: Path, unfinished_since: str | None = None) -> str | None:
    """Writes `root/_build_status.json`: the last build's status and, when its figures may not be
    one finished, complete build's, the warning the dashboards show; with `unfinished_since`
    (an export under way, written before its first mart is switched), that the marts may be of
    two builds, until the export's last mart is switched and the status written again. Returns
    the warning."""
    last = last_build(con)
    warning = banner(last)
    if unfinished_since:
        warning = EXPORT_UNFINISHED.format(started=unfinished_since) + (f" {warning}" if warning else "")
    status = {
        "build_status": None if last is None else last["build_status"],
        "started_at": None if last is None or last["started_at"] is None else last["started_at"].isoformat(),
        "export_finished": unfinished_since is None,
        "figures_agree": warning is None,
        "warning": warning,
    }
    fresh = root / f".{BUILD_STATUS}.{os.getpid()}"
    fresh.write_text(json.dumps(status, indent=2) + "\n", encoding="utf-8")
    os.replace(fresh, root / BUILD_STATUS)
    return warning


def export_marts(warehouse: Path, root: Path, marts: tuple[str, ...] = MARTS) -> tuple[list[Exported], str | None]:
    """Every mart, each switched atomically, and the last build's status beside them; a read-only
    connection, so a load may run alongside only if it does not hold the file (DuckDB: one
    writer, or many readers). Returns the marts and the last build's warning, if any."""
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: no warehouse to export; run `make run` first")
    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # the marts switch one at a time: until the last is, they may be of two builds, and the
        # status says so (an export that stops part way leaves it saying so)
        write_build_status(con, root, unfinished_since=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
        done = [export_mart(con, mart, root) for mart in marts]
        return done, write_build_status(con, root)
    finally:
        con.close()
