"""The forms a delivered file takes: the same records land the same, whatever the format, the
writer's column types, the line endings or the files that share a load. Text is read as written
(only an empty value is missing); a typed number (Parquet, a JSON number) by its value."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import make_sample

from loaders.pipeline import FILES_LEFT_OUT
from loaders.validate import TIMESTAMP

Query = Callable[[str], list[tuple]]


def _first(root: Path, feed: str, fmt: str = "csv") -> Path:
    return sorted(root.glob(f"{feed}/*/*.{fmt}"))[0]


def _rewrite_csv(path: Path, edits: dict[int, dict[str, str]]) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for i, change in edits.items():
        rows[i].update(change)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())
    return rows


def test_csv_text_other_tools_read_as_missing_is_loaded_as_written(
    sample: Path, load: Callable[..., int], query: Query
) -> None:
    """Namibia's country code is "NA", a brand may be "N/A", and a campaign id "NULL": only an
    empty field is missing (raw_feeds.md), quoted or not."""
    customers = _rewrite_csv(_first(sample, "customers"), {0: {"country_code": "NA"}, 1: {"region": "null"}})
    products = _rewrite_csv(_first(sample, "products"), {0: {"brand": "N/A"}, 1: {"product_name": "NaN"}})
    sales = _rewrite_csv(_first(sample, "transactions"), {0: {"campaign_id": "NULL"}, 1: {"customer_id": "nan"}})
    quoted = _first(sample, "products")
    quoted.write_text(quoted.read_text().replace(",N/A,", ',"N/A",', 1))
    assert load(sample) == 0
    assert query("select count(*) from raw.quarantine") == [(0,)]
    assert query(
        f"select country_code from raw.customers where customer_id = '{customers[0]['customer_id']}'"
        f" union all select region from raw.customers where customer_id = '{customers[1]['customer_id']}'"
    ) == [("NA",), ("null",)]
    assert query(
        f"select brand from raw.products where sku = '{products[0]['sku']}' and brand = 'N/A'"
        f" union all select product_name from raw.products where sku = '{products[1]['sku']}'"
    ) == [("N/A",), ("NaN",)]
    lines = {
        line_id: (campaign_id, customer_id)
        for line_id, campaign_id, customer_id in query(
            "select line_event_id, campaign_id, customer_id from raw.transactions"
            f" where line_event_id in ('{sales[0]['line_event_id']}', '{sales[1]['line_event_id']}')"
        )
    }
    assert lines == {
        sales[0]["line_event_id"]: ("NULL", sales[0]["customer_id"] or None),
        sales[1]["line_event_id"]: (sales[1]["campaign_id"] or None, "nan"),
    }


def test_a_csv_with_old_mac_line_endings_or_a_header_alone_loads(
    sample: Path, load: Callable[..., int], query: Query
) -> None:
    """Excel's "CSV (Macintosh)" ends lines with a lone CR; a day with no spend may come as its
    header alone, without a final line break. Both load: every row of the first, none of the second."""
    mac = sorted(sample.glob("transactions/*/*.csv"))[3]
    rows = mac.read_text().count("\n") - 1
    mac.write_bytes(mac.read_bytes().replace(b"\n", b"\r"))
    header_only = sorted(sample.glob("marketing_spend/*/*.csv"))[2]
    header_only.write_text(header_only.read_text().splitlines()[0])
    assert load(sample) == 0
    deliveries = dict(
        query("select file_name, rows_in_file || '/' || rows_loaded from raw.file_deliveries where is_current")
    )
    assert deliveries[str(mac.relative_to(sample))] == f"{rows}/{rows}"
    assert deliveries[str(header_only.relative_to(sample))] == "0/0"
    assert query("select count(*) from raw.quarantine") == [(0,)]
    # the load went on past both: every transactions file is there
    assert query("select count(distinct _source_file) from raw.transactions") == [
        (len(list(sample.glob("transactions/*/*.csv"))),)
    ]


def test_a_csv_header_with_a_line_break_inside_a_quoted_name_rejects_the_file() -> None:
    """Arrow reads the header as one record, the header check reads its first line: the columns
    past the break would be read with guessed types (sku 000123 as 123). The file is refused."""
    from loaders.contracts import FEEDS
    from loaders.parse import FileRejected, parse

    for data in (
        b'"note\nx",sku,effective_from,unit_cost,currency\nhi,000123,2025-01-01,1.10,EUR\n',
        b'sku,effective_from,unit_cost,currency,"x\ny"\n000123,2025-01-01,1.10,EUR,hi\n',  # the guess is text
    ):
        with pytest.raises(FileRejected, match="the header line does not name the columns as read"):
            parse(data, "cogs.csv", "csv", FEEDS["cogs"])


@pytest.mark.parametrize(
    "content", [b"", b"\n", b"\xef\xbb\xbf", b"\r\n\r\n"], ids=["0 bytes", "newline", "bom", "crlfs"]
)
def test_an_empty_json_lines_file_is_a_day_of_no_records(
    content: bytes, tmp_path: Path, load: Callable[..., int], query: Query
) -> None:
    root = make_sample(tmp_path / "jl", days=3, format="jsonl")
    empty = sorted(root.glob("marketing_spend/*/*.jsonl"))[1]
    empty.write_bytes(content)
    assert load(root) == 0
    name = str(empty.relative_to(root))
    assert query(
        f"select delivery_status, rows_in_file, rows_loaded from raw.file_deliveries where file_name = '{name}'"
    ) == [("loaded", 0, 0)]
    assert query("select count(distinct _source_file) from raw.marketing_spend") == [(2,)]


def test_a_json_number_keeps_every_digit(tmp_path: Path, load: Callable[..., int], query: Query) -> None:
    """A JSON number is read by its value and exactly: 99999999999999.99 would come back from a
    double as 99999999999999.98. A whole number written 2.0 is 2; 57.990 has two decimal places."""
    root = make_sample(tmp_path / "jl", days=2, format="jsonl")
    path = _first(root, "marketing_spend", "jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    numbers = {
        0: ("99999999999999.99", "3"),  # 16 significant digits
        1: ("1234567890123456.78", "2.0"),  # 18, and a whole number as a double
        2: ("57.990000000", "7"),  # zeros past the scale
        3: ("0.3", "1e1"),  # an exponent
        4: ("2.50", "5"),  # spend fine; the name below is a number, the other names words with an "e"
    }
    text = []
    for i, line in enumerate(lines):
        if i in numbers:
            spend, clicks = numbers[i]
            line = {**line, "spend": "@spend@", "clicks": "@clicks@", **({"campaign_name": "@name@"} if i == 4 else {})}
            written = json.dumps(line).replace('"@spend@"', spend).replace('"@clicks@"', clicks)
            text.append(written.replace('"@name@"', "2.50"))
        else:
            text.append(json.dumps(line))
    path.write_text("\n".join(text) + "\n")
    assert load(root) == 0
    assert query("select count(*) from raw.quarantine") == [(0,)]
    name = str(path.relative_to(root))
    found = query(
        f"select _source_row_number, spend, clicks from raw.marketing_spend where _source_file = '{name}'"
        f" and _source_row_number <= {len(numbers)} order by 1"
    )
    assert found == [
        (1, Decimal("99999999999999.99"), 3),
        (2, Decimal("1234567890123456.78"), 2),
        (3, Decimal("57.99"), 7),
        (4, Decimal("0.30"), 10),
        (5, Decimal("2.50"), 5),
    ]
    assert query(
        f"select campaign_name from raw.marketing_spend where _source_file = '{name}' and _source_row_number = 5"
    ) == [("2.5",)]


# (value as written in the line, the text the checks read); JSON strings are text as written
JSON_VALUES = [
    ("1.5", "1.5"), ("2.0", "2"), ("-0.0", "-0"), ("1e3", "1000"), ("1E-7", "0.0000001"), ("-1.5e-3", "-0.0015"),
    ("57.990", "57.99"), ("123456789012345.6", "123456789012345.6"),
    ("12345678901234567890123", "12345678901234567890123"),
    ("1e400", "1e400"), ("1.5e-400", "1.5e-400"), ("1.50e-50", "1.50e-50"), ("1E+50", "1E+50"),
    ('"Summer sale"', "Summer sale"), ('"2e5"', "2e5"), ('"2.0"', "2.0"), ('"\\u00e9"', "é"),
    ("true", "true"), ("null", None), ('{"x":"é","y":1.50}', '{"x":"é","y":1.5}'),
]  # fmt: skip


@pytest.mark.parametrize(("written", "read"), JSON_VALUES, ids=[w for w, _ in JSON_VALUES])
def test_a_json_value_reads_the_same_whether_or_not_its_line_is_read_again_exactly(written: str, read: str) -> None:
    """A line that holds a number of 16 digits or more is read again by Python's JSON parser; every
    value of it must come out as DuckDB's reading gives it (a number by its plain value), and a
    key given twice keeps its first value either way."""
    from loaders.contracts import FEEDS
    from loaders.parse import parse

    def rate(line: str) -> str | None:
        return parse(line.encode() + b"\n", "f.jsonl", "jsonl", FEEDS["fx_rates"]).records["rate_to_usd"][0].as_py()

    line = '{"rate_date":"2025-11-20","currency":"EUR","rate_to_usd":%s%s}'
    assert rate(line % (written, "")) == read
    assert rate(line % (written, ',"note":0.12345678901234567')) == read
    assert rate(line % (written, ',"rate_to_usd":2.5,"note":0.12345678901234567')) == read


def test_a_long_json_number_in_a_line_that_is_not_strict_json_rejects_the_file() -> None:
    """DuckDB reads a trailing comma; a number that must be read again exactly cannot be, so the
    file is refused with the line, not loaded with a rounded value or a crash."""
    from loaders.contracts import FEEDS
    from loaders.parse import FileRejected, parse

    good = b'{"rate_date":"2025-11-20","currency":"EUR","rate_to_usd":1.5,}\n'
    assert parse(good, "f.jsonl", "jsonl", FEEDS["fx_rates"]).records["rate_to_usd"].to_pylist() == ["1.5"]
    bad = b'{"rate_date":"2025-11-21","currency":"EUR","rate_to_usd":1.0000000000000001,}\n'
    with pytest.raises(FileRejected, match="line 2 holds a number of 16 digits or more"):
        parse(good + bad, "f.jsonl", "jsonl", FEEDS["fx_rates"])
    deep = b'{"rate_date":"2025-11-21","currency":"EUR","rate_to_usd":1.5e-3,"x":' + b"[" * 2000 + b"]" * 2000 + b"}\n"
    with pytest.raises(FileRejected, match="line 1 holds a number"):  # Python's reader: too deep
        parse(deep, "f.jsonl", "jsonl", FEEDS["fx_rates"])


@pytest.mark.parametrize("key", ["*", "", "x\\\\", "a\\\\\\\\b", "\\u0000", "$.x", "rate_to_usd "])
def test_a_key_no_json_path_spells_is_recorded_as_extra(key: str) -> None:
    """Only the contract's columns are read from a JSON line; another key is named, not read, so
    one a JSON path cannot spell stops nothing. Blank lines at the end of the file are no records."""
    from loaders.contracts import FEEDS
    from loaders.parse import parse

    line = '{"rate_date":"2025-11-20","currency":"EUR","rate_to_usd":%s,"%s":1.25}\n'
    for rate in ("1.5", "1.2345678901234567"):  # either reading
        parsed = parse((line % (rate, key)).encode() + b"\n \r\n\n", "f.jsonl", "jsonl", FEEDS["fx_rates"])
        assert parsed.records["rate_to_usd"].to_pylist() == [rate]
        assert len(parsed.extra_columns) == 1


def _parquet_as_pandas_writes_it(path: Path) -> None:
    """An integer column as float64 (pandas, once it held a NaN), money as decimal(38,9), and the
    customer's name as plain binary (no UTF-8 annotation)."""
    table = pq.read_table(path)
    for name in table.column_names:
        column = table.column(name)
        if name == "quantity":
            column = column.cast(pa.float64())
        elif name in ("unit_price", "line_tax", "list_price"):
            column = column.cast(pa.decimal128(38, 9))
        elif name == "customer_name":
            column = pa.array(["José Müller", *column.to_pylist()[1:]], pa.string()).cast(pa.binary())
        table = table.set_column(table.column_names.index(name), name, column)
    pq.write_table(table, path)


def test_a_parquet_files_typed_values_land_the_same_whichever_files_share_its_load(
    tmp_path: Path, load: Callable[..., int], query: Query, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same bytes, loaded with files of another schema or alone, give the same rows, and the
    rows a CSV of the same records gives: a float 2.0 is the whole number 2, a decimal(38,9) of
    57.990000000 has two decimal places, and plain binary text is UTF-8."""
    checksum = """
        select count(*), sum(quantity), sum(unit_price), sum(line_tax),
               (select count(*) from raw.quarantine),
               (select count(*) filter (where customer_name = 'José Müller') from raw.customers)
        from raw.transactions
    """
    root = make_sample(tmp_path / "pq", days=3, format="parquet")
    for path in (sorted(root.glob("transactions/*/*.parquet"))[2], _first(root, "customers", "parquet")):
        _parquet_as_pandas_writes_it(path)
    # together with days one and two, whose column types differ, in one load
    assert load(root) == 0
    together = query(checksum)
    # day three's bytes alone, in a load of their own
    monkeypatch.setenv("FINANCE_WAREHOUSE_PATH", str(tmp_path / "alone.duckdb"))
    monkeypatch.setenv("FINANCE_PIPELINES_DIR", str(tmp_path / "alone-pipelines"))
    held = tmp_path / "held"
    for path in [*sorted(root.glob("*/date=2025-11-22/*")), _first(root, "customers", "parquet")]:
        dest = held / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, dest)
    from loaders.pipeline import run_load

    assert run_load(str(root), progress=False) == 0
    shutil.copytree(held, root, dirs_exist_ok=True)
    assert run_load(str(root), progress=False) == 0
    con = duckdb.connect(str(tmp_path / "alone.duckdb"), read_only=True)
    alone = con.execute(checksum).fetchall()
    con.close()
    csv_root = make_sample(tmp_path / "csv", days=3)
    customers = _first(csv_root, "customers")
    customers.write_text(customers.read_text().replace(_first_customer_name(customers), "José Müller", 1))
    monkeypatch.setenv("FINANCE_WAREHOUSE_PATH", str(tmp_path / "csv.duckdb"))
    monkeypatch.setenv("FINANCE_PIPELINES_DIR", str(tmp_path / "csv-pipelines"))
    assert run_load(str(csv_root), progress=False) == 0
    con = duckdb.connect(str(tmp_path / "csv.duckdb"), read_only=True)
    from_csv = con.execute(checksum).fetchall()
    con.close()
    assert together == alone == from_csv
    assert together[0][-2] == 0 and together[0][-1] > 0, together


def _first_customer_name(customers: Path) -> str:
    with customers.open(newline="") as f:
        return next(csv.DictReader(f))["customer_name"]


def test_a_parquet_number_is_read_as_the_plain_text_of_its_value() -> None:
    """Arrow writes a float past 1e13 with an exponent, and a decimal at its scale: both are read as
    the plain decimal of their value; a float NaN (pandas' missing value) is null."""
    from loaders.contracts import FEEDS
    from loaders.parse import parse

    floats = [2.0, 57.99, 99999999999999.98, float("nan"), 1e-5, None, -0.5, 2.5e100]
    decimals = [Decimal("2.000000000"), Decimal("57.990000000"), Decimal("99999999999999.990000000"), None,
                Decimal("0.000010000"), None, Decimal("-0.500000000"), Decimal("100.000000000")]  # fmt: skip

    def rates(values: pa.Array) -> list[str | None]:
        table = pa.table(
            {"rate_date": ["2025-11-20"] * len(values), "currency": ["EUR"] * len(values), "rate_to_usd": values}
        )
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        return parse(buffer.getvalue(), "f.parquet", "parquet", FEEDS["fx_rates"]).records["rate_to_usd"].to_pylist()

    assert rates(pa.array(floats, pa.float64())) == [
        "2", "57.99", "99999999999999.98", None, "0.00001", None, "-0.5", "2.5e+100"  # past 40 places: as written
    ]  # fmt: skip
    assert rates(pa.array(decimals, pa.decimal128(38, 9))) == [
        "2", "57.99", "99999999999999.99", None, "0.00001", None, "-0.5", "100"
    ]  # fmt: skip


def test_a_parquet_text_column_that_is_not_utf8_rejects_the_file(
    tmp_path: Path, load: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_sample(tmp_path / "pq", days=2, format="parquet")
    path = _first(root, "customers", "parquet")
    table = pq.read_table(path)
    i = table.column_names.index("customer_name")
    names = [b"Jos\xe9", *(n.encode() for n in table.column(i).to_pylist()[1:])]  # Latin-1
    pq.write_table(table.set_column(i, "customer_name", pa.array(names, pa.binary())), path)
    assert load(root) == FILES_LEFT_OUT
    out = capsys.readouterr().out
    assert f"REJECTED customers: {path.relative_to(root)}: column customer_name (binary) cannot be read as text" in out


@pytest.mark.parametrize("spelt", ["Customer_ID", " customer_id", "SKU"])
def test_a_column_spelt_unlike_the_contract_rejects_the_file(
    spelt: str, sample: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    """An optional column spelt in another case would be recorded as extra, and every sale made
    anonymous without a word; a required one would read as missing. The file is refused."""
    victim = sorted(sample.glob("transactions/*/*.csv"))[2]
    column = spelt.strip().lower()
    rows = list(csv.reader(victim.read_text().splitlines()))
    assert column in rows[0]
    rows[0] = [spelt if n == column else n for n in rows[0]]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    victim.write_text(text.getvalue())
    assert load(sample) == FILES_LEFT_OUT
    out = capsys.readouterr().out
    assert f"{victim.relative_to(sample)}: column(s) spelt unlike the contract: {spelt} (for {column})" in out
    assert query(f"select count(*) from raw.transactions where _source_file = '{victim.relative_to(sample)}'") == [(0,)]


def test_a_timestamp_without_seconds_loads(sample: Path, load: Callable[..., int], query: Query) -> None:
    """ISO 8601 allows hh:mm; DuckDB's cast does not, and the row was quarantined as an invalid
    timestamp."""
    rows = _rewrite_csv(_first(sample, "transactions"), {0: {"event_ts": "2025-11-20T10:00+01:00"}})
    assert load(sample) == 0
    assert query("select count(*) from raw.quarantine") == [(0,)]
    assert query(
        "select strftime(event_ts at time zone 'UTC', '%Y-%m-%d %H:%M:%S') from raw.transactions"
        f" where line_event_id = '{rows[0]['line_event_id']}'"
    ) == [("2025-11-20 09:00:00",)]


GOOD_TIMESTAMPS = [
    "2025-11-21T10:00:00Z", "2025-11-21T10:00:00+00:00", "2025-11-21T10:00:00+05:30", "2025-11-21T10:00:00+0530",
    "2025-11-21T10:00:00-12:00", "2025-11-21T10:00:00+14:00", "2025-11-21T10:00:00+13:45",
    "2025-11-21T10:00:00-09:30", "2025-11-21 10:00:00.123+01", "2025-11-21T10:00:00-14",
]  # fmt: skip
BAD_TIMESTAMPS = [
    "2025-11-21T10:00:00+5300", "2025-11-21T10:00:00-47:00", "2025-11-21T10:00:00+05:99",
    "2025-11-21T10:00:00+15:00", "2025-11-21T10:00:00+14:30", "2025-11-21T10:00:00+24",
]  # fmt: skip


def test_a_utc_offset_is_one_the_world_uses() -> None:
    """Offsets run from -12:00 to +14:00 in the world; past +-14:00, or past 59 minutes, is a typo
    that would move the event by hours or days, and is quarantined."""
    con = duckdb.connect()
    matches = {
        t: con.execute("select regexp_full_match($1, $2)", [t, TIMESTAMP]).fetchone()[0]
        for t in GOOD_TIMESTAMPS + BAD_TIMESTAMPS
    }
    assert {t for t, ok in matches.items() if ok} == set(GOOD_TIMESTAMPS)
