"""The sample generator: deterministic, extendable, and rich enough for the finance rules."""

from __future__ import annotations

import datetime as dt
import filecmp
from pathlib import Path

import duckdb
import pytest
from support import SMALL, make_sample

from loaders.generate import Params, generate
from loaders.generate.common import black_friday


def _same_tree(a: Path, b: Path) -> list[str]:
    diffs: list[str] = []
    cmp = filecmp.dircmp(a, b)
    stack = [cmp]
    while stack:
        c = stack.pop()
        diffs += [f"{c.left}: only {n}" for n in c.left_only + c.right_only]
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        diffs += mismatch + errors
        stack.extend(c.subdirs.values())
    return diffs


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_same_seed_gives_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    a = make_sample(tmp_path / "a", format=fmt, days=4)
    b = make_sample(tmp_path / "b", format=fmt, days=4)
    assert _same_tree(a, b) == []


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    a = make_sample(tmp_path / "a", days=3)
    b = make_sample(tmp_path / "b", days=3, seed=8)
    assert _same_tree(a, b) != []


def test_appending_a_day_writes_what_a_longer_run_writes(tmp_path: Path) -> None:
    full = make_sample(tmp_path / "full", days=6)
    part = make_sample(tmp_path / "part", days=5)
    generate(part, Params(**{**SMALL.__dict__, "days": 6}), first_day_to_write=5, progress=False)
    assert _same_tree(full, part) == []


def test_layout_is_one_file_per_feed_per_day(sample_root: Path) -> None:
    day = dt.date.fromisoformat(SMALL.start)
    expected = sample_root / "transactions" / f"date={day}" / f"transactions_{day}.csv"
    assert expected.exists()
    for feed in ("transactions", "marketing_spend", "control_totals"):  # masters: only days with changes
        assert len(list((sample_root / feed).glob("date=*/*.csv"))) == SMALL.days


@pytest.fixture(scope="module")
def season_data(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = make_sample(tmp_path_factory.mktemp("season"), start="2025-10-01", days=92, orders_per_day=40)
    con = duckdb.connect()
    con.execute(f"create view tx as select * from read_csv('{root}/transactions/*/*.csv', all_varchar=true)")
    con.execute(f"create view spend as select * from read_csv('{root}/marketing_spend/*/*.csv', all_varchar=true)")
    con.execute(f"create view customers as select * from read_csv('{root}/customers/*/*.csv', all_varchar=true)")
    return con


def test_black_friday_and_december_peaks(season_data: duckdb.DuckDBPyConnection) -> None:
    orders = dict(
        season_data.execute(
            "select event_ts[:10], count(distinct order_id) from tx where event_type = 'sale' group by 1"
        ).fetchall()
    )
    bf = str(black_friday(2025))
    october = [v for k, v in orders.items() if k.startswith("2025-10")]
    assert orders[bf] > 2 * sum(october) / len(october)
    december = [v for k, v in orders.items() if "2025-12-01" <= k <= "2025-12-20"]
    assert sum(december) / len(december) > sum(october) / len(october)


def test_every_finance_rule_has_data(season_data: duckdb.DuckDBPyConnection) -> None:
    row = season_data.execute("""
        select
            count(distinct channel), count(distinct currency),
            count(*) filter (where event_type = 'refund'),
            count(*) filter (where event_type = 'refund' and quantity::int = 0),
            count(*) filter (where event_type = 'refund' and shipping_charged::decimal(18,2) > 0),
            count(*) filter (where event_type = 'sale' and customer_id is null),
            count(*) filter (where event_type = 'sale' and campaign_id is not null),
            count(*) filter (where line_discount::decimal(18,2) > 0),
            count(*) filter (where event_ts not like '%+00:00')
        from tx
    """).fetchone()
    channels, currencies, refunds, amount_only, shipping_refunds, anonymous, attributed, discounted, local = row
    assert channels == 4 and currencies == 4
    assert refunds and amount_only and shipping_refunds and anonymous and attributed and discounted and local


def test_refunds_follow_their_sale(season_data: duckdb.DuckDBPyConnection) -> None:
    bad = season_data.execute("""
        select count(*) from tx r left join tx s on s.line_event_id = r.refunded_line_event_id
        where r.event_type = 'refund'
          and (s.line_event_id is null or r.event_ts::timestamptz <= s.event_ts::timestamptz
               or r.quantity::int > s.quantity::int)
    """).fetchone()[0]
    assert bad == 0


def test_order_lines_add_up_to_the_reported_total(season_data: duckdb.DuckDBPyConnection) -> None:
    off = season_data.execute("""
        select count(*) from (
            select order_id, any_value(order_total::decimal(18,2)) as total,
                sum(quantity::int * unit_price::decimal(18,2) - line_discount::decimal(18,2)
                    + line_tax::decimal(18,2) + shipping_charged::decimal(18,2)) as lines
            from tx where event_type = 'sale' group by order_id
        ) where total <> lines
    """).fetchone()[0]
    assert off == 0


def test_platforms_restate_recent_days(season_data: duckdb.DuckDBPyConnection) -> None:
    restated = season_data.execute("""
        select count(*) from (
            select campaign_id, spend_date from spend group by all having count(distinct spend) > 1
        )
    """).fetchone()[0]
    assert restated > 0


def test_masters_change_and_accounts_nest(season_data: duckdb.DuckDBPyConnection) -> None:
    versions = season_data.execute(
        "select count(*) from (select customer_id from customers group by 1 having count(*) > 1)"
    ).fetchone()[0]
    depth_two = season_data.execute("""
        with latest as (select customer_id, parent_customer_id from customers qualify row_number()
            over (partition by customer_id order by updated_at desc) = 1)
        select count(*) from latest c join latest p on p.customer_id = c.parent_customer_id
        where p.parent_customer_id is not null
    """).fetchone()[0]
    assert versions > 0 and depth_two > 0
