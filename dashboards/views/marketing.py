"""Marketing: spend, ROAS and CAC by platform and by campaign."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st
from finboard import frame, money, warehouse
from finboard.ui import money_table, page_header, sidebar_filters, source

PAGE = "marketing"
MART = "marketing_performance_monthly"


def with_ratios(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ROAS and CAC from the summed measures (ratios are never summed)."""
    out = []
    for record in records:
        spend = money.dec(record["spend_usd"]) or Decimal(0)
        new = int(record["new_customers"] or 0)
        roas = money.ratio(money.dec(record["attributed_revenue_usd"]), spend)
        cac = money.ratio(spend, Decimal(new))
        out.append(
            {
                **record,
                "roas": money.multiple(roas) if roas is not None else "unknown: no spend",
                "cac_usd": money.money(cac) if cac is not None else "unknown: no new customer",
            }
        )
    return out


def main() -> None:
    filters = sidebar_filters(
        PAGE, currency_note="USD only: marketing_performance_monthly has no local amounts. Channel = campaign target."
    )
    page_header("Marketing", [MART], filters)
    st.caption("Monthly mart: the months the date range touches are shown in full.")

    platforms = with_ratios(warehouse.run(PAGE, "by_platform", filters.params()).records())
    spend = sum((money.dec(p["spend_usd"]) or Decimal(0) for p in platforms), Decimal(0))
    attributed = sum((money.dec(p["attributed_revenue_usd"]) or Decimal(0) for p in platforms), Decimal(0))
    new_customers = sum(int(p["new_customers"] or 0) for p in platforms)
    a, b, c = st.columns(3)
    a.metric("Spend", money.money(spend), help=source(f"{MART}.spend_usd"), border=True)
    roas = money.ratio(attributed, spend)
    b.metric(
        "ROAS",
        money.multiple(roas) if roas is not None else "unknown: no spend",
        help=source(f"{MART}.attributed_revenue_usd", f"{MART}.spend_usd"),
        border=True,
    )
    cac = money.ratio(spend, Decimal(new_customers))
    c.metric(
        "CAC",
        money.money(cac) if cac is not None else "unknown: no new customer",
        help=source(f"{MART}.spend_usd", f"{MART}.new_customers"),
        border=True,
    )

    st.subheader("By platform")
    st.dataframe(money_table(platforms, ["spend_usd", "attributed_revenue_usd"]), hide_index=True, width="stretch")
    st.subheader("By campaign")
    campaigns = with_ratios(warehouse.run(PAGE, "by_campaign", filters.params()).records())
    st.dataframe(money_table(campaigns, ["spend_usd", "attributed_revenue_usd"]), hide_index=True, width="stretch")
    st.caption(
        source(
            f"{MART}.spend_usd",
            f"{MART}.attributed_revenue_usd",
            f"{MART}.new_customers",
            f"{MART}.impressions",
            f"{MART}.clicks",
        )
        + "; ROAS = attributed revenue / spend, CAC = spend / new customers"
    )


frame.page(main)
