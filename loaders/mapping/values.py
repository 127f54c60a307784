"""Source text to values: numbers with the export's separators, timestamps in the export's
format and time zone, money rounded to cents."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def cents(value: Decimal) -> Decimal:
    """Rounded to cents, half away from zero (Decimal's ROUND_HALF_UP): 2.345 -> 2.35, -2.345 -> -2.35."""
    if value.as_tuple().exponent == -2:
        return value  # already in cents: the same object (a constant is shared by every row)
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class NumberFormat:
    """How the export writes numbers: `decimal` separator and `thousands` separator ("" for none)."""

    decimal: str = "."
    thousands: str = ""

    def parse(self, text: str) -> Decimal | None:
        """The number, or None when the text is not one in this format. Thousands separators must
        group by three (1.234.567,89), so 1,234.56 is never read as 1.23456."""
        digits = text.strip()
        if not self._pattern().fullmatch(digits):
            return None
        if self.thousands:
            digits = digits.replace(self.thousands, "")
        try:
            return Decimal(digits.replace(self.decimal, "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            return None

    def _pattern(self) -> re.Pattern[str]:
        d, t = re.escape(self.decimal), re.escape(self.thousands)
        whole = rf"(?:\d{{1,3}}(?:{t}\d{{3}})+|\d+)" if self.thousands else r"\d+"
        return re.compile(rf"[+-]?(?:{whole}(?:{d}\d*)?|{d}\d+)")

    def describe(self) -> str:
        thousands = f"thousands separator {self.thousands!r}" if self.thousands else "no thousands separator"
        return f"decimal separator {self.decimal!r}, {thousands}"


# Tokens of a timestamp format, longest first. M and MM are minutes right after an hour token
# (`H:MM`), months elsewhere; mm is always minutes.
_TOKENS = ("YYYY", "YY", "MM", "M", "DD", "D", "HH", "H", "mm", "SS", "ss", "A")
_PATTERNS = {
    "YYYY": r"\d{4}",
    "YY": r"\d{2}",
    "MM": r"\d{2}",
    "M": r"\d{1,2}",
    "DD": r"\d{2}",
    "D": r"\d{1,2}",
    "HH": r"\d{2}",
    "H": r"\d{1,2}",
    "mm": r"\d{2}",
    "SS": r"\d{2}",
    "ss": r"\d{2}",
    "A": r"[AaPp][Mm]",
}
_FIELDS = {
    "YYYY": "year",
    "YY": "year2",
    "MM": "month",
    "M": "month",
    "DD": "day",
    "D": "day",
    "HH": "hour",
    "H": "hour",
    "mm": "minute",
    "SS": "second",
    "ss": "second",
    "A": "ampm",
}


def _compile(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The regular expression of a format like `M/D/YY H:MM` and the fields it captures, in order.
    Raises ValueError (with what is wrong) for a format it cannot use."""
    pattern, fields, i, after_hour = "", [], 0, False
    while i < len(fmt):
        token = next((t for t in _TOKENS if fmt.startswith(t, i)), None)
        if token is None:
            pattern += re.escape(fmt[i])
            i += 1
            continue
        name = _FIELDS[token]
        if name == "month" and (after_hour or "month" in fields):
            name = "minute"
            after_hour = False
        elif name == "hour":
            after_hour = True
        if name in fields or (name == "year2" and "year" in fields) or (name == "year" and "year2" in fields):
            raise ValueError(f"{token} appears twice")
        fields.append(name)
        pattern += f"({_PATTERNS[token]})"
        i += len(token)
    missing = [n for n in ("day", "month") if n not in fields]
    if "year" not in fields and "year2" not in fields:
        missing.insert(0, "year (YYYY or YY)")
    if missing:
        raise ValueError(f"it has no {', '.join(missing)}")
    if "minute" in fields and "hour" not in fields:
        raise ValueError("it has minutes but no hour (H or HH)")
    if "ampm" in fields and "hour" not in fields:
        raise ValueError("it has AM/PM (A) but no hour")
    return re.compile(pattern), tuple(fields)


def zone(text: str) -> dt.tzinfo:
    """`UTC`, a fixed offset (`+01:00`, `-0500`) or an IANA time zone name (`Europe/London`).
    Raises ValueError for anything else."""
    if text.upper() in ("UTC", "Z", "GMT"):
        return dt.UTC
    offset = _OFFSET.fullmatch(text)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes))
        return dt.timezone(-delta if sign == "-" else delta)
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{text!r} is not a time zone") from None


@dataclass(frozen=True)
class TimestampFormat:
    """How the export writes event times: `ISO` (ISO 8601, its own offset wins) or a pattern of
    YYYY YY M MM D DD H HH mm MM SS A, and the zone its times without an offset are in."""

    text: str
    tz: dt.tzinfo | None
    _compiled: tuple[re.Pattern[str], tuple[str, ...]] | None = field(default=None, compare=False)

    @classmethod
    def of(cls, text: str, tz: dt.tzinfo | None) -> TimestampFormat:
        return cls(text, tz, None if text.upper() == "ISO" else _compile(text))

    def parse(self, text: str) -> dt.datetime | None:
        """The aware timestamp, or None when the text is not one in this format (or names no
        offset and the mapping gives no time zone)."""
        if self._compiled is None:
            try:
                value = dt.datetime.fromisoformat(text)
            except ValueError:
                return None
        else:
            pattern, fields = self._compiled
            found = pattern.fullmatch(text)
            if not found:
                return None
            parts = dict(zip(fields, found.groups(), strict=True))
            year = int(parts["year"]) if "year" in parts else _century(int(parts["year2"]))
            hour = int(parts.get("hour", 0))
            if "ampm" in parts:
                if not 1 <= hour <= 12:
                    return None
                hour = hour % 12 + (12 if parts["ampm"].lower() == "pm" else 0)
            try:
                value = dt.datetime(
                    year,
                    int(parts["month"]),
                    int(parts["day"]),
                    hour,
                    int(parts.get("minute", 0)),
                    int(parts.get("second", 0)),
                )
            except ValueError:  # 30 February, hour 25
                return None
        if value.tzinfo is None:
            if self.tz is None:
                return None
            value = value.replace(tzinfo=self.tz)
        return value


def _century(yy: int) -> int:
    """Two-digit years as strptime reads them: 00-68 are 2000-2068, 69-99 are 1969-1999."""
    return 2000 + yy if yy < 69 else 1900 + yy


def iso(value: dt.datetime) -> str:
    """ISO 8601 with the offset, as the contract wants: 2010-12-01T08:26:00+00:00."""
    return value.isoformat(timespec="seconds" if value.microsecond == 0 else "microseconds")
