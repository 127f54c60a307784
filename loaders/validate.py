"""Checks every record of a parsed file against the feed contract, in DuckDB, and splits the
file into rows to load (typed as the contract says) and rows to quarantine (with the reason)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

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


def check(con: duckdb.DuckDBPyConnection, records: pa.Table, feed: Feed) -> Checked:
    """`records` holds the contract columns (any Arrow type), _source_file and _source_row_number,
    for one or more files. One pass types and checks every row; duplicates within a file are
    looked for with a cheap aggregate and marked only when there are any."""
    con.register("incoming", records)
    raw_cols = ", ".join(f"nullif(cast({_q(c.name)} as varchar), '') as {_raw(c)}" for c in feed.columns)
    typed_cols = ", ".join(_typed_expression(c) for c in feed.columns)
    names = ", ".join(_q(c.name) for c in feed.columns)
    rows = con.execute(f"""
        with raw as (
            select _source_file, _source_row_number, {raw_cols} from incoming
        ), typed as (
            select *, {typed_cols} from raw
        )
        select {names}, _source_file, _source_row_number, {_checks_sql(feed)} as _reason from typed
    """).to_arrow_table()
    con.register("typed_rows", rows)
    key = ", ".join(_q(k) for k in ("_source_file", *feed.primary_key))
    duplicated = con.execute(
        f"select count(*) from (select 1 from typed_rows where _reason is null group by {key} having count(*) > 1)"
    ).fetchone()[0]
    if duplicated:
        reason = _failure(feed.primary_key[0], f"duplicate primary key ({', '.join(feed.primary_key)}) within the file")
        rows = con.execute(f"""
            select * replace (
                case when _reason is null and row_number() over (
                    partition by {key}, _reason is null order by _source_row_number) > 1
                then {reason} else _reason end as _reason)
            from typed_rows order by _source_file, _source_row_number
        """).to_arrow_table()
        con.register("typed_rows", rows)
    failed = pc.is_valid(rows.column("_reason"))
    good = rows.filter(pc.invert(failed)).drop_columns(["_reason"])
    bad = con.execute(_quarantine_sql(feed)).to_arrow_table()
    con.unregister("incoming")
    con.unregister("typed_rows")
    return Checked(good, bad)


def _quarantine_sql(feed: Feed) -> str:
    """One row per failed record: where it is, which column failed, why, and the raw text."""
    raw_cols = ", ".join(f"nullif(cast(i.{_q(c.name)} as varchar), '') as {_raw(c)}" for c in feed.columns)
    raw_value = " ".join(f"when split_part(_reason, chr(31), 1) = {_lit(c.name)} then {_raw(c)}" for c in feed.columns)
    record = ", ".join(f"{_lit(c.name)}: {_raw(c)}" for c in feed.columns)
    return f"""
        select
            {_lit(feed.name)} as feed,
            _source_file as file_name,
            _source_row_number as row_number,
            split_part(_reason, chr(31), 1) as column_name,
            split_part(_reason, chr(31), 2) as reason,
            case {raw_value} end as raw_value,
            to_json({{{record}}})::varchar as raw_record
        from (
            select r._source_file, r._source_row_number, r._reason, {raw_cols}
            from (select * from typed_rows where _reason is not null) r
            join incoming i using (_source_file, _source_row_number)
        )
        order by file_name, row_number
    """
