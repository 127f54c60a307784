"""Runs a page's body with the warehouse banners above it: "warehouse busy" when a writer holds
the file (the page shows what was cached), a warning when the last build did not finish, failed or
ran only part of the project (finboard/builds.py), a hint when there is no warehouse or manifest. The
body's queries share one read-only connection, closed as soon as the body returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from finboard import builds, refs, warehouse


def page(body: Callable[[], None]) -> None:
    warehouse.start_run()
    banner = st.container()
    try:
        with warehouse.one_connection():
            last_build(banner)
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


def last_build(banner: DeltaGenerator) -> None:
    """The last build's warning (builds.banner) in the banner, unknown included."""
    message = builds.banner(next(iter(recent_builds()), None))
    if message:
        banner.warning(message)


def recent_builds() -> list[dict[str, Any]]:
    """The last ten builds, the last started first (queries/frame__builds.sql); none when the
    warehouse has no build log yet."""
    try:
        return warehouse.run(refs.FRAME, "builds").records()
    except (duckdb.CatalogException, refs.NotAMart):
        return []
