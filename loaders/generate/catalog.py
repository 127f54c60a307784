"""Product, cost and customer masters, simulated day by day.

Each day's changes come from that day's own random stream, applied to the state left by the
previous day, so the history up to a day never depends on how many days follow it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .common import Stream, rng, zero_padded

CATEGORIES: dict[str, tuple[str, ...]] = {
    "apparel": ("tops", "bottoms", "outerwear"),
    "footwear": ("sneakers", "boots", "sandals"),
    "electronics": ("audio", "accessories", "wearables"),
    "home": ("kitchen", "decor", "bedding"),
    "beauty": ("skincare", "fragrance", "makeup"),
}
CATEGORY_NAMES = tuple(CATEGORIES)
# Median list price (USD cents) and share of lines returned, per category.
MEDIAN_PRICE = np.array([4_500, 9_000, 12_000, 5_500, 3_000])
RETURN_RATE = np.array([0.24, 0.18, 0.08, 0.06, 0.03])
# Marketplace referral fee per category.
REFERRAL_RATE = np.array([0.17, 0.15, 0.08, 0.15, 0.12])
BRANDS = np.array(
    ["Northwind", "Alder & Co", "Kestrel", "Lumen", "Brightside", "Fjord", "Oakline", "Sable", "Verano", "Tidewater"]
)
ADJECTIVES = np.array(
    ["Classic", "Essential", "Pro", "Lite", "Everyday", "Heritage", "Studio", "Trail", "Urban", "Signature"]
)
STATUSES = np.array(["draft", "active", "discontinued"])
SUPPLIER_CURRENCIES = np.array(["USD", "EUR", "GBP"])
SUPPLIER_RATE = np.array([1.0, 1.08, 1.27])  # rough USD per unit, only to size costs

COUNTRIES = np.array(["US", "CA", "GB", "DE", "FR"])
COUNTRY_WEIGHTS = np.array([0.55, 0.13, 0.15, 0.10, 0.07])
REGIONS: dict[str, tuple[str, ...]] = {
    "US": ("CA", "NY", "TX", "FL", "WA", "IL", "OR", "MA"),
    "CA": ("ON", "BC", "QC", "AB"),
    "GB": ("ENG", "SCT", "WLS", "NIR"),
    "DE": ("BY", "BE", "NW", "HH"),
    "FR": ("IDF", "ARA", "PAC", "NAQ"),
}
TIERS = np.array(["none", "bronze", "silver", "gold", "platinum"])
FIRST_NAMES = np.array(
    [
        "Ava",
        "Liam",
        "Mia",
        "Noah",
        "Emma",
        "Lucas",
        "Olivia",
        "Leo",
        "Sofia",
        "Elias",
        "Chloe",
        "Hugo",
        "Amelia",
        "Finn",
        "Zoe",
        "Mateo",
    ]
)
LAST_NAMES = np.array(
    [
        "Smith",
        "Martin",
        "Brown",
        "Muller",
        "Wilson",
        "Dubois",
        "Taylor",
        "Schmidt",
        "Lee",
        "Bernard",
        "Clark",
        "Weber",
        "Walker",
        "Moreau",
        "Young",
        "Fischer",
    ]
)
BUSINESS_WORDS = np.array(
    ["Summit", "Harbor", "Pioneer", "Granite", "Cedar", "Atlas", "Beacon", "Meridian", "Crescent", "Vista"]
)
BUSINESS_SUFFIX = np.array(["Retail", "Outfitters", "Trading", "Supply", "Goods", "Stores"])


@dataclass
class Products:
    sku: np.ndarray
    name: np.ndarray
    category: np.ndarray  # index into CATEGORY_NAMES
    subcategory: np.ndarray  # index 0..2 within the category
    brand: np.ndarray
    list_price: np.ndarray  # USD cents
    status: np.ndarray  # index into STATUSES
    popularity: np.ndarray
    cost_currency: np.ndarray  # index into SUPPLIER_CURRENCIES
    unit_cost: np.ndarray  # 1/10000 of the cost currency
    last_cost_date: np.ndarray  # epoch day of the latest cost version

    def subcategory_names(self, idx: np.ndarray) -> np.ndarray:
        table = np.array([list(CATEGORIES[c]) for c in CATEGORY_NAMES])
        return table[self.category[idx], self.subcategory[idx]]


@dataclass
class Customers:
    customer_id: list[np.ndarray] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.arrays["country"])

    def append(self, **columns: np.ndarray) -> None:
        for key, value in columns.items():
            self.arrays[key] = value if key not in self.arrays else np.concatenate([self.arrays[key], value])


def initial_products(seed: int, n: int, start: dt.date) -> Products:
    r = rng(seed, Stream.PRODUCTS)
    category = r.integers(0, len(CATEGORY_NAMES), n)
    price = np.round(MEDIAN_PRICE[category] * r.lognormal(0.0, 0.45, n) / 100).astype(np.int64) * 100 - 1
    brand = BRANDS[r.integers(0, len(BRANDS), n)]
    subcategory = r.integers(0, 3, n)
    products = Products(
        sku=np.char.add("SKU-", zero_padded(np.arange(1, n + 1), 5)),
        name=np.array([], dtype=str),
        category=category,
        subcategory=subcategory,
        brand=brand,
        list_price=np.maximum(price, 499),
        status=np.where(r.random(n) < 0.06, 0, 1),
        popularity=r.lognormal(0.0, 1.1, n),
        cost_currency=r.choice(3, n, p=[0.8, 0.15, 0.05]),
        unit_cost=np.zeros(n, dtype=np.int64),
        last_cost_date=np.zeros(n, dtype=np.int64),
    )
    singular = np.char.rstrip(products.subcategory_names(np.arange(n)), "s")
    adjective = ADJECTIVES[r.integers(0, len(ADJECTIVES), n)]
    products.name = np.char.add(np.char.add(np.char.add(brand, " "), adjective), np.char.add(" ", singular))
    cost_share = r.uniform(0.30, 0.55, n)
    products.unit_cost = np.round(
        products.list_price * cost_share * 100 / SUPPLIER_RATE[products.cost_currency]
    ).astype(np.int64)
    return products


def initial_cost_versions(seed: int, products: Products, start_day: int) -> dict[str, np.ndarray]:
    """One to three historic cost versions per product, the latest being the current cost."""
    r = rng(seed, Stream.COGS)
    n = len(products.sku)
    versions = r.integers(1, 4, n)
    idx = np.repeat(np.arange(n), versions)
    order_in_product = np.arange(len(idx)) - np.repeat(np.cumsum(versions) - versions, versions)
    remaining = versions[idx] - 1 - order_in_product  # 0 for the latest version
    # Versions sit in separate 90-day bands, so a product never has two on one date.
    effective = start_day - 1 - remaining * 90 - r.integers(0, 60, len(idx))
    drift = (1.0 - 0.02) ** remaining
    cost = np.round(products.unit_cost[idx] * drift).astype(np.int64)
    latest = remaining == 0
    products.last_cost_date[idx[latest]] = effective[latest]
    return {"product": idx, "effective_day": effective, "unit_cost": cost}


def product_changes(seed: int, products: Products, day_index: int, today: int) -> dict[str, np.ndarray]:
    """Apply one day of catalog changes; returns the changed product indexes and the new cost versions."""
    r = rng(seed, Stream.PRODUCT_CHANGES, day_index)
    n = len(products.sku)
    changed: list[np.ndarray] = []
    repriced = r.choice(n, r.poisson(n * 0.004), replace=False)
    products.list_price[repriced] = np.maximum(
        np.round(products.list_price[repriced] * r.uniform(0.85, 1.15, len(repriced)) / 100).astype(np.int64) * 100 - 1,
        499,
    )
    changed.append(repriced)
    moved = r.choice(n, r.poisson(n * 0.001), replace=False)
    products.subcategory[moved] = (products.subcategory[moved] + r.integers(1, 3, len(moved))) % 3
    recategorised = moved[r.random(len(moved)) < 0.25]
    products.category[recategorised] = (products.category[recategorised] + 1) % len(CATEGORY_NAMES)
    changed.append(moved)
    drafts = np.flatnonzero(products.status == 0)
    launched = drafts[r.random(len(drafts)) < 0.03]
    products.status[launched] = 1
    changed.append(launched)
    active = np.flatnonzero(products.status == 1)
    retired = active[r.random(len(active)) < 0.0004]
    products.status[retired] = 2
    changed.append(retired)

    c = rng(seed, Stream.COGS_CHANGES, day_index)
    recosted = c.choice(n, c.poisson(n * 0.01), replace=False)
    effective = np.maximum(today + c.integers(0, 11, len(recosted)), products.last_cost_date[recosted] + 1)
    products.unit_cost[recosted] = np.round(
        products.unit_cost[recosted] * (1 + c.normal(0.01, 0.03, len(recosted)))
    ).astype(np.int64)
    products.last_cost_date[recosted] = effective
    return {
        "changed": np.unique(np.concatenate(changed)),
        "cost_product": recosted,
        "cost_effective_day": effective,
        "cost_unit": products.unit_cost[recosted].copy(),
    }


def _people(r: np.random.Generator, n: int, business: np.ndarray, first_number: int) -> dict[str, np.ndarray]:
    country_idx = r.choice(len(COUNTRIES), n, p=COUNTRY_WEIGHTS)
    country = COUNTRIES[country_idx]
    region = np.empty(n, dtype=object)
    for code, regions in REGIONS.items():
        mask = country == code
        region[mask] = np.array(regions)[r.integers(0, len(regions), mask.sum())]
    ids = np.char.add("C", zero_padded(np.arange(first_number, first_number + n), 7))
    person = np.char.add(np.char.add(FIRST_NAMES[r.integers(0, 16, n)], " "), LAST_NAMES[r.integers(0, 16, n)])
    company = np.char.add(np.char.add(BUSINESS_WORDS[r.integers(0, 10, n)], " "), BUSINESS_SUFFIX[r.integers(0, 6, n)])
    name = np.where(business, company, person)
    email = np.char.add(
        np.char.add(np.char.lower(np.char.replace(name, " ", ".")), "."),
        np.char.add(np.char.lower(ids), "@example.com"),
    )
    return {
        "customer_id": ids,
        "name": name,
        "email": email,
        "country": country,
        "country_idx": country_idx,
        "region": region.astype(str),
        "business": business,
        "tier": r.choice(5, n, p=[0.5, 0.25, 0.15, 0.08, 0.02]),
        "weight": r.lognormal(0.0, 1.0, n) * np.where(business, 3.0, 1.0),
    }


def initial_customers(seed: int, n: int, start_epoch: int) -> Customers:
    r = rng(seed, Stream.CUSTOMERS)
    business = r.random(n) < 0.08
    cols = _people(r, n, business, 1)
    created = start_epoch - r.integers(86_400, 730 * 86_400, n)
    # Business accounts group under earlier business accounts, so chains are acyclic and may be deep.
    parent = np.full(n, -1, dtype=np.int64)
    b_idx = np.flatnonzero(business)
    for k, i in enumerate(b_idx[1:], start=1):
        if r.random() < 0.45:
            parent[i] = b_idx[r.integers(0, k)]
    customers = Customers()
    customers.append(**cols, parent=parent, created=np.sort(created))
    return customers


def new_customers(seed: int, customers: Customers, day_index: int, count: int, day_epoch: int) -> np.ndarray:
    r = rng(seed, Stream.CUSTOMER_CHANGES, day_index)
    if count == 0:
        return np.array([], dtype=np.int64)
    first = len(customers) + 1
    business = r.random(count) < 0.03
    cols = _people(r, count, business, first)
    created = day_epoch + (np.arange(count) % 60)  # accounts open before the day's first orders
    customers.append(**cols, parent=np.full(count, -1, dtype=np.int64), created=created)
    return np.arange(first - 1, first - 1 + count)


def customer_changes(seed: int, customers: Customers, day_index: int) -> np.ndarray:
    """Existing accounts move region, change tier or parent. Returns changed indexes."""
    r = rng(seed, Stream.CUSTOMER_CHANGES, day_index, 1)
    a = customers.arrays
    n = len(customers)
    moved = r.choice(n, r.poisson(n * 0.0005), replace=False)
    for i in moved:
        regions = REGIONS[a["country"][i]]
        a["region"][i] = regions[(regions.index(a["region"][i]) + 1) % len(regions)]
    upgraded = r.choice(n, r.poisson(n * 0.001), replace=False)
    a["tier"][upgraded] = np.minimum(a["tier"][upgraded] + 1, 4)
    b_idx = np.flatnonzero(a["business"])
    regrouped = b_idx[r.random(len(b_idx)) < 0.002]
    for i in regrouped:
        earlier = b_idx[b_idx < i]
        a["parent"][i] = earlier[r.integers(0, len(earlier))] if len(earlier) else -1
    return np.unique(np.concatenate([moved, upgraded, regrouped]))
