"""Products and categories over the months the date range touches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from finboard import frame, money, warehouse
from finboard.ui import (
    DRAWN_FULL,
    NO_USD,
    SUMS_OF_THE_DAYS_HELD,
    chart_frame,
    drawn,
    drawn_as,
    lines_without_usd_warning,
    money_table,
    months_shown,
    page_header,
    sidebar_filters,
    source,
    unknown_marks,
)

from publish.usd_totals import NO_COST as NO_COST_REASON

PAGE = "products"
MART = "product_performance_monthly"
MONEY = ("net_revenue_usd", "gross_margin_usd", "net_revenue_with_cost_usd")
RATES = ("gross_margin_rate", "cost_coverage")
NO_COST = f"unknown: {NO_COST_REASON}"
LISTING = ("is_best_seller", "products_in_range")  # what products__top_products.sql says of its list


def with_margin_rate(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Margin % of the revenue the margin covers; unknown when no line has a cost."""
    out = []
    for record in records:
        margin, with_cost = money.dec(record["gross_margin_usd"]), money.dec(record["net_revenue_with_cost_usd"])
        row = dict(record)
        row["gross_margin_rate"] = money.ratio(margin, with_cost)
        row["cost_coverage"] = money.ratio(with_cost, money.dec(record["net_revenue_usd"]) or Decimal(0))
        out.append(row)
    return out


def products_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Categories or products as shown: a row none of whose lines has a USD amount reads unknown
    for that reason in every USD figure and rate (decision log §5), not 'no cost in USD'; a row
    that leaves some out shows its sums of the rest and counts them (`lines_without_usd`)."""
    table = money_table(records, MONEY, RATES, unknown_text={"gross_margin_usd": NO_COST, "gross_margin_rate": NO_COST})
    for i, record in enumerate(records):
        if record["net_revenue_usd"] is None:
            for column in (*MONEY, *RATES):
                table.loc[i, column] = NO_USD
    return table


def products_listed(listed: list[dict[str, Any]]) -> str:
    """What the products table holds: the best sellers, then every product whose USD figures
    leave lines out (decision log §5: the cut never hides one), and how many it leaves out."""
    best = sum(1 for p in listed if p["is_best_seller"])
    not_listed = (int(listed[0]["products_in_range"]) if listed else 0) - len(listed)
    return (
        f"the {best:,} best sellers by net revenue, then every other product some of whose lines have no USD"
        " amount (a product whose net revenue is unknown after every known one); "
        + (f"{not_listed:,} more products not listed" if not_listed else "every product listed")
    )


def category_chart(categories: list[dict[str, Any]]) -> alt.Chart:
    """Net revenue by category, in the table's order; a category whose net revenue is unknown is
    a mark reading 'unknown', not an absent bar."""
    chart = chart_frame(
        [
            {
                "category": c["category"],
                "net_revenue_usd": c["net_revenue_usd"],
                **drawn_as(c["net_revenue_usd"]),
            }
            for c in categories
        ],
        ["net_revenue_usd"],
    )
    base = alt.Chart(chart).encode(x=alt.X("category:N", sort=None, title="category", axis=alt.Axis(labelAngle=0)))
    bars = (
        base.mark_bar()
        .encode(
            y=alt.Y("net_revenue_usd:Q", title="net revenue (USD)"),
            tooltip=[alt.Tooltip("category:N"), alt.Tooltip("net_revenue_usd:Q", format=",.2f")],
        )
        .transform_filter(drawn(DRAWN_FULL))
    )
    return alt.layer(bars, unknown_marks(base, [alt.Tooltip("category:N")])).properties(height=320)


def main() -> None:
    filters = sidebar_filters(
        PAGE,
        channels=False,
        currency_note="USD only: product_performance_monthly has no local amounts and no channel.",
    )
    # the tables list the sums of the days the data holds, labelled month by month (months_shown)
    page_header("Products", [MART], filters, over_a_gap=SUMS_OF_THE_DAYS_HELD)
    months_shown(warehouse.run(PAGE, "months", filters.params()).records())

    categories = with_margin_rate(warehouse.run(PAGE, "by_category", filters.params()).records())
    st.subheader("Categories")
    lines_without_usd_warning(sum(int(c["lines_without_usd"] or 0) for c in categories))
    if categories:
        st.altair_chart(category_chart(categories), width="stretch")
    st.dataframe(products_table(categories), hide_index=True, width="stretch")
    st.caption(
        source(
            *(
                f"{MART}.{c}"
                for c in ("category", "units_sold", "units_returned", *MONEY, "lines_without_cost", "lines_without_usd")
            )
        )
    )

    st.subheader("Products")
    category = st.selectbox(
        "Category", ["All categories", *[c["category"] for c in categories]], key="products_category"
    )
    listed = warehouse.run(
        PAGE, "top_products", {**filters.params(), "category": "" if category == "All categories" else category}
    ).records()
    products = with_margin_rate([{k: v for k, v in p.items() if k not in LISTING} for p in listed])
    st.dataframe(products_table(products), hide_index=True, width="stretch")
    st.caption(
        source(*(f"{MART}.{c}" for c in ("sku", "product_name", *MONEY, "lines_without_usd")))
        + "; "
        + products_listed(listed)
    )


frame.page(main)
