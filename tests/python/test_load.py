"""Loading deliveries: control totals tie out, re-runs are no-ops, re-deliveries merge."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from support import SMALL, make_sample

from loaders.contracts import CONTROL_SUMS, FEEDS, MONEY_METRICS
from loaders.generate import Params, generate

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


def test_redelivered_file_does_not_duplicate(sample: Path, load: Callable[..., int], query: Query) -> None:
    assert load(sample) == 0
    before = query("select count(*), sum(unit_price) from raw.transactions")
    victim = sorted(sample.glob("transactions/*/*.csv"))[2]
    content = victim.read_bytes()
    victim.unlink()
    victim.write_bytes(content)  # the same file delivered again
    os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 1_000_000_000))
    assert load(sample) == 0
    assert query("select count(*), sum(unit_price) from raw.transactions") == before
    assert query(f"select count(*) from raw.file_deliveries where file_name = '{victim.relative_to(sample)}'") == [(2,)]


def test_corrected_file_replaces_values(sample: Path, load: Callable[..., int], query: Query) -> None:
    assert load(sample) == 0
    victim = sorted(sample.glob("transactions/*/*.csv"))[1]
    lines = victim.read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[1].split(",")
    line_id = fields[0].strip('"')
    fields[header.index('"shipping_cost"')] = "99.99"
    lines[1] = ",".join(fields)
    victim.write_text("\n".join(lines) + "\n")
    count = query("select count(*) from raw.transactions")
    assert load(sample) == 0
    assert query("select count(*) from raw.transactions") == count
    assert query(f"select shipping_cost, _source_file from raw.transactions where line_event_id = '{line_id}'") == [
        (Decimal("99.99"), str(victim.relative_to(sample)))
    ]


def _carry_line_into(source: Path, target: Path, shipping_cost: str) -> str:
    """Appends `source`'s first line to `target` with another shipping cost; returns its id."""
    lines = source.read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[1].split(",")
    fields[header.index('"shipping_cost"')] = shipping_cost
    with target.open("a") as out:
        out.write(",".join(fields) + "\n")
    return fields[0].strip('"')


def test_a_key_in_two_files_of_one_load_keeps_the_later_file(
    sample: Path, load: Callable[..., int], query: Query
) -> None:
    """The first load appends and later loads merge as already deduplicated: either way the
    loader itself must keep one row per key, the later file's, as separate loads would."""
    files = sorted(sample.glob("transactions/*/*.csv"))
    line_id = _carry_line_into(files[1], files[3], "77.77")
    delivered = sum(len(f.read_text().splitlines()) - 1 for f in files)
    assert load(sample) == 0
    assert query("select count(*) from raw.transactions") == [(delivered - 1,)]
    assert query(f"select shipping_cost, _source_file from raw.transactions where line_event_id = '{line_id}'") == [
        (Decimal("77.77"), str(files[3].relative_to(sample)))
    ]
    # a later load that re-delivers two files sharing a key: the merge keeps the later file's row
    line_id = _carry_line_into(files[2], files[5], "66.66")
    os.utime(files[2], ns=(files[2].stat().st_atime_ns, files[2].stat().st_mtime_ns + 1_000_000_000))
    assert load(sample) == 0
    assert query("select count(*) from raw.transactions") == [(delivered - 1,)]  # one more line, no new key
    assert query(f"select shipping_cost, _source_file from raw.transactions where line_event_id = '{line_id}'") == [
        (Decimal("66.66"), str(files[5].relative_to(sample)))
    ]


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
