"""What a count of new customers cannot know (decision log §6), said the same way by every reader.

A new customer is a first order in the warehouse's data. An account opened before the first day the
transactions feed covers (or whose opening date the customers feed does not give) may have ordered
before the data starts: marketing_performance_monthly counts such new customers in
new_customers_opened_before_data, and the Marketing page and the month-end pack say so with this text.
customer_360 flags such an account (is_opened_before_data), and the Customers page says so beside
its acquisition.
"""

from __future__ import annotations

# beside an account's acquisition (customer_360.is_opened_before_data)
OPENED_BEFORE_DATA = (
    "opened before the data starts, or no opening date given: its first order here may not be its first"
)


def new_customers_caveat(new_customers: int, opened_before_data: int, known: bool = True) -> str | None:
    """The warning beside new customers and CAC, or None when every new customer's account was
    opened inside the data, or when the new customers are not known in the first place (`known`
    false: a month with days of spend only outside the transactions feed, whose new customers
    read unknown; a count of them would read as the month's)."""
    if not opened_before_data or not known:
        return None
    return (
        f"{opened_before_data:,} of the {new_customers:,} new customers had accounts opened before the transactions "
        "data starts (or no opening date): they may have ordered before it, so new customers may be overstated by up "
        f"to {opened_before_data:,} customers, and CAC understated accordingly."
    )
