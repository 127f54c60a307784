"""Deterministic sample deliveries for every raw feed (`python -m loaders generate`)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from ..contracts import CONTROL_TOTALS
from . import catalog, defects, marketing, sales
from .common import Stream, day_start_epoch, iso_timestamps, rng, season, to_decimal
from .defects import Delivery
from .writer import Writer

STATE_FILE = "_generator.json"
LINES_PER_ORDER = 1.84  # lines per order of the channel mix, measured on the generator, to size --lines
REFUND_SHARE = 1.12
FX_START = {"EUR": 1.085, "GBP": 1.27, "CAD": 0.735}


@dataclass(frozen=True)
class Params:
    seed: int
    start: str
    days: int
    orders_per_day: float
    products: int
    customers: int
    format: str

    @property
    def start_date(self) -> dt.date:
        return dt.date.fromisoformat(self.start)


def orders_for_lines(lines: int, start: dt.date, days: int) -> float:
    demand = sum(season(start + dt.timedelta(days=d), d) for d in range(days))
    return lines / (demand * LINES_PER_ORDER * REFUND_SHARE)


def read_state(root: Path) -> Params:
    path = root / STATE_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: no earlier output to append to (generate without --append-days first)")
    return Params(**json.loads(path.read_text()))


def _stamp(epochs: np.ndarray, offsets: np.ndarray | None = None) -> pa.Array:
    return iso_timestamps(epochs, np.zeros(len(epochs), dtype=np.int64) if offsets is None else offsets)


def _null_if(values: np.ndarray, missing: np.ndarray, type_: pa.DataType) -> pa.Array:
    return pa.array(values, type=type_, mask=missing)


def _transactions(lines: sales.Lines) -> tuple[pa.Table, dict[str, np.ndarray]]:
    c = lines.columns
    no_total = c["order_total"] < 0
    no_refund = c["refund_amount"] < 0
    table = pa.table(
        {
            "line_event_id": c["line_event_id"],
            "event_type": c["event_type"],
            "order_id": c["order_id"],
            "line_number": pa.array(c["line_number"], pa.int64()),
            "event_ts": _stamp(c["event_epoch"], c["event_offset"]),
            "channel": c["channel"],
            "store_id": c["store_id"],
            "currency": c["currency"],
            "customer_id": _null_if(c["customer_id"], c["customer_id"] == "", pa.string()),
            "sku": c["sku"],
            "quantity": pa.array(c["quantity"], pa.int64()),
            "unit_price": to_decimal(c["unit_price"]),
            "line_discount": to_decimal(c["line_discount"]),
            "line_tax": to_decimal(c["line_tax"]),
            "shipping_charged": to_decimal(c["shipping_charged"]),
            "shipping_cost": to_decimal(c["shipping_cost"]),
            "platform_fee": to_decimal(c["platform_fee"]),
            "campaign_id": _null_if(c["campaign_id"], c["campaign_id"] == "", pa.string()),
            "order_total": pa.compute.if_else(
                pa.array(no_total), pa.scalar(None, pa.decimal128(18, 2)), to_decimal(np.maximum(c["order_total"], 0))
            ),
            "refunded_line_event_id": _null_if(
                c["refunded_line_event_id"], c["refunded_line_event_id"] == "", pa.string()
            ),
            "refund_amount": pa.compute.if_else(
                pa.array(no_refund),
                pa.scalar(None, pa.decimal128(18, 2)),
                to_decimal(np.maximum(c["refund_amount"], 0)),
            ),
            "refund_reason": _null_if(c["refund_reason"], c["refund_reason"] == "", pa.string()),
            "restocked": _null_if(c["restocked"] == 1, c["restocked"] < 0, pa.bool_()),
        }
    )
    return table, {"event_ts": c["event_epoch"]}


def _products(p: catalog.Products, idx: np.ndarray, epoch: int) -> tuple[pa.Table, dict[str, np.ndarray]]:
    updated = epoch + (np.arange(len(idx)) % 300)
    table = pa.table(
        {
            "sku": p.sku[idx],
            "product_name": p.name[idx],
            "category": np.array(catalog.CATEGORY_NAMES)[p.category[idx]],
            "subcategory": p.subcategory_names(idx),
            "brand": p.brand[idx],
            "list_price": to_decimal(p.list_price[idx]),
            "status": catalog.STATUSES[p.status[idx]],
            "updated_at": _stamp(updated),
        }
    )
    return table, {"updated_at": updated}


def _customers(cust: catalog.Customers, idx: np.ndarray, epoch: int | None) -> tuple[pa.Table, dict[str, np.ndarray]]:
    a = cust.arrays
    created = a["created"][idx]
    updated = created if epoch is None else np.maximum(epoch + (np.arange(len(idx)) % 300), created)
    parent = a["parent"][idx]
    table = pa.table(
        {
            "customer_id": a["customer_id"][idx],
            "customer_name": a["name"][idx],
            "email": a["email"][idx],
            "country_code": a["country"][idx],
            "region": a["region"][idx],
            "segment": np.where(a["business"][idx], "business", "consumer"),
            "loyalty_tier": catalog.TIERS[a["tier"][idx]],
            "parent_customer_id": _null_if(a["customer_id"][np.maximum(parent, 0)], parent < 0, pa.string()),
            "created_at": _stamp(created),
            "updated_at": _stamp(updated),
        }
    )
    return table, {"created_at": created, "updated_at": updated}


def _cogs(
    p: catalog.Products, product: np.ndarray, effective_day: np.ndarray, unit_cost: np.ndarray
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    order = np.lexsort((effective_day, product))
    table = pa.table(
        {
            "sku": p.sku[product[order]],
            "effective_from": pa.array(effective_day[order].astype("datetime64[D]")),
            "unit_cost": to_decimal(unit_cost[order], scale=4),
            "currency": catalog.SUPPLIER_CURRENCIES[p.cost_currency[product[order]]],
        }
    )
    return table, {}


def _spend(
    camps: marketing.Campaigns, rows: list[tuple[int, dict[str, np.ndarray]]], start_day: int
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    parts = []
    for day_index, m in rows:
        i = m["campaign"]
        parts.append(
            pa.table(
                {
                    "platform": camps.platform[i],
                    "campaign_id": camps.campaign_id[i],
                    "campaign_name": camps.name[i],
                    "target_channel": camps.target_channel[i],
                    "spend_date": pa.array(np.full(len(i), start_day + day_index).astype("datetime64[D]")),
                    "impressions": pa.array(m["impressions"], pa.int64()),
                    "clicks": pa.array(m["clicks"], pa.int64()),
                    "spend": to_decimal(m["spend"]),
                    "currency": camps.currency[i],
                }
            )
        )
    return pa.concat_tables(parts), {}


def _fx(seed: int, levels: dict[str, float], day_index: int, day: dt.date) -> pa.Table | None:
    """Rates are published on business days only; each publication moves the rate a little."""
    if day.weekday() >= 5:
        return None
    r = rng(seed, Stream.FX, day_index)
    for cur, step in zip(FX_START, r.normal(0.0, 0.004, len(FX_START)), strict=True):
        levels[cur] *= float(np.exp(step))
    currencies = ["USD", *FX_START]
    rates = [100_000_000, *(round(levels[c] * 100_000_000) for c in FX_START)]
    return pa.table(
        {
            "rate_date": pa.array([day] * len(currencies), pa.date32()),
            "currency": currencies,
            "rate_to_usd": to_decimal(np.array(rates), scale=8),
        }
    )


def generate(
    root: Path, params: Params, first_day_to_write: int = 0, progress: bool = True, plant: str | None = None
) -> dict[str, int]:
    """Simulates days 0..days-1 and writes the deliveries of days >= first_day_to_write; with
    `plant`, the last day carries that defect, or those defects (comma-separated; see
    defects.DEFECTS). Returns rows written per feed."""
    defect = defects.planted(plant) if plant else None
    start = params.start_date
    start_day = (start - dt.date(1970, 1, 1)).days
    start_epoch = day_start_epoch(start)
    writer = Writer(root, params.format)
    products = catalog.initial_products(params.seed, params.products, start)
    cost_history = catalog.initial_cost_versions(params.seed, products, start_day)
    customers = catalog.initial_customers(params.seed, params.customers, start_epoch)
    camps = marketing.build_campaigns(params.seed)
    fx_levels = dict(FX_START)
    first_reports: dict[int, dict[str, np.ndarray]] = {}
    pending_refunds: dict[int, list[sales.Lines]] = {}
    previous: dict[str, pa.Table] = {}
    written: dict[str, int] = {}
    initial_costs, _ = _cogs(
        products, cost_history["product"], cost_history["effective_day"], cost_history["unit_cost"]
    )

    for d in tqdm(range(params.days), desc="generating days", unit="day", disable=not progress):
        day = start + dt.timedelta(days=d)
        epoch = day_start_epoch(day)
        demand = season(day, d)
        write = d >= first_day_to_write
        planted = defect if d == params.days - 1 else None
        files: list[Delivery] = []

        if d == 0:
            everything = np.arange(len(products.sku))
            files.append(Delivery("products", *_products(products, everything, start_epoch - 86_400)))
            files.append(Delivery("cogs", initial_costs, {}))
            known = np.arange(len(customers))
            changed_customers = np.array([], dtype=np.int64)
            first_fx = []
            for back in range(-10, 0):
                table = _fx(params.seed, fx_levels, back, day + dt.timedelta(days=back))
                if table is not None:
                    first_fx.append(table)
        else:
            changes = catalog.product_changes(params.seed, products, d, start_day + d)
            files.append(Delivery("products", *_products(products, changes["changed"], epoch)))
            files.append(
                Delivery(
                    "cogs",
                    *_cogs(products, changes["cost_product"], changes["cost_effective_day"], changes["cost_unit"]),
                )
            )
            changed_customers = catalog.customer_changes(params.seed, customers, d)
            first_fx = []

        joiners = rng(params.seed, Stream.CUSTOMER_CHANGES, d, 2).poisson(params.orders_per_day * 0.06 * demand)
        new_ids = catalog.new_customers(params.seed, customers, d, int(joiners), epoch)
        if d == 0:
            # Day 0 delivers the full customer extract and the day's new accounts in one file.
            files.append(Delivery("customers", *_customers(customers, np.concatenate([known, new_ids]), None)))
        else:
            files.append(
                Delivery("customers", *_customers(customers, np.concatenate([changed_customers, new_ids]), epoch))
            )

        first_reports[d] = marketing.daily_metrics(params.seed, camps, d, demand)
        first_reports.pop(d - marketing.RESTATED_DAYS - 1, None)
        reports = [
            (x, marketing.restated(params.seed, first_reports[x], x, d - x))
            for x in range(max(0, d - marketing.RESTATED_DAYS), d + 1)
        ]
        files.append(Delivery("marketing_spend", *_spend(camps, reports, start_day)))

        day_sales, refunds, refund_day = sales.day_sales(
            params.seed, day, d, params.orders_per_day * demand, products, customers, new_ids, camps, first_reports[d]
        )
        for target in np.unique(refund_day):
            pending_refunds.setdefault(int(target), []).append(refunds.take(np.flatnonzero(refund_day == target)))
        due = pending_refunds.pop(d, [])
        all_lines = sales.Lines(
            {k: np.concatenate([day_sales.columns[k], *(r.columns[k] for r in due)]) for k in day_sales.columns}
        )
        if planted and planted.lines:
            all_lines = planted.lines(all_lines)
        files.append(Delivery("transactions", *_transactions(all_lines)))

        fx_today = _fx(params.seed, fx_levels, d, day)
        fx_tables = [*first_fx, *([fx_today] if fx_today is not None else [])]
        if fx_tables:
            files.append(Delivery("fx_rates", pa.concat_tables(fx_tables), {}))

        if planted and planted.files:
            planted.files(
                files,
                defects.Day(
                    date=day,
                    previous=previous,
                    products_table=lambda idx, e=epoch: _products(products, idx, e)[0],
                    customers_table=lambda idx, e=epoch: _customers(customers, idx, e)[0],
                    customer_parent=customers.arrays["parent"],
                    initial_costs=initial_costs,
                ),
            )
        previous = {f.feed: f.table for f in files}
        if not write:
            continue
        controls = []
        for f in files:
            totals = writer.write(f.feed, day, f.table, f.stamps, claimed=f.claimed)
            if totals is not None:
                controls.append(totals)
                written[f.feed] = written.get(f.feed, 0) + f.table.num_rows
        control_table = pa.table({k: [v for c in controls for v in c[k]] for k in controls[0]})
        control_table = control_table.cast(
            pa.schema(
                [
                    (c.name, {"string": pa.string(), "date": pa.date32(), "decimal": pa.decimal128(28, 6)}[c.type])
                    for c in CONTROL_TOTALS.columns
                ]
            )
        )
        if planted and planted.claims:
            control_table = planted.claims(control_table)
        writer.write("control_totals", day, control_table, {})
        written["control_totals"] = written.get("control_totals", 0) + control_table.num_rows

    (root / STATE_FILE).write_text(json.dumps(asdict(params), indent=2) + "\n")
    return written
