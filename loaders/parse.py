"""Turns a delivered file's bytes into an Arrow table of its records, or rejects the file."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .contracts import Feed


class FileRejected(Exception):
    """The file cannot be read as a whole; nothing from it may be loaded."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


@dataclass(frozen=True)
class ParsedFile:
    records: pa.Table  # one column per contract column present in the file, plus _source_row_number
    extra_columns: tuple[str, ...]  # columns the contract does not know; recorded, not loaded
    fingerprint: str = ""  # content hash of the very bytes parsed (set by the loader)


def parse(data: bytes, name: str, fmt: str, feed: Feed, compressed: bool = False) -> ParsedFile:
    if compressed:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise FileRejected(name, f"not a readable gzip file: {_first_line(exc)}") from None
    if data.startswith(BOM) and fmt == "jsonl":
        data = data[len(BOM) :]
    if fmt == "jsonl" and not data.strip():  # JSON Lines of no records: an empty day
        return _conform(pa.table({c.name: pa.array([], pa.string()) for c in feed.columns}), name, feed)
    if not data:
        raise FileRejected(name, "the file is empty")
    if fmt == "jsonl":
        table = _jsonl(data, name, set(feed.column_names))
    else:
        table = {"csv": _csv, "parquet": _parquet}[fmt](data, name)
    return _conform(table, name, feed)


BOM = b"\xef\xbb\xbf"
LINE_BREAK = re.compile(rb"\r\n|\r|\n")  # CRLF, LF, and a lone CR ("CSV (Macintosh)")
NOT_A_LINE_BREAK = re.compile(rb"[^\r\n]")


def _csv(data: bytes, name: str) -> pa.Table:
    first_break = LINE_BREAK.search(data)
    head = data[: first_break.start()] if first_break else data
    try:
        first_line = head.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise FileRejected(name, "not a CSV text file (the header is not UTF-8)") from None
    try:
        header = next(csv.reader(io.StringIO(first_line)), [])
    except csv.Error as exc:
        raise FileRejected(name, f"the CSV header line cannot be read: {_first_line(exc)}") from None
    if not header or header == [""]:
        raise FileRejected(name, "the CSV header line is empty")
    if not first_break or not NOT_A_LINE_BREAK.search(data, first_break.end()):  # a header and no record
        return pa.Table.from_arrays([pa.array([], pa.string()) for _ in header], names=header)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                # only an empty field is null: not Arrow's default list, which holds "NA" (Namibia),
                # "N/A", "NULL", "null", "NaN" and others a source may mean as text
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise FileRejected(name, f"cannot be parsed as CSV: {_first_line(exc)}") from None
    # Arrow reads the header as a CSV record, the header check as a line: a line break inside a
    # quoted name parts them, and a column named otherwise would have its type guessed (a sku
    # 000123 read as 123) or, optional, be recorded as extra and its values lost. Refused instead.
    if table.column_names != header:
        raise FileRejected(name, "the header line does not name the columns as read (a line break in a quoted name?)")
    return table


def _parquet(data: bytes, name: str) -> pa.Table:
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileRejected(name, f"not a readable Parquet file: {_first_line(exc)}") from None


def _jsonl(data: bytes, name: str, contract: set[str]) -> pa.Table:
    """Every key's values as text; only the contract's columns are read (another key is only
    named, and recorded as extra), so a key JSON paths cannot spell (`*`, `""`) stops nothing."""
    lines = data.split(b"\n")
    while lines and lines[-1].strip() == b"":  # blank lines at the end of the file
        lines.pop()
    try:
        table = pa.table({"line": pa.array(lines, pa.binary()).cast(pa.string())})
    except pa.ArrowInvalid:
        raise FileRejected(name, "not a JSON Lines text file (not UTF-8)") from None
    con = duckdb.connect()
    numbered = table.append_column("n", pa.array(range(1, table.num_rows + 1), pa.int64()))
    con.register("jl", numbered)
    first_bad = con.execute(
        "select min(n) from jl where coalesce(case when json_valid(line) then json_type(line) end, '') <> 'OBJECT'"
    ).fetchone()[0]
    if first_bad is not None:
        raise FileRejected(name, f"line {first_bad} is not a JSON object")
    found_keys = [
        r[0] for r in con.execute("select distinct unnest(json_keys(line)) as k from jl order by k").fetchall()
    ]
    if not found_keys:
        raise FileRejected(name, "no fields found in the JSON Lines file")
    keys = [k for k in found_keys if k in contract]
    others = [k for k in found_keys if k not in contract]
    if not keys:  # no contract column at all: the names alone tell what is missing
        return pa.Table.from_arrays([pa.nulls(len(lines), pa.string()) for _ in others], names=others)
    paths = "[" + ", ".join(_sql_str(_json_path(k)) for k in keys) + "]"
    # Every key's text from one parse of each line (a number's text is DuckDB's double written back:
    # the shortest text that reads as the same double). Two queries, not one: together they took
    # twice as long (a million customers: 2.0 s and 1.2 s apart).
    texts = con.execute(f"""
        with extracted as (select n, json_extract_string(line, {paths}) as texts from jl)
        select {", ".join(f"texts[{i}] as text{i}" for i in range(1, len(keys) + 1))} from extracted order by n
    """).to_arrow_table()
    # Which values are fractional JSON numbers, a string that looks like one not among them; and
    # which lines hold one of 16 significant digits or more, which may not survive a double
    # (99999999999999.99 reads back as 99999999999999.98): those lines are read again exactly.
    doubtful_line = f"""
        case when list_contains(types, 'DOUBLE') and regexp_matches(line, {_sql_str(DOUBTFUL_DIGITS)})
        then len(list_filter(
            regexp_extract_all(line, {_sql_str(NUMBER_TOKEN)}, 1),
            t -> regexp_matches(t, '[eE]')
                or (contains(t, '.') and length(regexp_replace(t, '[^0-9]', '', 'g')) >= 16)
        )) > 0 else false end
    """
    numbers = con.execute(f"""
        with typed as (select n, line, json_type(line, {paths}) as types from jl)
        select {", ".join(f"coalesce(types[{i}] = 'DOUBLE', false) as number{i}" for i in range(1, len(keys) + 1))},
            {doubtful_line} as doubtful
        from typed order by n
    """).to_arrow_table()
    columns = []
    for i in range(1, len(keys) + 1):
        text, number = texts.column(f"text{i}").combine_chunks(), numbers.column(f"number{i}").combine_chunks()
        if pc.any(number).as_py():  # a number is checked by its value: 2.0 is 2
            text = pc.replace_with_mask(text, number, _plain_numbers(text.filter(number)))
        columns.append(text)
    columns += [pa.nulls(len(lines), pa.string()) for _ in others]
    doubtful = np.flatnonzero(numbers.column("doubtful").to_numpy())
    exact_lines = [(int(i) + 1, lines[i].decode("utf-8")) for i in doubtful]
    return _read_exactly(pa.Table.from_arrays(columns, names=keys + others), exact_lines, name)


# A run of 16 digits and points, or a digit before an exponent: the cheap test a line passes
# before its number tokens are looked at. A token with an exponent is read again too: DuckDB's
# double turns 1.5e-400 into 0, and the plain text of an exponent past PLAIN_PLACES is the token.
DOUBTFUL_DIGITS = r"[0-9.]{16,}|[0-9][eE][-+]?[0-9]"
# a JSON number token after ':', ',' or '[' (one inside a string is read again too, to the same text);
# an integer token needs no second reading, DuckDB reads integers exactly
NUMBER_TOKEN = r"[:,\[]\s*(-?[0-9.]+([eE][-+]?[0-9]+)?)"


class _Exact(str):
    """A JSON number's own text, as Python's JSON parser hands it over."""


def _read_exactly(table: pa.Table, lines: list[tuple[int, str]], name: str) -> pa.Table:
    """`table` with each top-level fractional number of `lines` (line number, text) replaced by
    the plain text of its exact value (_plain_number), read by Python's JSON parser from the
    number's own text. Every other value keeps DuckDB's reading: strings, integers, nested values,
    and the first of a key given twice."""
    if not lines:
        return table
    rows: dict[str, list[int]] = {}
    texts: dict[str, list[str]] = {}
    for n, line in lines:
        try:
            record = json.loads(line, parse_float=_Exact, object_pairs_hook=_first_of_each_key)
        except (ValueError, RecursionError) as exc:
            raise FileRejected(
                name,
                f"line {n} holds a number of 16 digits or more, or an exponent, which is read exactly only"
                f" from strict JSON (a trailing comma?): {_first_line(exc)}; fix the line",
            ) from None
        for key, value in record.items():
            if isinstance(value, _Exact) and key in table.column_names:
                rows.setdefault(key, []).append(n - 1)
                texts.setdefault(key, []).append(_plain_number(value))
    columns = []
    for key in table.column_names:
        column = table.column(key).combine_chunks()
        if rows.get(key):
            mask = np.zeros(table.num_rows, dtype=bool)
            mask[rows[key]] = True
            column = pc.replace_with_mask(column, pa.array(mask), pa.array(texts[key], pa.string()))
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _first_of_each_key(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object's keys, the first value of a key given twice winning, as DuckDB reads it."""
    record: dict[str, object] = {}
    for key, value in pairs:
        record.setdefault(key, value)
    return record


# past this many places either side of the point, a number is left as written (1e400 is no
# amount, and would be 400 digits of text): the checks refuse it as it is
PLAIN_PLACES = 40


def _plain_number(text: str) -> str:
    """A number's text as the plain decimal of its value: no exponent, no zeros after the last
    digit after the point (2.0 is 2, 57.990000000 is 57.99, 9.9e+13 is 99000000000000)."""
    if "e" in text or "E" in text:
        value = Decimal(text)
        if not value.is_finite() or abs(value.adjusted()) > PLAIN_PLACES:
            return text
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _plain_numbers(text: pa.Array) -> pa.Array:
    """_plain_number over a column of numbers written as text (Arrow's or DuckDB's shortest text of
    a double, or a decimal's text at its scale): vectorized, Python only for an exponent."""
    exponent = pc.match_substring(text, "e", ignore_case=True)
    if pc.any(exponent).as_py():
        plain = [_plain_number(v) for v in text.filter(exponent).to_pylist()]
        text = pc.replace_with_mask(text, exponent, pa.array(plain, pa.string()))
    fraction = pc.and_(pc.match_substring(text, "."), pc.invert(pc.match_substring(text, "e", ignore_case=True)))
    if pc.any(fraction).as_py():  # an exponent left as written (past PLAIN_PLACES) keeps its zeros
        trimmed = pc.utf8_rtrim(pc.utf8_rtrim(text.filter(fraction), characters="0"), characters=".")
        text = pc.replace_with_mask(text, fraction, trimmed)
    return text


def _as_text(values: pa.ChunkedArray, column: str, name: str) -> pa.ChunkedArray | pa.Array:
    """A Parquet column whose text the checks could read two ways, as text read one way, whichever
    files share its batch: a float or decimal by its value (_plain_numbers), bytes as UTF-8.
    Integers, booleans, dates and timestamps stay typed: DuckDB's text of them and Arrow's (when a
    batch mixes schemas) are judged alike, and Arrow's text of a timestamp is slow (1.4 s a
    million)."""
    kind = values.type
    try:
        if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            text = values.cast(pa.string()).combine_chunks()
            if pa.types.is_floating(kind):  # NaN: how pandas writes a missing value
                text = pc.if_else(pc.is_in(text, value_set=pa.array(["nan", "-nan"])), None, text)
            return _plain_numbers(text)
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_large_string(kind):
            return values.cast(pa.string())
        return values
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise FileRejected(name, f"column {column} ({kind}) cannot be read as text: {_first_line(exc)}") from None


def _conform(table: pa.Table, name: str, feed: Feed) -> ParsedFile:
    names = table.column_names
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FileRejected(name, f"duplicate column(s) in the header: {', '.join(duplicates)}")
    # a column spelt in another case, or with spaces around it, would be missing or, when optional,
    # recorded as extra while its values are lost without a word: the file is refused, naming it
    misspelt = [
        f"{n} (for {c.name})"
        for n in names
        for c in feed.columns
        if c.name not in names and n.strip().lower() == c.name
    ]
    if misspelt:
        raise FileRejected(
            name, f"column(s) spelt unlike the contract: {', '.join(misspelt)}; rename them in the header"
        )
    missing = [c.name for c in feed.columns if c.required and c.name not in names]
    if missing:
        raise FileRejected(name, f"missing required column(s): {', '.join(missing)}")
    extra = tuple(n for n in names if n not in feed.column_names)
    columns = {}
    for column in feed.columns:
        if column.name in names:
            columns[column.name] = _as_text(table.column(column.name), column.name, name)
        else:  # an optional column the file does not carry
            columns[column.name] = pa.nulls(table.num_rows, pa.string())
    columns["_source_row_number"] = pa.array(range(1, table.num_rows + 1), pa.int64())
    return ParsedFile(pa.table(columns), extra)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _json_path(key: str) -> str:
    return '$."' + key.replace('"', '\\"') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
