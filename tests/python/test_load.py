"""Loading deliveries: control totals tie out, re-runs are no-ops, re-deliveries merge."""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from support import ROOT, SMALL, make_sample

from loaders import files as files_module
from loaders import settings
from loaders.contracts import CONTROL_SUMS, FEEDS, MONEY_METRICS, Feed
from loaders.generate import Params, generate
from loaders.pipeline import FILES_LEFT_OUT, _read_ahead

Query = Callable[[str], list[tuple]]


def _control_mismatches(query: Query) -> list[tuple]:
    """Every control-total metric recomputed from raw + quarantine, per file; returns differences."""
    parts = []
    for feed, sums in CONTROL_SUMS.items():
        parts.append(
            "select _source_file as file_name, 'row_count' as metric, 'XXX' as currency, "
            f"count(*)::decimal(28,6) as value "
            f"from raw.{feed} group by all"
        )
        for metric, expression in sums.items():
            currency = "currency" if metric in MONEY_METRICS and "currency" in FEEDS[feed].column_names else "'XXX'"
            parts.append(
                f"select _source_file, '{metric}', {currency}, coalesce(sum({expression}), 0)::decimal(28,6) "
                f"from raw.{feed} group by all"
            )
    landed = " union all ".join(parts)
    return query(f"""
        with landed as ({landed}),
        quarantined as (select file_name, count(*) as n from raw.quarantine group by 1),
        claimed as (select * from raw.control_totals)
        select c.file_name, c.metric, c.currency, c.value, l.value, q.n
        from claimed c
        left join landed l using (file_name, metric, currency)
        left join quarantined q using (file_name)
        where l.value is distinct from c.value
          and not (c.metric = 'row_count' and coalesce(l.value, 0) + coalesce(q.n, 0) = c.value)
          and not (q.n is not null and c.metric <> 'row_count')
    """)


def test_load_ties_out_to_the_control_totals(sample: Path, load: Callable[..., int], query: Query) -> None:
    assert load(sample) == 0
    assert query("select count(*) from raw.quarantine") == [(0,)]
    assert query("select count(*) from raw.control_totals")[0][0] > 0
    # every delivered file of every feed is covered by a control total
    uncovered = query("""
        select d.file_name from raw.file_deliveries d
        left join (select distinct file_name from raw.control_totals) c using (file_name)
        where c.file_name is null and d.feed <> 'control_totals'
    """)
    assert uncovered == []
    assert _control_mismatches(query) == []


def test_control_total_check_catches_a_lost_row(sample: Path, load: Callable[..., int], query: Query) -> None:
    """The tie-out above can fail: drop one line from a delivered file and it reports that file."""
    victim = sorted(sample.glob("transactions/*/*.csv"))[3]
    lines = victim.read_text().splitlines(keepends=True)
    victim.write_text("".join(lines[:-1]))
    assert load(sample) == 0
    mismatched = {row[0] for row in _control_mismatches(query)}
    assert mismatched == {str(victim.relative_to(sample))}


def test_rerun_is_a_no_op(
    sample: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(sample) == 0
    snapshot = (
        "select (select count(*) from raw.transactions), (select max(_dlt_load_id) from raw.transactions), "
        "(select count(*) from raw.file_deliveries), (select count(*) from raw.quarantine)"
    )
    before = query(snapshot)
    capsys.readouterr()
    assert load(sample) == 0
    out = capsys.readouterr().out
    assert query(snapshot) == before
    files = len(list(sample.glob("transactions/*/*.csv")))
    assert re.search(rf"^\s+transactions\s+0\s+0\s+0\s+0\s+{files}$", out, re.MULTILINE), out


def test_incremental_load_reads_only_new_files(tmp_path: Path, load: Callable[..., int], query: Query) -> None:
    root = make_sample(tmp_path / "d", days=4)
    assert load(root) == 0
    files_before = query("select count(*) from raw.file_deliveries")[0][0]
    generate(root, Params(**{**SMALL.__dict__, "days": 5}), first_day_to_write=4, progress=False)
    assert load(root) == 0
    new_files = query("select count(*) from raw.file_deliveries")[0][0] - files_before
    assert new_files == len(list(root.glob("*/date=2025-11-24/*")))
    assert query("select count(*) - count(distinct line_event_id) from raw.transactions") == [(0,)]


def _deliveries_of(query: Query, name: str) -> list[tuple]:
    """(is_current, rows_in_file, superseded) per delivery record of the file, oldest first."""
    return query(
        "select is_current, rows_in_file, superseded_by_load_id is not null from raw.file_deliveries "
        f"where file_name = '{name}' order by _dlt_load_id"
    )


def test_the_same_content_delivered_again_is_not_read_again(
    sample: Path, load: Callable[..., int], query: Query
) -> None:
    assert load(sample) == 0
    before = query("select count(*), sum(unit_price) from raw.transactions")
    victim = sorted(sample.glob("transactions/*/*.csv"))[2]
    content = victim.read_bytes()
    victim.unlink()
    victim.write_bytes(content)  # the same file delivered again, with a new modification time
    os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 1_000_000_000))
    assert load(sample) == 0
    assert query("select count(*), sum(unit_price) from raw.transactions") == before
    records = _deliveries_of(query, str(victim.relative_to(sample)))
    assert [(current, superseded) for current, _, superseded in records] == [(True, False)]


def _rewrite(path: Path, change: Callable[[list[list[str]]], None]) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text())))
    change(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue())


def test_corrected_file_replaces_values(sample: Path, load: Callable[..., int], query: Query) -> None:
    assert load(sample) == 0
    victim = sorted(sample.glob("transactions/*/*.csv"))[1]
    ids: list[str] = []

    def cost(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("shipping_cost")] = "99.99"
        ids.append(rows[1][0])

    _rewrite(victim, cost)
    count = query("select count(*) from raw.transactions")
    assert load(sample) == 0
    assert query("select count(*) from raw.transactions") == count
    name = str(victim.relative_to(sample))
    assert query(f"select shipping_cost, _source_file from raw.transactions where line_event_id = '{ids[0]}'") == [
        (Decimal("99.99"), name)
    ]
    # the delivery log keeps the history: one current record, the earlier one superseded
    records = _deliveries_of(query, name)
    assert [(current, superseded) for current, _, superseded in records] == [(False, True), (True, False)]


def test_a_corrected_file_that_drops_a_line_removes_it_from_raw(
    sample: Path, load: Callable[..., int], query: Query
) -> None:
    assert load(sample) == 0
    victim = sorted(sample.glob("transactions/*/*.csv"))[3]
    name = str(victim.relative_to(sample))
    dropped: list[str] = []
    _rewrite(victim, lambda rows: dropped.append(rows.pop(1)[0]))  # one line was cancelled at the source
    rows_now = len(victim.read_text().splitlines()) - 1
    assert load(sample) == 0
    assert query(f"select count(*) from raw.transactions where line_event_id = '{dropped[0]}'") == [(0,)]
    assert query(f"select count(*) from raw.transactions where _source_file = '{name}'") == [(rows_now,)]
    assert [r[:2] for r in _deliveries_of(query, name)] == [(False, rows_now + 1), (True, rows_now)]


def test_a_correction_with_the_same_size_and_modification_time_is_read(
    sample: Path, load: Callable[..., int], query: Query
) -> None:
    """cp -p, rsync -t and tar x keep modification times: only the content tells."""
    assert load(sample) == 0
    victim = sorted(sample.glob("transactions/*/*.csv"))[4]
    stat = victim.stat()
    header, first, rest = victim.read_text().split("\n", 2)
    fields = first.split(",")  # the sample has no commas inside values
    column = header.split(",").index('"shipping_cost"')
    old = fields[column]
    fields[column] = old[:-1] + ("1" if old[-1] != "1" else "2")  # one digit changed, same length
    victim.write_text("\n".join([header, ",".join(fields), rest]))
    ids = [fields[0].strip('"'), fields[column]]
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert victim.stat().st_size == stat.st_size and victim.stat().st_mtime_ns == stat.st_mtime_ns
    assert load(sample) == 0
    assert query(f"select cast(shipping_cost as varchar) from raw.transactions where line_event_id = '{ids[0]}'") == [
        (ids[1],)
    ]


def _carry_line_into(source: Path, target: Path, shipping_cost: str) -> str:
    """Appends `source`'s first line to `target` with another shipping cost; returns its id."""
    rows = list(csv.reader(io.StringIO(source.read_text())))
    line = rows[1]
    line[rows[0].index("shipping_cost")] = shipping_cost
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(line)
    with target.open("a") as f:
        f.write(out.getvalue())
    return line[0]


LATEST = """
    select shipping_cost, _source_file from raw.transactions where line_event_id = '{id}'
    order by _dlt_load_id desc, _source_file desc limit 1
"""


def test_a_key_carried_again_by_a_later_file_leaves_both_files_whole(
    sample: Path, load: Callable[..., int], query: Query
) -> None:
    """A correction re-sent in a later file does not take the line out of its first file, so
    that file still ties out; the later delivery is the one that counts (staging's rule)."""
    files = sorted(sample.glob("transactions/*/*.csv"))
    line_id = _carry_line_into(files[1], files[3], "77.77")
    assert load(sample) == 0  # both files in one load: the later path wins
    assert query(LATEST.format(id=line_id)) == [(Decimal("77.77"), str(files[3].relative_to(sample)))]
    line_id = _carry_line_into(files[2], files[5], "66.66")  # a later load carries another line again
    assert load(sample) == 0
    assert query(LATEST.format(id=line_id)) == [(Decimal("66.66"), str(files[5].relative_to(sample)))]
    short = query("""
        with latest as (
            select * from raw.file_deliveries where feed = 'transactions'
            qualify row_number() over (partition by file_name order by _dlt_load_id desc) = 1
        )
        select d.file_name, d.rows_in_file, count(t._source_file) from latest d
        left join raw.transactions t on t._source_file = d.file_name
        group by all having d.rows_in_file <> count(t._source_file)
    """)
    assert short == []


def test_gzip_files_load_and_other_files_are_reported(
    sample: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = sorted(sample.glob("transactions/*/*.csv"))[0]
    rows = len(plain.read_text().splitlines()) - 1
    packed = plain.with_name(plain.name + ".gz")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    stray = plain.parent / "notes.txt"
    stray.write_text("sent by hand\n")
    assert load(sample) == 0
    out = capsys.readouterr().out
    assert query(f"select count(*) from raw.transactions where _source_file = '{packed.relative_to(sample)}'") == [
        (rows,)
    ]
    assert f"ignored transactions: {stray.relative_to(sample)}: not a format the loader reads" in out
    assert query(
        f"select delivery_status, rows_in_file from raw.file_deliveries where file_name = '{stray.relative_to(sample)}'"
    ) == [("ignored", 0)]


def test_a_link_out_of_the_source_root_is_refused(
    sample: Path, tmp_path: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere.csv"
    shutil.copy(sorted(sample.glob("transactions/*/*.csv"))[0], outside)
    link = sample / "transactions" / "date=2099-01-01" / "transactions.csv"
    link.parent.mkdir()
    link.symlink_to(outside)
    assert load(sample) == FILES_LEFT_OUT
    out = capsys.readouterr().out
    assert f"REFUSED transactions: {link.relative_to(sample)}: a link to {outside}" in out
    assert query(f"select count(*) from raw.transactions where _source_file = '{link.relative_to(sample)}'") == [(0,)]
    assert query(f"select delivery_status from raw.file_deliveries where file_name = '{link.relative_to(sample)}'") == [
        ("refused",)
    ]
    # a file already loaded that turns into such a link keeps what it delivered, and is reported
    loaded = sorted(sample.glob("transactions/*/*.csv"))[1]
    name = str(loaded.relative_to(sample))
    before = query(f"select count(*) from raw.transactions where _source_file = '{name}'")
    loaded.unlink()
    loaded.symlink_to(outside)
    assert load(sample) == FILES_LEFT_OUT
    assert f"REFUSED transactions: {name}: a link to {outside}" in capsys.readouterr().out
    assert query(f"select count(*) from raw.transactions where _source_file = '{name}'") == before
    assert query(f"select delivery_status, is_current from raw.file_deliveries where file_name = '{name}'") == [
        ("loaded", True)
    ]
    # every read counts the links it refused: the marts fail on them while they stay (decision log §13)
    assert query(
        "select links_refused from raw.feed_reads where feed = 'transactions' order by _dlt_load_id desc limit 1"
    ) == [(2,)]
    link.unlink()
    loaded.unlink()
    assert load(sample, feeds=["transactions"]) == 0
    assert query(
        "select links_refused from raw.feed_reads where feed = 'transactions' order by _dlt_load_id desc limit 1"
    ) == [(0,)]


def test_a_file_gone_from_the_source_is_reported(
    sample: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(sample) == 0
    gone = sorted(sample.glob("cogs/*/*.csv"))[-1]
    gone.unlink()
    capsys.readouterr()
    assert load(sample) == 0
    out = capsys.readouterr().out
    assert f"note: cogs: {gone.relative_to(sample)} was loaded before and is no longer in the source" in out
    assert query(f"select count(*) > 0 from raw.cogs where _source_file = '{gone.relative_to(sample)}'") == [(True,)]


def test_restatements_are_kept_per_delivery(sample: Path, load: Callable[..., int], query: Query) -> None:
    assert load(sample) == 0
    # one row per platform, campaign, day and delivered file; the same day arrives up to three times
    assert query("""
        select max(n), count(*) filter (where n > 1) > 0 from (
            select platform, campaign_id, spend_date, count(*) as n from raw.marketing_spend group by all
        )
    """) == [(3, True)]
    assert query(
        "select count(*) from (select platform, campaign_id, spend_date, _source_file "
        "from raw.marketing_spend group by all having count(*) > 1)"
    ) == [(0,)]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_other_formats_land_the_same_rows(
    tmp_path: Path, fmt: str, load: Callable[..., int], query: Query, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_root = make_sample(tmp_path / "csv", days=3)
    other_root = make_sample(tmp_path / fmt, days=3, format=fmt)
    checksum = """
        select count(*), sum(quantity), sum(unit_price), sum(line_tax), sum(coalesce(refund_amount, 0)),
               min(event_ts), max(event_ts), count(customer_id), count(restocked)
        from raw.transactions
    """
    assert load(csv_root) == 0
    from_csv = query(checksum)
    masters_csv = query("select count(*), sum(list_price), max(updated_at) from raw.products")
    monkeypatch.setenv("FINANCE_WAREHOUSE_PATH", str(tmp_path / f"{fmt}.duckdb"))
    monkeypatch.setenv("FINANCE_PIPELINES_DIR", str(tmp_path / f"{fmt}-pipelines"))
    from loaders.pipeline import run_load

    assert run_load(str(other_root), progress=False) == 0
    import duckdb

    con = duckdb.connect(str(tmp_path / f"{fmt}.duckdb"), read_only=True)
    assert con.execute(checksum).fetchall() == from_csv
    assert con.execute("select count(*), sum(list_price), max(updated_at) from raw.products").fetchall() == masters_csv
    assert con.execute("select count(*) from raw.quarantine").fetchall() == [(0,)]
    con.close()
    shutil.rmtree(other_root)


def test_a_loads_files_leave_dlts_folder_once_loaded_unless_kept(
    sample: Path, load: Callable[..., int], query: Query, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dlt's load packages hold a copy of every row loaded (customers' names and emails among
    them): once a load has completed, its job files are deleted and the package's record stays.
    dlt's own setting, LOAD__DELETE_COMPLETED_JOBS=false, keeps them."""

    def loaded() -> Path:  # where dlt moves a package once loaded, in the pipelines folder set now
        return settings.dlt_pipelines_dir() / settings.PIPELINE_NAME / "load" / "loaded"

    def job_files() -> list[Path]:
        return [path for path in loaded().rglob("*") if path.is_file() and "completed_jobs" in path.parts]

    def packages() -> int:
        return len(list(loaded().glob("*/package_completed.json")))

    monkeypatch.delenv("LOAD__DELETE_COMPLETED_JOBS", raising=False)
    assert load(sample) == 0
    assert query("select count(*) from raw.customers")[0][0] > 0
    assert packages() == 1 and job_files() == []

    monkeypatch.setenv("FINANCE_WAREHOUSE_PATH", str(tmp_path / "kept.duckdb"))
    monkeypatch.setenv("FINANCE_PIPELINES_DIR", str(tmp_path / "kept-pipelines"))
    monkeypatch.setenv("LOAD__DELETE_COMPLETED_JOBS", "false")
    assert load(sample) == 0
    assert packages() == 1
    assert {path.name.split(".")[0] for path in job_files()} >= {"transactions", "customers"}


def test_every_raw_table_exists_after_a_load_of_transactions_alone(
    sample: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real export often has only sales: the other feeds' tables exist, empty and typed from
    the contract, and the summary says what their absence means."""
    for feed in FEEDS:
        if feed != "transactions":
            shutil.rmtree(sample / feed)
    assert load(sample) == 0
    out = capsys.readouterr().out
    tables = {r[0] for r in query("select table_name from information_schema.tables where table_schema = 'raw'")}
    assert {*FEEDS, "quarantine", "file_deliveries"} <= tables
    assert query("select count(*) from raw.cogs") == [(0,)]
    types = dict(query("select column_name, data_type from information_schema.columns where table_name = 'cogs'"))
    assert types["unit_cost"] == "DECIMAL(18,4)" and types["effective_from"] == "DATE"
    assert "note: cogs has never been delivered (its table is empty): no costs delivered" in out
    assert "note: transactions has never been delivered" not in out


def test_a_link_to_nothing_is_refused(
    sample: Path, tmp_path: Path, load: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    link = sample / "transactions" / "date=2099-01-02" / "transactions.csv"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "gone.csv")
    assert load(sample) == FILES_LEFT_OUT
    assert (
        f"REFUSED transactions: {link.relative_to(sample)}: a link to {tmp_path / 'gone.csv'}, which does not exist"
        in (capsys.readouterr().out)
    )


def test_raw_without_its_load_log_is_never_emptied(
    sample: Path, warehouse: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without _dlt_loads nothing tells completed loads from failed ones: the load stops."""
    assert load(sample) == 0
    rows = query("select count(*) from raw.transactions")
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute("drop table raw._dlt_loads")
    con.close()
    from loaders.cli import main

    assert main(["load", "--source", str(sample), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no _dlt_loads table" in err[0], err
    assert query("select count(*) from raw.transactions") == rows


def test_a_loads_duckdb_databases_hold_dbts_memory_limit_and_the_scratch_a_quarter_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """dlt's destination spills beyond the limit the dbt profile sets, from the same variable and
    with the same default; the checkers' scratch beyond a quarter of it (64 MiB at least, the limit
    at most), read in DuckDB's units; DuckDB reads the scratch's limit as it was meant."""
    from loaders.destinations import duckdb_credentials
    from loaders.pipeline import _scratch

    profile = (ROOT / "profiles.yml.example").read_text()
    assert f"env_var('{settings.MEMORY_LIMIT_ENV}', '{settings.DEFAULT_MEMORY_LIMIT}')" in profile
    monkeypatch.setenv(settings.MEMORY_LIMIT_ENV, "700MB")
    assert duckdb_credentials("x.duckdb").global_config["memory_limit"] == "700MB"
    sizes = {
        "700MB": (700 * 10**6, "170898KiB", "166.8 MiB"),
        "3 GiB": (3 * 2**30, "786432KiB", "768.0 MiB"),
        "1.5gb": (15 * 10**8, "366210KiB", "357.6 MiB"),
        ".5G": (5 * 10**8, "122070KiB", "119.2 MiB"),
        "1e9B": (10**9, "244140KiB", "238.4 MiB"),
        "200MB": (200 * 10**6, "65536KiB", "64.0 MiB"),  # a quarter would be 47.7 MiB
        "40 MiB": (40 * 2**20, "40960KiB", "40.0 MiB"),  # the limit itself
        "50%": (None, "50%", None),  # not a size DuckDB reads: it says so where it is set
        "3 gallons": (None, "3 gallons", None),
    }
    for size, (expected, scratch_limit, reported) in sizes.items():
        assert settings.memory_bytes(size) == expected, size
        monkeypatch.setenv(settings.MEMORY_LIMIT_ENV, size)
        assert settings.scratch_memory_limit() == scratch_limit, size
        if reported is not None:
            scratch = _scratch()
            try:
                assert scratch.execute("select current_setting('memory_limit')").fetchone()[0] == reported, size
            finally:
                scratch.close()


def test_every_feed_of_a_load_checks_its_rows_in_one_scratch_database(
    sample: Path, load: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """dlt reads the feeds side by side: each feed's checker has a connection of its own, to one
    database, so one memory limit holds every feed's rows. Each checker leaves a table where the
    later ones see it, and sees the database's limit and its TimeZone, UTC, also on a host whose
    own zone is not UTC."""
    from loaders import pipeline

    seen: list[tuple[str, int, str, str]] = []

    class Probed(pipeline.Checker):
        def __init__(self, con: duckdb.DuckDBPyConnection, feed: Feed) -> None:
            super().__init__(con, feed)
            con.execute(f"create table main.probe_{feed.name} (x integer)")
            tables = con.execute("select count(*) from duckdb_tables() where table_name like 'probe_%'").fetchone()[0]
            limit, zone = con.execute("select current_setting('memory_limit'), current_setting('TimeZone')").fetchone()
            seen.append((feed.name, tables, limit, zone))

    monkeypatch.setattr(pipeline, "Checker", Probed)
    monkeypatch.setenv(settings.MEMORY_LIMIT_ENV, "700MB")
    assert load(sample) == 0
    assert sorted(name for name, *_ in seen) == sorted(FEEDS)
    assert [tables for _, tables, *_ in seen] == list(range(1, len(FEEDS) + 1))
    assert {(limit, zone) for *_, limit, zone in seen} == {("166.8 MiB", "UTC")}
    # this host's own zone may be UTC already: a cursor of the scratch on one whose zone is not
    probe = (
        "from loaders.pipeline import _scratch; "
        "print(_scratch().cursor().sql(\"select current_setting('TimeZone')\").fetchone()[0])"
    )
    env = {**os.environ, "TZ": "America/New_York"}
    shown = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "UTC"


def test_a_new_warehouse_is_written_in_the_projects_file_format(
    sample: Path,
    warehouse: Path,
    load: Callable[..., int],
    query: Query,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A load that creates the warehouse writes it in DUCKDB_STORAGE_VERSION, not in DuckDB's
    oldest format, and dbt's profile names the same format for a file dbt creates. A warehouse
    created before keeps its format and still takes loads."""
    import duckdb
    import yaml

    version = "select tags['storage_version'] from duckdb_databases() where not internal"
    assert load(sample) == 0
    assert query(version) == [(f"{settings.DUCKDB_STORAGE_VERSION}+",)]
    profile = yaml.safe_load((ROOT / "profiles.yml.example").read_text())
    options = profile["commerce_finance"]["outputs"]["duckdb"]["config_options"]
    assert options == {"storage_compatibility_version": settings.DUCKDB_STORAGE_VERSION}

    older = tmp_path / "older" / "finance.duckdb"
    older.parent.mkdir()
    duckdb.connect(str(older)).close()  # DuckDB's own default format
    monkeypatch.setenv("FINANCE_WAREHOUSE_PATH", str(older))
    assert load(sample) == 0
    con = duckdb.connect(str(older), read_only=True)
    try:
        assert con.execute(version).fetchall() == [("v1.0.0+",)]
        assert con.execute("select count(*) from raw.transactions").fetchone()[0] > 0
    finally:
        con.close()


def _older_warehouse(warehouse: Path, load: Callable[..., int], sample: Path) -> None:
    """A warehouse created in DuckDB's own default format, with the sample loaded."""
    import duckdb

    warehouse.parent.mkdir(parents=True)
    duckdb.connect(str(warehouse)).close()
    assert load(sample) == 0


def test_upgrade_format_rewrites_a_warehouse_created_before_and_keeps_the_old_file(
    sample: Path, warehouse: Path, load: Callable[..., int], query: Query, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m loaders upgrade-format` copies a warehouse in DuckDB's default format into the
    project's: every table with its rows, and a view naming the warehouse's catalog still answers.
    The old file stays beside it; a second run has nothing to do; the next load finds nothing new."""
    import duckdb

    from loaders.cli import main

    _older_warehouse(warehouse, load, sample)
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(f"create view marts.lines as select count(*) as n from {warehouse.stem}.raw.transactions")
    con.close()
    tables = "select schema_name || '.' || table_name, estimated_size from duckdb_tables() order by all"
    before = query(tables)
    lines = query("select count(*) from raw.transactions")[0][0]
    capsys.readouterr()
    assert main(["status"]) == 0
    assert "file format: DuckDB v1.0.0+ (not the project's; `python -m loaders upgrade-format`" in (
        capsys.readouterr().out
    )

    assert main(["upgrade-format"]) == 0
    out = capsys.readouterr().out
    assert "rewrote" in out and "v1.0.0+" in out, out
    version = "select tags['storage_version'] from duckdb_databases() where not internal"
    assert query(version) == [(f"{settings.DUCKDB_STORAGE_VERSION}+",)]
    assert query(tables) == before
    assert query("select n from marts.lines") == [(lines,)]
    kept = duckdb.connect(str(warehouse.with_name(warehouse.name + ".before-upgrade")), read_only=True)
    try:
        assert kept.execute(version).fetchall() == [("v1.0.0+",)]
    finally:
        kept.close()

    assert main(["status"]) == 0
    assert f"file format: DuckDB {settings.DUCKDB_STORAGE_VERSION}+\n" in capsys.readouterr().out
    assert main(["upgrade-format"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert load(sample) == 0
    assert query("select count(*) from raw.transactions") == [(lines,)]


def test_upgrade_format_leaves_the_warehouse_alone_when_the_copy_differs(
    sample: Path,
    warehouse: Path,
    load: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A copy that does not count the same rows in every table is not put in the warehouse's place."""

    from loaders import file_format
    from loaders.cli import main

    _older_warehouse(warehouse, load, sample)
    counted = file_format._contents

    def one_row_short(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
        contents = counted(con, catalog)
        if catalog == "new_file":
            contents["table raw.transactions"] -= 1
        return contents

    monkeypatch.setattr(file_format, "_contents", one_row_short)
    assert main(["upgrade-format"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not hold what it holds (table raw.transactions)" in err[0], err
    assert file_format.storage_version(warehouse) == "v1.0.0+"
    assert not warehouse.with_name(warehouse.name + ".before-upgrade").exists()


def test_upgrade_format_takes_in_the_log_a_crashed_writer_left(
    sample: Path, warehouse: Path, load: Callable[..., int], query: Query
) -> None:
    """Rows a process wrote and never checkpointed (its write-ahead log beside the file) are in the
    copy, and no log is left beside the new file to be replayed onto it."""
    import subprocess
    import sys

    from loaders.cli import main

    _older_warehouse(warehouse, load, sample)
    lines = query("select count(*) from raw.transactions")[0][0]
    script = (
        "import duckdb, os, sys; c = duckdb.connect(sys.argv[1]); c.execute(\"set checkpoint_threshold = '10GB'\"); "
        "c.execute('create table main.late as select * from raw.transactions limit 5'); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script, str(warehouse)], check=True)
    assert Path(f"{warehouse}.wal").exists()
    assert main(["upgrade-format"]) == 0
    assert not list(warehouse.parent.glob("*.wal"))
    assert query("select count(*) from main.late") == [(5,)]
    assert query("select count(*) from raw.transactions") == [(lines,)]


def test_upgrade_format_keeps_the_warehouse_whole_when_the_swap_fails(
    sample: Path, warehouse: Path, load: Callable[..., int], query: Query, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure as the copy takes the warehouse's name leaves the warehouse as it was, with no
    second file holding it beside it."""
    from loaders import file_format
    from loaders.cli import main

    _older_warehouse(warehouse, load, sample)
    lines = query("select count(*) from raw.transactions")[0][0]

    real_replace = os.replace

    def fail(source: str | Path, target: str | Path) -> None:
        if Path(target) == warehouse:
            raise OSError("the disk went away")
        real_replace(source, target)

    with monkeypatch.context() as patched:
        patched.setattr(file_format.os, "replace", fail)
        assert main(["upgrade-format"]) == 1
    assert file_format.storage_version(warehouse) == "v1.0.0+"
    assert query("select count(*) from raw.transactions") == [(lines,)]
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["finance.duckdb", "finance.duckdb.load-lock"]


def test_the_checked_rows_are_read_ahead_in_order_one_batch_at_a_time() -> None:
    """The next batch is fetched while the last is handed on: every batch arrives, in order; a
    failure of the source reaches the reader; a reader that stops leaves the rest unread, and
    the batch being fetched is finished before it goes on."""
    fetched: list[int] = []
    threads: set[str] = set()

    def source(n: int, fail_at: int | None = None) -> Iterator[int]:
        for i in range(n):
            threads.add(threading.current_thread().name)
            if i == fail_at:
                raise ValueError(f"batch {i} is unreadable")
            time.sleep(0.05)  # a fetch that takes a while
            fetched.append(i)
            yield i

    assert list(_read_ahead(source(5))) == [0, 1, 2, 3, 4]
    assert threading.current_thread().name not in threads  # fetched beside the reader, not by it
    fetched.clear()
    reader = _read_ahead(source(5))
    assert next(reader) == 0
    reader.close()
    assert fetched == [0, 1]  # one batch ahead, no more, and finished before the reader moved on
    with pytest.raises(ValueError, match="batch 2 is unreadable"):
        list(_read_ahead(source(5, fail_at=2)))
    # and the real thing: DuckDB's Arrow reader, read from the worker thread
    checked = duckdb.connect().execute("select range as n from range(10)").to_arrow_reader(3)
    assert [row["n"] for batch in _read_ahead(checked) for row in batch.to_pylist()] == list(range(10))


def test_files_delivered_before_are_hashed_in_pieces_beside_the_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file delivered before is hashed to tell whether it changed: read in pieces, in a pool,
    its fingerprint is the hash of its whole content; a new file is not hashed at all."""
    folder = tmp_path / "transactions" / "date=2025-09-01"
    folder.mkdir(parents=True)
    contents = {f"t{n:02}.csv": f"line_event_id\n{'x' * 5 * n}\n".encode() for n in range(12)} | {"empty.csv": b""}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    monkeypatch.setattr(files_module, "HASH_CHUNK", 7)  # every file but the empty one in several pieces
    hashed_in: set[str] = set()
    whole = files_module.Source.fingerprint

    def fingerprint(self: files_module.Source, path: str) -> str:
        hashed_in.add(threading.current_thread().name)
        return whole(self, path)

    monkeypatch.setattr(files_module.Source, "fingerprint", fingerprint)
    known = {f"transactions/date=2025-09-01/{name}" for name in contents if name != "t11.csv"}
    listing = files_module.Source(str(tmp_path)).files("transactions", known)
    found = {Path(f.relative).name: f.fingerprint for f in listing.delivered}
    expected = {name: files_module.content_hash(data) for name, data in contents.items()}
    assert found == expected | {"t11.csv": ""}
    assert hashed_in and threading.current_thread().name not in hashed_in


def test_a_file_that_cannot_be_hashed_stops_the_listing_without_hashing_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first file that cannot be read stops the load at once (as one read after another did):
    the files still queued are not read."""
    folder = tmp_path / "transactions" / "date=2025-09-01"
    folder.mkdir(parents=True)
    for n in range(12):
        (folder / f"t{n:02}.csv").write_text("line_event_id\nL1\n")
    monkeypatch.setattr(files_module, "HASH_WORKERS", 1)
    hashed: list[str] = []
    calls: list[str] = []
    whole = files_module.Source.fingerprint

    def fingerprint(self: files_module.Source, path: str) -> str:
        calls.append(path)
        if len(calls) == 1:  # the first file hashed
            raise OSError("unreadable")
        time.sleep(0.1)
        hashed.append(path)
        return whole(self, path)

    monkeypatch.setattr(files_module.Source, "fingerprint", fingerprint)
    known = {f"transactions/date=2025-09-01/t{n:02}.csv" for n in range(12)}
    with pytest.raises(OSError, match="unreadable"):
        files_module.Source(str(tmp_path)).files("transactions", known)
    assert len(hashed) <= 1  # at most the one the worker had started
