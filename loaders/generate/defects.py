"""Defects the generator can plant in otherwise clean deliveries (`generate --plant NAME`).

Each defect changes the last day written, the way a faulty source system would: most change the
rows before the day's control totals are computed (the source believes its own data); `lost_row`
and `unreadable_amount` write a file that differs from what its trailer claims, and
`control_total_mismatch` changes the trailer itself. The reconciliation tests in dbt must catch
every one of them; tests/python/test_reconciliation.py proves that they do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .sales import Lines

UNKNOWN_SALE_LINE = "O19990101-000001-1"
UNKNOWN_CAMPAIGN = "CMP-NOT-IN-SPEND"
NEW_SKU = "SKU-LAUNCH-0001"
NEW_SKU_COSTED_IN_CENTS = "SKU-LAUNCH-0002"
CURRENCY_WITHOUT_RATE = "AUD"  # a valid ISO code the fx_rates feed never publishes
LAGGING_PLATFORM = "tiktok"  # an always-on campaign of the generator spends every day
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

    date: dt.date  # the day being written
    previous: dict[str, pa.Table]  # the previous day's tables, by feed
    products_table: Callable[[np.ndarray], pa.Table]  # product master rows for catalog indices
    customers_table: Callable[[np.ndarray], pa.Table]  # customer rows for catalog indices, today's version
    customer_parent: np.ndarray  # catalog index of each account's parent, -1 for none
    initial_costs: pa.Table  # the cost history the first day delivered, every SKU's versions


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


def _order_line_moves_channel(lines: Lines) -> Lines:
    """The second sale line of the day's first order of several lines names another channel than
    the first (an export that writes the channel per line, one of them wrong)."""
    c = lines.columns
    seen: set[str] = set()
    second = None
    for i in np.flatnonzero(_sales(lines)):
        if c["order_id"][i] in seen:
            second = int(i)
            break
        seen.add(c["order_id"][i])
    if second is None:
        raise ValueError("cannot plant the defect: the day has no order of several sale lines")
    other = next(ch for ch in sorted(set(c["channel"][_sales(lines)])) if ch != c["channel"][second])
    return _set(lines, "channel", np.arange(len(lines)) == second, other)


def _price_in_cents(lines: Lines) -> Lines:
    """The day's last sale line with its unit price typed in cents (100 times its value), and its
    order's total with it (its tax and fee as they were): the order adds up and the file's trailer
    claims it, so only the price against the SKU's list price can tell."""
    c = lines.columns
    i = len(lines) - 1 - _first(_sales(lines)[::-1], "sale line")
    added = int(c["quantity"][i]) * int(c["unit_price"][i]) * 99
    planted = _set(lines, "unit_price", np.arange(len(lines)) == i, int(c["unit_price"][i]) * 100)
    order = _sales(lines) & (c["order_id"] == c["order_id"][i])
    return _set(planted, "order_total", order, c["order_total"][order] + added)


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


def _nth_refund(lines: Lines, n: int) -> np.ndarray:
    """A mask of the day's n-th refund line (0-based)."""
    hits = np.flatnonzero(_refunds(lines))
    if len(hits) <= n:
        raise ValueError(f"cannot plant the defect: the day has fewer than {n + 1} refund lines")
    return np.arange(len(lines)) == hits[n]


def _refund_over_tax_and_shipping(lines: Lines) -> Lines:
    """One refund gives back 1,000.00 more tax than its sale line charged, another 1,000.00 more
    shipping."""
    first, second = _nth_refund(lines, 0), _nth_refund(lines, 1)
    lines = _set(lines, "line_tax", first, lines.columns["line_tax"][first] + 100_000)
    return _set(lines, "shipping_charged", second, lines.columns["shipping_charged"][second] + 100_000)


def _other_value(lines: Lines, column: str, mask: np.ndarray) -> object:
    """A value of `column` from the day's sale lines that differs from the masked row's."""
    values = lines.columns[column]
    own = values[mask][0]
    others = [v for v in values[_sales(lines)] if v != own and v not in ("", None)]
    if not others:
        raise ValueError(f"cannot plant the defect: the day has no other {column}")
    return others[0]


def _refund_moves_attributes(lines: Lines) -> Lines:
    """A refund carries another customer, SKU and channel than the sale line it refunds."""
    mask = _nth_refund(lines, 0)
    for column in ("customer_id", "sku", "channel"):
        lines = _set(lines, column, mask, _other_value(lines, column, mask))
    return lines


def _orders_with_lines(lines: Lines, n: int) -> list[np.ndarray]:
    """Masks of the day's first n sale orders that have two lines or more."""
    c = lines.columns
    orders, counts = np.unique(c["order_id"][_sales(lines)], return_counts=True)
    many = [o for o in orders[counts >= 2]][:n]
    if len(many) < n:
        raise ValueError(f"cannot plant the defect: the day has fewer than {n} orders of two lines or more")
    return [_sales(lines) & (c["order_id"] == order) for order in many]


def _order_refund(lines: Lines, order: np.ndarray, suffix: str, units: int, values: dict[str, object]) -> Lines:
    """One refund row that names its order and no sale line (amounts in cents)."""
    first = int(np.flatnonzero(order)[0])
    row = lines.take(np.array([first]))
    one = np.array([True])
    changes: dict[str, object] = {
        "line_event_id": f"{lines.columns['order_id'][first]}-{suffix}",
        "event_type": "refund",
        "event_epoch": lines.columns["event_epoch"][first] + 3_600,
        "quantity": units,
        "line_discount": 0,
        "line_tax": 0,
        "shipping_charged": 0,
        "shipping_cost": 0,
        "platform_fee": 0,
        "campaign_id": "",
        "order_total": -1,
        "refunded_line_event_id": "",
        "refund_reason": "price_adjustment",
        "restocked": -1,
        **values,
    }
    for column, value in changes.items():
        row = _set(row, column, one, value)
    return row


def _append(lines: Lines, *rows: Lines) -> Lines:
    return Lines({k: np.concatenate([v, *(r.columns[k] for r in rows)]) for k, v in lines.columns.items()})


def _order_level_refunds(lines: Lines) -> Lines:
    """A goodwill credit of 10.01 (and 0.83 tax, or the order's tax if less: a tax-exempt order
    gets none back) against one order, and the cancellation of another, all units back in
    stock: both name the order and no sale line."""
    credit, cancelled = _orders_with_lines(lines, 2)
    c = lines.columns
    goods = c["quantity"] * c["unit_price"] - c["line_discount"]
    return _append(
        lines,
        _order_refund(
            lines, credit, "CREDIT", 0, {"refund_amount": 1_001, "line_tax": min(83, int(c["line_tax"][credit].sum()))}
        ),
        _set(
            _order_refund(
                lines,
                cancelled,
                "CANCEL",
                int(c["quantity"][cancelled].sum()),
                {
                    "refund_amount": int(goods[cancelled].sum()),
                    "line_tax": int(c["line_tax"][cancelled].sum()),
                    "shipping_charged": int(c["shipping_charged"][cancelled].sum()),
                    "refund_reason": "changed_mind",
                },
            ),
            "restocked",
            np.array([True]),
            1,
        ),
    )


def _order_refund_of_some_units(lines: Lines) -> Lines:
    """An order-level refund returning one unit of an order of several lines: which line's unit
    it is cannot be known."""
    (order,) = _orders_with_lines(lines, 1)
    return _append(lines, _order_refund(lines, order, "ONEUNIT", 1, {"refund_amount": 500}))


FX_OFF_CURRENCY = "EUR"


def _rate_changed(rows: pa.Table, change: Callable[[Decimal], Decimal]) -> pa.Table:
    """The rows with `change` applied to rate_to_usd, exactly, then kept to the column's scale."""
    rate = rows.column("rate_to_usd")
    step = Decimal(1).scaleb(-rate.type.scale) if pa.types.is_decimal(rate.type) else Decimal("1e-8")
    changed = pa.array([change(Decimal(str(v))).quantize(step) for v in rate.to_pylist()]).cast(rate.type)
    return rows.set_column(rows.schema.get_field_index("rate_to_usd"), "rate_to_usd", changed)


def _fx_rate_resent(factor: str) -> Callable[[list[Delivery], Day], None]:
    """Yesterday's EUR rate re-sent today as a correction, `factor` times its value: a late rate
    for a day already built."""

    def plant(deliveries: list[Delivery], day: Day) -> None:
        previous = day.previous.get("fx_rates")
        if previous is None or previous.num_rows == 0:
            raise ValueError("cannot plant the defect: no fx_rates file the day before")
        row = previous.filter(pc.equal(previous.column("currency"), FX_OFF_CURRENCY)).slice(0, 1)
        if row.num_rows == 0:
            raise ValueError(f"cannot plant the defect: no {FX_OFF_CURRENCY} rate the day before")
        row = _rate_changed(row, lambda rate: rate * Decimal(factor))
        fx = _delivery(deliveries, "fx_rates")
        if fx is None:
            deliveries.append(Delivery("fx_rates", row, {}))
        else:
            _replace_rows(fx, pa.concat_tables([fx.table, row.cast(fx.table.schema)]))

    return plant


def _fx_rate_inverted(deliveries: list[Delivery], day: Day) -> None:
    """A EUR rate for today published the other way round (EUR per USD, not USD per EUR): a move
    of about 14 percent from the previous publication, inside the band, that converts the day's
    EUR amounts wrong. Today's EUR row when the day publishes one, else yesterday's, dated today."""
    fx = _delivery(deliveries, "fx_rates")
    today = fx.table if fx is not None else pa.table({})
    source = today if today.num_rows and FX_OFF_CURRENCY in today.column("currency").to_pylist() else None
    if source is None:
        source = day.previous.get("fx_rates")
        if source is None or source.num_rows == 0:
            raise ValueError("cannot plant the defect: no fx_rates file today or the day before")
    row = source.filter(pc.equal(source.column("currency"), FX_OFF_CURRENCY)).slice(0, 1)
    if row.num_rows == 0:
        raise ValueError(f"cannot plant the defect: no {FX_OFF_CURRENCY} rate today or the day before")
    row = _with(_rate_changed(row, lambda rate: 1 / rate), "rate_date", day.date)
    if fx is None:
        deliveries.append(Delivery("fx_rates", row, {}))
        return
    others = fx.table.filter(pc.invert(pc.equal(fx.table.column("currency"), FX_OFF_CURRENCY)))
    _replace_rows(fx, pa.concat_tables([others, row.cast(fx.table.schema)]))


def _cost_in_cents(deliveries: list[Delivery], day: Day) -> None:
    """A new cost version of the first SKU, effective today, typed in cents: 100 times its latest
    version of the first day's history, in the same currency, well formed and positive."""
    history = day.initial_costs
    sku = history.column("sku")[0].as_py()
    versions = history.filter(pc.equal(history.column("sku"), sku))
    latest = versions.slice(
        pc.index(versions.column("effective_from"), pc.max(versions.column("effective_from"))).as_py(), 1
    )
    unit_cost = latest.column("unit_cost")
    row = _with(latest, "effective_from", day.date)
    row = row.set_column(
        row.schema.get_field_index("unit_cost"), "unit_cost", pa.array([unit_cost[0].as_py() * 100], unit_cost.type)
    )
    _master_row(deliveries, "cogs", row)


def _new_sku_cost_in_cents(deliveries: list[Delivery], day: Day) -> None:
    """The product master launches a SKU, and its first cost version, effective today, is typed in
    cents: 40 times its list price (a cost of 40% of the price, times 100), in USD. No earlier
    version to compare it with; not sold yet."""
    row = day.products_table(np.array([2]))
    row = row.set_column(row.schema.get_field_index("sku"), "sku", pa.array([NEW_SKU_COSTED_IN_CENTS]))
    _master_row(deliveries, "products", row)
    price = row.column("list_price")[0].as_py()
    cogs = _delivery(deliveries, "cogs")
    cost_type = cogs.table.schema.field("unit_cost").type if cogs is not None else pa.decimal128(18, 4)
    cost = pa.table(
        {
            "sku": pa.array([NEW_SKU_COSTED_IN_CENTS], pa.string()),
            "effective_from": pa.array([day.date], pa.date32()),
            "unit_cost": pa.array([Decimal(str(price)) * 40], cost_type),
            "currency": pa.array(["USD"], pa.string()),
        }
    )
    _master_row(deliveries, "cogs", cost)


def _spend_spike(deliveries: list[Delivery], day: Day) -> None:
    """Today's spend of one campaign is 1,000 times its usual (a budget typed in cents): well
    formed enough to load, listed as a warning."""
    d = _required(deliveries, "marketing_spend")
    dates = d.table.column("spend_date")
    latest = pc.equal(dates, pc.max(dates)).to_numpy(zero_copy_only=False)
    i = _first(latest, "spend row of the day")
    spend = d.table.column("spend")
    values = spend.to_pylist()
    values[i] = values[i] * 1000
    _replace_rows(d, d.table.set_column(d.table.schema.get_field_index("spend"), "spend", pa.array(values, spend.type)))


def _platform_lags(deliveries: list[Delivery], day: Day) -> None:
    """One platform's export is a day behind: today's spend file holds none of its spend for
    today (its restatements of earlier days stay), and the trailer counts what the file holds."""
    d = _required(deliveries, "marketing_spend")
    dates = d.table.column("spend_date")
    today = pc.equal(dates, pc.max(dates))
    lagging = pc.and_(today, pc.equal(d.table.column("platform"), LAGGING_PLATFORM))
    if not pc.any(lagging).as_py():
        raise ValueError(f"cannot plant the defect: no {LAGGING_PLATFORM} spend on the day")
    _replace_rows(d, d.table.filter(pc.invert(lagging)))


def _master_row(deliveries: list[Delivery], feed: str, row: pa.Table) -> None:
    """Adds one row to the day's master file (creating the file if the day has none)."""
    found = _delivery(deliveries, feed)
    if found is None:
        deliveries.append(Delivery(feed, row, {}))
    else:
        _replace_rows(found, pa.concat_tables([found.table, row.cast(found.table.schema)]))


def _with(table: pa.Table, column: str, value: object) -> pa.Table:
    field = table.schema.field(column)
    return table.set_column(table.schema.get_field_index(column), column, pa.array([value], field.type))


PRODUCT_GONE_BACK = 0  # catalog index of the product whose late version goes back in time


def _product_version_backwards(deliveries: list[Delivery], day: Day) -> None:
    """A product version delivered today whose updated_at is before every version delivered so
    far (a stale export, or a source clock gone back), with a new name."""
    row = day.products_table(np.array([PRODUCT_GONE_BACK]))
    stamp = row.column("updated_at")[0].as_py()
    older = f"2000-01-01T00:00:00{stamp[19:]}" if isinstance(stamp, str) else dt.datetime(2000, 1, 1)
    row = _with(_with(row, "product_name", "Renamed by a stale export"), "updated_at", older)
    _master_row(deliveries, "products", row)


def _customer_corrected_in_place(deliveries: list[Delivery], day: Day) -> None:
    """An account delivered yesterday is re-sent today with a corrected name and yesterday's
    updated_at (the source fixed the record without stamping the fix)."""
    yesterday = day.previous.get("customers")
    today = _delivery(deliveries, "customers")
    resent = set() if today is None else set(today.table.column("customer_id").to_pylist())
    ids = [] if yesterday is None else yesterday.column("customer_id").to_pylist()
    i = next((n for n, customer in enumerate(ids) if customer not in resent), None)
    if i is None:
        raise ValueError("cannot plant the defect: no account delivered yesterday and not today")
    row = _with(yesterday.slice(i, 1), "customer_name", "Corrected without a new updated_at")
    _master_row(deliveries, "customers", row)


def _sku_in_other_case(deliveries: list[Delivery], day: Day) -> None:
    """A product re-sent under its SKU in lower case, with a new price: a second member that no
    sale finds, while the SKU that sells keeps the old price."""
    row = day.products_table(np.array([1]))
    sku = row.column("sku")[0].as_py()
    _master_row(deliveries, "products", _with(row, "sku", sku.lower()))


COST_CURRENCY_WITHOUT_RATE = "AUD"


def _cost_currency_without_rate(deliveries: list[Delivery], day: Day) -> None:
    """Every SKU sold today gets a cost version effective today in a currency the FX feed never
    publishes: the lines have a cost, and no USD COGS."""
    sold = _required(deliveries, "transactions").table
    sales = sold.filter(pc.equal(sold.column("event_type"), "sale"))
    skus = pc.unique(sales.column("sku")).to_pylist()[:1]
    cogs = _delivery(deliveries, "cogs")
    schema = cogs.table.schema if cogs is not None else None
    table = pa.table(
        {
            "sku": pa.array(skus, pa.string()),
            "effective_from": pa.array([day.date] * len(skus), pa.date32()),
            "unit_cost": pa.array([1] * len(skus), schema.field("unit_cost").type if schema else pa.decimal128(18, 4)),
            "currency": pa.array([COST_CURRENCY_WITHOUT_RATE] * len(skus), pa.string()),
        }
    )
    _master_row(deliveries, "cogs", table)


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
    "price_in_cents": Defect(
        "a sale line's unit price typed in cents (100 times its value), its order's total with it",
        lines=_price_in_cents,
    ),
    "order_line_moves_channel": Defect(
        "a line of an order of several names another channel than the order's other lines",
        lines=_order_line_moves_channel,
    ),
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
    "refund_over_tax_and_shipping": Defect(
        "one refund gives back more tax, another more shipping, than their sale lines charged",
        lines=_refund_over_tax_and_shipping,
    ),
    "refund_moves_attributes": Defect(
        "a refund carries another customer, SKU and channel than the line it refunds",
        lines=_refund_moves_attributes,
    ),
    "order_level_refunds": Defect(
        "a credit against one order and the cancellation of another, naming no sale line (split; nothing fails)",
        lines=_order_level_refunds,
    ),
    "order_refund_of_some_units": Defect(
        "an order-level refund returning one unit of an order of several lines", lines=_order_refund_of_some_units
    ),
    "fx_rate_off": Defect("yesterday's EUR rate corrected to 100 times its value", files=_fx_rate_resent("100")),
    "fx_rate_restated": Defect(
        "yesterday's EUR rate re-sent today 0.2 percent higher (a late correction: nothing fails)",
        files=_fx_rate_resent("1.002"),
    ),
    "fx_rate_inverted": Defect(
        "today's EUR rate published the other way round (EUR per USD), a 14 percent move inside the band",
        files=_fx_rate_inverted,
    ),
    "cost_in_cents": Defect(
        "a cost version delivered today typed in cents (100 times its value)", files=_cost_in_cents
    ),
    "new_sku_cost_in_cents": Defect(
        "a SKU launched today whose first cost version is typed in cents (40 times its list price)",
        files=_new_sku_cost_in_cents,
    ),
    "spend_spike": Defect(
        "a campaign's spend 1,000 times its usual on one day (listed, not failed)", files=_spend_spike
    ),
    "platform_spend_lags": Defect(
        "one ad platform's spend for the day missing from the day's file (listed, not failed)", files=_platform_lags
    ),
    "product_version_backwards": Defect(
        "a product version delivered today with an updated_at before all earlier ones", files=_product_version_backwards
    ),
    "customer_corrected_in_place": Defect(
        "an account re-sent with a corrected name and its old updated_at", files=_customer_corrected_in_place
    ),
    "sku_in_other_case": Defect("a product re-sent under its SKU in lower case", files=_sku_in_other_case),
    "cost_currency_without_rate": Defect(
        "a SKU sold today costed from today in a currency the FX feed never publishes",
        files=_cost_currency_without_rate,
    ),
}


def planted(names: str) -> Defect:
    """One defect, or several separated by commas, planted together in the last day (in the
    order named): several independent defects share one build in the tests."""
    chosen = [DEFECTS[name] for name in names.split(",")]

    def lines(day_lines: Lines) -> Lines:
        for defect in chosen:
            day_lines = defect.lines(day_lines) if defect.lines else day_lines
        return day_lines

    def files(deliveries: list[Delivery], day: Day) -> None:
        for defect in chosen:
            if defect.files:
                defect.files(deliveries, day)

    def claims(table: pa.Table) -> pa.Table:
        for defect in chosen:
            table = defect.claims(table) if defect.claims else table
        return table

    return Defect(" and ".join(d.summary for d in chosen), lines=lines, files=files, claims=claims)
