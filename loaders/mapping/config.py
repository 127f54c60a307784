"""The mapping file: how one export's columns become the transactions feed (docs/mapping.md).

Read with YAML's base loader, so every scalar stays the text written (`NO` stays a country, not
false; `012` stays `012`); this module gives each value its type and checks every key, and a
mistake is one line naming the key.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ..contracts import CURRENCIES, TRANSACTIONS, reference_values
from .problems import MappingError
from .values import NumberFormat, TimestampFormat, zone

FEED = TRANSACTIONS
# What the importer itself sets on every row, and where the mapping says how.
COMPUTED = {
    "event_type": "the importer sets it: sale, or refund for a return (see returns)",
    "refunded_line_event_id": "the importer finds the sale line a return refunds (see returns)",
    "refund_amount": "the importer computes it for a return: quantity x unit price - discount",
    "refund_reason": "set returns.reason",
    "restocked": "set returns.restocked",
}
SETTABLE = tuple(c.name for c in FEED.columns if c.name not in COMPUTED)
# Required on every row, plus order_total, which every sale line must carry.
NEEDED = (*(c.name for c in FEED.columns if c.name in SETTABLE and c.required), "order_total")
NO_CONSTANT = {
    "line_event_id": "every row needs its own id: map it under columns or derive it (order_and_line)",
    "event_ts": "map it under columns",
    "order_total": "map it under columns or derive it (sum_of_lines)",
}
DERIVATIONS = {
    "unit_price": "{line_total: <source column>}",
    "line_discount": "{rate: <source column>}",
    "line_number": "per_order",
    "line_event_id": "order_and_line",
    "order_total": "sum_of_lines",
}
TOP_KEYS = ("feed", "source", "columns", "constants", "defaults", "derive", "returns", "skip")
SOURCE_KEYS = ("encoding", "delimiter", "decimal", "thousands", "timestamp_format", "timezone")
RETURN_KEYS = ("when", "reason", "restocked", "original_order")
SKIP_KEYS = ("column", "empty", "equals", "matches", "reason")
TRUE, FALSE = ("true", "yes", "on"), ("false", "no", "off")


@dataclass(frozen=True)
class FromSource:
    """The value of source column(s); several are joined with a space (a date and a time)."""

    columns: tuple[str, ...]
    key: str  # where the mapping says so: columns.sku
    default: object = None  # used when the source value is empty


@dataclass(frozen=True)
class Fixed:
    value: object


@dataclass(frozen=True)
class Derived:
    how: str  # line_total, rate, per_order, order_and_line, sum_of_lines
    column: str | None = None  # the source column line_total and rate read
    percent: bool = False  # rate: 10 means 10% (a value ending in % always does)


Source = FromSource | Fixed | Derived


@dataclass(frozen=True)
class SkipRule:
    column: str
    reason: str
    empty: bool = False
    equals: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    def applies(self, value: str) -> bool:
        if self.empty:
            return value == ""
        if self.pattern is not None:
            return self.pattern.fullmatch(value) is not None
        return value in self.equals


@dataclass(frozen=True)
class Returns:
    """A negative quantity is a return of an earlier sale line."""

    reason: str
    restocked: bool | None = None  # None: unknown
    original_order: str | None = None  # the source column naming the order a return belongs to


@dataclass(frozen=True)
class Mapping:
    name: str  # the mapping file's name, for messages
    encoding: str
    delimiter: str
    numbers: NumberFormat
    timestamps: TimestampFormat
    sources: dict[str, Source]  # contract column -> where its value comes from
    returns: Returns | None = None
    skip: tuple[SkipRule, ...] = ()
    referenced: dict[str, str] = field(default_factory=dict)  # source column -> first mapping key naming it

    def derived(self, column: str) -> Derived | None:
        found = self.sources.get(column)
        return found if isinstance(found, Derived) else None


def load_mapping(path: Path) -> Mapping:
    """Reads and checks a mapping file. Raises MappingError naming the key that is wrong."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(f"{path}: no such mapping file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot be read as UTF-8 text ({exc.__class__.__name__})") from None
    return parse_mapping(text, path.name)


def parse_mapping(text: str, name: str) -> Mapping:
    try:
        document = yaml.load(text, Loader=yaml.BaseLoader)  # only str, list and dict
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise MappingError(f"{name}: {where}not valid YAML ({problem})") from None
    return _Reader(name).mapping(_table(document or {}, name, "the file", TOP_KEYS))


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.referenced: dict[str, str] = {}

    def fail(self, key: str, problem: str) -> MappingError:
        return MappingError(f"{self.name}: {key}: {problem}")

    def refer(self, column: object, key: str) -> str:
        if not isinstance(column, str) or not column.strip():
            raise self.fail(key, "expected the name of a source column")
        self.referenced.setdefault(column.strip(), key)
        return column.strip()

    def mapping(self, doc: dict[str, Any]) -> Mapping:
        feed = doc.get("feed", FEED.name)
        if feed != FEED.name:
            raise self.fail("feed", f"{feed!r}: only the {FEED.name} feed can be imported with a mapping today")
        source = _table(doc.get("source", {}), self.name, "source", SOURCE_KEYS)
        encoding = self.encoding(source.get("encoding", "utf-8"))
        delimiter = self.delimiter(source.get("delimiter", ","))
        numbers = self.numbers(source)
        sources = self.sources(doc, numbers)
        timestamps = self.timestamps(source, sources)
        returns = self.returns(doc.get("returns"))
        skip = self.skip(doc.get("skip", []))
        return Mapping(self.name, encoding, delimiter, numbers, timestamps, sources, returns, skip, self.referenced)

    def encoding(self, text: str) -> str:
        try:
            codec = codecs.lookup(text).name
        except (LookupError, TypeError):
            raise self.fail("source.encoding", f"{text!r} is not an encoding (utf-8, latin-1, cp1252...)") from None
        return "utf-8-sig" if codec == "utf-8" else codec  # a byte-order mark is not part of the header

    def delimiter(self, text: object) -> str:
        value = "\t" if text in ("tab", "\\t") else text
        if not isinstance(value, str) or len(value) != 1 or value in '"\r\n':
            raise self.fail("source.delimiter", f"{text!r}: expected one character, such as ',' ';' or tab")
        return value

    def numbers(self, source: dict[str, Any]) -> NumberFormat:
        decimal, thousands = source.get("decimal", "."), source.get("thousands", "")
        if decimal not in (".", ","):
            raise self.fail("source.decimal", f"{decimal!r}: expected '.' or ','")
        usable = isinstance(thousands, str) and len(thousands) <= 1 and thousands != decimal
        if not usable or (thousands and thousands in "+-0123456789"):
            raise self.fail(
                "source.thousands", f"{thousands!r}: expected '' (none) or one character other than the decimal"
            )
        return NumberFormat(decimal, thousands)

    def timestamps(self, source: dict[str, Any], sources: dict[str, Source]) -> TimestampFormat:
        if not isinstance(sources.get("event_ts"), FromSource):
            raise self.fail("columns.event_ts", "map event_ts to the source column holding the event's date and time")
        text = source.get("timestamp_format")
        if not isinstance(text, str) or not text.strip():
            raise self.fail(
                "source.timestamp_format",
                "say how the export writes event_ts: ISO, or a pattern such as 'M/D/YY H:MM' or 'DD.MM.YYYY'",
            )
        tz_text = source.get("timezone")
        tz: dt.tzinfo | None = None
        if tz_text is not None:
            try:
                tz = zone(str(tz_text))
            except ValueError as exc:
                raise self.fail(
                    "source.timezone", f"{exc}; give an IANA name such as Europe/London, or an offset such as +01:00"
                ) from None
        elif text.strip().upper() != "ISO":
            raise self.fail(
                "source.timezone",
                "missing: the export's times carry no UTC offset; give the zone they are in (Europe/London, UTC, "
                "+01:00)",
            )
        try:
            return TimestampFormat.of(text.strip(), tz)
        except ValueError as exc:
            raise self.fail(
                "source.timestamp_format",
                f"{text!r} cannot be used: {exc} (tokens: YYYY YY M MM D DD H HH mm SS A; ISO for ISO 8601)",
            ) from None

    def sources(self, doc: dict[str, Any], numbers: NumberFormat) -> dict[str, Source]:
        columns = _table(doc.get("columns", {}), self.name, "columns")
        constants = _table(doc.get("constants", {}), self.name, "constants")
        defaults = _table(doc.get("defaults", {}), self.name, "defaults")
        derive = _table(doc.get("derive", {}), self.name, "derive")
        found: dict[str, Source] = {}
        first_key: dict[str, str] = {}

        def claim(column: str, section: str) -> None:
            key = f"{section}.{column}"
            if column in COMPUTED:
                raise self.fail(key, f"{column} cannot be set: {COMPUTED[column]}")
            if column not in SETTABLE:
                known = ", ".join(SETTABLE)
                raise self.fail(key, f"the {FEED.name} feed has no column {column!r} (its columns: {known})")
            if column in first_key:
                raise self.fail(key, f"{column} is already set under {first_key[column]}; keep one")
            first_key[column] = section

        for column, named in columns.items():
            claim(column, "columns")
            key = f"columns.{column}"
            names = named if isinstance(named, list) else [named]
            if not names:
                raise self.fail(key, "expected a source column name, or a list of them")
            found[column] = FromSource(tuple(self.refer(n, key) for n in names), key)
        for column, value in constants.items():
            claim(column, "constants")
            if column in NO_CONSTANT:
                raise self.fail(f"constants.{column}", f"a constant {column} makes no sense: {NO_CONSTANT[column]}")
            found[column] = Fixed(self.typed(column, value, f"constants.{column}"))
        for column, value in defaults.items():
            mapped = found.get(column)
            if not isinstance(mapped, FromSource):
                raise self.fail(
                    f"defaults.{column}",
                    f"a default is used when the source value is empty; {column} is not mapped under columns "
                    "(for a column the export lacks, use constants)",
                )
            found[column] = FromSource(mapped.columns, mapped.key, self.typed(column, value, f"defaults.{column}"))
        for column, how in derive.items():
            claim(column, "derive")
            found[column] = self.derivation(column, how)
        missing = [c for c in NEEDED if c not in found]
        if missing:
            hints = "; ".join(f"derive: {c}: {DERIVATIONS[c]}" for c in missing if c in DERIVATIONS)
            raise self.fail(
                "columns",
                f"nothing sets {', '.join(missing)}: map each under columns, give it under constants"
                + (f", or derive it: {hints}" if hints else ""),
            )
        return found

    def derivation(self, column: str, how: object) -> Derived:
        key = f"derive.{column}"
        expected = DERIVATIONS.get(column)
        if expected is None:
            raise self.fail(key, f"{column} cannot be derived; derivable: {', '.join(DERIVATIONS)}")
        if column == "unit_price":
            spec = _table(how, self.name, key, ("line_total",))
            if "line_total" not in spec:
                raise self.fail(key, f"expected {expected}")
            return Derived("line_total", self.refer(spec["line_total"], f"{key}.line_total"))
        if column == "line_discount":
            spec = _table(how, self.name, key, ("rate", "percent"))
            if "rate" not in spec:
                raise self.fail(key, f"expected {expected}")
            percent = self.flag(spec.get("percent", "false"), f"{key}.percent")
            return Derived("rate", self.refer(spec["rate"], f"{key}.rate"), percent)
        if how != expected:
            raise self.fail(key, f"{how!r}: expected {expected}")
        return Derived(expected)

    def typed(self, column: str, value: object, key: str) -> object:
        """A constant or default as the contract types it (written with a decimal point)."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "expected a value")
        text, kind = value.strip(), FEED.column(column).type
        if kind == "integer":
            if not re.fullmatch(r"\d+", text) or int(text) < 1:
                raise self.fail(key, f"{text!r} is not a whole number of at least 1")
            return int(text)
        if kind == "decimal":
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise self.fail(key, f"{text!r} is not a number (write it with a decimal point: 4.95)") from None
            if number < 0 or number != number.quantize(Decimal("0.01")):
                raise self.fail(key, f"{text!r}: expected an amount of at least 0 with at most 2 decimals")
            return number.quantize(Decimal("0.01"))
        if column == "channel":
            channels = reference_values("channels")
            if text not in channels:
                raise self.fail(key, f"{text!r} is not a channel of seeds/channels.csv ({', '.join(channels)})")
        if column == "currency" and text not in CURRENCIES:
            raise self.fail(key, f"{text!r} is not an ISO 4217 currency code the contract knows")
        return text

    def flag(self, value: object, key: str) -> bool:
        text = str(value).strip().lower()
        if text not in TRUE + FALSE:
            raise self.fail(key, f"{value!r}: expected true or false")
        return text in TRUE

    def returns(self, value: object) -> Returns | None:
        if value is None:
            return None
        spec = {"when": value} if isinstance(value, str) else _table(value, self.name, "returns", RETURN_KEYS)
        if spec.get("when") != "negative_quantity":
            raise self.fail(
                "returns.when" if isinstance(value, dict) else "returns",
                f"{spec.get('when')!r}: the one convention known is negative_quantity (a negative quantity is a "
                "return)",
            )
        reason = str(spec.get("reason", "changed_mind")).strip()
        reasons = reference_values("refund_reasons")
        if reason not in reasons:
            known = ", ".join(reasons)
            raise self.fail("returns.reason", f"{reason!r} is not a code of seeds/refund_reasons.csv ({known})")
        restocked_text = str(spec.get("restocked", "unknown")).strip().lower()
        if restocked_text not in (*TRUE, *FALSE, "unknown"):
            raise self.fail("returns.restocked", f"{restocked_text!r}: expected true, false or unknown")
        restocked = None if restocked_text == "unknown" else restocked_text in TRUE
        original = spec.get("original_order")
        original_order = self.refer(original, "returns.original_order") if original is not None else None
        return Returns(reason, restocked, original_order)

    def skip(self, value: object) -> tuple[SkipRule, ...]:
        if not isinstance(value, list):
            raise self.fail("skip", "expected a list of rules (- column: ..., then empty, equals or matches)")
        rules = []
        for i, item in enumerate(value, start=1):
            key = f"skip[{i}]"
            spec = _table(item, self.name, key, SKIP_KEYS)
            column = self.refer(spec.get("column"), f"{key}.column")
            tests = [t for t in ("empty", "equals", "matches") if t in spec]
            if len(tests) != 1:
                raise self.fail(key, "give exactly one of empty: true, equals: <value or list>, matches: <regex>")
            reason = spec.get("reason")
            if "empty" in spec:
                if not self.flag(spec["empty"], f"{key}.empty"):
                    raise self.fail(f"{key}.empty", "only empty: true skips anything")
                rule = SkipRule(column, reason or f"{column} is empty", empty=True)
            elif "equals" in spec:
                values = spec["equals"] if isinstance(spec["equals"], list) else [spec["equals"]]
                if not values or not all(isinstance(v, str) for v in values):
                    raise self.fail(f"{key}.equals", "expected a value or a list of values")
                shown = values[0] if len(values) == 1 else "one of " + ", ".join(values)
                rule = SkipRule(column, reason or f"{column} is {shown}", equals=tuple(v.strip() for v in values))
            else:
                try:
                    pattern = re.compile(str(spec["matches"]))
                except re.error as exc:
                    problem = f"{spec['matches']!r} is not a regular expression ({exc})"
                    raise self.fail(f"{key}.matches", problem) from None
                rule = SkipRule(column, reason or f"{column} matches {pattern.pattern}", pattern=pattern)
            rules.append(rule)
        return tuple(rules)


def _table(value: object, name: str, key: str, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MappingError(f"{name}: {key}: expected keys and values, found {type(value).__name__}")
    if allowed is not None:
        unknown = [k for k in value if k not in allowed]
        if unknown:
            where = "" if key == "the file" else f"{key}."
            raise MappingError(f"{name}: {where}{unknown[0]}: unknown key; expected one of {', '.join(allowed)}")
    return value
