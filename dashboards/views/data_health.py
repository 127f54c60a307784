"""Data health: what each feed brought to the marts and when, quarantined rows, open
reconciliation exceptions with their detail, and the plausibility warnings."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from finboard import frame, money, warehouse
from finboard.ui import money_table, page_header, source

PAGE = "data_health"
NO_LOAD_TIME = "unknown: never delivered"
NO_DATE = "unknown: no mart carries this feed's dates"


def feed_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest_transactions = next((r["latest_date"] for r in records if r["feed"] == "transactions"), None)
    out = []
    for record in records:
        latest: date | None = record["latest_date"]
        behind = (latest_transactions - latest).days if latest and latest_transactions else None
        missing = record["lines_missing"]
        out.append(
            {
                "feed": record["feed"],
                "latest data": latest.isoformat() if latest else _no_date(record),
                "days behind transactions": str(behind) if behind is not None else "unknown",
                "last load": record["last_load_at"].strftime("%Y-%m-%d %H:%M UTC")
                if record["last_load_at"]
                else NO_LOAD_TIME,
                "rows in marts": f"{record['mart_rows']:,}" if record["mart_rows"] is not None else "n/a",
                "lines it leaves unknown": f"{missing:,}" if missing is not None else "n/a",
                "files not loaded": _left_out(record),
                "source": record["source"] or "",
            }
        )
    return out


def _left_out(record: dict[str, Any]) -> str:
    """The delivered files of the feed in no mart (decision log §13): the file its latest read
    stopped at, with why and how many wait behind it, and the links it refused."""
    parts = []
    if record["rejected_file_name"]:
        parts.append(
            f"REJECTED {record['rejected_file_name']} ({record['rejection_reason']}); "
            f"{record['files_waiting']:,} later file(s) wait behind it"
        )
    if record["links_refused"]:
        parts.append(f"{record['links_refused']:,} link(s) out of the source root refused")
    return "; ".join(parts)


def build_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "started": f"{r['started_at']:%Y-%m-%d %H:%M:%S}",
            "finished": f"{r['finished_at']:%Y-%m-%d %H:%M:%S}" if r["finished_at"] else "not finished",
            "command": "dbt " + r["command"] + (" --full-refresh" if r["is_full_refresh"] else ""),
            "status": r["build_status"],
            "models selected": f"{r['models_selected']:,} of {r['models_in_project']:,}",
            "nodes selected": f"{r['nodes_selected']:,} of {r['nodes_in_project']:,}",
            "failed": "" if r["nodes_failed"] is None else f"{r['nodes_failed']:,}",
            "skipped": "" if r["nodes_skipped"] is None else f"{r['nodes_skipped']:,}",
            "failed nodes": r["failed_nodes"] or "",
        }
        for r in records
    ]


def _no_date(record: dict[str, Any]) -> str:
    if record["feed"] in ("products", "customers") and record["mart_rows"]:
        # every key delivered one version only: each holds from 1900, so no date (the history holds
        # every version delivered, decision log §7)
        return "first versions only (no later version in history)"
    if record["mart_rows"] == 0:
        return "unknown: never delivered"
    return NO_DATE


def main() -> None:
    page_header(
        "Data health",
        [
            "feed_deliveries",
            "feed_freshness",
            "reconciliation_exceptions",
            "reconciliation_expected_unknowns",
            "warehouse_builds",
        ],
    )
    st.caption("The whole warehouse: the date, channel and currency filters do not apply here.")

    st.subheader("Feeds: last load and freshness")
    feeds = feed_rows(warehouse.run(PAGE, "feeds").records())
    st.dataframe(pd.DataFrame(feeds), hide_index=True, width="stretch")
    st.caption(
        "Last load: when the loader last read a file of the feed (marts.feed_deliveries.last_read_at, UTC);"
        " latest data: the latest date the feed's rows reached the marts (marts.feed_freshness.latest_date,"
        " from the mart column named in source). Files not loaded: a file the feed's latest load stopped at,"
        " because the loader could not read it, and the files waiting behind it: not loaded until it is fixed"
        " or removed and loaded again; a rejected correction leaves the file's earlier delivery in the marts"
        " (marts.feed_deliveries.rejected_file_name)."
    )

    st.subheader("Builds: the last ten")
    st.dataframe(pd.DataFrame(build_rows(frame.recent_builds())), hide_index=True, width="stretch")
    st.caption(
        "Every dbt build, run, seed or snapshot that changed the warehouse (marts.warehouse_builds,"
        " times in UTC; a retry logs as the command it retries): not finished (running, or stopped), failed,"
        " partial (fewer models, seeds, snapshots or data tests than the project has) or complete."
    )

    exceptions = warehouse.run(PAGE, "exceptions").records()
    quarantine = [e for e in exceptions if e["invariant"] == "quarantine"]
    plausibility = [e for e in exceptions if e["invariant"] == "plausibility"]
    # the open exceptions: every one but the quarantine's warnings, which have their own table; a
    # failing quarantined record (of a feed of money) is open too, or the section would read "No
    # open reconciliation exception" beside the failures' count (found by a review, 2026-12-07)
    open_rows = [e for e in exceptions if e["invariant"] != "quarantine" or e["is_failure"]]
    # a quarantined record of a feed of money is a failure too (decision log §10)
    failures = [e for e in exceptions if e["is_failure"]]

    a, b, c = st.columns(3)
    a.metric(
        "Failing exceptions", f"{len(failures):,}", help=source("reconciliation_exceptions.is_failure"), border=True
    )
    b.metric(
        "Quarantined rows",
        f"{len(quarantine):,}",
        help=source("reconciliation_exceptions (invariant quarantine)"),
        border=True,
    )
    c.metric(
        "Plausibility warnings",
        f"{len(plausibility):,}",
        help=source("reconciliation_exceptions (invariant plausibility)"),
        border=True,
    )
    if failures:
        st.error(f"{len(failures):,} reconciliation exceptions fail: the close cannot be signed off.")

    money_columns = ["expected_value", "actual_value", "difference"]

    def table(rows: list[dict[str, Any]]) -> None:
        frame = money_table(
            [{**r, **{k: (money.dec(r[k]) if r[k] is not None else None) for k in money_columns}} for r in rows],
            unknown_text=dict.fromkeys(money_columns, ""),
        )
        for column in money_columns:
            frame[column] = [str(money.cents(v)) if v is not None else "" for v in (r[column] for r in rows)]
        st.dataframe(frame, hide_index=True, width="stretch")

    st.subheader("Open reconciliation exceptions")
    if open_rows:
        summary = pd.DataFrame(open_rows).groupby(["invariant", "is_failure"]).size().reset_index(name="rows")
        st.dataframe(summary, hide_index=True, width="stretch")
        invariant = st.selectbox("Detail of", sorted({r["invariant"] for r in open_rows}), key="health_invariant")
        table([r for r in open_rows if r["invariant"] == invariant])
    else:
        st.success("No open reconciliation exception.")
    st.caption(
        source(
            "reconciliation_exceptions.invariant",
            "reconciliation_exceptions.detail",
            "reconciliation_exceptions.difference",
        )
    )

    st.subheader("Quarantined rows")
    if quarantine:
        table(quarantine)
    else:
        st.write("No quarantined row in the current deliveries.")

    st.subheader("Anomaly and plausibility warnings")
    if plausibility:
        table(plausibility)
    else:
        st.write("No anomaly or plausibility warning.")

    st.subheader("Expected unknown members")
    unknowns = warehouse.run(PAGE, "expected_unknowns").records()
    st.dataframe(pd.DataFrame(unknowns), hide_index=True, width="stretch")
    st.caption(source("reconciliation_expected_unknowns.unknown_kind", "reconciliation_expected_unknowns.row_count"))


frame.page(main)
