"""A USD total over lines as a reader shows it when it adds a mart's rows (over channels, say):
the sum of the lines that have a USD amount, 0 when there are no lines, and unknown (None) when
there are lines and none of them has one (decision log §5). The marts apply the same rule per
row with the dbt macro `usd_total_of_lines` (macros/usd_totals.sql); the month-end pack and the
dashboards' Refunds page apply it here, to the sums and counts they read."""

from __future__ import annotations

from decimal import Decimal


def usd_total_of_lines(total: Decimal | None, lines: int | None, lines_without_usd: int | None) -> Decimal | None:
    """`total` summed over rows that each sum their lines with a USD amount; `lines` and
    `lines_without_usd` summed over the same rows."""
    counted, without = int(lines or 0), int(lines_without_usd or 0)
    if counted == 0:
        return Decimal(0)
    return total if counted > without else None
