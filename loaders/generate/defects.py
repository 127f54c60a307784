"""Defects the generator can plant in otherwise clean deliveries (`generate --plant NAME`).

Each defect changes the last day written, the way a faulty source system would: most change the
rows before the day's control totals are computed (the source believes its own data); `lost_row`
and `unreadable_amount` write a file that differs from what its trailer claims, and
`control_total_mismatch` changes the trailer itself. The reconciliation tests in dbt must catch
every one of them; tests/python/test_reconciliation.py proves that they do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .sales import Lines

UNKNOWN_SALE_LINE = "O19990101-000001-1"
UNKNOWN_CAMPAIGN = "CMP-NOT-IN-SPEND"
NEW_SKU = "SKU-LAUNCH-0001"
CURRENCY_WITHOUT_RATE = "AUD"  # a valid ISO code the fx_rates feed never publishes
OUTSIDE_CALENDAR_EPOCH = 1_926_072_000  # 2031-01-13 12:00 UTC, after dim_date's last day


@dataclass
class Delivery:
    """One file of a day before it is written. `claimed` is what the trailer describes when it
    differs from what is written (a file that lost rows, a value the loader cannot read)."""

    feed: str
    table: pa.Table
    stamps: dict[str, np.ndarray]
    claimed: pa.Table | None = None


@dataclass
class Day:
    """What a defect may look at besides the day's rows."""

    previous: dict[str, pa.Table]  # the previous day's tables, by feed
    products_table: Callable[[np.ndarray], pa.Table]  # product master rows for catalog indices
    customers_table: Callable[[np.ndarray], pa.Table]  # customer rows for catalog indices, today's version
    customer_parent: np.ndarray  # catalog index of each account's parent, -1 for none


@dataclass(frozen=True)
class Defect:
    summary: str
    lines: Callable[[Lines], Lines] | None = None
    files: Callable[[list[Delivery], Day], None] | None = None
    claims: Callable[[pa.Table], pa.Table] | None = None


def _first(mask: np.ndarray, what: str) -> int:
    hits = np.flatnonzero(mask)
    if not len(hits):
        raise ValueError(f"cannot plant the defect: the day has no {what}")
    return int(hits[0])


def _sales(lines: Lines) -> np.ndarray:
    return lines.columns["event_type"] == "sale"


def _refunds(lines: Lines) -> np.ndarray:
    return lines.columns["event_type"] == "refund"


def _first_order(lines: Lines) -> np.ndarray:
    """The lines of the day's first order."""
    c = lines.columns
    order = c["order_id"][_first(_sales(lines), "sale line")]
    return _sales(lines) & (c["order_id"] == order)


def _set(lines: Lines, column: str, mask: np.ndarray, value: object) -> Lines:
    values = lines.columns[column].copy()
    if values.dtype.kind == "U":  # numpy strings: make room for a longer value
        values = values.astype(object)
    values[mask] = value
    return Lines({**lines.columns, column: values})


def _order_total_off(cents: int) -> Callable[[Lines], Lines]:
    def plant(lines: Lines) -> Lines:
        order = _first_order(lines)
        return _set(lines, "order_total", order, lines.columns["order_total"][order] + cents)

    return plant


def _duplicated_line(lines: Lines) -> Lines:
    i = _first(_sales(lines), "sale line")
    copy = lines.take(np.array([i]))
    copy = _set(copy, "line_event_id", np.array([True]), f"{copy.columns['line_event_id'][0]}-DUP")
    return Lines({k: np.concatenate([v, copy.columns[k]]) for k, v in lines.columns.items()})


def _refund_exceeds_sale(lines: Lines) -> Lines:
    i = _first(_refunds(lines) & (lines.columns["quantity"] > 0), "refund of units")
    mask = np.arange(len(lines)) == i
    return _set(lines, "refund_amount", mask, lines.columns["_sale_net"][i] + 100)


def _refund_before_sale(lines: Lines) -> Lines:
    i = _first(_refunds(lines), "refund line")
    mask = np.arange(len(lines)) == i
    return _set(lines, "event_epoch", mask, lines.columns["_sale_epoch"][i] - 86_400)


def _refund_of_unknown_sale(lines: Lines) -> Lines:
    mask = np.arange(len(lines)) == _first(_refunds(lines), "refund line")
    return _set(lines, "refunded_line_event_id", mask, UNKNOWN_SALE_LINE)


def _sold_new_sku(lines: Lines) -> Lines:
    mask = np.arange(len(lines)) == _first(_sales(lines), "sale line")
    return _set(lines, "sku", mask, NEW_SKU)


def _launch_new_sku(deliveries: list[Delivery], day: Day) -> None:
    """The product master announces the new SKU; the cost feed never gets a version of it."""
    row = day.products_table(np.array([0]))
    row = row.set_column(row.schema.get_field_index("sku"), "sku", pa.array([NEW_SKU]))
    row = row.set_column(row.schema.get_field_index("product_name"), "product_name", pa.array(["Launch edition"]))
    products = _delivery(deliveries, "products")
    if products is None:
        deliveries.append(Delivery("products", row, {}))
    else:
        _replace_rows(products, pa.concat_tables([products.table, row.cast(products.table.schema)]))


def _on_first_order(column: str, value: object) -> Callable[[Lines], Lines]:
    return lambda lines: _set(lines, column, _first_order(lines), value)


def _replace_rows(d: Delivery, table: pa.Table) -> None:
    """New rows for a delivery; the Parquet timestamp hints no longer line up, so they go (the
    timestamps stay ISO text, which the loader reads as well)."""
    d.table = table
    d.stamps = {}


def _delivery(deliveries: list[Delivery], feed: str) -> Delivery | None:
    return next((d for d in deliveries if d.feed == feed), None)


def _required(deliveries: list[Delivery], feed: str) -> Delivery:
    found = _delivery(deliveries, feed)
    if found is None or found.table.num_rows == 0:
        raise ValueError(f"cannot plant the defect: the day has no {feed} file")
    return found


def _lost_row(deliveries: list[Delivery], day: Day) -> None:
    """The file lost a refund line in transit; its trailer still counts it."""
    d = _required(deliveries, "transactions")
    refunds = np.flatnonzero(pc.equal(d.table.column("event_type"), "refund").to_numpy(zero_copy_only=False))
    lost = int(refunds[-1]) if len(refunds) else d.table.num_rows - 1
    d.claimed = d.table
    _replace_rows(d, pa.concat_tables([d.table.slice(0, lost), d.table.slice(lost + 1)]))


def _unreadable_amount(deliveries: list[Delivery], day: Day) -> None:
    """One spend value written with a decimal comma: the row is quarantined and its money
    cannot be read back, so the trailer's sum is short by that amount."""
    d = _required(deliveries, "marketing_spend")
    d.claimed = d.table
    spend = d.table.column("spend").cast(pa.string()).to_pylist()
    spend[0] = spend[0].replace(".", ",")
    d.table = d.table.set_column(d.table.schema.get_field_index("spend"), "spend", pa.array(spend, pa.string()))


def _quarantined_row(deliveries: list[Delivery], day: Day) -> None:
    """A spend row with more clicks than impressions: quarantined; rows and money still tie out."""
    d = _required(deliveries, "marketing_spend")
    clicks = d.table.column("clicks").to_numpy().copy()
    clicks[0] = d.table.column("impressions")[0].as_py() + 1
    d.table = d.table.set_column(d.table.schema.get_field_index("clicks"), "clicks", pa.array(clicks, pa.int64()))


def _redelivered_line(deliveries: list[Delivery], day: Day) -> None:
    """Today's file carries again the first line of yesterday's file (a correction, as sources
    send them), and today's trailer counts it. Not a defect any more: raw keeps both files
    whole, both tie out to their trailers, and the later delivery of the line is the one that
    counts. Kept to prove that nothing fails (decision log §9)."""
    previous = day.previous.get("transactions")
    if previous is None or previous.num_rows == 0:
        raise ValueError("cannot plant the defect: no transactions file the day before")
    d = _required(deliveries, "transactions")
    _replace_rows(d, pa.concat_tables([d.table, previous.slice(0, 1).cast(d.table.schema)]))


def _cyclic_parent_chain(deliveries: list[Delivery], day: Day) -> None:
    """A top-level business account is given one of its own children as parent."""
    parent = day.customer_parent
    child = _first((parent >= 0) & (parent[np.maximum(parent, 0)] < 0), "account under a top-level account")
    top = int(parent[child])
    row = day.customers_table(np.array([top]))
    child_id = day.customers_table(np.array([child])).column("customer_id")[0].as_py()
    row = row.set_column(row.schema.get_field_index("parent_customer_id"), "parent_customer_id", pa.array([child_id]))
    customers = _delivery(deliveries, "customers")
    if customers is None:
        deliveries.append(Delivery("customers", row, {}))
        return
    keep = pc.not_equal(customers.table.column("customer_id"), row.column("customer_id")[0])
    _replace_rows(customers, pa.concat_tables([customers.table.filter(keep), row.cast(customers.table.schema)]))


def _claim_more_spend(claims: pa.Table) -> pa.Table:
    """The marketing trailer claims 1.00 more spend than its file holds."""
    is_spend = pc.and_(
        pc.equal(claims.column("feed"), "marketing_spend"), pc.equal(claims.column("metric"), "sum_spend")
    ).to_numpy(zero_copy_only=False)
    i = _first(is_spend, "marketing spend claim")
    values = claims.column("value").to_pylist()
    values[i] += 1
    value_type = claims.schema.field("value").type
    return claims.set_column(claims.schema.get_field_index("value"), "value", pa.array(values, value_type))


DEFECTS: dict[str, Defect] = {
    "order_total_within_tolerance": Defect(
        "an order total 0.01 above its lines (within the tolerance: listed, not failed)",
        lines=_order_total_off(1),
    ),
    "order_total_off": Defect("an order total 0.05 above its lines", lines=_order_total_off(5)),
    "duplicated_line": Defect("a sale line sent twice under two line event ids", lines=_duplicated_line),
    "redelivered_line": Defect(
        "yesterday's first line delivered again in today's file (a correction: nothing fails)", files=_redelivered_line
    ),
    "lost_row": Defect("a transactions file lost a line its trailer counts", files=_lost_row),
    "control_total_mismatch": Defect("a trailer claims 1.00 more spend than its file holds", claims=_claim_more_spend),
    "quarantined_row": Defect(
        "a spend row with more clicks than impressions (quarantined; still ties out)", files=_quarantined_row
    ),
    "unreadable_amount": Defect("a spend amount written with a decimal comma", files=_unreadable_amount),
    "refund_exceeds_sale": Defect("a refund 1.00 larger than the goods sold on its line", lines=_refund_exceeds_sale),
    "refund_before_sale": Defect("a refund dated a day before its sale", lines=_refund_before_sale),
    "refund_of_unknown_sale": Defect("a refund of a sale line that does not exist", lines=_refund_of_unknown_sale),
    "sku_without_cost": Defect(
        "a newly launched SKU sold before the cost feed has a version of it",
        lines=_sold_new_sku,
        files=_launch_new_sku,
    ),
    "unknown_campaign": Defect(
        "an order attributed to a campaign the spend feed does not know",
        lines=_on_first_order("campaign_id", UNKNOWN_CAMPAIGN),
    ),
    "currency_without_rate": Defect(
        "an order in a currency the FX feed never publishes",
        lines=_on_first_order("currency", CURRENCY_WITHOUT_RATE),
    ),
    "date_outside_calendar": Defect(
        "an order stamped in 2031 by a till with a wrong clock",
        lines=_on_first_order("event_epoch", OUTSIDE_CALENDAR_EPOCH),
    ),
    "cyclic_parent_chain": Defect("a top-level account re-parented under its own child", files=_cyclic_parent_chain),
}
