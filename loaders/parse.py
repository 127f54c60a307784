"""Turns a delivered file's bytes into an Arrow table of its records, or rejects the file."""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from dataclasses import dataclass

import duckdb
import pyarrow as pa
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
    if not data:
        raise FileRejected(name, "the file is empty")
    reader = {"csv": _csv, "parquet": _parquet, "jsonl": _jsonl}[fmt]
    table = reader(data, name)
    return _conform(table, name, feed)


def _csv(data: bytes, name: str) -> pa.Table:
    try:
        first_line = data.split(b"\n", 1)[0].decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise FileRejected(name, "not a CSV text file (the header is not UTF-8)") from None
    header = next(csv.reader(io.StringIO(first_line)), [])
    if not header or header == [""]:
        raise FileRejected(name, "the CSV header line is empty")
    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
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
    select = ", ".join(f"json_extract_string(line, {_sql_str(_json_path(k))}) as {_ident(k)}" for k in keys)
    return con.execute(f"select {select} from jl order by n").to_arrow_table()


def _conform(table: pa.Table, name: str, feed: Feed) -> ParsedFile:
    names = table.column_names
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FileRejected(name, f"duplicate column(s) in the header: {', '.join(duplicates)}")
    missing = [c.name for c in feed.columns if c.required and c.name not in names]
    if missing:
        raise FileRejected(name, f"missing required column(s): {', '.join(missing)}")
    extra = tuple(n for n in names if n not in feed.column_names)
    columns = {}
    for column in feed.columns:
        if column.name in names:
            columns[column.name] = table.column(column.name)
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
