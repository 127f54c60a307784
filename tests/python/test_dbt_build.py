"""The dbt project on a generated warehouse: two batches, so incremental loads, snapshots and
SCD2 history are real; every model, unit test, data test and snapshot must pass."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import random
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import yaml
from support import DBT, ROOT, SMALL, Project, make_sample, ok

from loaders.contracts import FEEDS, LINEAGE_COLUMNS, Column
from loaders.generate import Params, generate
from loaders.generate.writer import Writer

# The second batch withdraws the rates of this day of the first (_withdraw_a_days_rates): every line
# from it on is rebuilt, so the plants that must reach only what one rule lists are dated before it.
REBUILT_FROM_DAY = 8


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    work = tmp_path_factory.mktemp("dbt")
    project = Project(work)
    source = make_sample(work / "deliveries", days=12)
    project.carried = _carry_a_line_again(source)  # type: ignore[attr-defined]
    added_cost = _add_a_cost_version(source)
    assert project.load(source) == 0
    ok(project.dbt("build"))
    con = duckdb.connect(str(project.warehouse), read_only=True)
    try:
        costed_at_added = con.execute(
            "select count(*) from intermediate.int_sale_lines_costed inner join intermediate.int_cogs_versions_ranged "
            "using (cogs_version_id) where int_cogs_versions_ranged.sku = ? and effective_from = cast(? as date)",
            list(added_cost[:2]),
        ).fetchone()[0]
    finally:
        con.close()
    assert costed_at_added > 0
    as_built = {path: path.read_bytes() for path in source.glob("transactions/*/*.csv")}
    # The second batch holds every kind of change a new day brings (decision log §11): new files,
    # late refunds of older sales (order-level ones too), marketing days restated, new master and
    # cost versions, a corrected transactions file and a late correction of an FX rate.
    generate(
        source, Params(**{**SMALL.__dict__, "days": 16}), first_day_to_write=12, progress=False,
        plant="order_level_refunds",
    )  # fmt: skip
    project.moved_order = _move_an_order(source)  # type: ignore[attr-defined]
    project.cancelled = _cancel_a_refund(source)  # type: ignore[attr-defined]
    project.restated_rate = _restate_a_rate(source)  # type: ignore[attr-defined]
    project.credited_order = _credit_an_old_order(source, avoid=project.moved_order[1])  # type: ignore[attr-defined]
    project.withdrawn_cost = _withdraw_a_cost_version(source, added_cost)  # type: ignore[attr-defined]
    project.withdrawn_rates = _withdraw_a_days_rates(source)  # type: ignore[attr-defined]
    _drop_the_line_carried_again(source, *project.carried)  # type: ignore[attr-defined]
    delivered_again = {path for path, content in as_built.items() if path.read_bytes() != content}
    project.refund_moved = _point_a_refund_at_another_sale(  # type: ignore[attr-defined]
        source, project.withdrawn_cost[0], delivered_again
    )
    assert project.load(source) == 0
    project.before_second_build = work / "before_second_build.duckdb"  # type: ignore[attr-defined]
    shutil.copy(project.warehouse, project.before_second_build)  # type: ignore[attr-defined]
    project.second_build = ok(project.dbt("build"))  # type: ignore[attr-defined]
    project.after_incremental_run = work / "after_incremental_run.duckdb"  # type: ignore[attr-defined]
    shutil.copy(project.warehouse, project.after_incremental_run)  # type: ignore[attr-defined]
    # the third, with nothing new, as the scheduled job builds (make daily): without the unit tests
    project.third_build = ok(project.build_daily())  # type: ignore[attr-defined]
    return project


def _carry_a_line_again(source: Path) -> tuple[str, Path, Path]:
    """A late file of the first batch carries again an anonymous sale line of the file before it,
    its platform fee one unit higher (a fee is outside the order total): the later delivery
    counts. Not the day of the last FX file (the late rate correction must find lines of its day
    built by the first batch), and no customer's line (the moved order's former owner must stay
    untouched). Returns the line, its first file and the file carrying it again."""
    files = sorted(source.glob("transactions/*/*.csv"))
    last_rate_day = sorted(source.glob("fx_rates/*/*.csv"))[-1].parent.name
    pairs = reversed(list(itertools.pairwise(files)))
    first, again = next((a, b) for a, b in pairs if b.parent.name != last_rate_day)
    header, *lines = first.read_text().splitlines()
    names = next(csv.reader([header]))
    kind, fee, customer = (names.index(n) for n in ("event_type", "platform_fee", "customer_id"))
    row = next(r for r in csv.reader(lines) if r[kind] == "sale" and not r[customer])
    row[fee] = str(Decimal(row[fee]) + 1)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    again.write_text(again.read_text() + out.getvalue())
    _claim_again(source, again)
    return row[0], first, again


def _drop_the_line_carried_again(source: Path, line: str, first: Path, again: Path) -> None:
    """The source corrects the file that carried the line again, without it: the line's latest
    delivery is its first file's again, which the incremental run must find although nothing
    new delivers the line."""
    header, *lines = again.read_text().splitlines()
    kept = [text for text in lines if next(csv.reader([text]))[0] != line]
    assert len(kept) == len(lines) - 1
    again.write_text("\n".join([header, *kept]) + "\n")
    _claim_again(source, again)


def _cancel_a_refund(source: Path) -> str:
    """The source re-delivers an earlier transactions file without one refund line (cancelled),
    and that day's control totals with it; returns the line's id. The second build must take it
    out of every model."""
    for path in sorted(source.glob("transactions/*/*.csv")):
        header, *lines = path.read_text().splitlines()
        refund = next((i for i, line in enumerate(lines) if ',"refund",' in line), None)
        if refund is None:
            continue
        cancelled = lines.pop(refund).split(",")[0].strip('"')
        path.write_text("\n".join([header, *lines]) + "\n")
        _claim_again(source, path)
        return cancelled
    raise AssertionError("the sample has no refund line to cancel")


def _move_an_order(source: Path) -> tuple[str, str, str]:
    """The source corrects the first day's file: one order (no refunds) belonged to the customer of
    the day's last order. Its former owner has other orders, all early in the first batch and
    untouched by the second (no new line, refund, master or cost version, or restated or withdrawn
    rate reaches them), so only the order rule (int_orders_invalidated: a customer whose first
    order as built is touched has all its orders as built listed) ranks that customer's first order
    again; the new customer's first order as built is listed beside it. Returns the order, its former and its new
    customer."""
    start = date.fromisoformat(SMALL.start)
    second_batch, rebuilt_from = (f"date={start + timedelta(days=d)}" for d in (12, REBUILT_FROM_DAY))
    files = sorted(source.glob("transactions/*/*.csv"))
    header, *lines = files[0].read_text().splitlines()
    names = next(csv.reader([header]))
    order, customer, kind, sku = (names.index(n) for n in ("order_id", "customer_id", "event_type", "sku"))
    rows_of = {path: list(csv.reader(path.read_text().splitlines()[1:])) for path in files}
    refunded = {r[order] for rows in rows_of.values() for r in rows if r[kind] == "refund"}
    versioned = {
        r[0] for feed in ("customers", "cogs", "products") for path in source.glob(f"{feed}/*/*.csv")
        if path.parent.name >= second_batch for r in csv.reader(path.read_text().splitlines()[1:])
    }  # fmt: skip
    untouched: dict[str, bool] = {}
    orders_of: dict[str, set[str]] = {}
    for path in files:
        for r in rows_of[path]:
            orders_of.setdefault(r[customer], set()).add(r[order])
            untouched[r[customer]] = untouched.get(r[customer], True) and (
                path.parent.name < rebuilt_from and r[order] not in refunded
                and r[customer] not in versioned and r[sku] not in versioned
            )  # fmt: skip
    rows = rows_of[files[0]]
    first_day: dict[str, set[str]] = {}
    for r in rows:
        first_day.setdefault(r[customer], set()).add(r[order])
    moved, owner = next(
        (r[order], r[customer]) for r in rows
        if r[customer] and untouched[r[customer]] and len(first_day[r[customer]]) == 1
        and len(orders_of[r[customer]]) > 1
    )  # fmt: skip
    new_owner = next(r[customer] for r in reversed(rows) if r[customer] and r[customer] != owner)
    lines = [
        line.replace(f',"{owner}",', f',"{new_owner}",') if r[order] == moved else line
        for line, r in zip(lines, rows, strict=True)
    ]
    files[0].write_text("\n".join([header, *lines]) + "\n")
    _claim_again(source, files[0])
    return moved, owner, new_owner


def _credit_an_old_order(source: Path, avoid: str) -> str:
    """Today's file also carries a goodwill credit naming only an order of the second day (built
    by the first batch, no refunds so far, not of customer `avoid`): the incremental run splits it
    over sale lines it does not rebuild. Returns the order."""
    files = sorted(source.glob("transactions/*/*.csv"))
    names = next(csv.reader([files[0].read_text().splitlines()[0]]))
    col = {name: i for i, name in enumerate(names)}
    refunded = {
        r[col["order_id"]]
        for path in files
        for r in csv.reader(path.read_text().splitlines()[1:])
        if r[col["event_type"]] == "refund"
    }
    sale = next(
        r
        for r in csv.reader(files[1].read_text().splitlines()[1:])
        if r[col["customer_id"]] not in ("", avoid) and r[col["order_id"]] not in refunded
        and Decimal(r[col["unit_price"]]) * int(r[col["quantity"]]) > 20
    )  # fmt: skip
    today = files[-1]
    credit = next(r for r in csv.reader(today.read_text().splitlines()) if r[col["line_event_id"]].endswith("-CREDIT"))
    for name in ("order_id", "channel", "store_id", "currency", "customer_id", "sku", "unit_price"):
        credit[col[name]] = sale[col[name]]
    credit[col["line_event_id"]] = sale[col["order_id"]] + "-LATE-CREDIT"
    credit[col["line_tax"]] = "0.00"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(credit)
    today.write_text(today.read_text() + out.getvalue())
    _claim_again(source, today)
    return sale[col["order_id"]]


def _restate_a_rate(source: Path) -> str:
    """The source re-delivers the last FX file of the first batch with its EUR rate 0.2% higher (a
    late correction of a day the first build converted at the old rate); returns that day."""
    first_batch_ends = date.fromisoformat(SMALL.start) + timedelta(days=12)
    path = [p for p in sorted(source.glob("fx_rates/*/*.csv")) if p.parent.name < f"date={first_batch_ends}"][-1]
    header, *lines = path.read_text().splitlines()
    restated = []
    for line in lines:
        day, currency, rate = line.split(",")
        if currency == '"EUR"':
            rate = str((Decimal(rate) * Decimal("1.002")).quantize(Decimal("0.00000001")))
        restated.append(",".join([day, currency, rate]))
    path.write_text("\n".join([header, *restated]) + "\n")
    _claim_again(source, path, "fx_rates")
    return path.parent.name.removeprefix("date=")


def _add_a_cost_version(source: Path) -> tuple[str, str, Path]:
    """The first batch's first one-version cost file carries a second version: of the SKU sold most
    in the batch from the file's day on, effective the day before, at 10% over its last version in
    the first cost file.
    The first build costs those lines at it. Returns the SKU, the version's effective date and the
    file."""
    files = sorted(source.glob("cogs/*/*.csv"))
    path = next(p for p in files[1:] if len(p.read_text().splitlines()) == 2)
    day = date.fromisoformat(path.parent.name.removeprefix("date="))
    names = next(csv.reader([files[0].read_text().splitlines()[0]]))
    col = {name: i for i, name in enumerate(names)}
    own_sku = next(csv.reader(path.read_text().splitlines()[1:]))[col["sku"]]
    sold: dict[str, int] = {}
    for transactions in sorted(source.glob("transactions/*/*.csv")):
        if transactions.parent.name >= path.parent.name:
            header, *lines = transactions.read_text().splitlines()
            kind, sku_column = (next(csv.reader([header])).index(n) for n in ("event_type", "sku"))
            for r in csv.reader(lines):
                if r[kind] == "sale" and r[sku_column] != own_sku:
                    sold[r[sku_column]] = sold.get(r[sku_column], 0) + 1
    sku = max(sorted(sold), key=lambda s: sold[s])
    before = [r for r in csv.reader(files[0].read_text().splitlines()[1:]) if r[col["sku"]] == sku][-1]
    cost = (Decimal(before[col["unit_cost"]]) * Decimal("1.1")).quantize(Decimal("0.0001"))
    effective_from = str(day - timedelta(days=1))
    path.write_text(path.read_text() + f'"{sku}",{effective_from},{cost},"{before[col["currency"]]}"\n')
    _claim_again(source, path, "cogs")
    return sku, effective_from, path


def _withdraw_a_days_rates(source: Path) -> str:
    """The source corrects the FX file of REBUILT_FROM_DAY to no rows, and that day's trailer to
    claim none: the day's lines were converted at its rates, and now at the day before's, filled
    forward, though nothing new is delivered. Returns the day."""
    day = date.fromisoformat(SMALL.start) + timedelta(days=REBUILT_FROM_DAY)
    [path] = source.glob(f"fx_rates/date={day}/*.csv")
    header, *lines = path.read_text().splitlines()
    assert len(lines) > 1
    path.write_text(header + "\n")
    _claim_again(source, path, "fx_rates")
    return str(day)


def _withdraw_a_cost_version(source: Path, added: tuple[str, str, Path]) -> tuple[str, str]:
    """The source corrects the cost file _add_a_cost_version wrote to without that version (the
    file keeps its own): the lines the first build costed at it fall back to the version before.
    The SKU has no cost or product version in the second batch, so only the withdrawal can list
    its lines. Returns the SKU and the version's effective date."""
    sku, effective_from, path = added
    second_batch = f"date={date.fromisoformat(SMALL.start) + timedelta(days=12)}"
    changed = {
        r[0] for feed in ("cogs", "products") for other in source.glob(f"{feed}/*/*.csv")
        if other.parent.name >= second_batch for r in csv.reader(other.read_text().splitlines()[1:])
    }  # fmt: skip
    assert sku not in changed
    header, *lines = path.read_text().splitlines()
    kept = [line for line in lines if next(csv.reader([line]))[0] != sku]
    assert len(kept) == len(lines) - 1 >= 1
    path.write_text("\n".join([header, *kept]) + "\n")
    _claim_again(source, path, "cogs")
    return sku, effective_from


def _point_a_refund_at_another_sale(source: Path, avoid_sku: str, delivered_again: set[Path]) -> tuple[str, str, str]:
    """Today's file carries again a line-level refund of the first batch, pointed at another sale
    line of the same customer (the source corrects which sale it refunds): in another order, of the
    same currency, not refunded otherwise, whose goods cover the refund. Nothing else rebuilds the
    order the refund was built under: its only refund is this one, it is not its customer's first
    order (which nothing rebuilds either), its sale lines are dated (UTC) before REBUILT_FROM_DAY,
    in files not `delivered_again`,
    without `avoid_sku` or a SKU with a cost or product version in the second batch, and its
    customer has no new version. It must be summed again, though no line of it is delivered
    today. Returns the refund, its first and its new order."""
    second_batch = f"date={date.fromisoformat(SMALL.start) + timedelta(days=12)}"
    rebuilt_from = date.fromisoformat(SMALL.start) + timedelta(days=REBUILT_FROM_DAY)

    def utc_day(r: list[str]) -> date:
        return datetime.fromisoformat(r[col["event_ts"]]).astimezone(UTC).date()

    files = sorted(source.glob("transactions/*/*.csv"))
    names = next(csv.reader([files[0].read_text().splitlines()[0]]))
    col = {name: i for i, name in enumerate(names)}
    rows = [r for path in files for r in csv.reader(path.read_text().splitlines()[1:])]
    versioned = {avoid_sku} | {
        r[0] for feed in ("cogs", "products", "customers") for path in source.glob(f"{feed}/*/*.csv")
        if path.parent.name >= second_batch for r in csv.reader(path.read_text().splitlines()[1:])
    }  # fmt: skip
    refunds: dict[str, int] = {}
    for r in rows:
        if r[col["event_type"]] == "refund":
            refunds[r[col["order_id"]]] = refunds.get(r[col["order_id"]], 0) + 1
    first_orders: dict[str, tuple[str, str]] = {}
    for r in rows:
        if r[col["event_type"]] == "sale" and r[col["customer_id"]]:
            at = datetime.fromisoformat(r[col["event_ts"]]).astimezone(UTC).isoformat()
            first_orders[r[col["customer_id"]]] = min(
                first_orders.get(r[col["customer_id"]], (at, r[col["order_id"]])), (at, r[col["order_id"]])
            )
    busy = {r[col["order_id"]] for path in delivered_again for r in csv.reader(path.read_text().splitlines()[1:])}
    busy |= {
        r[col["order_id"]] for r in rows
        if r[col["event_type"]] == "sale"
        and (r[col["sku"]] in versioned or r[col["customer_id"]] in versioned or utc_day(r) >= rebuilt_from)
    }  # fmt: skip
    first_batch = [
        r for path in files if path.parent.name < second_batch for r in csv.reader(path.read_text().splitlines()[1:])
    ]
    for refund in first_batch:
        order, customer = refund[col["order_id"]], refund[col["customer_id"]]
        if (
            refund[col["event_type"]] != "refund" or not refund[col["refunded_line_event_id"]] or not customer
            or refunds[order] != 1 or order in busy or first_orders[customer][1] in (order, *busy)
        ):  # fmt: skip
            continue
        sale = next(
            (
                r for r in first_batch
                if r[col["event_type"]] == "sale" and r[col["customer_id"]] == customer
                and r[col["order_id"]] not in (order, first_orders[customer][1]) and r[col["order_id"]] not in refunds
                and r[col["currency"]] == refund[col["currency"]]
                and Decimal(r[col["unit_price"]]) * int(r[col["quantity"]]) - Decimal(r[col["line_discount"]])
                > Decimal(refund[col["refund_amount"]]) + 1
            ),
            None,
        )  # fmt: skip
        if sale is None:
            continue
        again = list(refund)
        for name in ("order_id", "channel", "store_id", "sku", "order_total"):
            again[col[name]] = sale[col[name]]
        again[col["refunded_line_event_id"]] = sale[col["line_event_id"]]
        again[col["quantity"]] = str(min(int(refund[col["quantity"]]), int(sale[col["quantity"]])))
        today = files[-1]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(again)
        today.write_text(today.read_text() + out.getvalue())
        _claim_again(source, today)
        return refund[col["line_event_id"]], order, sale[col["order_id"]]
    raise AssertionError("the sample has no refund to point at another sale")


def _claim_again(source: Path, delivered: Path, feed_name: str = "transactions") -> None:
    """Rewrites the control totals of `delivered` as the generator computes them."""
    feed = FEEDS[feed_name]

    def arrow_type(column: Column) -> pa.DataType:
        if column.type == "decimal":
            return pa.decimal128(column.precision, column.scale)
        return pa.int64() if column.type == "integer" else pa.string()

    table = pacsv.read_csv(
        delivered,
        convert_options=pacsv.ConvertOptions(
            column_types={c.name: arrow_type(c) for c in feed.columns}, strings_can_be_null=True
        ),
    )
    day = delivered.parent.name.removeprefix("date=")
    name = str(delivered.relative_to(source))
    claims = Writer(source, "csv").control_totals(feed.name, date.fromisoformat(day), name, table)
    trailer = source / "control_totals" / f"date={day}" / f"control_totals_{day}.csv"
    rows = [r for r in csv.reader(trailer.read_text().splitlines()) if r[0] != name]
    for i in range(len(claims["metric"])):
        rows.append([name, feed.name, day, claims["metric"][i], claims["currency"][i], f"{claims['value'][i]:.6f}"])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    trailer.write_text(out.getvalue())


def test_second_batch_builds_everything(built: Project) -> None:
    out = built.second_build  # type: ignore[attr-defined]
    assert "ERROR=0" in out and "Completed successfully" in out
    assert "unit_test" in out


def test_every_model_after_an_incremental_run_equals_a_full_rebuild(built: Project, tmp_path: Path) -> None:
    """Equivalence (decision log §11): days 1..N-1 built, then day N (every kind of change, see the
    fixture) loaded and built incrementally, equals a full rebuild of the same warehouse, for every
    intermediate model and mart, row for row. The full rebuild starts from the same raw layer and
    snapshots: SCD2 history is what the snapshots saw when they ran, which a one-shot build of days
    1..N cannot know."""
    full = Project(tmp_path)
    shutil.copy(built.after_incremental_run, full.warehouse)  # type: ignore[attr-defined]
    ok(full.dbt("run", "--full-refresh"))
    con = duckdb.connect()
    try:
        con.execute(f"attach '{built.after_incremental_run}' as incremental (read_only)")  # type: ignore[attr-defined]
        con.execute(f"attach '{full.warehouse}' as full_build (read_only)")
        rebuilt, lines = con.execute(
            "select (select count(*) from incremental.intermediate.int_transaction_lines_invalidated), "
            "(select count(distinct delivered_line_event_id) from incremental.marts.fct_transactions)"
        ).fetchone()
        assert 0 < rebuilt < lines  # the second run really was incremental
        differing = _differing_tables(con, "incremental", "full_build")
        assert differing == {}, f"(only after the incremental run, only after the full rebuild): {differing}"
        # the late rate reached lines the first build had converted at the old one
        restated = con.execute(
            "select count(*) from incremental.marts.fct_transactions where currency_code = 'EUR' "
            f"and event_date = '{built.restated_rate}' "  # type: ignore[attr-defined]
            "and dlt_load_id < (select max(_dlt_load_id) from incremental.raw.fx_rates)"
        ).fetchone()
        assert restated[0] > 0
        # the moved order is its new customer's first, and its former owner's next order is theirs
        moved, owner, new_owner = built.moved_order  # type: ignore[attr-defined]
        firsts = con.execute(
            "select customer_id, order_id from incremental.marts.fct_orders where is_first_order "
            "and customer_id in (?, ?) order by customer_id",
            [owner, new_owner],
        ).fetchall()
        assert dict(firsts)[new_owner] == moved
        assert len(firsts) == 2 and dict(firsts)[owner] != moved
        # the late credit was split over the old order's lines, which the run did not otherwise rebuild
        parts = con.execute(
            "select count(*) from incremental.marts.fct_transactions where delivered_line_event_id = ?",
            [f"{built.credited_order}-LATE-CREDIT"],  # type: ignore[attr-defined]
        ).fetchone()
        assert parts[0] >= 1
        # the day whose rates were withdrawn had lines in other currencies than USD
        converted = con.execute(
            "select count(*) from incremental.marts.fct_transactions where currency_code <> 'USD' "
            f"and event_date = '{built.withdrawn_rates}'"  # type: ignore[attr-defined]
        ).fetchone()
        assert converted[0] > 0
        # the withdrawn cost version is gone, and no line is costed at a version the feed no longer has
        sku, effective_from = built.withdrawn_cost  # type: ignore[attr-defined]
        left = con.execute(
            "select count(*) from incremental.intermediate.int_cogs_versions_ranged "
            "where sku = ? and effective_from = cast(? as date)",
            [sku, effective_from],
        ).fetchone()
        orphans = con.execute(
            "select count(*) from incremental.intermediate.int_sale_lines_costed where cogs_version_id not in "
            "(select cogs_version_id from incremental.intermediate.int_cogs_versions_ranged)"
        ).fetchone()
        assert left[0] == 0 and orphans[0] == 0
        # the refund is counted in its new order, and the order it was built under no longer counts it
        refund, first, moved_to = built.refund_moved  # type: ignore[attr-defined]
        counted = con.execute(
            "select order_id, refund_line_count from incremental.marts.fct_orders where order_id in (?, ?) "
            "order by order_id",
            [first, moved_to],
        ).fetchall()
        assert sorted(counted) == sorted([(first, 0), (moved_to, 1)])
        now_in = "select order_id from incremental.marts.fct_transactions where line_event_id = ?"
        assert con.execute(now_in, [refund]).fetchall() == [(moved_to,)]
    finally:
        con.close()


def _differing_tables(con: duckdb.DuckDBPyConnection, left: str, right: str) -> dict[str, tuple[int, int]]:
    """Every table of schemas intermediate and marts in the attached databases `left` and `right`
    whose rows differ (except all, both ways), with the rows only in each. The chain's work lists
    (int_*_invalidated) and the build logs (the chain's, the warehouse's) differ by design: what a
    run lists, who built what and how each build ended."""
    tables = con.execute(
        f"select schema_name, table_name from duckdb_tables() where database_name = '{right}' "
        "and schema_name in ('intermediate', 'marts') order by all"
    ).fetchall()
    assert len(tables) > 30
    differing = {}
    for schema, table in tables:
        if table.endswith("_invalidated") or table in ("int_incremental_chain_builds_logged", "warehouse_builds"):
            continue
        name = f"{schema}.{table}"
        rows = con.execute(
            f"select (select count(*) from (from {left}.{name} except all from {right}.{name})), "
            f"(select count(*) from (from {right}.{name} except all from {left}.{name}))"
        ).fetchone()
        if rows != (0, 0):
            differing[name] = rows
    return differing


def _assert_same_tables(left: Path, right: Path, sides: str) -> None:
    """The warehouses `left` and `right` hold the same rows in every table _differing_tables
    compares; `sides` names them in the failure, left first."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as left_side (read_only)")
        con.execute(f"attach '{right}' as right_side (read_only)")
        differing = _differing_tables(con, "left_side", "right_side")
        assert differing == {}, f"(only {sides}): {differing}"
    finally:
        con.close()


@pytest.mark.parametrize(
    "stops",
    [
        pytest.param(
            [
                ("-s", "+int_sale_lines_costed"),
                ("-s", "+fct_transactions"),
                ("--full-refresh", "-s", "int_incremental_chain_builds_logged"),
            ],
            id="incremental",
        ),
        pytest.param([("--full-refresh", "-s", "+int_sale_lines_costed")], id="full-rebuild"),
        pytest.param(
            [("--full-refresh", "-s", "+int_sale_lines_costed", "--exclude", "int_transaction_lines_invalidated")],
            id="a-chain-model-alone",
        ),
        # dbt run runs no snapshot: the dimensions take the second batch's versions from the
        # staged records, and the build after, whose snapshots take them, must keep their keys
        pytest.param([()], id="a-run-without-the-snapshots"),
        # a run stopped after the fact, then its orders' work list rebuilt in full alone
        pytest.param(
            [("-s", "+fct_transactions"), ("--full-refresh", "-s", "int_orders_invalidated")],
            id="a-work-list-rebuilt-in-full-alone",
        ),
        # a run with a shorter FX fill: weekend sales of SKUs costed in another currency get no
        # cost rate, and the build after, with the default, must list them again
        pytest.param([("--vars", "{max_fx_staleness_days: 1}")], id="a-run-with-a-shorter-rate-fill"),
    ],
)
def test_a_run_stopped_half_way_is_caught_up_by_the_next(
    built: Project, tmp_path: Path, stops: list[tuple[str, ...]]
) -> None:
    """A run that stops half way through the chain (a crash, a failing test) leaves some models
    built from its work list and others not, and what listed the lines (the withdrawn cost version
    and rates, the moved order and refund of the second batch) is then gone from what the chain
    built (decision log §11, "A run that stopped half way"). The next build must still equal the
    second batch built in one run. incremental: the second batch's run stops after costing the
    lines, the next again after the fact, with nothing new, and a full refresh then stops right
    after the build log (which must not forget the stops); full-rebuild: a full rebuild stops
    after costing the lines, so the costs are the second batch's and the fact is the first's;
    a-chain-model-alone: the same, without the work list (no start logged); a-run-without-the-
    snapshots: dbt run builds the whole chain before the snapshots take the second batch's
    versions (the dimensions take them from the staged records since 2026-12-08: before, the
    build after had to take them with the watermark moved on, and left 5 lines at the old key);
    a-work-list-rebuilt-in-full-alone: a full refresh of the orders' list alone must not empty
    the list carried from the stop (it did: the order a moved refund left stayed stale, and
    recon_margin_identities failed every build after); a-run-with-a-shorter-rate-fill: the lines
    it left without a rate for their cost's currency must be listed as unresolved (they were not:
    reconciliation_currency failed every build after, 41 lines, found by a helper's audit)."""
    copy = Project(tmp_path)
    shutil.copy(built.before_second_build, copy.warehouse)  # type: ignore[attr-defined]
    for stop in stops:
        ok(copy.dbt("run", *stop))
    ok(copy.build_daily())
    _assert_same_tables(
        copy.warehouse,
        built.after_incremental_run,
        "after the stopped runs, only after one run",  # type: ignore[attr-defined]
    )


def test_the_fact_is_not_rebuilt_without_the_orders_work_list(built: Project, tmp_path: Path) -> None:
    """The orders' work list is made before the fact is rebuilt (decision log §11): it holds the
    order a moved line was built under, which the rebuilt fact no longer shows. A run that leaves
    it out must stop before the fact (found by a helper's audit: `dbt run --exclude
    int_orders_invalidated` rebuilt the fact, and the next build failed recon_margin_identities,
    the order the line left stale until a full refresh); the next build then catches up."""
    copy = Project(tmp_path)
    shutil.copy(built.before_second_build, copy.warehouse)  # type: ignore[attr-defined]
    refused = copy.dbt("run", "--exclude", "int_orders_invalidated")
    assert refused.returncode != 0
    assert "fct_transactions needs the orders' work list made before it" in refused.stdout, refused.stdout[-3000:]
    ok(copy.build_daily())
    _assert_same_tables(
        copy.warehouse,
        built.after_incremental_run,
        "after the refused run, only after one run",  # type: ignore[attr-defined]
    )


def test_a_full_rebuild_without_the_work_list_keeps_a_line_delivered_again(built: Project, tmp_path: Path) -> None:
    """The chain's pre-hooks delete the lines its work list holds, those no longer delivered among
    them (decision log §11, "A listed line's rows go first"). A full rebuild builds only what is
    delivered, and the list it would read may be an earlier run's: after the refund the second
    batch cancelled is delivered again, `dbt run --full-refresh --exclude
    int_transaction_lines_invalidated` deleted it from every chain model, and every build after
    failed recon_completeness (found by a helper's audit). The build after must equal a full
    rebuild of the same warehouse."""
    for name in ("incremental", "reference"):
        (tmp_path / name).mkdir()
    copy = Project(tmp_path / "incremental")
    shutil.copy(built.after_incremental_run, copy.warehouse)  # type: ignore[attr-defined]
    source = shutil.copytree(built.work / "deliveries", tmp_path / "deliveries")
    first_batch = make_sample(tmp_path / "first_batch", days=12)
    cancelled = built.cancelled  # type: ignore[attr-defined]
    for path in sorted(source.glob("transactions/*/*.csv")):
        original = (first_batch / path.relative_to(source)).read_text().splitlines()
        line = next((text for text in original if text.split(",")[0].strip('"') == cancelled), None)
        if line is not None:
            path.write_text(path.read_text() + line + "\n")
            _claim_again(source, path)
            break
    else:
        raise AssertionError(f"{cancelled} is in no file of the first batch")
    assert copy.load(source) == 0
    ok(copy.dbt("run", "--full-refresh", "--exclude", "int_transaction_lines_invalidated"))
    ok(copy.build_daily())
    assert copy.query(f"select count(*) from marts.fct_transactions where line_event_id = '{cancelled}'") == [(1,)]
    reference = Project(tmp_path / "reference")
    shutil.copy(copy.warehouse, reference.warehouse)
    ok(reference.dbt("run", "--full-refresh"))
    _assert_same_tables(copy.warehouse, reference.warehouse, "after the build, only in a full rebuild")


def _turn_a_sale_into_a_refund(source: Path, order_level: bool, avoid: set[Path]) -> tuple[Path, str, str]:
    """The source corrects a transactions file of the first batch, not in `avoid`: the last sale
    line of an order with two or more and no refund becomes a refund of 1.00 for one unit of the
    order's first line (line-level), or a credit of 1.00 on the whole order (`order_level`); the
    order's reported total loses the line. Returns the file, its content before and the line."""
    second_batch = f"date={date.fromisoformat(SMALL.start) + timedelta(days=12)}"
    every_file = sorted(source.glob("transactions/*/*.csv"))
    names = next(csv.reader([every_file[0].read_text().splitlines()[0]]))
    col = {name: i for i, name in enumerate(names)}
    rows_of = {path: list(csv.reader(path.read_text().splitlines()[1:])) for path in every_file}
    # no order refunded in any file, late refunds of the second batch included
    refunded = {r[col["order_id"]] for rows in rows_of.values() for r in rows if r[col["event_type"]] == "refund"}
    for path in (path for path in every_file if path.parent.name < second_batch):
        if path in avoid:
            continue
        sales: dict[str, list[list[str]]] = {}
        for r in rows_of[path]:
            if r[col["event_type"]] == "sale" and r[col["order_id"]] not in refunded:
                sales.setdefault(r[col["order_id"]], []).append(r)
        order = next((order for order, lines in sales.items() if len(lines) >= 2), None)
        if order is None:
            continue
        first, *kept, last = sales[order]
        total = sum(
            Decimal(r[col["quantity"]]) * Decimal(r[col["unit_price"]]) - Decimal(r[col["line_discount"]])
            + Decimal(r[col["line_tax"]]) + Decimal(r[col["shipping_charged"]] or "0")
            for r in (first, *kept)
        )  # fmt: skip
        for r in (first, *kept):
            r[col["order_total"]] = f"{total:.2f}"
        before = path.read_text()
        last[col["event_type"]] = "refund"
        for name in ("sku", "unit_price"):
            last[col[name]] = first[col[name]]
        for name in ("line_discount", "line_tax", "shipping_charged", "shipping_cost", "platform_fee"):
            last[col[name]] = "0.00"
        last[col["quantity"]] = "0" if order_level else "1"
        last[col["order_total"]] = ""
        last[col["refunded_line_event_id"]] = "" if order_level else first[col["line_event_id"]]
        last[col["refund_amount"]] = "1.00"
        last[col["refund_reason"]] = "changed_mind"
        last[col["restocked"]] = "false" if order_level else "true"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for r in rows_of[path]:
            writer.writerow(r)
        path.write_text(out.getvalue())
        _claim_again(source, path)
        return path, before, last[col["line_event_id"]]
    raise AssertionError("the first batch has no order of two sale lines without a refund left")


def test_a_line_a_corrected_file_gives_another_event_type_is_rebuilt_as_that_type(
    built: Project, tmp_path: Path
) -> None:
    """A corrected file may turn a sale line into a refund (of one of its order's lines, or of the
    whole order), and the next correction turn it back. delete+insert replaces only the lines a
    model's select returns, and the chain's sale models select sales, its refund models refunds:
    the line kept its old type's rows, the fact held it twice (or an invented refund after the
    turn back), and every build after failed until a full refresh (found by a helper's audit,
    2026-12). After each incremental build, every model must equal a full rebuild."""
    for name in ("incremental", "reference"):
        (tmp_path / name).mkdir()
    copy = Project(tmp_path / "incremental")
    reference = Project(tmp_path / "reference")
    shutil.copy(built.after_incremental_run, copy.warehouse)  # type: ignore[attr-defined]
    source = shutil.copytree(built.work / "deliveries", tmp_path / "deliveries")
    retyped: dict[str, tuple[Path, str]] = {}
    for order_level in (False, True):
        path, before, line = _turn_a_sale_into_a_refund(source, order_level, {p for p, _ in retyped.values()})
        retyped[line] = (path, before)
    lines = "', '".join(retyped)
    types = (
        "select distinct delivered_line_event_id, event_type from marts.fct_transactions "
        f"where delivered_line_event_id in ('{lines}')"
    )
    for step, event_type in (("turned into refunds", "refund"), ("turned back into sales", "sale")):
        assert copy.load(source) == 0
        ok(copy.build_daily())
        assert sorted(copy.query(types)) == sorted((line, event_type) for line in retyped), step
        shutil.copy(copy.warehouse, reference.warehouse)
        ok(reference.dbt("run", "--full-refresh"))
        _assert_same_tables(copy.warehouse, reference.warehouse, f"{step}: after the build, only in a full rebuild")
        for path, before in retyped.values():
            path.write_text(before)
            _claim_again(source, path)


BUILD_LOG = (
    "select command, is_full_refresh, build_status, finished_at is not null, models_selected, models_in_project,"
    " nodes_selected, nodes_in_project, nodes_failed, nodes_skipped, failed_nodes"
    " from marts.warehouse_builds order by started_at"
)


def logged_node_counts(project: Project) -> tuple[int, int, int]:
    """What the build log (decision log §16) counts for a build of everything, from the project's
    manifest: its models, its snapshots, and its nodes (models, seeds, snapshots and data tests;
    the unit tests are not counted)."""
    manifest = json.loads((project.work / "target" / "manifest.json").read_text())
    kinds = Counter(node["resource_type"] for node in manifest["nodes"].values())
    nodes = kinds["model"] + kinds["seed"] + kinds["snapshot"] + kinds["test"]
    return kinds["model"], kinds["snapshot"], nodes


def test_the_build_log_says_how_each_build_ended(built: Project, tmp_path: Path) -> None:
    """marts.warehouse_builds (decision log §16), which every dashboard page reads: one row per
    invocation that changes the warehouse, 'complete' only when it finished having run every
    model, seed, snapshot and data test, none failing. A selection, a snapshot and a whole dbt run
    (no tests: an earlier build's failing check must not be forgotten) are 'partial'; a build
    killed half way stays 'not finished' for good; a model that errors or a failing test makes it
    'failed', naming the node and counting what it skipped. dbt test changes nothing and is not
    logged."""
    copy = Project(tmp_path)
    shutil.copy(built.before_second_build, copy.warehouse)  # type: ignore[attr-defined]
    models, snapshots, nodes = logged_node_counts(built)
    # the fixture's first build: the log's own first build logs its end
    assert copy.query(BUILD_LOG) == [("build", False, "complete", True, models, models, nodes, nodes, 0, 0, None)]

    ok(copy.dbt("run", "--full-refresh", "-s", "dim_channel"))
    ok(copy.dbt("test", "-s", "dim_channel"))
    copy.kill_build_after("int_sale_lines_costed")
    ok(copy.dbt("snapshot"))
    ok(copy.dbt("run"))
    assert copy.query(BUILD_LOG)[1:] == [
        ("run", True, "partial", True, 1, models, 1, nodes, 0, 0, None),
        ("build", False, "not finished", False, models, models, nodes, nodes, None, None, None),
        ("snapshot", False, "partial", True, 0, models, snapshots, nodes, 0, 0, None),
        ("run", False, "partial", True, models, models, models, nodes, 0, 0, None),
    ]

    copy.execute("alter table raw.control_totals rename to control_totals_withdrawn")
    assert copy.dbt("run", "-s", "stg_raw__control_totals").returncode == 1
    failed_model = ("run", False, "failed", True, 1, models, 1, nodes, 1, 0, "stg_raw__control_totals")
    assert copy.query(BUILD_LOG)[-1] == failed_model

    copy.execute("insert into raw.transactions select * from raw.transactions limit 1")
    failed = copy.dbt("build", "-s", "stg_raw__transactions+1")
    assert failed.returncode == 1, failed.stdout[-2000:]
    last = copy.query(BUILD_LOG)[-1]
    assert last[:5] == ("build", False, "failed", True, 2) and last[8] == 1, last
    assert last[9] > 0 and last[10].startswith("unique_combination_stg_raw__transactions_"), last


def _row_counts(project: Project) -> dict[str, int]:
    """The rows of every table and view the warehouse builds (staging, intermediate, marts,
    snapshots), by name."""
    relations = project.query(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('staging', 'intermediate', 'marts', 'snapshots') order by all"
    )
    counts = " union all ".join(f"select '{s}.{t}', count(*) from {s}.{t}" for s, t in relations)
    return dict(project.query(counts))


def test_an_empty_build_never_empties_what_the_warehouse_keeps(built: Project, tmp_path: Path) -> None:
    """--empty builds the models it selects from no rows (decision log §16): on a built warehouse
    the marts would be emptied, the latest deliveries would delete every line they keep, and a
    work list carried from a run that stopped half way would be lost, its orders left stale by the
    next build. So wherever a selected model holds rows it stops before any node runs and changes
    nothing: a whole build, a staging view, and the orders' work list after a run stopped after
    the fact (it holds the orders that run left; allowed, the next build left 2 orders unequal to
    their lines). On a warehouse loaded but not yet built (the second batch loaded, its history
    kept) it runs, and the build after it equals the second batch's build without it."""
    (tmp_path / "built").mkdir()
    (tmp_path / "fresh").mkdir()
    copy = Project(tmp_path / "built")
    shutil.copy(built.before_second_build, copy.warehouse)  # type: ignore[attr-defined]
    ok(copy.dbt("run", "-s", "+fct_transactions"))
    before = _row_counts(copy)
    for invocation in (("build",), ("run", "-s", "stg_raw__transactions"), ("build", "-s", "int_orders_invalidated")):
        refused = copy.dbt(*invocation, "--empty")
        assert _row_counts(copy) == before, invocation
        assert refused.returncode != 0, refused.stdout[-3000:]
        assert "--empty builds the models it selects from no rows" in refused.stdout, refused.stdout[-3000:]
    ok(copy.build_daily())

    fresh = Project(tmp_path / "fresh")
    shutil.copy(built.before_second_build, fresh.warehouse)  # type: ignore[attr-defined]
    fresh.execute("; ".join(f"drop schema {s} cascade" for s in ("staging", "intermediate", "marts", "reference")))
    ok(fresh.build_daily("--empty"))
    assert _row_counts(fresh)["marts.fct_transactions"] == 0
    ok(fresh.build_daily())
    for name, project in (("after the refused runs", copy), ("after --empty", fresh)):
        _assert_same_tables(project.warehouse, built.after_incremental_run, f"{name}, only in one run")  # type: ignore[attr-defined]


def test_a_run_with_nothing_new_rebuilds_only_what_stays_unresolved(built: Project) -> None:
    """A third build with nothing delivered since the second lists only the sale lines still
    unresolved in the fact (no rate, no cost or no rate for the cost's currency, an unknown member)
    and refunds: a rate or a cost version as built compared unequal to itself would list every
    line from some day on."""
    listed, resolved_sales = built.query(
        "with unknown as (select customer_key as key from marts.dim_customer where customer_id = 'unknown'), "
        "listed as (select delivered_line_event_id from intermediate.int_transaction_lines_invalidated) "
        "select (select count(*) from listed), count(*) from marts.fct_transactions, unknown "
        "where event_type = 'sale' and has_fx_rate and has_unit_cost and cogs_usd is not null "
        "and product_key <> unknown.key "
        "and customer_key <> unknown.key and channel_key <> unknown.key and campaign_key <> unknown.key "
        "and delivered_line_event_id in (select delivered_line_event_id from listed)"
    )[0]
    assert "ERROR=0" in built.third_build  # type: ignore[attr-defined]
    assert resolved_sales == 0, f"{resolved_sales} resolved sale lines of {listed} listed"


def test_the_scheduled_build_without_the_unit_tests_is_logged_complete(built: Project) -> None:
    """The fixture's third build runs as make daily does, every node but the unit tests (they
    check the code on fixed inputs, not the data): the build log calls it complete, as a build of
    everything (decision log §16), so the dashboards show no warning every morning."""
    models, _, nodes = logged_node_counts(built)
    manifest = json.loads((built.work / "target" / "manifest.json").read_text())

    assert "unit_test" not in built.third_build and manifest["unit_tests"]  # type: ignore[attr-defined]
    third = built.query(BUILD_LOG)[2]  # the fixture's builds are the log's first three rows
    assert third == ("build", False, "complete", True, models, models, nodes, nodes, 0, 0, None)


def test_the_incremental_fact_equals_a_full_rebuild(built: Project) -> None:
    """The second batch changed masters, costs and rates; the rows the incremental run kept or
    rebuilt must be exactly what a full rebuild gives."""
    incremental = built.query("select * from marts.fct_transactions order by line_event_id")
    loads = built.query("select count(distinct dlt_load_id) from marts.fct_transactions")[0][0]
    ok(built.dbt("run", "--full-refresh", "--select", "fct_transactions"))
    assert built.query("select * from marts.fct_transactions order by line_event_id") == incremental
    assert loads == 2  # both batches are in the fact, so the second run really was incremental


def test_snapshots_hold_real_history(built: Project) -> None:
    changed = built.query("select count(*) from snapshots.customers_snapshot where dbt_valid_to is not null")[0][0]
    assert changed > 0
    one_current = built.query(
        "select count(*) from (select customer_id from marts.dim_customer "
        "where is_current group by 1 having count(*) <> 1)"
    )
    assert one_current == [(0,)]


def test_marts_tie_to_the_facts(built: Project) -> None:
    totals = built.query("""
        select
            (select sum(net_revenue_usd) from marts.fct_transactions),
            (select sum(net_revenue_usd) from marts.pnl_daily_by_channel),
            (select sum(gross_margin_usd) from marts.fct_transactions),
            (select sum(gross_margin_usd) from marts.pnl_daily_by_channel),
            (select sum(net_revenue_usd) from marts.fct_transactions where customer_id is not null),
            (select sum(net_revenue_usd) from marts.customer_360),
            (select sum(net_revenue_usd) from marts.customer_groups_360)
    """)[0]
    assert totals[0] == totals[1] and totals[2] == totals[3]
    assert totals[4] == totals[5] == totals[6]
    lines = built.query("select count(distinct line_event_id) from raw.transactions")[0][0]
    # an order-level refund is one delivered line, split into one fact line per sale line
    assert built.query("select count(distinct delivered_line_event_id) from marts.fct_transactions") == [(lines,)]


def test_a_line_a_corrected_file_dropped_leaves_raw_and_the_fact(built: Project) -> None:
    cancelled = built.cancelled  # type: ignore[attr-defined]
    assert built.query(f"select count(*) from raw.transactions where line_event_id = '{cancelled}'") == [(0,)]
    assert built.query(f"select count(*) from marts.fct_transactions where line_event_id = '{cancelled}'") == [(0,)]


def test_a_line_whose_later_delivery_was_withdrawn_counts_as_first_delivered(built: Project) -> None:
    """The incremental run finds a line nothing new delivers: the file that carried it again (its
    fee one unit higher) was corrected without it, so its first file's delivery counts again."""
    line, first, again = built.carried  # type: ignore[attr-defined]
    delivered = built.query(f"select _source_file from raw.transactions where line_event_id = '{line}'")
    assert delivered == [(str(first.relative_to(first.parents[2])),)]
    kept = built.query(
        "select lines.source_file, lines.platform_fee, fact.platform_fee = lines.platform_fee"
        " from intermediate.int_transaction_lines_deduplicated as lines"
        " inner join marts.fct_transactions as fact on lines.line_event_id = fact.line_event_id"
        f" where lines.line_event_id = '{line}'"
    )
    first_row = next(r for r in csv.DictReader(first.read_text().splitlines()) if r["line_event_id"] == line)
    assert kept == [(delivered[0][0], Decimal(first_row["platform_fee"]), True)], again


def test_rows_deleted_by_hand_from_raw_or_the_fact_are_not_kept_quietly(built: Project, tmp_path: Path) -> None:
    """The kept latest deliveries and the rebuild rule compare deliveries, not rows: raw loses rows
    only a whole delivery at a time (decision log §11, §13). A row deleted by hand, from raw or
    from the fact, is not seen by the incremental run, so the reconciliation must say so rather
    than the build passing. Two independent defects in one build, in two currencies."""
    copy = Project(tmp_path)
    shutil.copy(built.after_incremental_run, copy.warehouse)  # type: ignore[attr-defined]
    con = duckdb.connect(str(copy.warehouse))
    try:
        raw_line, raw_currency = con.execute(
            "select line_event_id, currency from raw.transactions where event_type = 'sale' and customer_id is null "
            "order by line_event_id limit 1"
        ).fetchone()
        fact_line, fact_currency = con.execute(
            "select line_event_id, currency_code from marts.fct_transactions "
            "where event_type = 'sale' and customer_id is null and currency_code <> ? order by line_event_id limit 1",
            [raw_currency],
        ).fetchone()
        con.execute("delete from raw.transactions where line_event_id = ?", [raw_line])
        con.execute("delete from marts.fct_transactions where line_event_id = ?", [fact_line])
    finally:
        con.close()
    result = copy.build_daily()
    assert result.returncode == 1
    # the raw row fails completeness and the file's control totals; the fact row fails completeness
    # and the margin identities, which tie marts not built from the fact to its totals
    assert copy.failed() == {
        "reconciliation_completeness",
        "reconciliation_control_totals",
        "reconciliation_margin_identities",
    }, (raw_line, fact_line)
    # beyond the file's own accounting: each row is named, layer by layer, against raw ranked anew
    failing = set(
        copy.query(
            "select distinct object_id, currency_code from marts.reconciliation_exceptions "
            "where invariant = 'completeness' and object_type = 'layer' and is_failure"
        )
    )
    assert {
        ("deduplicated: lines", raw_currency),
        ("intermediate: lines", raw_currency),
        ("mart: lines", raw_currency),
        ("mart: lines", fact_currency),
    } <= failing, failing
    # the fact row's loss is the fact's alone: the layers under it still hold its line
    assert ("deduplicated: lines", fact_currency) not in failing, failing
    assert ("intermediate: lines", fact_currency) not in failing, failing


def test_the_work_lists_are_empty_on_a_full_refresh_and_whole_for_a_chain_partly_built(
    built: Project, tmp_path: Path
) -> None:
    """A full refresh rebuilds every chain model in full and none reads a work list, so the lists
    hold nothing (decision log §11: at 10M lines listing every line and order cost 11-12 s). A
    full refresh of the lists alone rebuilds no chain model: the lists hold every delivered line
    and order, for the next run (emptied, a list carried from a stopped run was lost). A chain
    with one model dropped by hand is not rebuilt in full: the models still built run
    incrementally, so the lists must then hold every delivered line and order."""
    copy = Project(tmp_path)
    shutil.copy(built.after_incremental_run, copy.warehouse)  # type: ignore[attr-defined]
    lists = ("int_transaction_lines_invalidated", "int_orders_invalidated")
    counts = (
        "select (select count(*) from intermediate.int_transaction_lines_invalidated), "
        "(select count(*) from intermediate.int_orders_invalidated)"
    )
    delivered = copy.query(
        "select count(*), count(distinct case when event_type = 'sale' then order_id end) "
        "from intermediate.int_transaction_lines_deduplicated"
    )
    ok(copy.dbt("run", "--full-refresh", "-s", *lists))
    assert copy.query(counts) == delivered
    ok(copy.dbt("run", "--full-refresh"))
    assert copy.query(counts) == [(0, 0)]
    copy.execute("drop table marts.fct_orders")
    ok(copy.dbt("run", "-s", *lists))
    assert copy.query(counts) == delivered


def test_source_freshness_reads_dlt_load_times(built: Project) -> None:
    out = ok(built.dbt("source", "freshness"))
    assert "PASS" in out and "ERROR STALE" not in out


def test_analyses_compile(built: Project) -> None:
    ok(built.dbt("compile", "--select", "daily_sales_summary", "top_products_by_revenue"))
    compiled = built.work / "target" / "compiled" / "commerce_finance" / "analyses" / "top_products_by_revenue.sql"
    rows = built.query(compiled.read_text())
    assert len(rows) == 5


def test_sources_match_the_loader_contract() -> None:
    sources = yaml.safe_load((ROOT / "models" / "staging" / "raw" / "_raw__sources.yml").read_text())
    tables = {t["name"]: t for t in sources["sources"][0]["tables"]}
    for feed in FEEDS.values():
        declared = [c["name"] for c in tables[feed.name]["columns"]]
        assert declared == [*feed.column_names, *(n for n, _, _ in LINEAGE_COLUMNS)], feed.name


def test_divide_is_exact_and_rounds_half_away_from_zero(built: Project) -> None:
    """DuckDB divides decimals as doubles (573.93 / 2 = 286.96499...); the divide macro must give
    what exact arithmetic gives, as Redshift does. On DuckDB it divides 64-bit integers where the
    dividend fits, estimates other small quotients in doubles and corrects them, and takes large
    ones in 128-bit integers: pairs on both sides of each line, at every scale the models use,
    integer operands, and ties, which an estimate off by one would round the wrong way."""
    r = random.Random(11)
    pairs = [("573.93", "2"), ("-573.93", "2"), ("1", "3"), ("-2", "3"), ("0.005", "1"), ("5", "0")]
    pairs += [(f"{r.randint(-(10**9), 10**9) / 10**6:.6f}", f"{r.randint(1, 10**9) / 10**8:.8f}") for _ in range(300)]
    # ties at 2 and 6 decimals: (k + 1/2) units times the divisor
    for scale in (2, 6):
        for _ in range(100):
            d = Decimal(r.randint(1, 10**6)) / 100 * r.choice((1, -1))
            n = (Decimal(r.randint(0, 10**5)) + Decimal("0.5")) * d / Decimal(10) ** scale * r.choice((1, -1))
            if n == n.quantize(Decimal("0.000001")):
                pairs.append((f"{n:.6f}", f"{d:.8f}"))
    # quotients near 2^48, where an estimate in doubles is one too high or one too low (found the
    # way the macro estimates: floor((2n 10^6 + d) / 2d) in doubles, n and d in 10^-8 units)
    high, low = [], []
    while len(high) < 20 or len(low) < 20:
        n_units = r.randint(10**12, 10**13 - 1) * 100
        d_units = r.randint(1, 4) * n_units * 10**6 // (2**49 * 9 // 10) + r.randint(1, 1000)
        dividend, divisor = 2 * n_units * 10**6 + d_units, 2 * d_units
        estimate = math.floor(float(dividend) / float(divisor))
        found = high if estimate > dividend // divisor else low if estimate < dividend // divisor else []
        if len(found) < 20:
            found.append((f"{Decimal(n_units) / 10**8:.6f}", f"{Decimal(d_units) / 10**8:.8f}"))
    pairs += high + low
    # large operands and large quotients: the 128-bit path, and either side of where it starts
    pairs += [("9999999.999999", "0.00000001"), ("10000000", "3"), ("-10000000.000001", "7"), ("9999999.999999", "-3")]
    pairs += [("99999999999999999999.999999", "0.00000003"), ("1", "0.00000001"), ("-1", "10000000")]
    pairs += [("0.000001", "9999999.99999999"), ("5629499.534213", "0.01"), ("5629499.534214", "0.01")]
    pairs += [
        (f"{r.randint(-(10**26), 10**26) / 10**6:.6f}", f"{r.randint(1, 10**20) / 10**8:.8f}") for _ in range(100)
    ]
    pairs += [(f"{r.randint(-(10**13), 10**13) / 10**6:.6f}", f"{r.randint(1, 10**4) / 10**8:.8f}") for _ in range(100)]
    # where the 64-bit path ends: a dividend 2|n| 10^scale + |d| (10^-8 units) of 9 x 10^18, at
    # |n| = 45,000 for 6 decimals and 4,500,000 for 4; beyond it, up to 2^63, a 64-bit product
    # would overflow
    for bound in (45_000, 4_500_000):
        pairs += [(f"{bound - 1:.6f}", "0.00000001"), (f"{bound:.6f}", "0.00000001"), (f"{-bound - 1:.6f}", "7")]
        pairs += [
            (
                f"{r.randint(-bound * 105 // 100 * 10**6, bound * 105 // 100 * 10**6) / 10**6:.6f}",
                f"{r.randint(1, 10**15) / 10**8:.8f}",
            )
            for _ in range(100)
        ]
    values = ", ".join(
        f"({i}, cast({n} as decimal(28, 6)), cast({d} as decimal(28, 8)))" for i, (n, d) in enumerate(pairs)
    )
    scales = {"q2": 2, "q4": 4, "q6": 6}
    quotients = ", ".join(f"cast({{{{ divide('n', 'd', {scale}) }}}} as varchar) as {q}" for q, scale in scales.items())
    sql = f"select i, {quotients} from (values {values}) as t(i, n, d)"
    # integer operands (counts: orders, clicks)
    whole = [(r.randint(-(10**9), 10**9), r.randint(-(10**7), 10**7)) for _ in range(50)] + [(7, 2), (-7, 2), (1, 0)]
    whole += [(r.randint(-(10**6), 10**6), r.randint(-1000, 1000) or 1) for _ in range(50)]  # the 64-bit path
    whole_values = ", ".join(
        f"({len(pairs) + i}, cast({n} as bigint), cast({d} as bigint))" for i, (n, d) in enumerate(whole)
    )
    sql += f" union all select i, {quotients} from (values {whole_values}) as t(i, n, d)"
    pairs += [(str(n), str(d)) for n, d in whole]
    out = ok(built.dbt("show", "--inline", sql, "--limit", "10000", "--output", "json", "--quiet"))
    rows = {row["i"]: row for row in json.loads(out)["show"]}
    assert len(rows) == len(pairs)
    with localcontext() as ctx:
        ctx.prec = 60
        for i, (n, d) in enumerate(pairs):
            for q, scale in scales.items():
                if Decimal(d) == 0:
                    assert rows[i][q] is None, (n, d)
                    continue
                exact = (Decimal(n) / Decimal(d)).quantize(Decimal(10) ** -scale, ROUND_HALF_UP)
                assert Decimal(rows[i][q]) == exact, (n, d, scale)


def test_every_built_column_is_described(built: Project) -> None:
    """The catalog checks of the conventions gate, on what was really built: every column the
    warehouse holds in a model, source or snapshot is described. A stray column fails them."""
    ok(built.dbt("docs", "generate"))
    assert built.bouncer("catalog_checks") == []
    built.execute("alter table marts.dim_channel add column stray_flag boolean")
    try:
        ok(built.dbt("docs", "generate"))
        failures = built.bouncer("catalog_checks")
    finally:
        built.execute("alter table marts.dim_channel drop column stray_flag")
    assert {f["check_run_id"].split(":")[0] for f in failures} == {
        "check_columns_are_all_documented",
        "check_column_description_populated",
    }
    assert all(f["check_run_id"].endswith(":dim_channel") and "stray_flag" in f["failure_message"] for f in failures)


def test_docs_site_serves_lineage_and_the_shared_definitions(built: Project) -> None:
    """`make docs`: the site is served on loopback, and a mart column shows the net revenue
    definition written once in models/_definitions.md."""
    ok(built.dbt("docs", "generate"))
    definitions = (ROOT / "models" / "_definitions.md").read_text()
    net_revenue = re.search(r"{% docs net_revenue %}(.*?){% enddocs %}", definitions, re.S).group(1).strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [DBT, "docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser"],
        cwd=built.project_dir, env=built.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        index = fetch(f"http://127.0.0.1:{port}/index.html", within=60)
        manifest = json.loads(fetch(f"http://127.0.0.1:{port}/manifest.json", within=5))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "<title>dbt Docs</title>" in index
    mart = manifest["nodes"]["model.commerce_finance.pnl_daily_by_channel"]
    assert net_revenue in mart["columns"]["net_revenue_usd"]["description"]
    assert "model.commerce_finance.fct_transactions" in mart["depends_on"]["nodes"]
    assert "exposure.commerce_finance.finance_pnl_dashboard" in manifest["exposures"]


def fetch(url: str, within: float) -> str:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_both_branches_of_every_incremental_model_are_lint_clean(built: Project, tmp_path: Path) -> None:
    """`make lint` renders models against a scratch warehouse, where is_incremental() is false,
    so it only sees the full-refresh branch. Rendered against a built warehouse, the incremental
    branch of every incremental model must be as clean, the invalidation models' carried lists
    included."""
    manifest = json.loads((built.work / "target" / "manifest.json").read_text())
    incremental = sorted(
        node["original_file_path"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        # the invalidation models branch on the chain's state rather than on is_incremental();
        # the build logs (the chain's, the warehouse's) select no rows either way, and have no branch
        and (node["config"]["materialized"] == "incremental" or node["name"].endswith("_invalidated"))
        and node["name"] not in ("int_incremental_chain_builds_logged", "warehouse_builds")
    )
    assert incremental, "no incremental model found"
    sqlfluff = str(Path(DBT).with_name("sqlfluff"))
    against_built = {**built.env, "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}
    against_scratch = {**against_built, "FINANCE_WAREHOUSE_PATH": str(tmp_path / "scratch.duckdb")}

    names = [Path(path).stem for path in incremental]

    def compiled(env: dict[str, str], target: Path) -> dict[str, str]:
        """Each model's SQL as dbt compiles it against `env`'s warehouse (one compile for all)."""
        result = subprocess.run(
            [DBT, "compile", "--select", *names, "--target-path", str(target)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:]
        return {path: (target / "compiled" / "commerce_finance" / path).read_text() for path in incremental}

    incremental_branch = compiled(against_built, tmp_path / "built")
    full_branch = compiled(against_scratch, tmp_path / "scratch")
    for path in incremental:
        assert incremental_branch[path] != full_branch[path], f"{path}: the incremental branch was not rendered"
        if path.endswith("_invalidated.sql"):
            assert "carried" in incremental_branch[path], f"{path}: the carried list was not rendered"
    # one sqlfluff run over them all: the dbt templater compiles the project once per run
    lint = subprocess.run([sqlfluff, "lint", *incremental], cwd=ROOT, env=against_built, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout[-3000:]


def test_a_reporting_currency_other_than_usd_stops_the_build(tmp_path: Path) -> None:
    """Every converted column is named _usd and the rates are USD per unit (decision log §5): a
    reporting_currency var set to EUR put EUR amounts into the _usd columns at 1, and with the unit
    tests left out the build passed (found by a helper's audit). It stops before anything runs."""
    project = Project(tmp_path)
    refused = project.dbt("build", "--vars", "{reporting_currency: EUR}")
    assert refused.returncode != 0
    assert "reporting_currency is EUR, and this warehouse reports in USD only" in refused.stdout, refused.stdout[-3000:]
    assert not project.warehouse.exists()
