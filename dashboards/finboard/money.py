"""Money as Decimal, rounded only for display (half away from zero, as the project divides)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
BASIS = Decimal("0.0001")
REPORTING_CURRENCY = "USD"

# a total none of whose lines has a USD amount (decision log §5), as every page reads it
NO_USD = "unknown: no USD amount"


def dec(value: Any) -> Decimal | None:
    """A Decimal from what DuckDB returns (Decimal, int), None for a null."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise TypeError(f"not an exact number: {value!r} ({type(value).__name__})")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator, None when either is unknown or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    try:
        return numerator / denominator
    except InvalidOperation:
        return None


def money(value: Decimal | None, currency: str = REPORTING_CURRENCY) -> str:
    """'USD 1,234.57', '-USD 3.10'."""
    if value is None:
        return "unknown"
    rounded = cents(value)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{currency} {abs(rounded):,.2f}"


def amount(value: Decimal | None) -> str:
    """'1,234.57' (the currency is in the label): a KPI tile's value."""
    if value is None:
        return "unknown"
    return f"{cents(value):,.2f}"


def parse_money(text: str) -> Decimal:
    """The inverse of `money` and `amount` (for tests and the browser check): 'USD 1,234.56' -> Decimal."""
    sign = -1 if text.strip().startswith("-") else 1
    digits = text.strip().lstrip("-").split(" ", 1)[-1].replace(",", "")
    return sign * Decimal(digits)


def percent(value: Decimal | None, places: Decimal = Decimal("0.1")) -> str:
    if value is None:
        return "unknown"
    return f"{(value * 100).quantize(places, rounding=ROUND_HALF_UP)}%"


def multiple(value: Decimal | None) -> str:
    if value is None:
        return "unknown"
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}x"


def count(value: int | Decimal | None) -> str:
    if value is None:
        return "unknown"
    return f"{int(value):,}"


def to_float(value: Decimal | None) -> float | None:
    """For charts only: a chart's axis is the one place a float is allowed."""
    return None if value is None else float(value)
