"""The ECB's euro foreign exchange reference rates as the `fx_rates` feed.

The European Central Bank publishes its whole history as `eurofxref-hist.csv` (also zipped as
`eurofxref-hist.zip`): one row per business day, newest first, a `Date` column, then one column
per currency holding units of that currency per one EUR, `N/A` where there is no rate, and a
trailing comma on every line. The feed wants USD per one unit of each currency, so every rate is
crossed through the day's USD rate: rate_to_usd(C) = USD per EUR / C per EUR, and EUR itself is
USD per EUR. USD needs no rate (the reporting currency converts at 1) and is not written. A day
without a USD rate has no cross rates and is skipped; currencies the contract does not know
(none today) are skipped and named.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path

from .contracts import CURRENCIES, FX_RATES

REPORTING = "USD"
SCALE = Decimal(1).scaleb(-next(c.scale for c in FX_RATES.columns if c.name == "rate_to_usd"))
MISSING = {"", "N/A"}


class EcbFormatError(ValueError):
    """The file is not the ECB's reference-rate history; the message names file, row and column."""


@dataclass
class Imported:
    """What an import wrote."""

    path: Path
    rows: int
    first_date: dt.date
    last_date: dt.date
    days_without_usd: list[dt.date] = field(default_factory=list)
    unknown_currencies: list[str] = field(default_factory=list)


def read_history(path: Path) -> str:
    """The CSV text of `eurofxref-hist.csv`, or of the one CSV inside `eurofxref-hist.zip`."""
    if path.suffix.lower() != ".zip":
        return path.read_text(encoding="utf-8-sig")
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                raise EcbFormatError(f"{path}: expected one .csv inside the zip, found {names or 'none'}")
            return archive.read(names[0]).decode("utf-8-sig")
    except zipfile.BadZipFile:
        raise EcbFormatError(f"{path}: not a zip archive; pass eurofxref-hist.csv or eurofxref-hist.zip") from None


def cross_rates(text: str, source: str) -> tuple[list[tuple[dt.date, str, Decimal]], Imported]:
    """(rate_date, currency, USD per unit) for every rate of the history, oldest first."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    if not header or header[0] != "Date" or REPORTING not in header:
        raise EcbFormatError(f"{source}: row 1: expected a header 'Date,USD,...' (the ECB's eurofxref-hist.csv)")
    columns = [(i, name) for i, name in enumerate(header) if i > 0 and name]
    unknown = sorted(name for _, name in columns if name not in CURRENCIES and name != REPORTING)
    usd_column = header.index(REPORTING)
    rows: list[tuple[dt.date, str, Decimal]] = []
    skipped: list[dt.date] = []
    for number, record in enumerate(reader, start=2):
        if not record or not record[0].strip():
            continue
        day = _date(record[0], source, number)
        usd_per_eur = _rate(record, usd_column, REPORTING, source, number)
        if usd_per_eur is None:
            skipped.append(day)
            continue
        rows.append((day, "EUR", usd_per_eur.quantize(SCALE, ROUND_HALF_EVEN)))
        for i, currency in columns:
            if currency == REPORTING or currency in unknown:
                continue
            per_eur = _rate(record, i, currency, source, number)
            if per_eur is not None:
                rows.append((day, currency, (usd_per_eur / per_eur).quantize(SCALE, ROUND_HALF_EVEN)))
    if not rows:
        raise EcbFormatError(f"{source}: no day with a USD rate: nothing to cross")
    rows.sort()
    summary = Imported(Path(), len(rows), rows[0][0], rows[-1][0], sorted(skipped), unknown)
    return rows, summary


def import_history(path: Path, out: Path) -> Imported:
    """Writes the history as `<out>/fx_rates/ecb/ecb_fx_rates_<last date>.csv`, a file of the
    fx_rates feed. Importing a newer history writes a new file; a rate it restates replaces the
    earlier one (the latest delivery of a (rate_date, currency) counts)."""
    rows, summary = cross_rates(read_history(path), path.name)
    folder = out / FX_RATES.name / "ecb"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"ecb_fx_rates_{summary.last_date.isoformat()}.csv"
    partial = target.with_suffix(".csv.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.name for c in FX_RATES.columns])
        writer.writerows((day.isoformat(), currency, f"{rate:f}") for day, currency, rate in rows)
    partial.replace(target)  # a loader never sees half a file
    summary.path = target
    return summary


def _date(text: str, source: str, number: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise EcbFormatError(f"{source}: row {number}, column Date: {text!r} is not a YYYY-MM-DD date") from None


def _rate(record: list[str], column: int, currency: str, source: str, number: int) -> Decimal | None:
    text = record[column].strip() if column < len(record) else ""
    if text in MISSING:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise EcbFormatError(f"{source}: row {number}, column {currency}: {text!r} is not a rate") from None
    if value <= 0:
        raise EcbFormatError(f"{source}: row {number}, column {currency}: a rate must be positive, found {text}")
    return value
