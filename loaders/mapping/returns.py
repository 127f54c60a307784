"""Finds the sale line each return gives back, so a refund can reference it.

Returns are matched in time order (then source order). With `returns.original_order` and a value
in that column, the candidates are that order's sale lines of the same SKU; otherwise the same
customer's earlier sale lines of the same SKU, latest first. The first candidate dated no later
than the return that still has the units, goods value (after discount), tax and shipping to give
back is taken, and what it has left shrinks. A return no sale line can take is unmatched, with
the reason: never invented, never dropped without a word.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from .rows import Line


@dataclass
class _Open:
    """What a sale line can still give back."""

    line: Line
    units: int
    goods: Decimal
    tax: Decimal
    shipping: Decimal
    refunds: int = 0  # refunds matched to it so far

    def covers(self, ret: Line) -> bool:
        v = ret.values
        return (
            self.units >= v["quantity"]
            and self.goods >= ret.net
            and self.tax >= v["line_tax"]
            and self.shipping >= v["shipping_charged"]
        )

    def take(self, ret: Line) -> int:
        v = ret.values
        self.units -= v["quantity"]
        self.goods -= ret.net
        self.tax -= v["line_tax"]
        self.shipping -= v["shipping_charged"]
        self.refunds += 1
        return self.refunds


@dataclass(frozen=True)
class Match:
    ret: Line
    sale: Line
    number: int  # the n-th refund of that sale line (R1, R2, ...)


@dataclass(frozen=True)
class Unmatched:
    ret: Line
    reason: str


def match_returns(sales: list[Line], returns: list[Line]) -> tuple[list[Match], list[Unmatched]]:
    by_customer: dict[tuple[str, str, str], list[_Open]] = defaultdict(list)
    by_order: dict[tuple[str, str, str], list[_Open]] = defaultdict(list)
    for sale in sorted(sales, key=lambda s: (s.values["event_ts"], s.position)):
        v = sale.values
        line = _Open(sale, v["quantity"], sale.net, v["line_tax"], v["shipping_charged"])
        by_order[(v["order_id"], v["sku"], v["currency"])].append(line)
        if v["customer_id"] is not None:
            by_customer[(v["customer_id"], v["sku"], v["currency"])].append(line)
    matched: list[Match] = []
    unmatched: list[Unmatched] = []
    for ret in sorted(returns, key=lambda r: (r.values["event_ts"], r.position)):
        v = ret.values
        what = f"{v['quantity']} x SKU {v['sku']} ({ret.net:.2f} {v['currency']} after discount)"
        if ret.original_order is not None:
            candidates = sorted(by_order.get((ret.original_order, v["sku"], v["currency"]), []), key=_line_order)
            if not candidates:
                unmatched.append(Unmatched(ret, f"order {ret.original_order} has no sale line of SKU {v['sku']} in "
                                                f"{v['currency']} in the imported files"))  # fmt: skip
                continue
            missing = f"no sale line of order {ret.original_order} dated before it has {what} left to give back"
        elif v["customer_id"] is None:
            unmatched.append(Unmatched(ret, "no customer and no original order to find its sale by"))
            continue
        else:
            candidates = list(reversed(by_customer.get((v["customer_id"], v["sku"], v["currency"]), [])))
            if not candidates:
                unmatched.append(Unmatched(ret, f"customer {v['customer_id']} bought no SKU {v['sku']} in "
                                                f"{v['currency']} in the imported files"))  # fmt: skip
                continue
            missing = f"no earlier sale to customer {v['customer_id']} has {what} left to give back"
        found = next((c for c in candidates if c.line.values["event_ts"] <= v["event_ts"] and c.covers(ret)), None)
        if found is None:
            unmatched.append(Unmatched(ret, missing))
        else:
            matched.append(Match(ret, found.line, found.take(ret)))
    return matched, unmatched


def _line_order(line: _Open) -> tuple[int, int]:
    return (line.line.values["line_number"] or 0, line.line.position)
