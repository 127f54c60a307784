"""A USD total over lines as a reader shows it when it adds a mart's rows (over channels, say):
the sum of the lines that have a USD amount, 0 when there are no lines, and unknown (None) when
there are lines and none of them has one (decision log §5). The marts apply the same rule per
row with the dbt macro `usd_total_of_lines` (macros/usd_totals.sql); the month-end pack and the
dashboards apply it here, to the sums and counts they read: a sum of P&L days or campaign months
adds the 0 of those without lines to the null of those whose lines all lack a USD amount. The
same holds for COGS and the margins over the lines with a known cost (decision log §3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def usd_total_of_lines(total: Decimal | None, lines: int | None, lines_without_usd: int | None) -> Decimal | None:
    """`total` summed over rows that each sum their lines with a USD amount; `lines` and
    `lines_without_usd` summed over the same rows."""
    counted, without = int(lines or 0), int(lines_without_usd or 0)
    if counted == 0:
        return Decimal(0)
    return total if counted > without else None


def none_in_usd(lines: int | None, lines_without_usd: int | None) -> bool:
    """Lines, none of them with a USD amount: every USD total over them is unknown."""
    return usd_total_of_lines(Decimal(0), lines, lines_without_usd) is None


# pnl_daily_by_channel's USD columns that sum its lines (not its spend), and the readers' sums of them
PNL_LINE_COLUMNS = (
    "gross_revenue_usd",
    "discount_usd",
    "refunded_revenue_usd",
    "net_revenue_usd",
    "cogs_usd",
    "gross_margin_usd",
    "platform_fee_usd",
    "shipping_charged_usd",
    "shipping_cost_usd",
    "fees_and_shipping_usd",
    "contribution_before_marketing_usd",
    "contribution_margin_usd",
    "net_revenue_with_cost_usd",
)


# the P&L's USD totals of one kind of line, and the counts of that kind (lines, lines without a USD
# amount) the mart carries for them: gross sales and discounts are the sale lines', refunds the
# refund lines' (the dbt macro usd_total_counts, macros/usd_totals.sql, is the same map); every other
# column of PNL_LINE_COLUMNS is of both kinds (transaction_lines, lines_without_usd)
ALL_LINES = ("transaction_lines", "lines_without_usd")
SALE_LINES = ("sale_lines", "sale_lines_without_usd")
REFUND_LINES = ("refund_lines", "refund_lines_without_usd")
# the counts a sum of the P&L's rows carries for pnl_columns_without_usd (the readers sum them
# beside the money; the pages do not show them)
PNL_RULE_COUNTS = ("transaction_lines", *SALE_LINES, *REFUND_LINES)
PNL_LINE_COUNTS = {
    "gross_revenue_usd": SALE_LINES,
    "discount_usd": SALE_LINES,
    "refunded_revenue_usd": REFUND_LINES,
}


def pnl_columns_without_usd(row: dict[str, Any]) -> tuple[str, ...]:
    """The columns of PNL_LINE_COLUMNS that are unknown in a sum of `pnl_daily_by_channel` rows
    (over days or channels): each one whose lines (PNL_LINE_COUNTS: gross sales and discounts the
    sale lines, refunds the refund lines, the rest every line) all lack a USD amount; never the 0
    its days without such lines add. A sum without a sale line has gross sales 0, known, even
    when its refund lines all lack a USD amount, as the mart's row has."""
    # read, not looked up: a query without the counts fails loudly rather than reading 0 again
    return tuple(
        column
        for column in PNL_LINE_COLUMNS
        if none_in_usd(*(row[count] for count in PNL_LINE_COUNTS.get(column, ALL_LINES)))
    )


# Why a margin is unknown where its lines' cost is (decision log §3, "Coverage"): a line's cost is
# unknown when no cost version holds on its day, or when the version's currency has no rate that
# day (the marts count both in lines_without_cost; Data health's cogs and fx_rates rows say which).
# The one spelling of the reason every reader shows (it said "no cost delivered", which sent a
# reader to the cost feed for a missing rate: found by a helper's audit, 2026-12-07).
NO_COST = "no cost in USD (no cost version, or no rate for its currency)"


# pnl_daily_by_channel's USD columns over the lines with a known cost (decision log §3,
# "Coverage"): null on a day whose lines all lack a cost, 0 on a day without a line inside the
# dates the transactions feed covers (a day of spend only outside them is null with
# transactions_unknown_reason), so a sum over days adds that 0 to the null
PNL_COST_COLUMNS = (
    "cogs_usd",
    "gross_margin_usd",
    "contribution_before_marketing_usd",
    "contribution_margin_usd",
    "net_revenue_with_cost_usd",
)


def pnl_columns_without_cost(row: dict[str, Any]) -> tuple[str, ...]:
    """The columns of PNL_COST_COLUMNS that are unknown in a sum of `pnl_daily_by_channel` rows:
    all of them where the sum has lines with a USD amount and none of them has a cost (counted:
    lines less those without a USD amount less those without a cost), never the 0 of its days
    without a line; none where its lines all lack a USD amount (pnl_columns_without_usd says so,
    for that reason). Costed lines whose net revenue sums to 0 still have a known margin."""
    if "net_revenue_usd" in pnl_columns_without_usd(row):
        return ()
    without_cost = int(row["lines_without_cost"] or 0)
    costed = int(row["transaction_lines"] or 0) - int(row["lines_without_usd"] or 0) - without_cost
    return PNL_COST_COLUMNS if without_cost and costed <= 0 else ()


def pnl_sum_as_shown(row: dict[str, Any]) -> dict[str, Any]:
    """A sum of `pnl_daily_by_channel` rows as a reader shows it: each USD figure of lines none of
    which has a USD amount (pnl_columns_without_usd), and COGS and the margins where no line has
    a cost (pnl_columns_without_cost), are unknown (None), never the 0 its days without a line
    add; spend stays."""
    unknown = (*pnl_columns_without_usd(row), *pnl_columns_without_cost(row))
    return {**row, **dict.fromkeys((c for c in unknown if c in row), None)}
