"""Products and categories over the months the date range touches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st
from finboard import frame, money, warehouse
from finboard.ui import chart_frame, money_table, months_shown, page_header, sidebar_filters, source

PAGE = "products"
MART = "product_performance_monthly"
MONEY = ("net_revenue_usd", "gross_margin_usd", "net_revenue_with_cost_usd")
NO_COST = "unknown: no cost delivered"


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


def main() -> None:
    filters = sidebar_filters(
        PAGE,
        channels=False,
        currency_note="USD only: product_performance_monthly has no local amounts and no channel.",
    )
    page_header("Products", [MART], filters)
    months_shown(warehouse.run(PAGE, "months", filters.params()).records())

    categories = with_margin_rate(warehouse.run(PAGE, "by_category", filters.params()).records())
    st.subheader("Categories")
    chart = chart_frame(categories, ["net_revenue_usd"])
    if not chart.empty:
        st.bar_chart(chart, x="category", y="net_revenue_usd")
    st.dataframe(
        money_table(
            categories,
            MONEY,
            ["gross_margin_rate", "cost_coverage"],
            unknown_text={"gross_margin_usd": NO_COST, "gross_margin_rate": NO_COST},
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        source(*(f"{MART}.{c}" for c in ("category", "units_sold", "units_returned", *MONEY, "lines_without_cost")))
    )

    st.subheader("Products")
    category = st.selectbox(
        "Category", ["All categories", *[c["category"] for c in categories]], key="products_category"
    )
    products = with_margin_rate(
        warehouse.run(
            PAGE, "top_products", {**filters.params(), "category": "" if category == "All categories" else category}
        ).records()
    )
    st.dataframe(
        money_table(
            products,
            MONEY,
            ["gross_margin_rate", "cost_coverage"],
            unknown_text={"gross_margin_usd": NO_COST, "gross_margin_rate": NO_COST},
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(source(*(f"{MART}.{c}" for c in ("sku", "product_name", *MONEY))) + "; top 200 by net revenue")


frame.page(main)
