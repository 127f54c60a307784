"""Overview: the period's KPIs, each against the previous period of the same length and the same
period last year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st
from finboard import frame, money, warehouse
from finboard.periods import Period
from finboard.ui import (
    Figure,
    Filters,
    Tile,
    lines_without_usd_warning,
    margin_coverage_note,
    page_header,
    sidebar_filters,
    source,
    tile,
)

from publish.usd_totals import NO_COST, pnl_sum_as_shown, usd_total_of_lines

PAGE = "overview"


def pnl_figures(filters: Filters, period: Period) -> dict[str, Figure]:
    # a period whose lines all lack a USD amount: its figures unknown, not the 0 of its days without lines;
    # its margins where no line has a cost, likewise
    pnl = pnl_sum_as_shown(warehouse.run(PAGE, "pnl_totals", filters.params(period)).one())
    orders = warehouse.run(PAGE, "orders", filters.params(period)).one()
    lines_without_cost = int(pnl["lines_without_cost"] or 0)
    with_cost = money.dec(pnl["net_revenue_with_cost_usd"])
    net_revenue = money.dec(pnl["net_revenue_usd"]) if pnl["pnl_rows"] else Decimal(0)
    if pnl["pnl_rows"] and pnl["net_revenue_usd"] is None:
        margin = Figure(None, "no USD amount")
    else:
        margin = Figure.of(
            pnl["gross_margin_usd"] if pnl["pnl_rows"] else 0,
            NO_COST,
            pnl["lines_without_usd"],
            lines_without_cost,
        )
    margin_rate = (
        Figure(money.ratio(margin.value, with_cost), None)
        if margin.value is not None and with_cost
        else Figure(None, margin.unknown_reason or "no net revenue with a known cost")
    )
    # spend not known in full (its feed never delivered, a day outside its dates, or spend without
    # a rate): unknown, with the P&L's reason, and so is ROAS (decision log §3)
    spend_unknown = pnl["marketing_spend_unknown_reason"]
    spend = None if spend_unknown else money.dec(pnl["marketing_spend_usd"]) if pnl["pnl_rows"] else Decimal(0)
    order_count = int(orders["orders"] or 0)
    with_usd = int(orders["orders_with_usd"] or 0)
    net_sales = money.dec(orders["net_sales_usd"])
    # a ROAS over credited orders some of which have no USD amount is unknown, not a ratio of the
    # part that converted (decision log §6, as the Marketing page's)
    credited_without_usd = int(orders["attributed_orders_without_usd"] or 0)
    attributed = usd_total_of_lines(
        money.dec(orders["attributed_revenue_usd"]), orders["attributed_orders"], credited_without_usd
    )
    roas_unknown = spend_unknown or (
        "credited orders without a USD amount"
        if credited_without_usd
        else None
        if spend
        else "no marketing spend in the period"
    )
    return {
        "net_revenue": Figure.of(net_revenue, "no USD amount", pnl["lines_without_usd"]),
        "gross_margin": margin,
        "margin_rate": margin_rate,
        "orders": Figure(Decimal(order_count)),
        "aov": Figure(money.ratio(net_sales, Decimal(with_usd)), None if with_usd else "no order with a USD amount"),
        "refunds": Figure.of(
            pnl["refunded_revenue_usd"] if pnl["pnl_rows"] else 0, "no USD amount", pnl["refund_lines_without_usd"]
        ),
        "spend": Figure.of(spend, spend_unknown or "no USD amount"),
        "roas": Figure(None if roas_unknown else money.ratio(attributed, spend), roas_unknown),
        "_coverage": Figure(None, margin_coverage_note(net_revenue, with_cost, lines_without_cost)),
        "_lines_without_usd": Figure(Decimal(int(pnl["lines_without_usd"] or 0))),
        "_orders_without_usd": Figure(Decimal(order_count - with_usd)),
    }


def local_figures(filters: Filters, period: Period) -> dict[str, Figure]:
    params = {**filters.params(period), "currency": filters.currency}
    local = warehouse.run(PAGE, "orders_local", params).one()
    orders = int(local["orders"] or 0)
    net_sales = money.dec(local["net_sales"]) or Decimal(0)
    return {
        "net_sales": Figure(net_sales),
        "orders": Figure(Decimal(orders)),
        "aov": Figure(money.ratio(net_sales, Decimal(orders)), None if orders else "no order in the period"),
        "refunds": Figure(money.dec(local["refunded_revenue"]) or Decimal(0)),
    }


def three(compute: Any, filters: Filters) -> tuple[dict[str, Figure], dict[str, Figure], dict[str, Figure]]:
    return (
        compute(filters, filters.period),
        compute(filters, filters.period.previous()),
        compute(filters, filters.period.last_year()),
    )


def usd_tiles(filters: Filters) -> None:
    now, prev, ly = three(pnl_figures, filters)

    def spec(key: str, label: str, fmt: Any, src: str, note: str | None = None, color: str = "normal") -> Tile:
        return Tile(label, now[key], prev[key], ly[key], fmt, src, note, color)

    usd = money.amount
    coverage = now["_coverage"].unknown_reason
    tiles = [
        spec("net_revenue", "Net revenue (USD)", usd, source("pnl_daily_by_channel.net_revenue_usd")),
        spec(
            "gross_margin",
            "Gross margin (USD)",
            usd,
            source("pnl_daily_by_channel.gross_margin_usd"),
            coverage,
        ),
        spec(
            "margin_rate",
            "Gross margin %",
            money.percent,
            source("pnl_daily_by_channel.gross_margin_usd", "pnl_daily_by_channel.net_revenue_with_cost_usd"),
            coverage,
        ),
        spec("orders", "Orders", money.count, source("orders_daily.orders")),
        spec(
            "aov",
            "Average order value (USD)",
            usd,
            source("orders_daily.net_sales_usd / orders_daily.orders_with_usd"),
            f"{int(now['_orders_without_usd'].value or 0):,} orders without a USD amount left out"
            if now["_orders_without_usd"].value
            else None,
        ),
        spec("refunds", "Refunds (USD)", usd, source("pnl_daily_by_channel.refunded_revenue_usd"), color="inverse"),
        spec("spend", "Marketing spend (USD)", usd, source("pnl_daily_by_channel.marketing_spend_usd"), color="off"),
        spec(
            "roas",
            "ROAS",
            money.multiple,
            source(
                "orders_daily.attributed_revenue_usd",
                "orders_daily.attributed_orders_without_usd",
                "pnl_daily_by_channel.marketing_spend_usd",
            ),
            "attributed net sales at sale / spend (decision log §6)",
        ),
    ]
    _grid(tiles, filters)
    lines_without_usd_warning(now["_lines_without_usd"].value)


def local_tiles(filters: Filters) -> None:
    now, prev, ly = three(local_figures, filters)
    cur = filters.currency

    amount = money.amount

    tiles = [
        Tile(
            f"Net sales at sale ({cur})",
            now["net_sales"],
            prev["net_sales"],
            ly["net_sales"],
            amount,
            source("orders_daily.net_sales"),
        ),
        Tile(
            f"Orders in {cur}", now["orders"], prev["orders"], ly["orders"], money.count, source("orders_daily.orders")
        ),
        Tile(
            f"Average order value ({cur})",
            now["aov"],
            prev["aov"],
            ly["aov"],
            amount,
            source("orders_daily.net_sales / orders_daily.orders"),
        ),
        Tile(
            f"Refunded to date ({cur})",
            now["refunds"],
            prev["refunds"],
            ly["refunds"],
            amount,
            source("orders_daily.refunded_revenue"),
            "refunds of these orders so far, whenever they happened",
            delta_color="inverse",
        ),
    ]
    _grid(tiles, filters)
    st.info(
        f"In {cur}: net revenue, margins, marketing spend and ROAS are reported in USD only "
        "(pnl_daily_by_channel has no local amounts); choose USD to see them."
    )


def _grid(tiles: list[Tile], filters: Filters) -> None:
    for row in range(0, len(tiles), 3):
        for column, spec in zip(st.columns(3), tiles[row : row + 3], strict=False):
            with column:
                tile(spec, filters)


def main() -> None:
    currencies = warehouse.run(PAGE, "currencies").one().get("currencies") or []
    filters = sidebar_filters(
        PAGE,
        currencies=[money.REPORTING_CURRENCY, *[c for c in currencies if c != money.REPORTING_CURRENCY]],
    )
    page_header("Overview", ["pnl_daily_by_channel", "orders_daily"], filters)
    if filters.currency == money.REPORTING_CURRENCY:
        usd_tiles(filters)
    else:
        local_tiles(filters)


frame.page(main)
