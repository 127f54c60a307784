"""Shared pieces of the generator: random streams, the calendar and money formatting."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = dt.date(1970, 1, 1)


class Stream(IntEnum):
    """Independent random streams. Each day of each stream has its own generator, so a day's
    data never depends on how many days are generated: appending a day reproduces the rest."""

    PRODUCTS = 1
    PRODUCT_CHANGES = 2
    COGS = 3
    COGS_CHANGES = 4
    CUSTOMERS = 5
    CUSTOMER_CHANGES = 6
    CAMPAIGNS = 7
    SPEND = 8
    SPEND_RESTATEMENT = 9
    FX = 10
    ORDERS = 11
    REFUNDS = 12


def rng(seed: int, stream: Stream, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, int(stream), *(k + 10_000 for k in keys)])


def zero_padded(numbers: np.ndarray, width: int) -> np.ndarray:
    """Numbers as zero-padded strings (numpy's zfill rejects empty arrays)."""
    if len(numbers) == 0:
        return np.array([], dtype=f"<U{width}")
    return np.char.zfill(np.asarray(numbers).astype(str), width)


def black_friday(year: int) -> dt.date:
    """The day after the fourth Thursday of November."""
    nov1 = dt.date(year, 11, 1)
    first_thursday = nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thursday + dt.timedelta(days=22)


WEEKDAY_FACTOR = (0.95, 0.93, 0.95, 1.0, 1.05, 1.12, 1.0)


def season(day: dt.date, day_index: int) -> float:
    """Demand multiplier for a day: weekly and yearly cycles, peak events, slow growth."""
    factor = WEEKDAY_FACTOR[day.weekday()]
    doy = day.timetuple().tm_yday
    factor *= 1.0 + 0.15 * np.cos(2 * np.pi * (doy - 350) / 365.25)
    bf = black_friday(day.year)
    delta = (day - bf).days
    if delta == 0:
        factor *= 3.0
    elif delta in (1, 2):
        factor *= 1.8
    elif delta == 3:  # Cyber Monday
        factor *= 2.5
    elif -7 <= delta < 0:
        factor *= 1.2
    elif day.month == 12 and day.day <= 20:
        factor *= 1.5
    elif day.month == 12 and day.day <= 24:
        factor *= 1.2
    elif day.month == 12 and day.day == 25:
        factor *= 0.4
    elif day.month == 12 and day.day == 26:
        factor *= 1.6
    elif day.month == 1 and day.day == 1:
        factor *= 0.6
    return float(factor * (1.0 + 0.0005 * day_index))


def is_black_friday_week(day: dt.date) -> bool:
    return 0 <= (day - black_friday(day.year)).days <= 3


def day_start_epoch(day: dt.date) -> int:
    return (day - EPOCH).days * 86_400


def to_decimal(minor_units: np.ndarray, scale: int = 2, precision: int = 18) -> pa.Array:
    """Integer minor units (cents for scale 2) to an exact decimal array, without floats."""
    units = np.asarray(minor_units, dtype=np.int64)
    magnitude = np.abs(units)
    divisor = 10**scale
    whole = pa.array(magnitude // divisor).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(magnitude % divisor).cast(pa.string()), scale, "0")
    text = pc.binary_join_element_wise(whole, fraction, ".")
    signed = pc.if_else(pa.array(units < 0), pc.binary_join_element_wise(pa.scalar("-"), text, ""), text)
    return signed.cast(pa.decimal128(precision, scale))


def iso_timestamps(epoch_seconds: np.ndarray, offset_minutes: np.ndarray) -> pa.Array:
    """ISO 8601 strings in local time with an explicit UTC offset, e.g. 2025-11-28T09:15:00-05:00."""
    offsets = np.asarray(offset_minutes, dtype=np.int64)
    local = pa.array(np.asarray(epoch_seconds, dtype=np.int64) + offsets * 60)
    text = pc.strftime(local.cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")
    distinct, inverse = np.unique(offsets, return_inverse=True)
    suffixes = pa.array(
        [f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in distinct.tolist()], type=pa.string()
    )
    return pc.binary_join_element_wise(text, suffixes.take(pa.array(inverse)), "")
