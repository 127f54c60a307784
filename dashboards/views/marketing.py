"""Marketing: spend, ROAS and CAC by platform and by campaign."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st
from finboard import frame, money, warehouse
from finboard.ui import money_table, months_shown, page_header, sidebar_filters, source

from publish.acquisition import new_customers_caveat
from publish.usd_totals import usd_total_of_lines

PAGE = "marketing"
MART = "marketing_performance_monthly"


NO_USD_SPEND = "unknown: spend without a USD amount"
NO_USD_ORDER = "unknown: credited orders without a USD amount"
# a month with days the spend feed does not speak for: its spend is not known in full (§3)
OUTSIDE_SPEND_FEED = "unknown: a month with days outside the dates the spend feed covers"
# a month with days of spend only, outside the transactions feed's dates: its credited orders and
# new customers are a part's, so a ratio over the month's spend is unknown (§3)
OUTSIDE_TRANSACTIONS_FEED = "unknown: a month with days outside the dates the transactions feed covers"
# no spend row at all, which is not spend 0 (decision log §3)
NEVER_DELIVERED = "unknown: the marketing_spend feed has never been delivered"


def ratios(record: dict[str, Any]) -> tuple[str, str]:
    """ROAS and CAC, as shown, from summed measures (ratios are never summed). A sum that leaves
    out spend or a credited order without a USD amount divides into nothing (decision log §6), and
    so does spend of a month with days the spend feed does not cover, and the credited revenue and
    new customers of a month with days the transactions feed does not cover (§3)."""
    spend = money.dec(record["spend_usd"]) or Decimal(0)
    new = int(record["new_customers"] or 0)
    roas = money.ratio(money.dec(record["attributed_revenue_usd"]), spend)
    cac = money.ratio(spend, Decimal(new))
    if int(record.get("spend_rows_without_usd") or 0):
        return NO_USD_SPEND, NO_USD_SPEND
    if int(record.get("days_outside_spend_feed") or 0):
        return OUTSIDE_SPEND_FEED, OUTSIDE_SPEND_FEED
    if int(record.get("days_outside_transactions_feed") or 0):
        return OUTSIDE_TRANSACTIONS_FEED, OUTSIDE_TRANSACTIONS_FEED
    shown_roas = money.multiple(roas) if roas is not None else "unknown: no spend"
    if int(record.get("attributed_orders_without_usd") or 0):
        shown_roas = NO_USD_ORDER
    return shown_roas, money.money(cac) if cac is not None else "unknown: no new customer"


def with_ratios(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each record with its ROAS and CAC as shown."""
    out = []
    for record in records:
        roas, cac = ratios(record)
        out.append({**record, "roas": roas, "cac_usd": cac})
    return out


def in_usd(record: dict[str, Any]) -> dict[str, Any]:
    """A sum of campaign months as shown (decision log §5): its spend unknown (None) when it has
    spend rows and none with a USD amount, its attributed revenue when it has credited orders and
    none with one; not the 0 of the months without any, which a sum adds to the null."""
    return {
        **record,
        "spend_usd": usd_total_of_lines(
            money.dec(record["spend_usd"]), record["spend_rows"], record["spend_rows_without_usd"]
        ),
        "attributed_revenue_usd": usd_total_of_lines(
            money.dec(record["attributed_revenue_usd"]),
            record["attributed_orders"],
            record["attributed_orders_without_usd"],
        ),
    }


def by_spend(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows by their spend as shown, largest first, a spend shown unknown last (the queries'
    `nulls last`): the query sorts by its SQL sum, in which a row whose spend is unknown reads the
    0 of its months without a spend row (in_usd), or the spend delivered in months with days the
    spend feed does not cover (spend_table). Stable: ties keep the query's order."""

    def unknown(record: dict[str, Any]) -> bool:
        return record["spend_usd"] is None or bool(int(record.get("days_outside_spend_feed") or 0))

    return sorted(records, key=lambda r: (unknown(r), -(r["spend_usd"] or 0)))


def spend_table(records: list[dict[str, Any]]) -> Any:
    """The rows as shown: a row whose months have days the spend feed does not cover reads its
    spend unknown (the spend delivered is not the months' spend, decision log §3), and one whose
    months have days the transactions feed does not cover its credited orders, attributed revenue
    and new customers (a part's); a sum none of whose spend rows or credited orders has a USD
    amount reads unknown with that reason (§5)."""
    table = money_table(
        records,
        ["spend_usd", "attributed_revenue_usd"],
        unknown_text={"spend_usd": NO_USD_SPEND, "attributed_revenue_usd": NO_USD_ORDER},
    )
    for i, record in enumerate(records):
        if int(record.get("days_outside_spend_feed") or 0):
            table.loc[i, "spend_usd"] = OUTSIDE_SPEND_FEED
        # credited orders and new customers of a month with days of spend only outside the
        # transactions feed's dates are a part's (decision log §3)
        if int(record.get("days_outside_transactions_feed") or 0):
            for column in (
                "attributed_orders",
                "attributed_revenue_usd",
                "new_customers",
                "new_customers_opened_before_data",
            ):
                if column in table.columns:
                    table[column] = table[column].astype(object)
                    table.loc[i, column] = OUTSIDE_TRANSACTIONS_FEED
    return table


def main() -> None:
    filters = sidebar_filters(
        PAGE, currency_note="USD only: marketing_performance_monthly has no local amounts. Channel = campaign target."
    )
    page_header("Marketing", [MART, "pnl_daily_by_channel", "feed_deliveries"], filters)
    months_shown(warehouse.run(PAGE, "months", filters.params()).records())

    platforms = by_spend(
        with_ratios([in_usd(p) for p in warehouse.run(PAGE, "by_platform", filters.params()).records()])
    )
    counts = (
        "new_customers",
        "new_customers_opened_before_data",
        "spend_rows",
        "spend_rows_without_usd",
        "attributed_orders",
        "attributed_orders_without_usd",
    )
    total = in_usd(
        {
            "spend_usd": sum((money.dec(p["spend_usd"]) or Decimal(0) for p in platforms), Decimal(0)),
            "attributed_revenue_usd": sum(
                (money.dec(p["attributed_revenue_usd"]) or Decimal(0) for p in platforms), Decimal(0)
            ),
            **{count: sum(int(p[count] or 0) for p in platforms) for count in counts},
        }
    )
    for outside_days in ("days_outside_spend_feed", "days_outside_transactions_feed"):
        total[outside_days] = max((int(p[outside_days] or 0) for p in platforms), default=0)
    roas, cac = ratios(total)
    without_usd = total["spend_rows_without_usd"]
    shown_spend = (
        money.money(total["spend_usd"]) + (f" + {without_usd:,} spend rows without USD" if without_usd else "")
        if total["spend_usd"] is not None
        else NO_USD_SPEND
    )
    if total["days_outside_spend_feed"]:
        shown_spend = OUTSIDE_SPEND_FEED
    if not warehouse.run(PAGE, "spend_feed", {}).one()["is_delivered"]:
        shown_spend = roas = cac = NEVER_DELIVERED
        st.warning(
            "No marketing_spend file has ever been delivered: spend, ROAS and CAC are unknown, not 0. "
            + source("feed_deliveries.is_delivered")
        )
    elif filters.gap:  # months the mart holds no data for: not a period of zero spend
        shown_spend = roas = cac = f"unknown: {filters.gap}"
    a, b, c = st.columns(3)
    a.metric(
        "Spend",
        shown_spend,
        help=source(
            f"{MART}.spend_usd",
            f"{MART}.spend_rows_without_usd",
            f"{MART}.days_outside_spend_feed",
            "feed_deliveries.is_delivered",
        ),
        border=True,
    )
    outside = (f"{MART}.days_outside_spend_feed", f"{MART}.days_outside_transactions_feed")
    b.metric("ROAS", roas, help=source(f"{MART}.attributed_revenue_usd", f"{MART}.spend_usd", *outside), border=True)
    c.metric("CAC", cac, help=source(f"{MART}.spend_usd", f"{MART}.new_customers", *outside), border=True)

    caveat = new_customers_caveat(
        total["new_customers"],
        total["new_customers_opened_before_data"],
        known=not total["days_outside_transactions_feed"] and not filters.gap,
    )
    if caveat:
        st.warning(caveat + " " + source(f"{MART}.new_customers_opened_before_data"))

    st.subheader("By platform")
    st.dataframe(spend_table(platforms), hide_index=True, width="stretch")
    st.subheader("By campaign")
    campaigns = by_spend(
        with_ratios([in_usd(c) for c in warehouse.run(PAGE, "by_campaign", filters.params()).records()])
    )
    st.dataframe(spend_table(campaigns), hide_index=True, width="stretch")
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
