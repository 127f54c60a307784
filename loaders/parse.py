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
    reader = {"csv": _csv, "parquet": _parquet, "jsonl": _jsonl}[fmt]
    table = reader(data, name)
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
        return pacsv.read_csv(
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


def _parquet(data: bytes, name: str) -> pa.Table:
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileRejected(name, f"not a readable Parquet file: {_first_line(exc)}") from None


def _jsonl(data: bytes, name: str) -> pa.Table:
    lines = data.split(b"\n")
    if lines and lines[-1].strip() == b"":
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
    keys = [r[0] for r in con.execute("select distinct unnest(json_keys(line)) as k from jl order by k").fetchall()]
    if not keys:
        raise FileRejected(name, "no fields found in the JSON Lines file")
    paths = [_sql_str(_json_path(k)) for k in keys]
    # each value's text, and whether it is a JSON number read as a double (DuckDB reads integers
    # exactly, and a double back as the shortest text that reads as the same double)
    select = ", ".join(
        f"json_extract_string(line, {path}) as text{i}, json_type(line, {path}) = 'DOUBLE' as double{i}"
        for i, path in enumerate(paths)
    )
    found = con.execute(f"select {select} from jl order by n").to_arrow_table()
    columns = []
    for i in range(len(keys)):
        text, double = found.column(f"text{i}"), found.column(f"double{i}")
        columns.append(pc.if_else(double, _plain_numbers(text), text) if pc.any(double).as_py() else text)
    table = pa.Table.from_arrays(columns, names=keys)
    # A number of 16 significant digits or more may not survive a double (99999999999999.99 reads
    # back as 99999999999999.98): the lines that may hold one are read again exactly, in Python.
    doubtful = con.execute(f"select n, line from jl where regexp_matches(line, {_sql_str(LONG_NUMBER)}) order by n")
    return _read_exactly(table, doubtful.fetchall())


# a JSON number token (after ':', ',' or '[') of 16 digits and points or more; a string that
# looks like one is read again too, to the same text
LONG_NUMBER = r"[:,\[]\s*-?[0-9.]{16,}"


def _read_exactly(table: pa.Table, lines: list[tuple[int, str]]) -> pa.Table:
    """`table` with the records of `lines` (line number, text) read again by Python's JSON
    parser, which hands over every number's own text: the same text for every value as DuckDB
    gives, but exact."""
    if not lines:
        return table
    exact = [json.loads(line, parse_float=_plain_number, parse_int=str) for _, line in lines]
    mask = pc.is_in(pa.array(range(1, table.num_rows + 1), pa.int64()), value_set=pa.array([n for n, _ in lines]))
    columns = []
    for key in table.column_names:
        values = pa.array([_json_text(record.get(key)) for record in exact], pa.string())
        columns.append(pc.replace_with_mask(table.column(key).combine_chunks(), mask, values))
    return pa.Table.from_arrays(columns, names=table.column_names)


def _json_text(value: object) -> str | None:
    """A value of a record parsed with numbers kept as text, as json_extract_string writes it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def _plain_number(text: str) -> str:
    """A number's text as the plain decimal of its value: no exponent, no zeros after the last
    digit after the point (2.0 is 2, 57.990000000 is 57.99, 9.9e+13 is 99000000000000)."""
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _plain_numbers(text: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """_plain_number over a column of numbers written as text; NaN, which Parquet writers such as
    pandas use for a missing value, is null."""
    text = pc.if_else(pc.is_in(pc.utf8_lower(text), value_set=pa.array(["nan", "-nan"])), None, text)
    if pc.any(pc.match_substring(text, "e", ignore_case=True)).as_py():
        return pa.array([None if v is None else _plain_number(v) for v in text.to_pylist()], pa.string())
    text = pc.replace_substring_regex(text, r"(\.[0-9]*?)0+$", r"\1")
    return pc.replace_substring_regex(text, r"\.$", "")


def _as_text(values: pa.ChunkedArray, column: str, name: str) -> pa.ChunkedArray | pa.Array:
    """A typed (Parquet) column as the text every check reads, whichever files share its batch:
    a number by its value (_plain_numbers), bytes as UTF-8 text, anything else as Arrow writes it."""
    kind = values.type
    try:
        if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            return _plain_numbers(values.cast(pa.string()))
        return values if pa.types.is_string(kind) else values.cast(pa.string())
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
