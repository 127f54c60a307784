"""P&L by day, week or month and channel, and the period's bridge from gross sales to
contribution after marketing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from finboard import frame, money, warehouse
from finboard.bridge import NO_COST, bridge_steps
from finboard.ui import (
    DRAWN_FULL,
    DRAWN_PART,
    DRAWN_UNKNOWN,
    NO_USD,
    chart_frame,
    drawn,
    drawn_as,
    lines_without_usd_warning,
    margin_coverage_note,
    money_table,
    page_header,
    sidebar_filters,
    source,
    unknown_marks,
)

from publish.periods import part_covered
from publish.usd_totals import PNL_COST_COLUMNS, PNL_RULE_COUNTS, pnl_columns_without_usd, pnl_sum_as_shown

PAGE = "pnl"
MART = "pnl_daily_by_channel"
MONEY = (
    "gross_revenue_usd",
    "discount_usd",
    "refunded_revenue_usd",
    "net_revenue_usd",
    "cogs_usd",
    "gross_margin_usd",
    "platform_fee_usd",
    "shipping_charged_usd",
    "shipping_cost_usd",
    "marketing_spend_usd",
    "contribution_margin_usd",
    "net_revenue_with_cost_usd",
)


def waterfall(steps: list[dict[str, Any]]) -> alt.Chart:
    rows = []
    running = Decimal(0)
    for order, step in enumerate(s for s in steps if s["amount"] is not None):
        amount = step["amount"]
        if step["kind"] == "total":
            low, high, running = Decimal(0), amount, amount
        else:
            low, high = running, running + amount
            running = high
        rows.append(
            {
                "order": order,
                "step": step["step"],
                "low": money.to_float(min(low, high)),
                "high": money.to_float(max(low, high)),
                "kind": step["kind"] if step["kind"] == "total" else ("increase" if amount >= 0 else "decrease"),
                "amount": money.money(amount),
            }
        )
    frame = pd.DataFrame(rows)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("step:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("low:Q", title="USD"),
            y2="high:Q",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=["total", "increase", "decrease"], range=["#4c78a8", "#54a24b", "#e45756"]),
                legend=None,
            ),
            tooltip=["step", "amount"],
        )
        .properties(height=360)
    )


def trend(chart: pd.DataFrame, grain: str) -> alt.Chart:
    """Net revenue by period and channel: each whole period a point on its channel's line. A
    period the chosen range or the data holds only part of is a hollow point off the line: its
    height is the sum of the days it covers, which the tooltip names, not its whole week's or
    month's (decision log §3), so no line runs to it as if it were a change of trend. A period
    whose net revenue is unknown (none of its lines has a USD amount, §5) is a mark reading
    'unknown', where its channel's line breaks: no line runs across it as if it were known."""
    period = alt.Tooltip("period_start:T")
    base = alt.Chart(chart).encode(
        x=alt.X("period_start:T", title=f"{grain} starting"),
        color=alt.Color("channel:N", legend=alt.Legend(orient="bottom")),
    )
    known = base.encode(
        y=alt.Y("net_revenue_usd:Q", title="net revenue (USD)"),
        tooltip=[
            period,
            alt.Tooltip("channel:N"),
            alt.Tooltip("net_revenue_usd:Q", format=",.2f"),
            alt.Tooltip("covers:N"),
        ],
    )
    # the line takes the unknown rows too: their null breaks it (Vega-Lite draws no segment to it)
    line = known.mark_line().transform_filter(alt.FieldOneOfPredicate(field="drawn", oneOf=[DRAWN_FULL, DRAWN_UNKNOWN]))
    points = known.mark_point(filled=True, size=50).transform_filter(drawn(DRAWN_FULL))
    parts = known.mark_point(filled=False, size=90, strokeWidth=2).transform_filter(drawn(DRAWN_PART))
    unknown = unknown_marks(base, [period, alt.Tooltip("channel:N"), alt.Tooltip("covers:N")])
    return alt.layer(line, points, parts, unknown).properties(height=320)


def main() -> None:
    filters = sidebar_filters(PAGE, currency_note="The P&L is in USD only: pnl_daily_by_channel has no local amounts.")
    page_header("P&L", [MART], filters)
    grain = st.radio("Grain", ["day", "week", "month"], horizontal=True, key="pnl_grain")

    totals = warehouse.run(PAGE, "bridge", filters.params()).one()
    steps = bridge_steps(totals, filters.gap)
    st.subheader("Bridge: gross sales to contribution after marketing")
    if any(step["amount"] is not None for step in steps):
        st.altair_chart(waterfall(steps), width="stretch")
    bridge = money_table(steps, money_columns=["amount"])
    bridge["amount"] = [
        shown if step["amount"] is not None else step["reason"] or "unknown"
        for shown, step in zip(bridge["amount"], steps, strict=True)
    ]
    st.dataframe(bridge[["step", "amount", "source"]], hide_index=True, width="stretch")
    note = margin_coverage_note(
        money.dec(totals["net_revenue_usd"]),
        money.dec(totals["net_revenue_with_cost_usd"]),
        totals["lines_without_cost"],
    )
    if note:
        st.caption("Gross margin " + note)
    if totals.get("marketing_spend_without_margin_usd"):
        st.caption(
            f"{money.money(money.dec(totals['marketing_spend_without_margin_usd']))} of marketing falls on days whose "
            "margin is unknown and is not in the margin steps."
        )
    lines_without_usd_warning(totals.get("lines_without_usd"))

    st.subheader(f"P&L by {grain} and channel")
    # a period whose lines all lack a USD amount: unknown, not the 0 its days without lines add
    # (and a sum of sale or refund lines none of which has one: unknown, not the 0 of the other kind);
    # its COGS and margins where no line has a cost, likewise
    rows = warehouse.run(PAGE, "by_period", {**filters.params(), "grain": grain}).records()
    no_usd = [pnl_columns_without_usd(row) for row in rows]
    parts = [part_covered(row["period_start"], grain, row["first_day"], row["last_day"]) for row in rows]
    # the row's first and last day are in `covers`, said once; the counts the rule reads are not shown
    periods = [
        {
            "period_start": row["period_start"],
            "covers": part or f"the whole {grain}",
            **{k: v for k, v in pnl_sum_as_shown(row).items() if k not in ("first_day", "last_day", *PNL_RULE_COUNTS)},
        }
        for row, part in zip(rows, parts, strict=True)
    ]
    partial = sum(part is not None for part in parts)
    chart = chart_frame(
        [
            {
                **period,
                **drawn_as(period["net_revenue_usd"], part=part is not None),
            }
            for period, part in zip(periods, parts, strict=True)
        ],
        ["net_revenue_usd"],
    )
    if not chart.empty:
        st.altair_chart(
            trend(chart[["period_start", "channel", "net_revenue_usd", "covers", "drawn", "unknown_reason"]], grain),
            width="stretch",
        )
        if partial:
            st.caption(
                f"A hollow point, off the line, is a {grain} the chart holds only part of: it is the sum of the days "
                f"it covers (its tooltip and the table's covers column say which), not of the whole {grain}."
            )
    table = money_table(periods, MONEY, unknown_text=dict.fromkeys(PNL_COST_COLUMNS, NO_COST))
    # each unknown after-marketing figure says its own reason: the spend's (the P&L's words), or
    # no cost (a period whose lines all lack one has no contribution for the spend to come off)
    for i, period in enumerate(periods):
        spend_reason = period["marketing_spend_unknown_reason"]
        if period["marketing_spend_usd"] is None:
            table.loc[i, "marketing_spend_usd"] = f"unknown: {spend_reason or 'no USD amount'}"
        if period["contribution_margin_usd"] is None:
            table.loc[i, "contribution_margin_usd"] = f"unknown: {spend_reason}" if spend_reason else NO_COST
        for column in no_usd[i]:  # lines, none with a USD amount (decision log §5)
            if column in MONEY:
                table.loc[i, column] = NO_USD
    st.dataframe(table, hide_index=True, width="stretch")
    if partial:
        rows_cover = "1 row covers part of its" if partial == 1 else f"{partial:,} rows cover part of their"
        st.warning(
            f"{rows_cover} {grain} (the range chosen or the data starts or ends inside it): such a row adds "
            f"up the days it covers, not the whole {grain}. Compare whole {grain}s, or choose a range that starts "
            f"and ends on {grain} boundaries."
        )
    st.caption(
        source(*(f"{MART}.{c}" for c in MONEY))
        + "; fees and shipping cover every line, COGS, gross margin and contribution the lines with a known cost "
        "(net_revenue_with_cost_usd, decision log §3), so a row adds across only where every line has one"
    )


frame.page(main)
