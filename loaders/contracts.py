"""The raw-feed contract: every feed's columns, types, keys and row rules.

This module is the single source of truth for what a delivered file must look like. The
generator writes files that satisfy it, the loader validates every row against it, and
`python -m loaders contract` renders it as `docs/raw_feeds.md`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Literal

from . import settings

ColumnType = Literal["string", "integer", "decimal", "date", "timestamp", "boolean"]

# ISO 4217 codes the loader accepts: every currency that was legal tender somewhere since 2000
# (retired ones included, for history), as the Unicode CLDR lists them (written out once, with
# Babel). A code outside this set is a contract violation (quarantined); a code inside it
# without an FX rate is a reconciliation matter for dbt. Money columns keep two decimals, so a
# currency with three (BHD, KWD, OMR...) must be rounded by the source.
CURRENCIES: tuple[str, ...] = (
    "ADP",
    "AED",
    "AFA",
    "AFN",
    "ALL",
    "AMD",
    "ANG",
    "AOA",
    "AON",
    "AOR",
    "ARS",
    "ATS",
    "AUD",
    "AWG",
    "AZM",
    "AZN",
    "BAM",
    "BBD",
    "BDT",
    "BEF",
    "BGN",
    "BHD",
    "BIF",
    "BMD",
    "BND",
    "BOB",
    "BRL",
    "BSD",
    "BTN",
    "BWP",
    "BYB",
    "BYN",
    "BYR",
    "BZD",
    "CAD",
    "CDF",
    "CHF",
    "CLP",
    "CNY",
    "COP",
    "CRC",
    "CSD",
    "CUC",
    "CUP",
    "CVE",
    "CYP",
    "CZK",
    "DEM",
    "DJF",
    "DKK",
    "DOP",
    "DZD",
    "ECS",
    "EEK",
    "EGP",
    "ERN",
    "ESP",
    "ETB",
    "EUR",
    "FIM",
    "FJD",
    "FKP",
    "FRF",
    "GBP",
    "GEL",
    "GHC",
    "GHS",
    "GIP",
    "GMD",
    "GNF",
    "GRD",
    "GTQ",
    "GYD",
    "HKD",
    "HNL",
    "HRK",
    "HTG",
    "HUF",
    "IDR",
    "IEP",
    "ILS",
    "INR",
    "IQD",
    "IRR",
    "ISK",
    "ITL",
    "JMD",
    "JOD",
    "JPY",
    "KES",
    "KGS",
    "KHR",
    "KMF",
    "KPW",
    "KRW",
    "KWD",
    "KYD",
    "KZT",
    "LAK",
    "LBP",
    "LKR",
    "LRD",
    "LSL",
    "LTL",
    "LUF",
    "LVL",
    "LYD",
    "MAD",
    "MCF",
    "MDL",
    "MGA",
    "MGF",
    "MKD",
    "MMK",
    "MNT",
    "MOP",
    "MRO",
    "MRU",
    "MTL",
    "MUR",
    "MVR",
    "MWK",
    "MXN",
    "MYR",
    "MZM",
    "MZN",
    "NAD",
    "NGN",
    "NIO",
    "NLG",
    "NOK",
    "NPR",
    "NZD",
    "OMR",
    "PAB",
    "PEN",
    "PGK",
    "PHP",
    "PKR",
    "PLN",
    "PTE",
    "PYG",
    "QAR",
    "ROL",
    "RON",
    "RSD",
    "RUB",
    "RWF",
    "SAR",
    "SBD",
    "SCR",
    "SDD",
    "SDG",
    "SEK",
    "SGD",
    "SHP",
    "SIT",
    "SKK",
    "SLE",
    "SLL",
    "SOS",
    "SRD",
    "SRG",
    "SSP",
    "STD",
    "STN",
    "SVC",
    "SYP",
    "SZL",
    "THB",
    "TJR",
    "TJS",
    "TMM",
    "TMT",
    "TND",
    "TOP",
    "TPE",
    "TRL",
    "TRY",
    "TTD",
    "TWD",
    "TZS",
    "UAH",
    "UGX",
    "USD",
    "UYU",
    "UZS",
    "VEB",
    "VEF",
    "VES",
    "VND",
    "VUV",
    "WST",
    "XAF",
    "XCD",
    "XCG",
    "XOF",
    "XPF",
    "YER",
    "YUM",
    "ZAR",
    "ZMK",
    "ZMW",
    "ZWD",
    "ZWG",
    "ZWL",
    "ZWR",
)
# ISO 4217 "no currency": used by control totals for counts and non-money sums.
NO_CURRENCY = "XXX"


def reference_values(seed: str) -> tuple[str, ...]:
    """The codes of an open reference set: the first column of `<seeds>/<seed>.csv`, which the
    user extends (a new channel, ad platform, refund reason or segment is a row there, with its
    attributes), read when a load starts."""
    path = settings.seeds_dir() / f"{seed}.csv"
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: the reference set {seed} is missing; restore it from the project's seeds folder, "
            f"or point {settings.SEEDS_ENV} at the folder that holds it"
        ) from None
    return tuple(row[0].strip() for row in rows[1:] if row and row[0].strip())


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    required: bool = True
    precision: int = 18
    scale: int = 2
    allowed: tuple[str, ...] | None = None
    reference: str | None = None  # an open set: the value must be a code of this seed
    minimum: str | None = None  # SQL literal; the value must be >= minimum
    exclusive_minimum: bool = False  # the value must be > minimum

    def allowed_values(self) -> tuple[str, ...] | None:
        """The closed list, or the open reference set's codes as the seed holds them now."""
        return reference_values(self.reference) if self.reference else self.allowed

    @property
    def sql_type(self) -> str:
        return {
            "string": "varchar",
            "integer": "bigint",
            "decimal": f"decimal({self.precision},{self.scale})",
            "date": "date",
            "timestamp": "timestamptz",
            "boolean": "boolean",
        }[self.type]

    @property
    def is_id(self) -> bool:
        """An identifier (`*_id` and `sku`; a feed's key columns are treated the same): compared
        exactly, so surrounding whitespace is quarantined, not trimmed."""
        return self.type == "string" and (self.name.endswith("_id") or self.name == "sku")

    @property
    def contract_type(self) -> str:
        if self.type == "decimal":
            return f"decimal({self.precision},{self.scale})"
        if self.type == "timestamp":
            return "timestamp with time zone"
        return self.type


@dataclass(frozen=True)
class RowRule:
    """A rule across columns. `condition` is SQL over the typed columns; it must hold."""

    column: str  # the column reported when the rule fails
    condition: str
    reason: str


@dataclass(frozen=True)
class Feed:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rules: tuple[RowRule, ...] = field(default_factory=tuple)
    # What the warehouse cannot know while the feed has never been delivered.
    when_missing: str = ""
    # True when the source sends new versions of a key in later files by design (restatements).
    # Raw keeps every delivered file's rows for every feed; staging takes the latest delivery.
    keeps_versions: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"feed {self.name!r} has no column {name!r}")


def _money(name: str, description: str, required: bool = True, minimum: str = "0") -> Column:
    return Column(name, "decimal", description, required=required, minimum=minimum)


TRANSACTIONS = Feed(
    name="transactions",
    description=(
        "One row per order-line event. A sale line is the line as sold; a refund line returns "
        "part or all of one earlier sale line and carries positive amounts that say what is "
        "given back. Amounts are in the store currency, tax-exclusive."
    ),
    primary_key=("line_event_id",),
    when_missing="nothing was sold yet: every mart is empty",
    columns=(
        Column("line_event_id", "string", "Unique id of this line event (sale or refund)."),
        Column("event_type", "string", "sale or refund.", allowed=("sale", "refund")),
        Column("order_id", "string", "Order the line belongs to (a refund carries its sale's order)."),
        Column(
            "line_number",
            "integer",
            "Line number within the order, from 1 (an order-level refund's is not used: its parts take their lines').",
            minimum="1",
        ),
        Column("event_ts", "timestamp", "When the event happened, ISO 8601 with a UTC offset."),
        Column("channel", "string", "Sales channel.", reference="channels"),
        Column("store_id", "string", "Store (web shop, marketplace account, retail site, B2B desk)."),
        Column("currency", "string", "ISO 4217 currency of every amount on the row.", allowed=CURRENCIES),
        Column("customer_id", "string", "Customer account; empty for anonymous POS sales.", required=False),
        Column("sku", "string", "Product SKU (an order-level refund's is not used: its parts take their lines')."),
        Column(
            "quantity",
            "integer",
            "Units sold; on a refund, units returned (0 for an amount-only refund; an order-level refund returns 0 or "
            "all the order's units).",
        ),
        _money("unit_price", "Unit price before discount, tax-exclusive."),
        _money("line_discount", "Discount on the line (on a refund: discount reversed)."),
        _money("line_tax", "Tax on the line (on a refund: tax refunded)."),
        _money(
            "shipping_charged",
            "Shipping charged to the customer, allocated to the line (on a refund: shipping refunded).",
        ),
        _money("shipping_cost", "Carrier cost borne by the merchant (on a refund: return label cost)."),
        _money(
            "platform_fee",
            "Marketplace referral or payment-processing fee (on a refund: fee credited back to the merchant).",
        ),
        Column("campaign_id", "string", "Campaign the source attributes the order to; empty if none.", required=False),
        _money(
            "order_total",
            "Order total the source reports (items - discounts + tax + shipping); sale lines only.",
            required=False,
        ),
        Column(
            "refunded_line_event_id",
            "string",
            "On a refund: the sale line it refunds; empty for an order-level refund (a credit or a cancellation of "
            "the order in order_id), which is split over the order's lines (decision log §2).",
            required=False,
        ),
        _money(
            "refund_amount",
            "On a refund: goods value given back, after discount, tax and shipping excluded "
            "(an amount-only refund has quantity 0).",
            required=False,
        ),
        Column("refund_reason", "string", "On a refund: why.", required=False, reference="refund_reasons"),
        Column(
            "restocked",
            "boolean",
            "On a refund: whether the returned units went back to stock; empty when the source does not know "
            "(their cost is then not given back: decision log §2).",
            required=False,
        ),
    ),
    rules=(
        RowRule("quantity", "event_type <> 'sale' or quantity > 0", "a sale must have a positive quantity"),
        RowRule("quantity", "event_type <> 'refund' or quantity >= 0", "a refund cannot have a negative quantity"),
        RowRule(
            "order_total", "event_type <> 'sale' or order_total is not null", "a sale line must carry the order total"
        ),
        RowRule(
            "refunded_line_event_id",
            "event_type <> 'sale' or refunded_line_event_id is null",
            "a sale line cannot reference a refunded line",
        ),
        RowRule(
            "refund_amount",
            "event_type <> 'refund' or refund_amount is not null",
            "a refund must carry the refunded goods amount",
        ),
        RowRule(
            "refund_amount", "event_type <> 'sale' or refund_amount is null", "a sale line cannot carry a refund amount"
        ),
        RowRule("line_discount", "line_discount <= quantity * unit_price", "discount exceeds the line amount"),
    ),
)

MARKETING_SPEND = Feed(
    name="marketing_spend",
    description=(
        "Daily spend per ad platform and campaign. Platforms restate recent days: a later file "
        "may carry a day already delivered, and the most recently delivered value wins."
    ),
    primary_key=("platform", "campaign_id", "spend_date"),
    when_missing="marketing spend, ROAS and CAC are unknown",
    columns=(
        Column("platform", "string", "Ad platform.", reference="ad_platforms"),
        Column("campaign_id", "string", "Campaign id, unique across platforms."),
        Column("campaign_name", "string", "Campaign name as shown in the platform."),
        Column("target_channel", "string", "Sales channel the campaign drives traffic to.", reference="channels"),
        Column("spend_date", "date", "Day of the spend, in the ad account's reporting day."),
        Column("impressions", "integer", "Impressions served.", minimum="0"),
        Column("clicks", "integer", "Clicks.", minimum="0"),
        _money("spend", "Spend on the day."),
        Column("currency", "string", "ISO 4217 currency of the spend.", allowed=CURRENCIES),
    ),
    rules=(RowRule("clicks", "clicks <= impressions", "more clicks than impressions"),),
    keeps_versions=True,
)

COGS = Feed(
    name="cogs",
    description="Effective-dated unit cost per SKU; a version holds from its date until the next.",
    primary_key=("sku", "effective_from"),
    when_missing="no costs delivered: COGS and margins are unknown",
    columns=(
        Column("sku", "string", "Product SKU (an order-level refund's is not used: its parts take their lines')."),
        Column("effective_from", "date", "First day the cost applies."),
        Column("unit_cost", "decimal", "Landed cost of one unit.", scale=4, minimum="0", exclusive_minimum=True),
        Column("currency", "string", "ISO 4217 currency of the cost.", allowed=CURRENCIES),
    ),
)

PRODUCTS = Feed(
    name="products",
    description=(
        "Product master as daily change extracts: the first file is a full extract, later files only changed products."
    ),
    primary_key=("sku", "updated_at"),
    when_missing="products have no names, categories or history",
    columns=(
        Column("sku", "string", "Product SKU (an order-level refund's is not used: its parts take their lines')."),
        Column("product_name", "string", "Name."),
        Column("category", "string", "Category."),
        Column("subcategory", "string", "Subcategory."),
        Column("brand", "string", "Brand."),
        _money("list_price", "List price in USD, tax-exclusive."),
        Column("status", "string", "Lifecycle status.", allowed=("draft", "active", "discontinued")),
        Column("updated_at", "timestamp", "When this version was written in the source."),
    ),
)

CUSTOMERS = Feed(
    name="customers",
    description="Customer accounts as daily change extracts; business accounts may have a parent account (any depth).",
    primary_key=("customer_id", "updated_at"),
    when_missing="customers have no names, segments, groups or history",
    columns=(
        Column("customer_id", "string", "Account id."),
        Column("customer_name", "string", "Person or business name."),
        Column("email", "string", "Contact email.", required=False),
        Column("country_code", "string", "ISO 3166-1 alpha-2 country."),
        Column("region", "string", "State, province or nation within the country."),
        Column("segment", "string", "Customer segment.", reference="customer_segments"),
        Column("loyalty_tier", "string", "Loyalty tier.", allowed=("none", "bronze", "silver", "gold", "platinum")),
        Column("parent_customer_id", "string", "Parent account for grouped business accounts.", required=False),
        Column("created_at", "timestamp", "When the account was opened."),
        Column("updated_at", "timestamp", "When this version was written in the source."),
    ),
    rules=(
        RowRule(
            "parent_customer_id",
            "parent_customer_id is null or parent_customer_id <> customer_id",
            "an account cannot be its own parent",
        ),
    ),
)

FX_RATES = Feed(
    name="fx_rates",
    description="Daily reference rates, published on business days only: USD per one unit of the currency.",
    primary_key=("rate_date", "currency"),
    when_missing="amounts in a currency other than USD cannot be converted",
    columns=(
        Column("rate_date", "date", "Publication date."),
        Column("currency", "string", "ISO 4217 currency.", allowed=CURRENCIES),
        Column(
            "rate_to_usd", "decimal", "USD per one unit of the currency.", scale=8, minimum="0", exclusive_minimum=True
        ),
    ),
)

CONTROL_TOTALS = Feed(
    name="control_totals",
    description=(
        "Trailer records: per delivered file, the row count and sums the source system claims. "
        "Money sums are per currency; counts and quantities use currency XXX."
    ),
    primary_key=("file_name", "metric", "currency"),
    when_missing="no file can be checked against what the source claims",
    columns=(
        Column("file_name", "string", "Path of the delivered file relative to the source root."),
        Column("feed", "string", "Feed of that file."),
        Column("business_date", "date", "Delivery date of that file."),
        Column("metric", "string", "row_count, or sum_<column> (sum_extended_price is quantity x unit_price)."),
        Column("currency", "string", "Currency of a money sum; XXX for counts.", allowed=(*CURRENCIES, NO_CURRENCY)),
        Column("value", "decimal", "The claimed value.", precision=28, scale=6),
    ),
)

FEEDS: dict[str, Feed] = {
    f.name: f for f in (TRANSACTIONS, MARKETING_SPEND, COGS, PRODUCTS, CUSTOMERS, FX_RATES, CONTROL_TOTALS)
}

# Columns the loader adds to every raw feed table.
LINEAGE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_source_file", "string", "Path of the delivered file, relative to the source root."),
    ("_source_row_number", "integer", "1-based record number in that file (a CSV's header is not counted)."),
    ("_dlt_load_id", "string", "dlt load id; joins to _dlt_loads for the load time."),
)

# The sums the control totals claim, per feed: metric name -> SQL over the typed rows.
CONTROL_SUMS: dict[str, dict[str, str]] = {
    "transactions": {
        "sum_quantity": "quantity",
        "sum_extended_price": "quantity * unit_price",
        "sum_line_discount": "line_discount",
        "sum_line_tax": "line_tax",
        "sum_shipping_charged": "shipping_charged",
        "sum_shipping_cost": "shipping_cost",
        "sum_platform_fee": "platform_fee",
        "sum_order_total": "order_total",
        "sum_refund_amount": "refund_amount",
    },
    "marketing_spend": {"sum_impressions": "impressions", "sum_clicks": "clicks", "sum_spend": "spend"},
    "cogs": {"sum_unit_cost": "unit_cost"},
    "products": {"sum_list_price": "list_price"},
    "customers": {},
    "fx_rates": {"sum_rate_to_usd": "rate_to_usd"},
}
# Sums that are money, and so are split by the row's currency.
MONEY_METRICS = {
    "sum_extended_price",
    "sum_line_discount",
    "sum_line_tax",
    "sum_shipping_charged",
    "sum_shipping_cost",
    "sum_platform_fee",
    "sum_order_total",
    "sum_refund_amount",
    "sum_spend",
    "sum_unit_cost",
}
