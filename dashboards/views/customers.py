"""Customer 360: one account, or one account group and its accounts (lifetime figures), found by
typing part of a name or an id: the search runs in the warehouse as you type and lists at most
50 matches, never every account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st
from finboard import frame, money, warehouse
from finboard.ui import NO_USD, margin_coverage_note, money_table, page_header, source

from publish.acquisition import OPENED_BEFORE_DATA
from publish.usd_totals import NO_COST as NO_COST_REASON

PAGE = "customers"
NO_COST = f"unknown: {NO_COST_REASON}"
SEARCH_LIMIT = 50  # the `limit` of queries/customers__accounts.sql and customers__groups.sql


def usd_or_unknown(value: Decimal | None) -> str:
    """A lifetime USD figure: null only where none of its lines has a USD amount (the marts' rule)."""
    return money.amount(value) if value is not None else NO_USD


def figures(record: dict[str, Any], mart: str) -> None:
    """The 360's headline figures; a margin with no known cost reads unknown, never 0."""
    margin = money.dec(record["gross_margin_usd"])
    aov = money.dec(record["average_order_value_usd"])
    rate = record["return_rate"]
    refunded = money.dec(record["refunded_revenue_usd"])
    # a rate over sums that leave out a line without a USD amount is unknown for that reason (the
    # marts' rule, decision log §5), not for want of sales
    no_rate = NO_USD if int(record["lines_without_usd"] or 0) or refunded is None else "unknown: no sales"
    # a margin of lines none of which has a USD amount is unknown for that, not for want of a cost
    no_margin = NO_USD if record["net_revenue_usd"] is None else NO_COST
    cells = [
        ("Orders", money.count(record["orders"]), "orders"),
        ("Net revenue (USD)", usd_or_unknown(money.dec(record["net_revenue_usd"])), "net_revenue_usd"),
        ("Gross margin (USD)", money.amount(margin) if margin is not None else no_margin, "gross_margin_usd"),
        # refunds none of which has a USD amount: unknown, said so (decision log §5)
        ("Refunded (USD)", usd_or_unknown(refunded), "refunded_revenue_usd"),
        (
            "Average order value (USD)",
            money.amount(aov) if aov is not None else (NO_USD if record["orders"] else "unknown: no orders"),
            "average_order_value_usd",
        ),
        ("Return rate", money.percent(rate) if rate is not None else no_rate, "return_rate"),
    ]
    for row in range(0, len(cells), 3):
        for column, (label, value, name) in zip(st.columns(3), cells[row : row + 3], strict=True):
            column.metric(label, value, help=source(f"{mart}.{name}"), border=True)
    st.caption(source(*(f"{mart}.{name}" for _, _, name in cells)))
    note = margin_coverage_note(
        money.dec(record["net_revenue_usd"]),
        money.dec(record["net_revenue_with_cost_usd"]),
        record["lines_without_cost"],
    )
    if margin is not None and note:
        st.caption("Gross margin " + note)


def pick(label: str, query: str, name: str, key: str, needle: str, sources: tuple[str, str]) -> str | None:
    """The accounts (or groups) whose name or id holds the search text, found in the warehouse
    (`queries/customers__<query>.sql`: at most SEARCH_LIMIT, closest first) in a select box; the
    chosen id. Nothing is read before something is typed."""
    st.caption(source(*sources) + f" (search: name or id holds the text, any case; at most {SEARCH_LIMIT} shown)")
    if not needle:
        st.info(f"Type part of a name or an id to find an {label.lower()}.")
        return None
    matches = warehouse.run(PAGE, query, {"search": needle}).records()
    labels = {f"{r[name] or NO_NAME} · {r[key]}": str(r[key]) for r in matches}
    found = f"first {SEARCH_LIMIT}: type more to narrow" if len(matches) >= SEARCH_LIMIT else f"{len(matches):,} found"
    choice = st.selectbox(f"{label} ({found})", list(labels), key=f"customers_{key}")
    return labels[choice] if choice else None


def account(needle: str) -> None:
    sources = ("customer_search.customer_name", "customer_search.customer_id")
    customer_id = pick("Account", "accounts", "customer_name", "customer_id", needle, sources)
    if customer_id is None:
        if needle:
            st.write("No account matches.")
        return
    record = warehouse.run(PAGE, "account", {"customer_id": customer_id}).one()
    st.subheader(f"{record['customer_name'] or NO_NAME} ({record['customer_id']})")
    unknown = record["profile_unknown_reason"]
    profile = (
        f"attributes unknown: {unknown}"
        if unknown
        else f"segment {record['customer_segment']} · {record['country_code']}"
    )
    st.caption(
        f"{profile} · group {record['account_group_id']}"
        f" · {record['value_tier']} · RFM {record['rfm_segment']}"
        f" · acquired via {record['acquisition_channel'] or 'unknown: no order'}"
        + (f" ({OPENED_BEFORE_DATA})" if record["is_opened_before_data"] and record["acquisition_channel"] else "")
    )
    figures(record, "customer_360")


def group(needle: str) -> None:
    sources = ("customer_group_search.group_name", "customer_group_search.account_group_id")
    group_id = pick("Account group", "groups", "group_name", "account_group_id", needle, sources)
    if group_id is None:
        if needle:
            st.write("No account group matches.")
        return
    record = warehouse.run(PAGE, "group", {"account_group_id": group_id}).one()
    st.subheader(f"{record['group_name'] or NO_NAME} ({group_id})")
    unknown = record["profile_unknown_reason"]
    st.caption(
        (f"attributes unknown: {unknown} · " if unknown else "")
        + f"{record['accounts']} accounts, {record['ordering_accounts']} with orders"
    )
    figures(record, "customer_groups_360")
    st.subheader("The group's accounts")
    accounts = warehouse.run(PAGE, "group_accounts", {"account_group_id": group_id}).records()
    usd = ["net_revenue_usd", "gross_margin_usd", "net_revenue_with_cost_usd"]
    table = money_table(accounts, usd, unknown_text={"gross_margin_usd": NO_COST})
    # an account none of whose lines has a USD amount: every USD figure for that reason, not "no
    # cost delivered" (decision log §5), as the account's own figures read
    for i, record in enumerate(accounts):
        if record["net_revenue_usd"] is None:
            for column in usd:
                table.loc[i, column] = NO_USD
        # an account the customer master lacks: its attributes unknown, with the reason (decision log §8)
        if record["profile_unknown_reason"]:
            for column in ("customer_name", "customer_segment"):
                table.loc[i, column] = f"unknown: {record['profile_unknown_reason']}"
    st.dataframe(table.drop(columns="profile_unknown_reason", errors="ignore"), hide_index=True, width="stretch")
    st.caption(
        source(
            "customer_360.net_revenue_usd",
            "customer_360.gross_margin_usd",
            "customer_360.orders",
            "customer_360.lines_without_usd",
        )
    )


NEVER_DELIVERED = (
    "The customers feed has never been delivered: the accounts here are those the transactions name, with their "
    "figures; their names, countries, segments and opening dates are unknown until it is "
    "(customer_360.profile_unknown_reason)."
)
# an account the customer master lacks has no name (customer_360.profile_unknown_reason says why)
NO_NAME = "name unknown"


def main() -> None:
    page_header(
        "Customers",
        ["customer_360", "customer_groups_360", "customer_search", "customer_group_search", "feed_deliveries"],
    )
    mode = st.radio("Look up", ["Account", "Account group"], horizontal=True, key="customers_mode")
    needle = st.text_input(
        "Search name or id",
        key="customers_search",
        placeholder="part of a name or an id",
        type="search",
        live=True,  # searches after a pause in typing (250 ms), no Enter needed
        max_chars=100,
    )
    feed = warehouse.run(PAGE, "customer_feed").records()
    if feed and not feed[0]["is_delivered"]:
        st.warning(NEVER_DELIVERED)
    (account if mode == "Account" else group)((needle or "").strip().lower())
    st.caption("Lifetime figures as of the last event in the warehouse: the date and channel filters do not apply.")


frame.page(main)
