"""Orders, order lines and refunds for one day, vectorised over the day's lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from .catalog import COUNTRIES, REFERRAL_RATE, RETURN_RATE, Customers, Products
from .common import Stream, day_start_epoch, is_black_friday_week, rng, zero_padded
from .marketing import Campaigns

CHANNELS = np.array(["web_store", "marketplace", "retail_pos", "wholesale"])
CHANNEL_MIX = np.array([0.45, 0.30, 0.15, 0.10])
CURRENCIES = np.array(["USD", "CAD", "GBP", "EUR"])
# Store per channel (row) and customer country (column: US, CA, GB, DE, FR).
STORES = np.array(
    [
        ["WEB-US", "WEB-CA", "WEB-UK", "WEB-EU", "WEB-EU"],
        ["AMZ-US", "AMZ-CA", "AMZ-UK", "AMZ-DE", "AMZ-DE"],
        ["POS-NYC", "POS-TOR", "POS-LON", "POS-PAR", "POS-PAR"],
        ["B2B-US", "B2B-US", "B2B-EU", "B2B-EU", "B2B-EU"],
    ]
)
STORE_CURRENCY = np.array(
    [
        [0, 1, 2, 3, 3],
        [0, 1, 2, 3, 3],
        [0, 1, 2, 3, 3],
        [0, 0, 3, 3, 3],
    ]
)
POS_TIMEZONES = ("America/New_York", "America/Toronto", "Europe/London", "Europe/Paris", "Europe/Paris")
POS_DEFAULT_REGION = ("NY", "ON", "ENG", "IDF", "IDF")
# Local price per USD of list price (stores price by market, not by the daily rate).
PRICE_FACTOR = np.array([1.0, 1.35, 0.80, 0.93])
FREE_SHIPPING_FROM = np.array([5_000, 6_500, 4_000, 4_500])
FLAT_SHIPPING = np.array([599, 799, 499, 549])
TAX_RATES: dict[tuple[str, str], float] = {
    ("US", "CA"): 0.0725,
    ("US", "NY"): 0.08875,
    ("US", "TX"): 0.0625,
    ("US", "FL"): 0.06,
    ("US", "WA"): 0.065,
    ("US", "IL"): 0.0625,
    ("US", "OR"): 0.0,
    ("US", "MA"): 0.0625,
    ("CA", "ON"): 0.13,
    ("CA", "BC"): 0.12,
    ("CA", "QC"): 0.14975,
    ("CA", "AB"): 0.05,
}
COUNTRY_TAX = {"GB": 0.20, "DE": 0.19, "FR": 0.20}
REFUND_REASONS = np.array(["changed_mind", "wrong_size", "damaged", "not_as_described", "price_adjustment"])
CHANNEL_RETURN_FACTOR = np.array([1.0, 1.2, 0.7, 0.3])


@dataclass
class Lines:
    """One day's sale lines (or refund lines): column name -> array, all of one length."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["line_event_id"])

    def take(self, idx: np.ndarray) -> Lines:
        return Lines({k: v[idx] for k, v in self.columns.items()})


def _allocate(
    total_per_order: np.ndarray, weights: np.ndarray, order_idx: np.ndarray, first_line: np.ndarray
) -> np.ndarray:
    """Split order-level cents over its lines in proportion to weights; the rounding remainder
    goes to the first line, so the lines always add up to the order amount exactly."""
    weight_sum = np.bincount(order_idx, weights=weights, minlength=len(total_per_order))
    share = np.floor(total_per_order[order_idx] * weights / np.maximum(weight_sum[order_idx], 1)).astype(np.int64)
    remainder = total_per_order - np.bincount(order_idx, weights=share, minlength=len(total_per_order)).astype(np.int64)
    return share + np.where(first_line, remainder[order_idx], 0)


def _utc_offsets(day: dt.date) -> np.ndarray:
    noon = dt.datetime(day.year, day.month, day.day, 12)
    return np.array([int(ZoneInfo(tz).utcoffset(noon).total_seconds() // 60) for tz in POS_TIMEZONES])


def _tax_rates(countries: np.ndarray, regions: np.ndarray) -> np.ndarray:
    return np.array(
        [
            COUNTRY_TAX.get(c, TAX_RATES.get((c, r), 0.0))
            for c, r in zip(countries.tolist(), regions.tolist(), strict=True)
        ]
    )


def _attribute(
    r: np.random.Generator,
    channel: np.ndarray,
    currency: np.ndarray,
    campaigns: Campaigns,
    metrics: dict[str, np.ndarray],
) -> np.ndarray:
    """Campaign per order: each active campaign converts a share of its clicks into orders of
    its target channel and market currency."""
    campaign = np.full(len(channel), "", dtype=object)
    idx, clicks = metrics["campaign"], metrics["clicks"]
    for ch in (0, 1):
        for cur in range(len(CURRENCIES)):
            orders = np.flatnonzero((channel == ch) & (currency == cur))
            match = (campaigns.target_channel[idx] == CHANNELS[ch]) & (campaigns.currency[idx] == CURRENCIES[cur])
            if not len(orders) or not match.any():
                continue
            expected = clicks[match] * campaigns.conversion_rate[idx[match]]
            p = expected / len(orders)
            if p.sum() > 0.6:
                p = p * 0.6 / p.sum()
            pick = r.choice(len(p) + 1, len(orders), p=np.append(p, 1.0 - p.sum()))
            ids = np.append(campaigns.campaign_id[idx[match]], "")
            campaign[orders] = ids[pick]
    return campaign


def day_sales(
    seed: int,
    day: dt.date,
    day_index: int,
    mean_orders: float,
    products: Products,
    customers: Customers,
    new_ids: np.ndarray,
    campaigns: Campaigns,
    metrics: dict[str, np.ndarray],
) -> tuple[Lines, Lines, np.ndarray]:
    """Returns the day's sale lines, the refunds they will later cause, and each refund's day index."""
    r = rng(seed, Stream.ORDERS, day_index)
    day_epoch = day_start_epoch(day)
    n = int(r.poisson(mean_orders))
    mix = CHANNEL_MIX.copy()
    if day.weekday() == 5:
        mix[2] *= 1.4
    if day.weekday() >= 5:
        mix[3] = 0.0
    channel = r.choice(4, n, p=mix / mix.sum())

    cust = customers.arrays
    existing = cust["created"] < day_epoch
    consumer_pool = np.flatnonzero(existing & ~cust["business"])
    business_pool = np.flatnonzero(existing & cust["business"])
    customer = np.full(n, -1, dtype=np.int64)
    known = (channel <= 1) | ((channel == 2) & (r.random(n) >= 0.55))
    w = cust["weight"][consumer_pool]
    customer[known] = r.choice(consumer_pool, int(known.sum()), p=w / w.sum())
    wholesale = channel == 3
    wb = cust["weight"][business_pool]
    customer[wholesale] = r.choice(business_pool, int(wholesale.sum()), p=wb / wb.sum())
    online = np.flatnonzero(channel <= 1)
    first_orders = r.choice(online, min(len(new_ids), len(online)), replace=False)
    customer[first_orders] = new_ids[: len(first_orders)]

    country_idx = cust["country_idx"][np.maximum(customer, 0)]
    anonymous = customer < 0
    country_idx[anonymous] = r.choice(5, int(anonymous.sum()), p=[0.45, 0.15, 0.2, 0.05, 0.15])
    store = STORES[channel, country_idx]
    currency = STORE_CURRENCY[channel, country_idx]

    offsets = np.where(channel == 2, _utc_offsets(day)[country_idx], 0)
    local_seconds = np.where(
        channel == 2,
        r.integers(9 * 3600, 21 * 3600, n),
        np.where(
            channel == 3,
            r.integers(8 * 3600, 18 * 3600, n),
            np.minimum(r.gamma(6.0, 2.4 * 3600, n), 86_399).astype(np.int64),
        ),
    )
    order_ts = day_epoch + local_seconds - offsets * 60

    lines_per_order = np.where(wholesale, r.integers(2, 9, n), np.minimum(r.geometric(0.6, n), 8))
    order_idx = np.repeat(np.arange(n), lines_per_order)
    line_no = np.arange(len(order_idx)) - np.repeat(np.cumsum(lines_per_order) - lines_per_order, lines_per_order) + 1
    first_line = line_no == 1
    n_lines = len(order_idx)
    ch = channel[order_idx]
    cur = currency[order_idx]

    sellable = np.flatnonzero(products.status == 1)
    pop = products.popularity[sellable]
    product = r.choice(sellable, n_lines, p=pop / pop.sum())
    quantity = np.where(ch == 3, r.integers(6, 61, n_lines), r.choice([1, 2, 3], n_lines, p=[0.85, 0.10, 0.05]))
    local_list = products.list_price[product] * PRICE_FACTOR[cur]
    unit_price = np.where(
        ch == 3, np.round(local_list * 0.6), np.maximum(np.round(local_list / 100) * 100 - 1, 99)
    ).astype(np.int64)
    gross = quantity * unit_price

    pct = np.zeros(n)
    if is_black_friday_week(day):
        pct = np.where(channel <= 1, 0.25, pct)
    elif day.month == 12 and day.day <= 20:
        pct = np.where((channel <= 1) & (r.random(n) < 0.3), 0.10, pct)
    pct = np.where((channel == 0) & (r.random(n) < 0.08), np.maximum(pct, 0.10), pct)
    pct = np.where((channel == 2) & (r.random(n) < 0.10), 0.05, pct)
    line_pct = np.where((ch == 3) & (quantity >= 24), 0.05, pct[order_idx])
    discount = np.round(gross * line_pct).astype(np.int64)
    net = gross - discount

    regions = np.where(anonymous, np.array(POS_DEFAULT_REGION)[country_idx], cust["region"][np.maximum(customer, 0)])
    rate = np.where(wholesale, 0.0, _tax_rates(COUNTRIES[country_idx], regions))
    tax = np.round(net * rate[order_idx]).astype(np.int64)

    order_net = np.bincount(order_idx, weights=net, minlength=n).astype(np.int64)
    order_units = np.bincount(order_idx, weights=quantity, minlength=n).astype(np.int64)
    shipping_charged = np.select(
        [channel == 0, channel == 1, channel == 3],
        [
            np.where(order_net >= FREE_SHIPPING_FROM[currency], 0, FLAT_SHIPPING[currency]),
            np.where(order_net >= FREE_SHIPPING_FROM[currency] // 2, 0, 399),
            np.maximum(2_500, np.round(order_net * 0.02)),
        ],
        0,
    ).astype(np.int64)
    shipping_cost = np.select(
        [channel <= 1, channel == 3],
        [
            np.round((450 + 80 * order_units) * PRICE_FACTOR[currency] * r.uniform(0.8, 1.2, n)),
            np.round((1_500 + 40 * order_units) * PRICE_FACTOR[currency]),
        ],
        0,
    ).astype(np.int64)
    ship_line = _allocate(shipping_charged, net.astype(float), order_idx, first_line)
    ship_cost_line = _allocate(shipping_cost, net.astype(float), order_idx, first_line)

    fee = np.select(
        [ch == 1, ch == 0, ch == 2],
        [
            np.round(REFERRAL_RATE[products.category[product]] * (net + ship_line)),
            np.round(0.029 * (net + tax + ship_line)) + np.where(first_line, 30, 0),
            np.round(0.026 * (net + tax)) + np.where(first_line, 10, 0),
        ],
        0,
    ).astype(np.int64)
    order_total = np.bincount(order_idx, weights=net + tax + ship_line, minlength=n).astype(np.int64)
    campaign = _attribute(r, channel, currency, campaigns, metrics)

    seq = zero_padded(np.arange(n) + 1, 6)
    order_id = np.char.add(f"O{day:%Y%m%d}-", seq)[order_idx]
    line_event_id = np.char.add(np.char.add(order_id, "-"), line_no.astype(str))
    customer_id = np.where(customer[order_idx] >= 0, cust["customer_id"][np.maximum(customer[order_idx], 0)], "")
    sales = Lines(
        {
            "line_event_id": line_event_id,
            "event_type": np.full(n_lines, "sale"),
            "order_id": order_id,
            "line_number": line_no,
            "event_epoch": order_ts[order_idx],
            "event_offset": offsets[order_idx],
            "channel": CHANNELS[ch],
            "store_id": store[order_idx],
            "currency": CURRENCIES[cur],
            "customer_id": customer_id,
            "sku": products.sku[product],
            "quantity": quantity,
            "unit_price": unit_price,
            "line_discount": discount,
            "line_tax": tax,
            "shipping_charged": ship_line,
            "shipping_cost": ship_cost_line,
            "platform_fee": fee,
            "campaign_id": campaign[order_idx].astype(str),
            "order_total": order_total[order_idx],
            "refunded_line_event_id": np.full(n_lines, ""),
            "refund_amount": np.full(n_lines, -1, dtype=np.int64),
            "refund_reason": np.full(n_lines, ""),
            "restocked": np.full(n_lines, -1, dtype=np.int8),
            "_category": products.category[product],
            "_channel": ch,
            # what a refund of the line needs to know of its sale (used to plant defects)
            "_sale_net": net,
            "_sale_epoch": order_ts[order_idx],
        }
    )
    refunds, refund_day = _refunds(seed, day_index, sales, cur)
    return sales, refunds, refund_day


def _refunds(seed: int, day_index: int, sales: Lines, cur: np.ndarray) -> tuple[Lines, np.ndarray]:
    r = rng(seed, Stream.REFUNDS, day_index)
    s = sales.columns
    ch = s["_channel"]
    p = RETURN_RATE[s["_category"]] * CHANNEL_RETURN_FACTOR[ch]
    idx = np.flatnonzero(r.random(len(sales)) < p)
    m = len(idx)
    qty = s["quantity"][idx]
    net = s["quantity"][idx] * s["unit_price"][idx] - s["line_discount"][idx]
    u = r.random(m)
    adjustment = u < 0.12
    partial = ~adjustment & (qty > 1) & (r.random(m) < 0.4)
    reason = np.where(adjustment, 4, r.choice(4, m, p=[0.35, 0.25, 0.15, 0.25]))
    units = np.where(adjustment, 0, np.where(partial, r.integers(1, np.maximum(qty, 2)), qty))
    share = np.where(adjustment, r.uniform(0.1, 0.4, m), units / qty)
    amount = np.where(partial | adjustment, np.round(net * share), net).astype(np.int64)
    discount = np.where(adjustment, 0, np.round(s["line_discount"][idx] * share)).astype(np.int64)
    tax = np.round(s["line_tax"][idx] * share).astype(np.int64)
    full = ~adjustment & ~partial
    faulty = (reason == 2) | (reason == 3)
    shipping = np.where(full & faulty, s["shipping_charged"][idx], 0)
    label = np.where((units > 0) & (faulty | (reason == 1)), np.round(600 * PRICE_FACTOR[cur[idx]]), 0).astype(np.int64)
    fee = np.where(ch[idx] == 1, np.round(s["platform_fee"][idx] * 0.8 * share), 0).astype(np.int64)
    restocked = ((units > 0) & (reason != 2) & (r.random(m) < 0.92)).astype(np.int8)
    lag = np.clip(np.round(r.lognormal(np.log(9), 0.6, m)), 1, 60).astype(np.int64)
    refunds = Lines(
        {
            "line_event_id": np.char.add(s["line_event_id"][idx], "-R1"),
            "event_type": np.full(m, "refund"),
            "order_id": s["order_id"][idx],
            "line_number": s["line_number"][idx],
            "event_epoch": s["event_epoch"][idx] + lag * 86_400 + r.integers(0, 8 * 3600, m),
            "event_offset": s["event_offset"][idx],
            "channel": s["channel"][idx],
            "store_id": s["store_id"][idx],
            "currency": s["currency"][idx],
            "customer_id": s["customer_id"][idx],
            "sku": s["sku"][idx],
            "quantity": units,
            "unit_price": s["unit_price"][idx],
            "line_discount": discount,
            "line_tax": tax,
            "shipping_charged": shipping,
            "shipping_cost": label,
            "platform_fee": fee,
            "campaign_id": np.full(m, ""),
            "order_total": np.full(m, -1, dtype=np.int64),
            "refunded_line_event_id": s["line_event_id"][idx],
            "refund_amount": amount,
            "refund_reason": REFUND_REASONS[reason],
            "restocked": restocked,
            "_category": s["_category"][idx],
            "_channel": ch[idx],
            "_sale_net": net,
            "_sale_epoch": s["event_epoch"][idx],
        }
    )
    return refunds, day_index + lag
