"""Bad rows go to raw.quarantine with their reason; bad files stop only their feed."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import ROOT

from loaders.contracts import FEEDS
from loaders.pipeline import FILES_LEFT_OUT
from loaders.validate import BLANK, PADDED, Checker

Query = Callable[[str], list[tuple]]


def _first_file(root: Path, feed: str) -> Path:
    return sorted(root.glob(f"{feed}/*/*.csv"))[0]


def _edit_rows(path: Path, edits: dict[int, dict[str, str]], append: list[int] | None = None) -> list[dict[str, str]]:
    """Rewrites a CSV delivery with some fields changed (row index -> column -> new text)."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    fieldnames = list(rows[0])
    for i, change in edits.items():
        rows[i].update(change)
    for i in append or []:
        rows.append(dict(rows[i]))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())
    return rows


BAD_ROWS = {
    # row index: (changes, column reported, words of the reason)
    0: ({"quantity": "two"}, "quantity", "not a whole number"),
    1: ({"sku": ""}, "sku", "missing required value"),
    2: ({"currency": "XYZ"}, "currency", "not an allowed value"),
    3: ({"quantity": "0"}, "quantity", "a sale must have a positive quantity"),
    4: ({"event_ts": "yesterday at noon"}, "event_ts", "not an ISO 8601 timestamp"),
    5: ({"event_ts": "2025-11-20T10:00:00"}, "event_ts", "with a UTC offset"),
    6: ({"unit_price": "12.345"}, "unit_price", "at most 2 decimal places"),
    7: ({"unit_price": "-3.00"}, "unit_price", "must be >= 0"),
    8: ({"channel": "telephone"}, "channel", "not an allowed value"),
    9: ({"event_ts": "2025-02-30T10:00:00+00:00"}, "event_ts", "not a valid timestamp"),
    10: ({"event_ts": "2025-11-20T10:00:00+5300"}, "event_ts", "with a UTC offset (-14:00 to +14:00)"),
    11: ({"event_ts": "2025-11-20T10:00:00+05:99"}, "event_ts", "with a UTC offset (-14:00 to +14:00)"),
}


def test_each_kind_of_bad_row_is_quarantined_with_its_reason(
    sample: Path, load: Callable[..., int], query: Query
) -> None:
    victim = _first_file(sample, "transactions")
    rows = _edit_rows(victim, {i: change for i, (change, _, _) in BAD_ROWS.items()}, append=[20])
    assert load(sample) == 0
    name = str(victim.relative_to(sample))
    found = query(
        "select row_number, column_name, reason, raw_value, raw_record from raw.quarantine "
        f"where file_name = '{name}' order by row_number"
    )
    expected_rows = [i + 1 for i in BAD_ROWS] + [len(rows)]
    assert [r[0] for r in found] == expected_rows
    for (row_number, column, reason, raw_value, record), (i, (change, want_column, words)) in zip(
        found, BAD_ROWS.items(), strict=False
    ):
        assert row_number == i + 1
        assert column == want_column
        assert words in reason
        assert raw_value == (change[want_column] or None)
        assert rows[i]["line_event_id"] in record
    duplicate = found[-1]
    assert duplicate[1] == "line_event_id" and "duplicate primary key" in duplicate[2]
    # nothing silently dropped: loaded + quarantined = rows in the file
    assert query(
        f"select rows_in_file, rows_loaded, rows_quarantined from raw.file_deliveries where file_name = '{name}'"
    ) == [(len(rows), len(rows) - len(expected_rows), len(expected_rows))]
    assert query(f"select count(*) from raw.transactions where _source_file = '{name}'") == [
        (len(rows) - len(expected_rows),)
    ]


def test_rules_across_columns_and_other_feeds(sample: Path, load: Callable[..., int], query: Query) -> None:
    spend = _first_file(sample, "marketing_spend")
    _edit_rows(spend, {0: {"clicks": "999999999"}, 1: {"spend_date": "2025/11/20"}})
    customers = _first_file(sample, "customers")
    with customers.open() as f:
        first_id = next(iter(csv.DictReader(f)))["customer_id"]
    _edit_rows(customers, {0: {"parent_customer_id": first_id}, 1: {"segment": "vip"}})
    assert load(sample) == 0
    reasons = query("select feed, row_number, column_name, reason from raw.quarantine order by feed, row_number")
    assert [(r[0], r[1], r[2]) for r in reasons] == [
        ("customers", 1, "parent_customer_id"),
        ("customers", 2, "segment"),
        ("marketing_spend", 1, "clicks"),
        ("marketing_spend", 2, "spend_date"),
    ]
    assert "own parent" in reasons[0][3] and "more clicks than impressions" in reasons[2][3]


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _drop_column(path: Path) -> None:
    lines = path.read_text().splitlines()
    cells = [line.split(",") for line in lines]
    path.write_text("\n".join(",".join(c[:2] + c[3:]) for c in cells) + "\n")


def _parquet_named_csv(path: Path) -> None:
    buffer = pa.BufferOutputStream()
    pq.write_table(pa.table({"a": [1, 2]}), buffer)
    path.write_bytes(buffer.getvalue().to_pybytes())


BAD_FILES = {
    "empty": (lambda p: p.write_bytes(b""), "the file is empty"),
    "truncated": (_truncate, "cannot be parsed as CSV"),
    "missing column": (_drop_column, "missing required column(s): order_id"),
    "wrong format": (_parquet_named_csv, "not a CSV text file"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_stops_its_feed_only(
    kind: str, sample: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    damage, message = BAD_FILES[kind]
    files = sorted(sample.glob("transactions/*/*.csv"))
    victim = files[4]
    damage(victim)
    assert load(sample) == FILES_LEFT_OUT
    out = capsys.readouterr().out
    name = str(victim.relative_to(sample))
    assert f"REJECTED transactions: {name}: " in out and message in out
    # nothing from the bad file, the files before it loaded, the feed stopped there
    assert query(f"select count(*) from raw.transactions where _source_file >= '{name}'") == [(0,)]
    assert query("select count(distinct _source_file) from raw.transactions") == [(4,)]
    # the other feeds are unaffected
    assert query("select count(distinct _source_file) from raw.marketing_spend") == [
        (len(list(sample.glob("marketing_spend/*/*.csv"))),)
    ]
    # the load records where the feed stopped, why, and how many files wait (decision log §13)
    [(read, rejected, reason, waiting)] = query(
        "select files_read, rejected_file_name, rejection_reason, files_waiting from raw.feed_reads"
        " where feed = 'transactions'"
    )
    assert (read, rejected, waiting) == (4, name, len(files) - 5) and message in reason, reason
    assert query("select count(*) from raw.feed_reads where rejected_file_name is not null") == [(1,)]
    from loaders.status import report

    assert f"    STOPPED at {name} ({reason}); {len(files) - 5} later file(s) wait" in report()
    # once the file is fixed, the next load picks up where the feed stopped
    victim.unlink()
    assert load(sample) == 0
    assert query("select count(distinct _source_file) from raw.transactions") == [(len(files) - 1,)]
    assert query(
        "select files_read, rejected_file_name, files_waiting from raw.feed_reads where feed = 'transactions'"
        " order by _dlt_load_id desc limit 1"
    ) == [(len(files) - 5, None, 0)]
    assert "STOPPED" not in report()


def test_bad_parquet_and_jsonl_files(
    tmp_path: Path, load: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    from support import make_sample

    pq_root = make_sample(tmp_path / "pq", days=2, format="parquet")
    (pq_root / "cogs" / "date=2025-11-20" / "cogs_2025-11-20.parquet").write_text("sku,effective_from\n")
    jl_root = make_sample(tmp_path / "jl", days=2, format="jsonl")
    victim = jl_root / "fx_rates" / "date=2025-11-20" / "fx_rates_2025-11-20.jsonl"
    lines = victim.read_text().splitlines()
    victim.write_text("\n".join([lines[0], lines[1][:10], *lines[2:]]) + "\n")
    assert load(pq_root) == FILES_LEFT_OUT
    assert "not a readable Parquet file" in capsys.readouterr().out
    assert load(jl_root) == FILES_LEFT_OUT
    assert "line 2 is not a JSON object" in capsys.readouterr().out


def test_extra_column_is_recorded_and_the_load_goes_on(
    sample: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = _first_file(sample, "products")
    lines = victim.read_text().splitlines()
    victim.write_text("\n".join([lines[0] + ",warehouse_bin"] + [line + ",A-01" for line in lines[1:]]) + "\n")
    assert load(sample) == 0
    assert (
        "products files carry columns the contract does not know (not loaded): warehouse_bin" in capsys.readouterr().out
    )
    name = str(victim.relative_to(sample))
    assert query(f"select extra_columns, rows_loaded from raw.file_deliveries where file_name = '{name}'") == [
        ("warehouse_bin", len(lines) - 1)
    ]


def test_blank_and_padded_ids_are_quarantined(sample: Path, load: Callable[..., int], query: Query) -> None:
    """A value blank after trimming is missing; an id with surrounding whitespace is not trimmed
    into another id's key, it is quarantined (decision log §13)."""
    victim = _first_file(sample, "transactions")
    rows = _edit_rows(victim, {0: {"line_event_id": "   "}, 1: {"order_id": "\t"}, 2: {"sku": " SKU-1"}})
    assert load(sample) == 0
    name = str(victim.relative_to(sample))
    found = query(f"select row_number, column_name, reason from raw.quarantine where file_name = '{name}' order by 1")
    assert [(r[0], r[1]) for r in found] == [(1, "line_event_id"), (2, "order_id"), (3, "sku")]
    assert "missing required value" in found[0][2] and "missing required value" in found[1][2]
    assert "surrounding whitespace" in found[2][2]
    assert query("select count(*) from raw.transactions where trim(line_event_id) = ''") == [(0,)]
    assert query(f"select count(*) from raw.transactions where _source_file = '{name}'") == [(len(rows) - 3,)]


# RE2's \s is [\t\n\f\r ]: a vertical tab, a control character or a no-break space is not whitespace;
# a space after a combining mark or a prepended concatenation mark is the value's last code point
TRICKY_VALUES = [
    "SKU-1", "S KU", "", " ", "   ", "\t", "\t\n \r\x0c", " SKU-1", "SKU-1 ", "SKU-1\t", "\rSKU-1", "SKU-1\n",
    "\x0b", "SKU\x0b", "\x01SKU", "SKU\x1f", "SKU\u00a0", "\u00a0SKU", "SKU\u3000", "!", "SKU!", "é", "SKUé ",
    "SKU\u0600 ", "\x00SKU", "SKU\u0085", "SKU\u0301 ", "SKU-1\r", "SKU-1\x0c", "é\t", "SKU \x0b",
]  # fmt: skip


def test_blank_and_padded_values_are_found_exactly_as_the_regexes_say() -> None:
    """The checks look only at values that sort below '!' (or whose last character does); every
    value, whitespace or not, ASCII or not, must come out as the plain regexes decide."""
    feed = FEEDS["transactions"]
    sale = {
        "line_event_id": "O1-1", "event_type": "sale", "order_id": "O1", "line_number": "1",
        "event_ts": "2025-09-01T09:09:47+00:00", "channel": "web_store", "store_id": "WEB-UK",
        "currency": "GBP", "customer_id": "C1", "sku": "SKU-1", "quantity": "1", "unit_price": "10.00",
        "line_discount": "0.00", "line_tax": "2.00", "shipping_charged": "0.00", "shipping_cost": "1.00",
        "platform_fee": "0.50", "order_total": "12.00",
    }  # fmt: skip
    rows = [
        {**sale, "line_event_id": f"O{n}-1", "order_id": f"O{n}", "sku": value, "campaign_id": value}
        for n, value in enumerate(TRICKY_VALUES)
    ]
    columns = {c.name: pa.array([r.get(c.name) for r in rows], pa.string()) for c in feed.columns}
    columns["_source_file"] = pa.array(["f.csv"] * len(rows), pa.string())
    columns["_source_row_number"] = pa.array(range(1, len(rows) + 1), pa.int64())
    con = duckdb.connect()
    checker = Checker(con, feed)
    bad = checker.add(pa.table(columns)).bad.to_pylist()
    found = {r["row_number"] - 1: r["reason"] for r in bad}
    campaign_ids = dict(
        con.execute(f"select _source_row_number - 1, campaign_id from {checker.table} order by 1").fetchall()
    )
    expected = {}
    for n, value in enumerate(TRICKY_VALUES):
        blank, padded = con.execute(
            "select regexp_full_match($1, $2), regexp_matches($1, $3)", [value, BLANK, PADDED]
        ).fetchone()
        if blank or padded:
            expected[n] = "missing required value" if blank else "an id with surrounding whitespace"
        assert campaign_ids[n] == (None if blank else value), repr(value)  # a blank optional value is missing
    assert {n: reason.split(" (")[0] for n, reason in found.items()} == expected
    assert sorted(set(expected.values())) == ["an id with surrounding whitespace", "missing required value"]


def test_a_corrected_file_supersedes_its_quarantined_rows(sample: Path, load: Callable[..., int], query: Query) -> None:
    victim = _first_file(sample, "transactions")
    with victim.open(newline="") as f:
        good = next(iter(csv.DictReader(f)))["quantity"]
    _edit_rows(victim, {0: {"quantity": "two"}})
    assert load(sample) == 0
    name = str(victim.relative_to(sample))
    assert query(f"select count(*) from raw.quarantine where file_name = '{name}'") == [(1,)]
    _edit_rows(victim, {0: {"quantity": good}})  # corrected at the source and delivered again
    assert load(sample) == 0
    assert query(f"select count(*) from raw.quarantine where file_name = '{name}'") == [(0,)]
    assert query(
        f"select is_current, rows_quarantined from raw.file_deliveries where file_name = '{name}' order by _dlt_load_id"
    ) == [(False, 1), (True, 0)]


def test_every_iso_4217_currency_is_accepted(sample: Path, load: Callable[..., int], query: Query) -> None:
    """BRL, JPY or a retired HRK load like USD; a code that is no currency is quarantined."""
    victim = _first_file(sample, "transactions")
    _edit_rows(victim, {0: {"currency": "BRL"}, 1: {"currency": "HRK"}, 2: {"currency": "BRX"}})
    assert load(sample) == 0
    name = str(victim.relative_to(sample))
    landed = query(
        f"select currency from raw.transactions where _source_file = '{name}' and currency in ('BRL', 'HRK')"
    )
    assert sorted(landed) == [("BRL",), ("HRK",)]
    assert query(f"select raw_value from raw.quarantine where file_name = '{name}' and column_name = 'currency'") == [
        ("BRX",)
    ]


def test_a_channel_added_to_the_seed_is_accepted(
    sample: Path, load: Callable[..., int], query: Query, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Channels, ad platforms, refund reasons and segments are open sets: a value is quarantined
    until the user adds it to the project's seed, and loads once it is there."""
    victim = _first_file(sample, "transactions")
    _edit_rows(victim, {0: {"channel": "pop_up_store"}})
    assert load(sample, feeds=["transactions"]) == 0
    [(reason,)] = query("select reason from raw.quarantine where column_name = 'channel'")
    assert "not an allowed value of seeds/channels.csv" in reason
    seeds = Path(shutil.copytree(ROOT / "seeds", tmp_path / "seeds"))
    with (seeds / "channels.csv").open("a") as f:
        f.write("pop_up_store,Pop-up stores,direct to consumer,card processing % of order\n")
    monkeypatch.setenv("FINANCE_SEEDS_DIR", str(seeds))
    victim.write_text(victim.read_text() + "\n")  # the source re-sends the file (new content)
    assert load(sample, feeds=["transactions"]) == 0
    assert query("select count(*) from raw.transactions where channel = 'pop_up_store'") == [(1,)]
    assert query(
        "select count(*) from raw.quarantine q join raw.file_deliveries d "
        "on d.file_name = q.file_name and d._dlt_load_id = q._dlt_load_id where d.is_current"
    ) == [(0,)]


def test_a_refund_that_does_not_know_its_restock_loads(sample: Path, load: Callable[..., int], query: Query) -> None:
    """Most exports do not say whether returned units went back to stock: such a refund loads
    (decision log §2 says what its COGS is) instead of being quarantined."""
    victim = sorted(sample.glob("transactions/*/*.csv"))[-1]  # the first days have no refund yet
    with victim.open(newline="") as f:
        rows = list(csv.DictReader(f))
    refund = next(i for i, row in enumerate(rows) if row["event_type"] == "refund")
    _edit_rows(victim, {refund: {"restocked": ""}})
    assert load(sample, feeds=["transactions"]) == 0
    line = rows[refund]["line_event_id"]
    assert query(f"select restocked from raw.transactions where line_event_id = '{line}'") == [(None,)]
    assert query("select count(*) from raw.quarantine") == [(0,)]
