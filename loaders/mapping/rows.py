"""Source CSV records to typed lines: the mapping applied to one row at a time.

A row is skipped by a skip rule before any of its values is read, so a rule can pass over rows
that would not parse. Every other row becomes a sale line or, when returns are on and its
quantity is negative, a return; amounts on a return are taken as positive whatever their sign.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..contracts import CURRENCIES, reference_values
from .config import FEED, NEEDED, Derived, Fixed, FromSource, Mapping
from .problems import MappingError, at
from .values import cents

MONEY = ("unit_price", "line_discount", "line_tax", "shipping_charged", "shipping_cost", "platform_fee", "order_total")
TYPES = {c.name: c.type for c in FEED.columns}


@dataclass(frozen=True)
class RowRef:
    """A source row as a spreadsheet shows it: the header is row 1."""

    file: str
    row: int

    def __str__(self) -> str:
        return f"{self.file} row {self.row}"


class Values:
    """A row's contract values by column name (`values["sku"]`), in slots: a dict per row would
    take four times the memory, and an export can have millions of rows."""

    __slots__ = FEED.column_names

    def __init__(self, items: Iterator[tuple[str, Any]]) -> None:
        for column, value in items:
            setattr(self, column, value)

    def __getitem__(self, column: str) -> Any:
        return getattr(self, column)

    def __setitem__(self, column: str, value: Any) -> None:
        setattr(self, column, value)

    def copy(self, **changes: Any) -> Values:
        return Values((c, changes[c] if c in changes else getattr(self, c)) for c in self.__slots__)


@dataclass(slots=True)
class Line:
    """One source row that is a sale line or a return, with the contract's values."""

    ref: RowRef
    position: int  # order across the whole import
    output: str  # name of the output file it goes to (its source file's)
    is_return: bool
    values: Values  # contract column -> str, int, Decimal (cents), datetime or None
    exact_net: Decimal  # goods value after discount before rounding to cents, as the source says
    original_order: str | None = None

    @property
    def net(self) -> Decimal:
        """Goods value after discount as written: quantity x unit price - discount."""
        v = self.values
        return v["quantity"] * v["unit_price"] - v["line_discount"]


@dataclass
class Read:
    """What the source files held."""

    lines: list[Line] = field(default_factory=list)
    rows: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rounded: int = 0  # values with more than 2 decimals, rounded to cents


def records(path: Path, mapping: Mapping) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and (row number, fields) of every non-blank record of a source file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MappingError(f"{path}: no such source file") from None
    except OSError as exc:
        raise MappingError(f"{path}: cannot be read ({exc.strerror})") from None
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise MappingError(f"{path}: not a readable gzip file ({exc})") from None
    try:
        text = data.decode(mapping.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        encoding = mapping.encoding.removesuffix("-sig")
        raise MappingError(
            f"{path.name}: line {line}: byte {data[exc.start]:#04x} is not {encoding} text; set source.encoding to "
            "the export's encoding (latin-1, cp1252...)"
        ) from None
    text = text.removeprefix("\ufeff").removeprefix("\u00ef\u00bb\u00bf")  # a UTF-8 byte-order mark, read as any
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    header = [name.strip() for name in next(reader, [])]
    if not any(header):
        raise MappingError(f"{at(path.name, 1)}: no header; the first line must name the columns")
    return header, _numbered(reader, path.name)


def _numbered(reader: Any, file: str) -> Iterator[tuple[int, list[str]]]:
    """Records numbered as a spreadsheet shows them: a quoted line break stays in its record, and
    a blank line is an empty row (counted, not read)."""
    number = 1
    try:
        for fields in reader:
            number += 1
            if any(f.strip() for f in fields):
                yield number, fields
    except csv.Error as exc:
        raise MappingError(f"{at(file, number + 1)}: not readable as CSV ({exc})") from None


class RowReader:
    """Applies a mapping to the rows of the source files, in order."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.channels = reference_values("channels")
        self.read = Read()
        self.plan = [(c.name, mapping.sources.get(c.name)) for c in FEED.columns]

    def add_file(self, path: Path, output: str) -> None:
        header, rows = records(path, self.mapping)
        index = self._columns(path.name, header)
        for number, fields in rows:
            if len(fields) != len(header):
                raise MappingError(
                    f"{at(path.name, number)}: {len(fields)} fields, the header has {len(header)}; check "
                    f"source.delimiter ({self.mapping.delimiter!r}) and the quoting"
                )
            row = {name: fields[i].strip() for name, i in index.items()}
            self.read.rows += 1
            rule = next((r for r in self.mapping.skip if r.applies(row[r.column])), None)
            if rule is not None:
                self.read.skipped[rule.reason] += 1
                continue
            ref = RowRef(path.name, number)
            self.read.lines.append(_Row(self, ref, row).line(len(self.read.lines), output))

    def _columns(self, file: str, header: list[str]) -> dict[str, int]:
        """Source column -> field index, for every column the mapping names."""
        index: dict[str, int] = {}
        for column, key in self.mapping.referenced.items():
            if column not in header:
                shown = ", ".join(h for h in header if h)
                raise MappingError(
                    f"{at(file, 1)}: the mapping's {key} names source column {column!r}, which is not in the header "
                    f"({shown}); fix the name in {self.mapping.name}"
                )
            if header.count(column) > 1:
                raise MappingError(f"{at(file, 1)}: column {column!r} appears twice in the header")
            index[column] = header.index(column)
        return index


class _Row:
    """One source row being mapped; every error names its file, row and column."""

    def __init__(self, reader: RowReader, ref: RowRef, row: dict[str, str]) -> None:
        self.reader, self.mapping, self.ref, self.row = reader, reader.mapping, ref, row

    def fail(self, column: str | None, problem: str) -> MappingError:
        return MappingError(f"{at(self.ref.file, self.ref.row, column)}: {problem}")

    def label(self, contract_column: str) -> str:
        source = self.mapping.sources.get(contract_column)
        if isinstance(source, FromSource):
            return " + ".join(source.columns)
        if isinstance(source, Derived) and source.column:
            return source.column
        return f"(constant {contract_column})"

    def line(self, position: int, output: str) -> Line:
        values = Values((column, self.value(column, source)) for column, source in self.reader.plan)
        quantity = values["quantity"]
        is_return = quantity is not None and quantity < 0
        self.required(values, is_return)
        if quantity == 0:
            label = self.label("quantity")
            raise self.fail(
                label,
                f"quantity 0 is neither a sale nor a return; skip such rows (skip: - column: {label}, equals: '0')",
            )
        if is_return and self.mapping.returns is None:
            raise self.fail(
                self.label("quantity"),
                f"{quantity} is a negative quantity; if it is a return, say so in the mapping "
                "(returns: negative_quantity), or skip such rows",
            )
        values["quantity"] = quantity = abs(quantity)
        for column in MONEY:
            values[column] = self.amount(column, values[column], is_return, quantity)
        if is_return:
            values["order_total"] = None
        goods = self.goods(values, is_return)
        discount = self.discount(values, goods)
        values["line_discount"] = min(cents(discount), quantity * values["unit_price"])
        for column in ("line_tax", "shipping_charged", "shipping_cost", "platform_fee", "order_total"):
            if values[column] is not None:
                values[column] = self.rounded(values[column])
        values["event_type"] = "refund" if is_return else "sale"
        returns = self.mapping.returns
        original = (self.row[returns.original_order] or None) if returns and returns.original_order else None
        return Line(self.ref, position, output, is_return, values, goods - discount, original)

    def value(self, column: str, source: object) -> Any:
        if isinstance(source, Fixed):
            return source.value
        if not isinstance(source, FromSource):
            return None
        names = source.columns
        text = self.row[names[0]] if len(names) == 1 else " ".join(self.row[c] for c in names).strip()
        if not text:
            return source.default
        return self.convert(column, text, " + ".join(names))

    def convert(self, column: str, text: str, label: str) -> Any:
        kind = TYPES[column]
        if kind in ("integer", "decimal"):
            number = self.mapping.numbers.parse(text)
            if number is None:
                raise self.fail(
                    label,
                    f"{text!r} is not a number ({self.mapping.numbers.describe()}: source.decimal, source.thousands)",
                )
            if kind == "decimal":
                return number
            if number != number.to_integral_value():
                raise self.fail(label, f"{text!r} is not a whole number")
            return int(number)
        if kind == "timestamp":
            when = self.mapping.timestamps.parse(text)
            if when is None:
                fmt = self.mapping.timestamps.text
                no_offset = fmt.upper() == "ISO" and self.mapping.timestamps.tz is None
                hint = "; it has no UTC offset: set source.timezone" if no_offset and _naive_iso(text) else ""
                raise self.fail(
                    label,
                    f"{text!r} is not a date and time in the format {fmt} (source.timestamp_format){hint}; "
                    "fix the value or the format",
                )
            return when
        if column == "channel" and text not in self.reader.channels:
            raise self.fail(
                label, f"{text!r} is not a channel of seeds/channels.csv ({', '.join(self.reader.channels)})"
            )
        if column == "currency" and text not in CURRENCIES:
            raise self.fail(label, f"{text!r} is not an ISO 4217 currency code the contract knows")
        return sys.intern(text)  # SKUs, customers and orders repeat: one string each

    def required(self, values: Values, is_return: bool) -> None:
        for column in NEEDED:
            if column == "order_total" and is_return:
                continue  # a refund carries no order total
            if values[column] is None and isinstance(self.mapping.sources.get(column), FromSource):
                label = self.label(column)
                raise self.fail(
                    label,
                    f"empty, but {column} is required; fill it, or skip such rows "
                    f"(skip: - column: {label}, empty: true)",
                )
        if values["line_number"] is not None and values["line_number"] < 1:
            raise self.fail(self.label("line_number"), f"line number {values['line_number']} must be 1 or more")

    def amount(self, column: str, value: Decimal | None, is_return: bool, quantity: int) -> Decimal | None:
        if value is None or value >= 0:
            return value
        if is_return:
            return -value
        raise self.fail(
            self.label(column),
            f"{value} is negative on a sale line (quantity {quantity}); amounts are positive, a return has a "
            "negative quantity: fix the export or skip such rows",
        )

    def rounded(self, value: Decimal) -> Decimal:
        result = cents(value)
        if result != value:
            self.reader.read.rounded += 1
        return result

    def goods(self, values: Values, is_return: bool) -> Decimal:
        """Sets the unit price (rounded to cents); returns the goods value the source says."""
        quantity = values["quantity"]
        derived = self.mapping.derived("unit_price")
        if derived is None:
            exact = values["unit_price"]
            values["unit_price"] = self.rounded(exact)
            return quantity * exact
        text = self.row[derived.column or ""]
        if not text:
            raise self.fail(derived.column, "empty, but the unit price is derived from the line total")
        total = self.amount("unit_price", self.convert("unit_price", text, derived.column or ""), is_return, quantity)
        assert total is not None
        values["unit_price"] = self.rounded(total / quantity)
        return total

    def discount(self, values: Values, goods: Decimal) -> Decimal:
        """The discount the source says (unrounded); a discount from a rate is goods x rate."""
        derived = self.mapping.derived("line_discount")
        written_goods = values["quantity"] * values["unit_price"]
        if derived is None:
            discount = values["line_discount"]
            if cents(discount) > written_goods:
                raise self.fail(
                    self.label("line_discount"),
                    f"discount {discount} exceeds the line's goods value (quantity x unit price = {written_goods})",
                )
            if cents(discount) != discount:
                self.reader.read.rounded += 1
            return discount
        text = self.row[derived.column or ""]
        if not text:
            return Decimal(0)  # no rate: no discount
        percent = derived.percent or text.endswith("%")
        rate = self.mapping.numbers.parse(text.removesuffix("%").strip())
        if rate is not None and percent:
            rate /= 100
        if rate is None or not 0 <= rate <= 1:
            raise self.fail(
                derived.column,
                f"{text!r} is not a discount rate from 0 to 1 (or 0% to 100%; derive.line_discount.percent: true "
                "reads 10 as 10%)",
            )
        discount = goods * rate
        if cents(discount) != discount:
            self.reader.read.rounded += 1
        return discount


def _naive_iso(text: str) -> bool:
    try:
        return dt.datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        return False
