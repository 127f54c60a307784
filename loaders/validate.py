"""Checks every record of a parsed file against the feed contract, in DuckDB, and splits the
file into rows to load (typed as the contract says) and rows to quarantine (with the reason)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from .contracts import Column, Feed

INTEGER = r"^[+-]?[0-9]+$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
BOOLEAN = ("true", "false", "t", "f", "1", "0")


@dataclass(frozen=True)
class Checked:
    good: pa.Table  # contract columns, typed, plus _source_file and _source_row_number
    bad: pa.Table  # one row per quarantined record


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw(c: Column) -> str:
    return _q("raw__" + c.name)


def _typed_expression(c: Column) -> str:
    return f"try_cast({_raw(c)} as {c.sql_type}) as {_q(c.name)}"


def _failure(column: str, reason: str) -> str:
    return _lit(f"{column}\x1f{reason}")


def _column_checks(c: Column) -> list[tuple[str, str]]:
    """(condition that means failure, failure literal) in the order they are reported."""
    raw, typed = _raw(c), _q(c.name)
    checks: list[tuple[str, str]] = []
    if c.required:
        checks.append((f"{raw} is null", _failure(c.name, "missing required value")))
    shape = {
        "integer": (INTEGER, "not a whole number"),
        "decimal": (
            rf"^[+-]?[0-9]+(\.[0-9]{{0,{c.scale}}})?$",
            f"not a decimal number with at most {c.scale} decimal places",
        ),
        "date": (DATE, "not a date (YYYY-MM-DD)"),
        "timestamp": (TIMESTAMP, "not an ISO 8601 timestamp with a UTC offset"),
    }.get(c.type)
    if shape:
        checks.append((f"not regexp_full_match({raw}, {_lit(shape[0])})", _failure(c.name, shape[1])))
    if c.type == "boolean":
        allowed = ", ".join(_lit(v) for v in BOOLEAN)
        checks.append((f"lower({raw}) not in ({allowed})", _failure(c.name, "not a boolean (true/false)")))
    if c.type != "string":
        checks.append((f"{typed} is null and {raw} is not null", _failure(c.name, f"not a valid {c.contract_type}")))
    if c.allowed:
        shown = ", ".join(c.allowed[:8]) + (", ..." if len(c.allowed) > 8 else "")
        checks.append(
            (
                f"{typed} not in ({', '.join(_lit(v) for v in c.allowed)})",
                _failure(c.name, f"not an allowed value ({shown})"),
            )
        )
    if c.minimum is not None:
        op, word = ("<=", ">") if c.exclusive_minimum else ("<", ">=")
        checks.append((f"{typed} {op} {c.minimum}", _failure(c.name, f"must be {word} {c.minimum}")))
    return checks


def _checks_sql(feed: Feed) -> str:
    whens = []
    for column in feed.columns:
        whens += [f"when {cond} then {fail}" for cond, fail in _column_checks(column)]
    whens += [f"when not coalesce({r.condition}, true) then {_failure(r.column, r.reason)}" for r in feed.rules]
    return "case " + " ".join(whens) + " end"


def check(con: duckdb.DuckDBPyConnection, records: pa.Table, feed: Feed, file_name: str) -> Checked:
    """`records` holds the file's contract columns (any Arrow type) and _source_row_number."""
    con.register("incoming", records)
    raw_cols = ", ".join(f"nullif(trim(cast({_q(c.name)} as varchar)), '') as {_raw(c)}" for c in feed.columns)
    typed_cols = ", ".join(_typed_expression(c) for c in feed.columns)
    key = ", ".join(_q(k) for k in feed.primary_key)
    duplicate = _failure(feed.primary_key[0], f"duplicate primary key ({', '.join(feed.primary_key)}) within the file")
    con.execute(f"""
        create or replace temp table checked as
        with raw as (
            select _source_row_number, {raw_cols} from incoming
        ), typed as (
            select *, {typed_cols} from raw
        ), checked as (
            select *, {_checks_sql(feed)} as _failure from typed
        )
        select *,
            case when _failure is null
                and _source_row_number
                    > min(case when _failure is null then _source_row_number end) over (partition by {key})
            then {duplicate}
            else _failure end as _reason
        from checked
    """)
    con.unregister("incoming")
    good_cols = ", ".join(_q(c.name) for c in feed.columns)
    good = con.execute(
        f"select {good_cols}, {_lit(file_name)} as _source_file, _source_row_number "
        f"from checked where _reason is null order by _source_row_number"
    ).to_arrow_table()
    raw_value = " ".join(f"when split_part(_reason, chr(31), 1) = {_lit(c.name)} then {_raw(c)}" for c in feed.columns)
    record = ", ".join(f"{_lit(c.name)}: {_raw(c)}" for c in feed.columns)
    bad = con.execute(f"""
        select
            {_lit(feed.name)} as feed,
            {_lit(file_name)} as file_name,
            _source_row_number as row_number,
            split_part(_reason, chr(31), 1) as column_name,
            split_part(_reason, chr(31), 2) as reason,
            case {raw_value} end as raw_value,
            to_json({{{record}}})::varchar as raw_record
        from checked where _reason is not null order by _source_row_number
    """).to_arrow_table()
    con.execute("drop table checked")
    return Checked(good, bad)
