"""Runs a page's body with the warehouse banners above it: "warehouse busy" when a writer holds
the file (the page shows what was cached), a hint when there is no warehouse or manifest. The
body's queries share one read-only connection, closed as soon as the body returns."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from finboard import warehouse


def page(body: Callable[[], None]) -> None:
    warehouse.start_run()
    banner = st.container()
    try:
        with warehouse.one_connection():
            body()
    except warehouse.WarehouseBusy:
        banner.warning(
            warehouse.busy_banner(None) + ": a load or dbt build holds the file; reload this page when it finishes."
        )
    except warehouse.WarehouseMissing as missing:
        banner.info(f"No warehouse at {missing}: run `make run`, or set FINANCE_WAREHOUSE_PATH.")
    as_of = warehouse.busy_since()
    if as_of is not None:
        banner.warning(
            warehouse.busy_banner(as_of) + " (a load or dbt build holds the file; the figures refresh after it)."
        )
    fallbacks = st.session_state.get(warehouse.FALLBACK_KEY)
    if fallbacks:
        banner.caption(
            "No dbt manifest (target/manifest.json): read "
            + ", ".join(f"marts.{name}" for name in sorted(fallbacks))
            + " by name; run `dbt parse` to resolve them through dbt."
        )
