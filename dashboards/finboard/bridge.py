"""The P&L page's bridge from gross sales to contribution after marketing, as steps computed in
Decimal from the period's totals (queries/pnl__bridge.sql): each step carries the running total to
the next total, and an unknown step says why (decision log §3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finboard import money
from publish.usd_totals import NO_COST as NO_COST_REASON
from publish.usd_totals import PNL_RULE_COUNTS, pnl_columns_without_cost, pnl_columns_without_usd

MART = "pnl_daily_by_channel"
NO_COST = f"unknown: {NO_COST_REASON}"
# what the bridge's totals carry beside money: counts and the spend's reason
NOT_MONEY = (*PNL_RULE_COUNTS, "lines_without_cost", "lines_without_usd", "marketing_spend_unknown_reason")
# every step of the bridge with its source column, in order
STEPS = (
    ("Gross sales", "gross_revenue_usd"),
    ("Discounts", "discount_usd"),
    ("Refunds", "refunded_revenue_usd"),
    ("Net revenue", "net_revenue_usd"),
    ("COGS", "cogs_usd"),
    ("Gross margin", "gross_margin_usd"),
    ("Fees & shipping", "contribution_before_marketing_usd - gross_margin_usd"),
    ("Contribution before marketing", "contribution_before_marketing_usd"),
    ("Marketing", "marketing_spend_usd"),
    ("Contribution after marketing", "contribution_margin_usd"),
)


def bridge_steps(totals: dict[str, Any], gap: str | None = None) -> list[dict[str, Any]]:
    """(step, amount, kind, source, reason) from gross sales to contribution after marketing. A
    total is a running subtotal; the margin steps are unknown (None) when no line has a known cost,
    and marketing and contribution after it when the P&L does not know the spend in full (its
    reason, decision log §3). A period the P&L holds no data for all of (`gap`) is unknown in
    every step (inside its dates the P&L has a row for every day and channel); a period whose lines
    all lack a USD amount in every step from net revenue on (decision log §5). Gross sales and
    discounts are unknown when its sale lines all lack one, refunds when its refund lines do."""
    if gap:
        return [_step(label, None, "unknown", column, f"unknown: {gap}") for label, column in STEPS]
    no_usd = pnl_columns_without_usd(totals)
    d = {k: money.dec(v) for k, v in totals.items() if k not in NOT_MONEY}
    zero = Decimal(0)
    # gross sales and discounts are unknown when no sale line has a USD amount, refunds when no
    # refund line has one (a period without a sale line has gross sales 0, known); net revenue
    # then sums the lines that have one (the page warns of the rest)
    steps: list[dict[str, Any]] = [
        _step(label, None, "unknown", column, money.NO_USD)
        if column in no_usd
        else _step(label, sign * (d[column] or zero), kind, column)
        for label, column, sign, kind in (
            ("Gross sales", "gross_revenue_usd", 1, "total"),
            ("Discounts", "discount_usd", -1, "step"),
            ("Refunds", "refunded_revenue_usd", -1, "step"),
        )
    ]
    if "net_revenue_usd" in no_usd:
        # lines, none with a USD amount: no step after them is known (decision log §5), not the 0
        # the days without a line add; the spend of their days is in the page's caption
        return steps + [_step(label, None, "unknown", column, money.NO_USD) for label, column in STEPS[len(steps) :]]
    spend_unknown = totals.get("marketing_spend_unknown_reason")
    net = d["net_revenue_usd"] or zero
    with_cost = d["net_revenue_with_cost_usd"]
    margin = d["gross_margin_usd"]
    if pnl_columns_without_cost(totals):
        margin = None
    steps.append(_step("Net revenue", net, "total", "net_revenue_usd"))
    spend_reason = f"unknown: {spend_unknown}" if spend_unknown else None
    if margin is None:
        for label in (
            "COGS",
            "Gross margin",
            "Fees & shipping",
            "Contribution before marketing",
            "Marketing",
            "Contribution after marketing",
        ):
            reason = spend_reason if label == "Marketing" and spend_reason else NO_COST
            steps.append(_step(label, None, "unknown", "cogs_usd, gross_margin_usd", reason))
        return steps
    if with_cost is not None and with_cost != net:
        steps.append(_step("Net revenue without a known cost", -(net - with_cost), "step", "net_revenue_with_cost_usd"))
        steps.append(_step("Net revenue with a known cost", with_cost, "total", "net_revenue_with_cost_usd"))
    fees = d["fees_and_shipping_usd"] or zero
    marketing = None if spend_unknown else d["marketing_spend_usd"] or zero
    before_marketing = d["contribution_before_marketing_usd"]
    steps += [
        _step("COGS", -(d["cogs_usd"] or zero), "step", "cogs_usd"),
        _step("Gross margin", margin, "total", "gross_margin_usd"),
        # of the lines with a known cost, as the margins (decision log §3, "Coverage")
        _step("Fees & shipping", fees, "step", "contribution_before_marketing_usd - gross_margin_usd"),
        _step("Contribution before marketing", before_marketing, "total", "contribution_before_marketing_usd"),
        _step("Marketing", None if marketing is None else -marketing, "step", "marketing_spend_usd", spend_reason),
        _step(
            "Contribution after marketing",
            None if spend_unknown else d["contribution_margin_usd"],
            "total",
            "contribution_margin_usd",
            spend_reason,
        ),
    ]
    return steps


def _step(label: str, amount: Decimal | None, kind: str, column: str, reason: str | None = None) -> dict[str, Any]:
    """One bridge step; an unknown one (amount None) carries the reason it reads instead."""
    return {"step": label, "amount": amount, "kind": kind, "source": f"marts.{MART}.{column}", "reason": reason}
