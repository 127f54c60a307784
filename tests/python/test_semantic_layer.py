"""The semantic layer (models/marts/finance/semantic): MetricFlow validates the semantic models and
metrics against a built warehouse (and without one, offline), and what `mf query` answers equals
what the marts say, summed with SQL here: one definition per metric, the marts' own.

Amounts and counts must be equal exactly (six decimals, so to the cent); ratios, which MetricFlow
divides as doubles, within 1e-12 of the exact ratio of the mart's sums (a ratio of sums, never an
average of ratios)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal, localcontext
from pathlib import Path

import duckdb
import pytest
from support import Project, make_sample, ok, project_copy

MF = str(Path(sys.executable).with_name("mf"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    work = tmp_path_factory.mktemp("semantic")
    # mf reads <project>/target/semantic_manifest.json whatever DBT_TARGET_PATH says, so the
    # project is a private copy whose target/ nobody else writes.
    copy = project_copy(work / "project")
    project = Project(work, project_dir=copy)
    project.env["DBT_TARGET_PATH"] = str(copy / "target")
    # Ten days across a month end, so grouping by month has two groups to get right, and one line
    # sold before its SKU has a cost: margins cover the lines with a known cost (decision log §3).
    source = make_sample(work / "deliveries", plant="sku_without_cost", start="2025-11-25", days=10)
    assert project.load(source) == 0
    # The tables the semantic models read and the marts compared with; their data tests run in
    # test_dbt_build.py, so they are left out here to keep the module quick.
    marts = [
        "metricflow_time_spine",
        "pnl_daily_by_channel",
        "refunds_monthly",
        "marketing_performance_monthly",
        "campaign_days_outside_feeds",
    ]
    ok(project.dbt("build", "--select", *[f"+{m}" for m in marts], "--exclude-resource-type", "test", "unit_test"))
    return project


def _mf(project: Project, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **project.env,
        "DBT_PROJECT_DIR": str(project.project_dir),
        # mf asks PyPI for a newer version of itself on every run; the tests stay offline.
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        **env,
    }
    for name in ("NO_PROXY", "no_proxy"):
        environment.pop(name, None)
    return subprocess.run(
        [MF, *args], cwd=project.project_dir, env=environment, capture_output=True, text=True, check=False
    )


def _query(
    project: Project, metrics: list[str], group_by: list[str], warehouse: Path | None = None
) -> list[dict[str, str]]:
    """`mf query` as CSV rows, of the project's warehouse or of `warehouse` (a planted copy)."""
    out = project.work / "mf_query.csv"
    out.unlink(missing_ok=True)
    env = {"FINANCE_WAREHOUSE_PATH": str(warehouse)} if warehouse else {}
    args = ("query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by), "--csv", str(out))
    ok(_mf(project, *args, **env))
    with out.open(newline="") as f:
        return list(csv.DictReader(f))


def _number(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def _expected(project: Project, sql: str) -> dict[tuple, Decimal]:
    """Rows of (key..., value) or (key..., numerator, denominator): the value by key, a ratio
    divided exactly; a key without a value (no rows, or a zero denominator) is left out."""
    is_ratio = sql.count("/* ratio */") == 1
    values = {}
    for row in project.query(sql.replace("/* ratio */", "")):
        keys, numbers = (row[:-2], row[-2:]) if is_ratio else (row[:-1], row[-1:])
        keys = tuple(k.isoformat() if isinstance(k, date) else k for k in keys)
        if is_ratio:
            numerator, denominator = (None if n is None else Decimal(n) for n in numbers)
            if numerator is None or not denominator:
                continue
            with localcontext() as ctx:
                ctx.prec = 40
                values[keys] = numerator / denominator
        elif numbers[0] is not None:
            values[keys] = Decimal(numbers[0])
    return values


def _answered(rows: list[dict[str, str]], metric: str, group_by: list[str]) -> dict[tuple, Decimal]:
    """MetricFlow's answer for one metric by key (a row where the metric is null is left out)."""
    answer = {}
    for row in rows:
        value = _number(row[metric])
        if value is not None:
            keys = tuple(row[g][:10] if g.startswith("metric_time") else row[g] for g in group_by)
            answer[keys] = value
    return answer


def _assert_same(metric: str, answered: dict[tuple, Decimal], expected: dict[tuple, Decimal], ratio: bool) -> None:
    assert expected, f"{metric}: the marts have nothing to compare"
    assert answered.keys() == expected.keys(), f"{metric}: groups differ: {answered.keys() ^ expected.keys()}"
    for key, value in expected.items():
        got = answered[key]
        if ratio:
            assert abs(got - value) <= abs(value) * Decimal("1e-12"), f"{metric} {key}: mf {got}, marts {value}"
        else:
            assert got == value, f"{metric} {key}: mf {got}, marts {value}"


def _compare(project: Project, group_by: list[str], expected_sql: dict[str, str]) -> None:
    rows = _query(project, list(expected_sql), group_by)
    assert rows, "mf query returned no rows"
    for metric, sql in expected_sql.items():
        _assert_same(metric, _answered(rows, metric, group_by), _expected(project, sql), ratio="/* ratio */" in sql)


def _month(column: str) -> str:
    return f"cast(date_trunc('month', {column}) as date)"


PNL = "from marts.pnl_daily_by_channel group by 1"
ORDERS = "from marts.fct_orders group by 1"
MARKETING = "from marts.marketing_performance_monthly group by 1"

# A period with a day whose spend the P&L does not know has no spend and no contribution after
# marketing (decision log §3); the samples' last UTC day falls after their spend feed.
AFTER_MARKETING = (
    "case when count(marketing_spend_unknown_reason) = 0 and count(transactions_unknown_reason) = 0 "
    "then sum(contribution_margin_usd) end"
)
SPEND = "case when count(marketing_spend_unknown_reason) = 0 then sum(marketing_spend_usd) end"
# ... and no ROAS or CAC: the mart counts the month's days outside the feed on each campaign row
GAPLESS = "case when max(days_outside_spend_feed) = 0 and max(days_outside_transactions_feed) = 0 then {} end"

# The marts' own figures by month, each from the mart that reports it.
BY_MONTH = {
    "net_sales": f"select {_month('date_day')}, sum(gross_revenue_usd - discount_usd) {PNL}",
    "net_revenue": f"select {_month('date_day')}, sum(net_revenue_usd) {PNL}",
    "cogs": f"select {_month('date_day')}, sum(cogs_usd) {PNL}",
    "gross_margin": f"select {_month('date_day')}, sum(gross_margin_usd) {PNL}",
    "net_revenue_with_cost": f"select {_month('date_day')}, sum(net_revenue_with_cost_usd) {PNL}",
    "lines_without_cost": f"select {_month('date_day')}, sum(lines_without_cost) {PNL}",
    "gross_margin_pct": f"select {_month('date_day')}, /* ratio */ sum(gross_margin_usd), "
    f"sum(net_revenue_with_cost_usd) {PNL}",
    "marketing_spend": f"select {_month('date_day')}, {SPEND} {PNL}",
    "contribution_margin_before_marketing": f"select {_month('date_day')}, sum(contribution_before_marketing_usd) "
    f"{PNL}",
    "contribution_margin_after_marketing": f"select {_month('date_day')}, {AFTER_MARKETING} {PNL}",
    "orders": f"select {_month('order_date')}, count(*) {ORDERS}",
    "average_order_value": f"select {_month('order_date')}, /* ratio */ sum(net_sales_usd), count(net_sales_usd) "
    f"{ORDERS}",
    "refund_rate": "select month_start_date, /* ratio */ sum(refunded_revenue_usd), sum(sales_usd) "
    "from marts.refunds_monthly group by 1",
    "roas": f"select month_start_date, /* ratio */ {GAPLESS.format('sum(attributed_revenue_usd)')}, sum(spend_usd) "
    f"{MARKETING}",
    "cac": f"select month_start_date, /* ratio */ {GAPLESS.format('sum(spend_usd)')}, sum(new_customers) {MARKETING}",
    "ctr": f"select month_start_date, /* ratio */ sum(clicks), sum(impressions) {MARKETING}",
    "cpc": f"select month_start_date, /* ratio */ sum(spend_usd), sum(clicks) {MARKETING}",
}

# By month and channel: the P&L allocates marketing to the channel its campaign targets.
PNL_BY_CHANNEL = "from marts.pnl_daily_by_channel group by 1, 2"
BY_MONTH_AND_CHANNEL = {
    "net_revenue": f"select {_month('date_day')}, channel, sum(net_revenue_usd) {PNL_BY_CHANNEL}",
    "gross_margin": f"select {_month('date_day')}, channel, sum(gross_margin_usd) {PNL_BY_CHANNEL}",
    "contribution_margin_before_marketing": f"select {_month('date_day')}, channel, "
    f"sum(contribution_before_marketing_usd) {PNL_BY_CHANNEL}",
    "contribution_margin_after_marketing": f"select {_month('date_day')}, channel, {AFTER_MARKETING} {PNL_BY_CHANNEL}",
    "marketing_spend": f"select {_month('spend.spend_date')}, channels.channel, "
    "case when max(months.unknown_days) = 0 then sum(spend.spend_usd) end "
    "from marts.fct_marketing_spend as spend inner join marts.dim_channel as channels "
    "on spend.channel_key = channels.channel_key inner join (select date_trunc('month', date_day) as month_start, "
    "channel_key, count(marketing_spend_unknown_reason) as unknown_days from marts.pnl_daily_by_channel "
    "group by 1, 2) as months on months.month_start = date_trunc('month', spend.spend_date) "
    "and months.channel_key = spend.channel_key group by 1, 2",
    "refund_rate": "select month_start_date, channel, /* ratio */ sum(refunded_revenue_usd), sum(sales_usd) "
    "from marts.refunds_monthly group by 1, 2",
}

# By product category: each line joins the product version valid at its event time.
LINES_BY_CATEGORY = (
    "from marts.fct_transactions as lines inner join marts.dim_product as products "
    "on lines.product_key = products.product_key group by 1"
)
BY_CATEGORY = {
    "net_revenue": f"select products.category, sum(lines.net_revenue_usd) {LINES_BY_CATEGORY}",
    "gross_margin_pct": f"select products.category, /* ratio */ sum(lines.gross_margin_usd), "
    f"sum(case when lines.cogs_usd is not null then lines.net_revenue_usd end) {LINES_BY_CATEGORY}",
    "units": f"select products.category, sum(case when lines.event_type = 'sale' then lines.quantity else 0 end) "
    f"{LINES_BY_CATEGORY}",
}


def test_metricflow_validates_the_semantic_layer_against_the_warehouse(built: Project) -> None:
    result = _mf(built, "validate-configs")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Successfully validated the semantics of built manifest" in result.stdout
    assert "Successfully validated metrics against data warehouse" in result.stdout


def test_the_semantic_layer_validates_offline_without_a_warehouse(built: Project) -> None:
    """`--skip-dw` needs only the semantic manifest `dbt parse` writes: no built table is read."""
    empty = built.work / "no_warehouse" / "finance.duckdb"
    empty.parent.mkdir()
    result = _mf(built, "validate-configs", "--skip-dw", FINANCE_WAREHOUSE_PATH=str(empty))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Successfully validated the semantics of built manifest" in result.stdout
    assert "against data warehouse" not in result.stdout


def test_metrics_by_month_equal_the_marts(built: Project) -> None:
    months, uncosted = built.query(
        "select count(distinct date_trunc('month', date_day)), sum(lines_without_cost) from marts.pnl_daily_by_channel"
    )[0]
    assert months == 2 and uncosted > 0
    _compare(built, ["metric_time__month"], BY_MONTH)


def test_metrics_by_month_and_channel_equal_the_channel_pnl(built: Project) -> None:
    _compare(built, ["metric_time__month", "channel__channel_code"], BY_MONTH_AND_CHANNEL)


def test_metrics_by_product_category_follow_the_version_valid_at_the_event(built: Project) -> None:
    _compare(built, ["product__category"], BY_CATEGORY)


def test_contribution_after_marketing_is_unknown_where_the_pnl_does_not_know_the_spend(
    built: Project, tmp_path: Path
) -> None:
    """Decision log §3: a month and channel with a day whose spend the P&L does not know in full
    (its feed never delivered, or spend without a USD amount) has no contribution after marketing
    in `mf` either; it read before marketing minus the spend that was known. Planted on a copy of
    the warehouse: one channel's days of the first month lose their spend. And a day and channel
    whose lines all lose their cost (in the fact and the P&L) has no contribution for its spend to
    come off: `mf` leaves that spend out, as the P&L does (it subtracted it, and read less)."""
    warehouse = tmp_path / "finance.duckdb"
    shutil.copy(built.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    (month, channel) = con.execute(
        "select min(date_trunc('month', date_day)), min(channel) from marts.pnl_daily_by_channel"
    ).fetchone()
    con.execute(
        "update marts.pnl_daily_by_channel set marketing_spend_usd = null, contribution_margin_usd = null, "
        "marketing_spend_unknown_reason = 'the marketing_spend feed has never been delivered' "
        "where date_trunc('month', date_day) = ? and channel = ?",
        [month, channel],
    )
    # a day with spend in a month and channel whose spend the P&L knows on every day
    (day, uncosted_channel, channel_key) = con.execute(
        "select date_day, channel, channel_key from marts.pnl_daily_by_channel as pnl "
        "where marketing_spend_usd > 0 and not exists (select 1 from marts.pnl_daily_by_channel as other "
        "where date_trunc('month', other.date_day) = date_trunc('month', pnl.date_day) "
        "and other.channel = pnl.channel and other.marketing_spend_unknown_reason is not null) "
        "order by marketing_spend_usd desc limit 1"
    ).fetchone()
    con.execute(
        "update marts.fct_transactions set cogs_usd = null, gross_margin_usd = null, contribution_margin_usd = null "
        "where event_date = ? and channel_key = ?",
        [day, channel_key],
    )
    con.execute(
        "update marts.pnl_daily_by_channel set cogs_usd = null, gross_margin_usd = null, "
        "net_revenue_with_cost_usd = null, contribution_before_marketing_usd = null, contribution_margin_usd = null "
        "where date_day = ? and channel_key = ?",
        [day, channel_key],
    )
    (pnl_after,) = con.execute(
        "select sum(contribution_margin_usd) from marts.pnl_daily_by_channel "
        "where date_trunc('month', date_day) = date_trunc('month', cast(? as date)) and channel = ?",
        [day, uncosted_channel],
    ).fetchone()
    spend_unknown = {
        (str(m)[:10], c): n
        for m, c, n in con.execute(
            "select date_trunc('month', date_day), channel, count(marketing_spend_unknown_reason) "
            "from marts.pnl_daily_by_channel group by all"
        ).fetchall()
    }
    con.close()
    answer = _query(
        built,
        ["contribution_margin_after_marketing", "days_with_marketing_spend_unknown"],
        ["metric_time__month", "channel__channel_code"],
        warehouse,
    )
    rows = {(r["metric_time__month"][:10], r["channel__channel_code"]): r for r in answer}
    planted = rows.pop((str(month)[:10], channel))
    assert (
        planted["contribution_margin_after_marketing"] == "" and int(planted["days_with_marketing_spend_unknown"]) > 0
    )
    uncosted = rows[(str(day)[:8] + "01", uncosted_channel)]
    assert Decimal(uncosted["contribution_margin_after_marketing"]) == pnl_after
    # every other month and channel is unknown exactly where the P&L does not know a day's spend:
    # the sample's own last day lies after the dates its spend feed covers (decision log §3)
    assert rows and {k: r["contribution_margin_after_marketing"] == "" for k, r in rows.items()} == {
        k: spend_unknown[k] > 0 for k in rows
    }
    assert any(spend_unknown[k] for k in rows) and not all(spend_unknown[k] for k in rows)


def test_a_ratio_over_a_sum_that_leaves_out_a_row_without_usd_is_unknown(built: Project, tmp_path: Path) -> None:
    """Decision log §5 and §6: ROAS, CAC and CPC over spend with a row without a USD amount, ROAS
    over a credited order without one, and the refund rate over a sale or refund line without
    one are unknown in `mf` as in the marts, not a ratio of the part that converted; average
    order value divides by the orders with a USD amount, as the Overview does. Planted on a copy
    of the warehouse, each in a month of its own where the sample has two: the first month's
    spend row and a credited order, the second month's refund line."""
    warehouse = tmp_path / "finance.duckdb"
    shutil.copy(built.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    first, second = (
        m
        for (m,) in con.execute(
            "select distinct date_trunc('month', spend_date) from marts.fct_marketing_spend order by 1 limit 2"
        ).fetchall()
    )
    # the first month has no day outside the dates the spend feed covers: what is unknown in it is planted
    assert con.execute(
        "select count(*) from marts.campaign_days_outside_feeds "
        "where outside_feed = 'marketing_spend' and date_trunc('month', date_day) = ?",
        [first],
    ).fetchone() == (0,)
    [(spend_campaign,)] = con.execute(
        "update marts.fct_marketing_spend set spend_usd = null where (spend_date, campaign_key) = "
        "(select (spend_date, campaign_key) from marts.fct_marketing_spend "
        "where date_trunc('month', spend_date) = ? order by 1 limit 1) "
        "returning campaign_key",
        [first],
    ).fetchall()
    [(spend_platform,)] = con.execute(
        "select platform from marts.dim_campaign where campaign_key = ?", [spend_campaign]
    ).fetchall()
    # a credited order of another platform's campaign, so that each plant is seen on its own
    [(order_campaign,)] = con.execute(
        "update marts.fct_orders set net_sales_usd = null where order_id = (select min(orders.order_id) "
        "from marts.fct_orders as orders inner join marts.dim_campaign as campaigns "
        "on orders.attributed_campaign_id = campaigns.campaign_id "
        "where date_trunc('month', orders.order_date) = ? and campaigns.platform <> ?) returning campaign_key",
        [first, spend_platform],
    ).fetchall()
    [(order_platform,)] = con.execute(
        "select platform from marts.dim_campaign where campaign_key = ?", [order_campaign]
    ).fetchall()
    con.execute(
        "update marts.fct_transactions set net_revenue_usd = null, refunded_revenue_usd = null where line_event_id = "
        "(select min(line_event_id) from marts.fct_transactions where event_type = 'refund' "
        "and date_trunc('month', event_date) = ?)",
        [second],
    )
    [(orders, with_usd, net_sales)] = con.execute(
        "select count(*), count(net_sales_usd), sum(net_sales_usd) from marts.fct_orders "
        "where date_trunc('month', order_date) = ?",
        [first],
    ).fetchall()
    con.close()
    metrics = [
        "roas",
        "cac",
        "cpc",
        "marketing_spend",
        "refund_rate",
        "average_order_value",
        "spend_rows_without_usd",
        "attributed_orders_without_usd",
    ]
    answer = _query(built, metrics, ["metric_time__month"], warehouse)
    rows = {r["metric_time__month"][:10]: r for r in answer}
    planted, other = rows[str(first)[:10]], rows[str(second)[:10]]
    assert [planted[m] for m in ("roas", "cac", "cpc", "marketing_spend")] == [""] * 4
    # the second month's ROAS and CAC are unknown for a reason of its own, its last day outside the
    # dates the spend feed covers (test_spend_and_its_ratios_are_unknown_over_days_the_spend_feed_
    # does_not_cover): the first month's plants stay in their month
    assert other["refund_rate"] == "" and other["cpc"] != ""
    assert int(other["spend_rows_without_usd"] or 0) == int(other["attributed_orders_without_usd"] or 0) == 0
    assert planted["refund_rate"] != ""
    # by platform, the first month is unknown where its plants are: ROAS on both platforms, CAC on
    # the spend row's; the other platforms keep theirs
    by_platform = {
        r["campaign__platform"]: r
        for r in _query(built, ["roas", "cac"], ["metric_time__month", "campaign__platform"], warehouse)
        if r["metric_time__month"][:10] == str(first)[:10] and r["campaign__platform"] != "none"
    }
    assert {p for p, r in by_platform.items() if r["roas"] == ""} == {spend_platform, order_platform}
    assert {p for p, r in by_platform.items() if r["cac"] == ""} == {spend_platform}
    assert len(by_platform) > 2
    assert orders > with_usd
    assert abs(Decimal(planted["average_order_value"]) - net_sales / with_usd) <= Decimal("1e-9")


def test_a_sum_of_one_kind_of_line_none_of_which_has_a_usd_amount_is_unknown_not_the_other_kinds_zero(
    built: Project, tmp_path: Path
) -> None:
    """Decision log §5, per kind of line: gross sales, discounts and net sales sum the sale lines,
    refunds the refund lines, as the P&L does (usd_total_counts). mf summed every line, so a month
    whose refunds all lacked a USD amount read refunds 0 (the sale lines' 0), and a channel whose
    sales all lacked one read gross sales 0 beside its refunds. Planted on a copy of the warehouse:
    every refund line of the first month with refunds has no USD amount, and so has every sale
    line of one channel that month and half of another's (the sum of the rest); a channel-month
    without a line of a kind reads 0."""
    warehouse = tmp_path / "finance.duckdb"
    shutil.copy(built.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    fact = "marts.fct_transactions"
    (month,) = con.execute(
        f"select min(date_trunc('month', event_date)) from {fact} where event_type = 'refund'"
    ).fetchone()
    usd = "gross_revenue_usd = null, discount_usd = null, refunded_revenue_usd = null, net_revenue_usd = null"
    in_month = "date_trunc('month', event_date) = ?"
    con.execute(f"update {fact} set {usd} where event_type = 'refund' and {in_month}", [month])
    (channel,) = con.execute(
        f"select min(channel) from {fact} where event_type = 'sale' and {in_month} and channel_key in "
        f"(select channel_key from {fact} where event_type = 'refund' and {in_month})",
        [month, month],
    ).fetchone()
    assert channel is not None, "a channel that sells and refunds in the month"
    con.execute(f"update {fact} set {usd} where event_type = 'sale' and channel = ? and {in_month}", [channel, month])
    # and half the sale lines of another channel that month: the sum of the other half, not unknown
    (partial,) = con.execute(
        f"select min(channel) from {fact} where event_type = 'sale' and channel <> ? and {in_month}"
        " group by channel having count(*) > 1 order by 1 limit 1",
        [channel, month],
    ).fetchone()
    con.execute(
        f"update {fact} set {usd} where line_event_id in (select line_event_id from (select line_event_id,"
        f" row_number() over (order by line_event_id) as n from {fact} where event_type = 'sale'"
        f" and channel = ? and {in_month}) where n % 2 = 1)",
        [partial, month],
    )
    # the rule, spelled here on its own: 0 without a line of the kind, unknown when none has a USD amount
    expected = {}
    for kind, metric, column in (
        ("sale", "gross_sales", "gross_revenue_usd"),
        ("sale", "discounts", "discount_usd"),
        ("sale", "net_sales", "gross_revenue_usd - discount_usd"),
        ("refund", "refunds", "refunded_revenue_usd"),
    ):
        for key_month, key_channel, lines, in_usd, total in con.execute(
            f"select cast(date_trunc('month', lines.event_date) as date), channels.channel,"
            f" count(*) filter (where lines.event_type = '{kind}'),"
            f" count(*) filter (where lines.event_type = '{kind}' and lines.net_revenue_usd is not null),"
            f" sum({column}) filter (where lines.event_type = '{kind}')"
            f" from {fact} as lines inner join marts.dim_channel as channels using (channel_key) group by 1, 2"
        ).fetchall():
            value = Decimal(0) if lines == 0 else total if in_usd else None
            expected[(metric, key_month.isoformat(), key_channel)] = value
    con.close()
    metrics = ["gross_sales", "discounts", "net_sales", "refunds"]
    rows = _query(built, metrics, ["metric_time__month", "channel__channel_code"], warehouse)
    answered = {
        (metric, r["metric_time__month"][:10], r["channel__channel_code"]): _number(r[metric])
        for r in rows
        for metric in metrics
    }
    assert answered == expected
    planted = str(month)[:10]
    assert answered[("refunds", planted, channel)] is None and answered[("gross_sales", planted, channel)] is None
    assert answered[("gross_sales", planted, partial)] > 0 and answered[("net_sales", planted, partial)] > 0
    assert all(answered[("refunds", planted, c)] in (None, 0) for (m, k, c) in answered if k == planted)
    assert any(v is not None and v > 0 for (m, k, c), v in answered.items() if m == "refunds"), "another month refunds"
    assert any(v == 0 for (m, k, c), v in answered.items() if m == "refunds"), "a channel-month without a refund"


def test_attributed_revenue_none_of_whose_credited_orders_has_a_usd_amount_is_unknown(
    built: Project, tmp_path: Path
) -> None:
    """Decision log §5 and §6: mf's attributed_revenue over credited orders none of which has a
    USD amount is unknown, not the 0 of the group's other orders (its measure summed every order,
    a credited one's net sales or 0), as orders_daily's and the marketing mart's; 0 without a
    credited order. Planted on a copy: every credited order of the first month."""
    warehouse = tmp_path / "finance.duckdb"
    shutil.copy(built.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    (month,) = con.execute("select min(date_trunc('month', order_date)) from marts.fct_orders").fetchone()
    con.execute(
        "update marts.fct_orders set net_sales_usd = null where attributed_campaign_id is not null"
        " and date_trunc('month', order_date) = ?",
        [month],
    )
    expected = {
        key.isoformat()[:10]: None if credited and not in_usd else Decimal(total or 0)
        for key, credited, in_usd, total in con.execute(
            "select cast(date_trunc('month', order_date) as date),"
            " count(*) filter (where attributed_campaign_id is not null),"
            " count(net_sales_usd) filter (where attributed_campaign_id is not null),"
            " sum(net_sales_usd) filter (where attributed_campaign_id is not null)"
            " from marts.fct_orders group by 1"
        ).fetchall()
    }
    (uncredited,) = con.execute(
        "select count(*) from marts.fct_orders where attributed_campaign_id is null"
        " and date_trunc('month', order_date) = ?",
        [month],
    ).fetchone()
    con.close()
    assert uncredited > 0, "the month has orders credited to no campaign, whose 0 the sum added"
    rows = _query(built, ["attributed_revenue"], ["metric_time__month"], warehouse)
    answered = {r["metric_time__month"][:10]: _number(r["attributed_revenue"]) for r in rows}
    assert answered == expected
    assert answered[str(month)[:10]] is None and any(v for v in answered.values())


def test_spend_and_its_ratios_are_unknown_over_days_the_spend_feed_does_not_cover(built: Project) -> None:
    """Decision log §3: a P&L day outside the dates the marketing_spend feed covers has spend
    unknown, not 0, for every campaign; so `mf`'s marketing_spend, ROAS and CAC over a month or a
    platform's month with such a day are unknown, as in the marts (they summed and divided the
    spend delivered). CPC divides the delivered spend by the same rows' clicks and stays known.
    The sample's last day lies after its spend feed, in a month with delivered spend."""
    [(last_spend_date,)] = built.query("select max(spend_date) from marts.fct_marketing_spend")
    gap_months = {
        m.isoformat()[:10]
        for (m,) in built.query(
            "select distinct cast(date_trunc('month', date_day) as date) from marts.pnl_daily_by_channel "
            f"where date_day > '{last_spend_date}'"
        )
    }
    delivered = {
        (m.isoformat()[:10], platform): Decimal(spend)
        for m, platform, spend in built.query(
            "select cast(date_trunc('month', spend.spend_date) as date), campaigns.platform, sum(spend.spend_usd) "
            "from marts.fct_marketing_spend as spend inner join marts.dim_campaign as campaigns "
            "on spend.campaign_key = campaigns.campaign_key group by all"
        )
    }
    assert gap_months & {month for month, _ in delivered}, "no month with delivered spend and a day outside the feed"
    metrics = ["marketing_spend", "marketing_spend_delivered", "roas", "cac", "cpc"]
    for group_by in (["metric_time__month"], ["metric_time__month", "campaign__platform"]):
        rows = [r for r in _query(built, metrics, group_by) if r["marketing_spend_delivered"]]
        assert rows
        for row in rows:
            month = row["metric_time__month"][:10]
            gap = month in gap_months
            assert [row[m] == "" for m in ("marketing_spend", "roas", "cac")] == [gap] * 3, (group_by, row)
            assert row["cpc"] != "", (group_by, row)
            if len(group_by) == 2:
                assert Decimal(row["marketing_spend_delivered"]) == delivered[(month, row["campaign__platform"])]


def test_days_of_spend_outside_the_transactions_feed_leave_roas_cac_and_contribution_unknown(
    built: Project, tmp_path: Path
) -> None:
    """Decision log §3, "A day the transactions feed does not cover": with a spend feed starting
    before the transactions (an export from the 27th, ads from the 25th) the P&L held revenue 0 on
    the 25th and 26th, contribution after marketing minus their spend, and the marketing mart's
    and `mf`'s ROAS and CAC divided the month's credited orders by spend of days whose orders the
    warehouse does not have (found by a helper's audit and review, 2026-12-07). Planted in a copy
    of the warehouse, the facts of the sample's first two days taken out, and the P&L, the
    marketing mart and the campaign days outside the feeds rebuilt by dbt: the days read unknown
    with the reason, their spend stays, and the month's ROAS, CAC and contribution after marketing
    are unknown in the mart and in `mf` (mf read the covered days' contribution less their spend
    as the month's: a review's finding, 2026-12-07)."""
    work = tmp_path / "copy"
    work.mkdir()
    copy = Project(work, project_dir=built.project_dir)
    shutil.copy(built.warehouse, copy.warehouse)
    [(first, last, first_spend)] = copy.query(
        "select min(event_date), max(event_date), (select min(spend_date) from marts.fct_marketing_spend) "
        "from marts.fct_transactions"
    )
    assert first_spend <= first, "the sample's spend starts with its sales"
    cut = first + timedelta(days=2)
    con = duckdb.connect(str(copy.warehouse))
    con.execute("delete from marts.fct_transactions where event_date < ?", [cut])
    con.execute("delete from marts.fct_orders where order_date < ?", [cut])
    con.close()
    rebuilt = ["pnl_daily_by_channel", "marketing_performance_monthly", "campaign_days_outside_feeds"]
    ok(copy.dbt("run", "--select", *rebuilt))
    reason = f"a day outside the dates the transactions feed covers ({cut} to {last})"
    outside = copy.query(
        "select date_day, count(*), count(net_revenue_usd), count(contribution_margin_usd), sum(marketing_spend_usd), "
        "min(transactions_unknown_reason), max(transactions_unknown_reason) "
        f"from marts.pnl_daily_by_channel where date_day < '{cut}' group by 1 order by 1"
    )
    assert [row[0] for row in outside] == [first_spend + timedelta(days=i) for i in range((cut - first_spend).days)]
    for _, rows, revenue, after_marketing, spend, *reasons in outside:
        assert rows > 0 and revenue == after_marketing == 0 and spend > 0 and reasons == [reason] * 2
    month = first.replace(day=1)
    marketing = copy.query(
        "select count(*), min(days_outside_transactions_feed), max(days_outside_transactions_feed), "
        "count(return_on_ad_spend), count(customer_acquisition_cost_usd) "
        f"from marts.marketing_performance_monthly where month_start_date = '{month}'"
    )
    assert marketing[0][0] > 0 and marketing[0][1:] == (len(outside), len(outside), 0, 0)
    answer = _query(
        built,
        ["roas", "cac", "contribution_margin_after_marketing", "campaign_days_outside_transactions_feed"],
        ["metric_time__month"],
        copy.warehouse,
    )
    row = next(r for r in answer if r["metric_time__month"][:10] == month.isoformat())
    assert row["roas"] == row["cac"] == "" and int(row["campaign_days_outside_transactions_feed"]) > 0
    assert row["contribution_margin_after_marketing"] == ""
    # the P&L's own rows say why: the sum of the known days is not the month's
    [(known_rows, outside_rows)] = copy.query(
        "select count(contribution_margin_usd), count(transactions_unknown_reason) from marts.pnl_daily_by_channel "
        f"where date_trunc('month', date_day) = '{month}'"
    )
    assert known_rows > 0 and outside_rows > 0
