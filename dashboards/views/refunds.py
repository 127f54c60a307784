"""Refunds: six-month trend by refund date and by sale cohort, reasons, restocked share and the
units whose restock is unknown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from finboard import frame, money, warehouse
from finboard.ui import (
    DRAWN_FULL,
    DRAWN_PART,
    NO_USD,
    chart_frame,
    drawn,
    drawn_as,
    money_table,
    months_note,
    page_header,
    sidebar_filters,
    source,
    unknown_marks,
)

from publish.periods import months_before_the_data, part_covered
from publish.usd_totals import usd_total_of_lines

PAGE = "refunds"
MART = "refunds_monthly"
# (USD total, its lines, those without a USD amount), as the trend query sums them over channels
USD_TOTALS = (
    ("sales_usd", "sale_lines", "sale_lines_without_usd"),
    ("refunded_revenue_usd", "refund_lines", "refund_lines_without_usd"),
    ("cohort_refunded_revenue_usd", "cohort_refund_lines", "cohort_refund_lines_without_usd"),
    ("refunded_revenue_6m_usd", "refund_lines_6m", "refund_lines_without_usd_6m"),
)


def _left_out(record: dict[str, Any], *columns: str) -> str | None:
    """Why a rate over these lines is unknown: the lines it would leave out, or None."""
    counts = [(column.removesuffix("_lines_without_usd"), int(record[column] or 0)) for column in columns]
    parts = [f"{n:,} {kind.replace('_', ' ')} lines" for kind, n in counts if n]
    return f"unknown: {' and '.join(parts)} without a USD amount" if parts else None


def trend_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each month's rates, sums divided; a rate whose sums leave out a line without a USD amount is
    unknown (None), with the reason in `<rate>_unknown`, never a rate of the part that converted."""
    out = []
    for summed in records:
        # the channels' USD totals added: unknown when there are lines and none in USD (decision log §5)
        record = {
            **summed,
            **{
                total: usd_total_of_lines(money.dec(summed[total]), summed[lines], summed[without])
                for total, lines, without in USD_TOTALS
            },
        }
        sales = money.dec(record["sales_usd"])
        refunded_units = int(record["refunded_units"] or 0)
        refund_gap = _left_out(record, "sale_lines_without_usd", "refund_lines_without_usd")
        cohort_gap = _left_out(record, "sale_lines_without_usd", "cohort_refund_lines_without_usd")
        out.append(
            {
                **record,
                "refund_rate": None if refund_gap else money.ratio(money.dec(record["refunded_revenue_usd"]), sales),
                "refund_rate_unknown": refund_gap or "unknown: no sales",
                "cohort_return_rate": None
                if cohort_gap
                else money.ratio(money.dec(record["cohort_refunded_revenue_usd"]), sales),
                "cohort_return_rate_unknown": cohort_gap or "unknown: no sales",
                **dict(
                    zip(
                        ("restocked_share", "restocked_share_unknown"),
                        restocked_share(record["restocked_units"], refunded_units, record["restock_unknown_units"]),
                        strict=True,
                    )
                ),
            }
        )
    return out


RESTOCK_UNKNOWN = "unknown: no refund says whether it was restocked"


def restocked_share(restocked: Any, refunded: Any, restock_unknown: Any) -> tuple[Decimal | None, str | None]:
    """Restocked units over the refunded units whose restock is known (decision log §2), or the
    reason it is unknown: no unit returned, or none whose refund says whether it was restocked
    (those count as not restocked for COGS, not for the share)."""
    known = int(refunded or 0) - int(restock_unknown or 0)
    if not int(refunded or 0):
        return None, "unknown: no units returned"
    if known <= 0:
        return None, RESTOCK_UNKNOWN
    return money.ratio(Decimal(int(restocked or 0)), Decimal(known)), None


# the two views the bars compare, as the chart's legend names them
BAR_VIEWS = (("refunded_revenue_usd", "by refund date"), ("cohort_refunded_revenue_usd", "by sale cohort"))


def bars(trend: list[dict[str, Any]], parts: list[str | None]) -> pd.DataFrame:
    """The chart's rows: one per month and view, with what the month covers and how the bar is
    drawn: a whole month, a part of it (its `part_covered`, None for a whole month), or unknown
    (no refund line of the month has a USD amount, the table's reason)."""
    rows = [
        {
            "month_start_date": row["month_start_date"],
            "view": view,
            "refunded_revenue_usd": row[column],
            "covers": row["covers"],
            **drawn_as(row[column], part=part is not None),
        }
        for row, part in zip(trend, parts, strict=True)
        for column, view in BAR_VIEWS
    ]
    return chart_frame(rows, ["refunded_revenue_usd"])


def bar_chart(chart: pd.DataFrame) -> alt.Chart:
    """Refunds by month, by refund date beside by sale cohort. A month the data holds only part
    of is an outlined bar, not a filled one: its height is the sum of the days it covers, which
    the tooltip names, not the month's (decision log §3), so it does not read as a dip. A month
    whose refunds have no USD amount is a mark reading 'unknown', not an absent bar."""
    month = alt.Tooltip("month_start_date:T", timeUnit="yearmonth", title="month")
    base = alt.Chart(chart).encode(
        x=alt.X("yearmonth(month_start_date):O", title="month"),
        xOffset=alt.XOffset("view:N"),
        color=alt.Color("view:N", legend=alt.Legend(orient="bottom")),
    )
    known = base.encode(
        y=alt.Y("refunded_revenue_usd:Q", title="refunded revenue (USD)"),
        tooltip=[
            month,
            alt.Tooltip("view:N"),
            alt.Tooltip("refunded_revenue_usd:Q", format=",.2f"),
            alt.Tooltip("covers:N"),
        ],
    )
    whole = known.mark_bar(filled=True).transform_filter(drawn(DRAWN_FULL))
    parts = known.mark_bar(filled=False, strokeWidth=2).transform_filter(drawn(DRAWN_PART))
    unknown = unknown_marks(base, [month, alt.Tooltip("view:N"), alt.Tooltip("covers:N")])
    return alt.layer(whole, parts, unknown).properties(height=320)


def trend_table(trend: list[dict[str, Any]]) -> Any:
    """The trend as shown: money and rates as text, an unknown one with its reason."""
    table = money_table(
        trend,
        ["sales_usd", "refunded_revenue_usd", "refunded_revenue_6m_usd", "cohort_refunded_revenue_usd"],
        ["refund_rate", "cohort_return_rate", "restocked_share"],
        unknown_text={
            "sales_usd": NO_USD,
            "refunded_revenue_usd": NO_USD,
            "refunded_revenue_6m_usd": NO_USD,
            "cohort_refunded_revenue_usd": NO_USD,
        },
    )
    rates = ("refund_rate", "cohort_return_rate", "restocked_share")
    for rate in rates:
        for i, record in enumerate(trend):
            if record[rate] is None:
                table.loc[i, rate] = record[f"{rate}_unknown"]
    return table.drop(columns=[f"{rate}_unknown" for rate in rates], errors="ignore")


def main() -> None:
    filters = sidebar_filters(PAGE, currency_note="USD only: refunds_monthly has no local amounts.")
    page_header("Refunds", [MART, "refund_reasons_daily"], filters)

    trend = trend_rows(warehouse.run(PAGE, "trend", filters.params()).records())
    months = [{k: row[k] for k in ("month_start_date", "first_day", "last_day")} for row in trend]
    parts = [part_covered(row["month_start_date"], "month", row["first_day"], row["last_day"]) for row in trend]
    # a month the activity starts or ends inside says which days it adds up, as the P&L's rows do
    trend = [
        {
            "month_start_date": row["month_start_date"],
            "covers": part or "the whole month",
            **{k: v for k, v in row.items() if k not in ("first_day", "last_day")},
        }
        for row, part in zip(trend, parts, strict=True)
    ]
    st.subheader(f"Six months to {filters.period.end:%B %Y}: by refund date and by sale cohort")
    units = sum(int(r["refunded_units"] or 0) for r in trend)
    restocked = sum(int(r["restocked_units"] or 0) for r in trend)
    unknown_units = sum(int(r["restock_unknown_units"] or 0) for r in trend)
    share, share_unknown = restocked_share(restocked, units, unknown_units)
    shown = {
        "units": f"{units:,}",
        "share": money.percent(share) if share is not None else share_unknown,
        "unknown_units": f"{unknown_units:,}",
    }
    if filters.gap:  # a range the mart holds no data for all of: not a range of zero refunds
        shown = dict.fromkeys(shown, f"unknown: {filters.gap}")
    a, b, c = st.columns(3)
    a.metric("Refunded units (6 months)", shown["units"], help=source(f"{MART}.refunded_units"), border=True)
    b.metric(
        "Restocked share",
        shown["share"],
        help=source(f"{MART}.restocked_units", f"{MART}.refunded_units", f"{MART}.restock_unknown_units"),
        border=True,
    )
    c.metric(
        "Units with restock unknown",
        shown["unknown_units"],
        help=source(f"{MART}.restock_unknown_units"),
        border=True,
    )
    c.caption("their cost stays in COGS (decision log §2)")
    chart = bars(trend, parts)
    if not chart.empty:
        st.altair_chart(bar_chart(chart), width="stretch")
        if any(parts):
            st.caption(
                "An outlined bar is a month the data holds only part of: it is the sum of the days it covers "
                "(its tooltip and the table's covers column say which), not of the whole month."
            )
    st.dataframe(trend_table(trend), hide_index=True, width="stretch")
    # a month the data holds in part, in the words of the other monthly pages (one rule: months_note)
    _, partial = months_note(months)
    # and months of the six before the data starts: no row, not months of zero refunds
    before = months_before_the_data(filters.period.end, 6, filters.data_first or filters.first_date)
    for warning in [*partial, *([before] if before and not filters.gap else [])]:
        st.warning(warning)
    if partial or before:
        st.caption("A six-month figure adds up the days its six months hold.")
    left_out = sum(int(r["refund_lines_without_usd"] or 0) for r in trend)
    if left_out:
        st.caption(
            f"Refunds leave out {left_out:,} refund lines without a USD amount (no usable rate on their date): "
            f"their months' refunded figures cover only the refunds that converted, and their rates are unknown; "
            + source(f"{MART}.refund_lines_without_usd")
        )
    st.caption(
        source(
            f"{MART}.sales_usd",
            f"{MART}.sale_lines_without_usd",
            f"{MART}.refunded_revenue_usd",
            f"{MART}.refund_lines_without_usd",
            f"{MART}.refunded_revenue_6m_usd",
            f"{MART}.refund_lines_6m",
            f"{MART}.refund_lines_without_usd_6m",
            f"{MART}.cohort_refunded_revenue_usd",
            f"{MART}.cohort_refund_lines_without_usd",
            f"{MART}.restocked_units",
            f"{MART}.restock_unknown_units",
        )
        + "; rates are sums divided, never averaged"
    )

    st.subheader("Reasons (refunds dated in the range)")
    reasons = warehouse.run(PAGE, "reasons", filters.params()).records()
    # the reasons are by day: a range the data's days do not cover in full is not a range of
    # fewer (or no) refunds, though the page's months hold it; its totals are unknown (decision
    # log §3)
    if filters.day_gap:
        st.write(f"unknown: {filters.day_gap}")
    elif reasons:
        st.dataframe(money_table(reasons, ["refunded_revenue_usd"]), hide_index=True, width="stretch")
    else:
        st.write("No refund in the range.")
    st.caption(
        source(
            "refund_reasons_daily.refund_reason",
            "refund_reasons_daily.refunded_units",
            "refund_reasons_daily.restocked_units",
            "refund_reasons_daily.restock_unknown_units",
            "refund_reasons_daily.refunded_revenue_usd",
        )
    )


frame.page(main)
