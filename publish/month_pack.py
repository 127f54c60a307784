"""The month-end pack: one self-contained HTML file (no script, no CDN, charts as inline SVG) with
the month's P&L by channel, the bridge from gross sales to contribution after marketing, refunds
with their six-month trend, marketing by campaign and the reconciliation status, for finance to
archive or send.

Every figure is read from a mart (named under each table) and written with its exact value in a
`data-value` attribute, so a test, or an auditor, can tie the pack to the warehouse. An unknown
figure (a margin with no cost in USD) reads "unknown" with its reason, never 0.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from .acquisition import new_customers_caveat
from .build_status import banner, last_build
from .periods import grain_end, month_start_back, months_before_the_data, part_covered
from .usd_totals import NO_COST, PNL_RULE_COUNTS, pnl_columns_without_cost, pnl_columns_without_usd, usd_total_of_lines

PNL_MEASURES = (
    ("gross sales", "gross_revenue_usd"),
    ("discounts", "discount_usd"),
    ("refunds", "refunded_revenue_usd"),
    ("net revenue", "net_revenue_usd"),
    ("COGS", "cogs_usd"),
    ("gross margin", "gross_margin_usd"),
    ("fees", "platform_fee_usd"),
    ("shipping charged", "shipping_charged_usd"),
    ("shipping cost", "shipping_cost_usd"),
    ("contribution before marketing", "contribution_before_marketing_usd"),
    ("marketing", "marketing_spend_usd"),
    ("contribution after marketing", "contribution_margin_usd"),
    ("net revenue with a known cost", "net_revenue_with_cost_usd"),
    ("lines without a cost", "lines_without_cost"),
    ("lines without a USD amount", "lines_without_usd"),
    ("spend rows without a USD amount", "spend_rows_without_usd"),
)
MARKETING_HEADERS = [
    "platform",
    "campaign",
    "spend",
    "attributed revenue",
    "ROAS",
    "new customers",
    "CAC",
    "spend rows without USD",
    "credited orders without USD",
    "days outside the spend feed's dates",
    "days outside the transactions feed's dates",
]
# the figures marketing spend decides: unknown, with the P&L's reason, when the spend is not known in
# full (the spend itself too: a sum of the days that are known is not the month's spend)
DECIDED_BY_SPEND = ("marketing_spend_usd", "contribution_margin_usd")
CENT = Decimal("0.01")
STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
caption{caption-side:bottom;font-size:12px;color:#666;text-align:left}
.fail{color:#b00020;font-weight:bold}.ok{color:#1b5e20;font-weight:bold}.unknown{color:#8a5a00}
"""


@dataclass(frozen=True)
class Month:
    start: dt.date

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            return cls(dt.date.fromisoformat(f"{text}-01"))
        except ValueError:
            raise ValueError(f"MONTH={text!r}: write the month as YYYY-MM, e.g. 2025-11") from None

    @property
    def end(self) -> dt.date:
        """The first day after the month."""
        return grain_end(self.start, "month") + dt.timedelta(days=1)

    def back(self, months: int) -> dt.date:
        return month_start_back(self.start, months)


def _cell(value: object, reason: str = "") -> str:
    if value is None:
        return f'<td class="n unknown" data-value="">unknown{": " + html.escape(reason) if reason else ""}</td>'
    if isinstance(value, Decimal | int | float):
        # presentation only: cents, half away from zero (decision log, "Division")
        shown = f"{value.quantize(CENT, ROUND_HALF_UP):,}" if isinstance(value, Decimal) else f"{value:,}"
        return f'<td class="n" data-value="{value}">{shown}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _table(title: str, headers: list[str], rows: list[list[str]], source: str, key: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return (
        f'<h2>{html.escape(title)}</h2><table data-table="{key}"><caption>Source: {html.escape(source)}</caption>'
        f"<tr>{head}</tr>{body}</table>"
    )


def _bars(points: list[tuple[str, Decimal | None]], title: str) -> str:
    """A bar chart as inline SVG (negative bars hang below the axis; an unknown value has no bar,
    its label says unknown, never a bar of 0)."""
    if not points:
        return ""
    width, height, pad = 640, 220, 30
    top = max([abs(v) for _, v in points if v is not None] + [Decimal(1)])
    step = (width - 2 * pad) / len(points)
    zero = height / 2 if any(v is not None and v < 0 for _, v in points) else height - pad
    scale = float(zero - 10) / float(top)
    bars = []
    for i, (label, value) in enumerate(points):
        if value is None:
            bars.append(
                f'<text x="{pad + i * step + step / 2:.1f}" y="{height - 5}" font-size="10" text-anchor="middle">'
                f"{html.escape(label)} unknown</text>"
            )
            continue
        h = abs(float(value)) * scale
        y = zero - h if value >= 0 else zero
        x = pad + i * step
        bars.append(
            f'<rect x="{x + 4:.1f}" y="{y:.1f}" width="{step - 8:.1f}" height="{h:.1f}" '
            f'fill="{"#2e7d32" if value >= 0 else "#c62828"}"><title>{html.escape(label)}: {value:,.2f}</title></rect>'
            f'<text x="{x + step / 2:.1f}" y="{height - 5}" font-size="10" text-anchor="middle">'
            f"{html.escape(label)}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title)}"><line x1="{pad}" x2="{width - pad}" y1="{zero}" y2="{zero}" '
        f'stroke="#999"/>{"".join(bars)}</svg>'
    )


def _waterfall(steps: list[tuple[str, Decimal | None, bool]], title: str) -> str:
    """A bridge as inline SVG: each step floats from the running total before it to the one after
    (green up, red down); a total (third item true) stands on the axis in grey. An unknown step
    (None) is its label reading "unknown" on the axis, never a 0, and the next step floats from the
    known steps before it, as the dashboards' bridge draws it (the next total stands on the axis)."""
    width, height, pad = 760, 260, 30
    running, spans = Decimal(0), []
    for label, amount, is_total in steps:
        if amount is None:
            spans.append((label, None, None, is_total))
            continue
        start, end = (Decimal(0), amount) if is_total else (running, running + amount)
        running = end
        spans.append((label, start, end, is_total))
    ends = [value for _, a, b, _ in spans for value in (a, b) if value is not None]
    low = min([Decimal(0), *ends])
    high = max([Decimal(1), *ends])
    scale = (height - 2 * pad) / float(high - low)
    step = (width - 2 * pad) / len(spans)

    def y(value: Decimal) -> float:
        return pad + float(high - value) * scale

    bars = []
    for i, (label, start, end, is_total) in enumerate(spans):
        x = pad + i * step
        if start is None or end is None:
            bars.append(
                f'<text x="{x + step / 2:.1f}" y="{y(Decimal(0)) - 4:.1f}" font-size="10" text-anchor="middle" '
                f'data-unknown="{html.escape(label)}">unknown</text>'
                f'<text x="{x + step / 2:.1f}" y="{height - 8}" font-size="10" text-anchor="middle">'
                f"{html.escape(label)}</text>"
            )
            continue
        colour = "#757575" if is_total else ("#2e7d32" if end >= start else "#c62828")
        top, bottom = y(max(start, end)), y(min(start, end))
        bars.append(
            f'<rect x="{x + 4:.1f}" y="{top:.1f}" width="{step - 8:.1f}" height="{max(bottom - top, 1):.1f}" '
            f'fill="{colour}"><title>{html.escape(label)}: {end - start:,.2f}</title></rect>'
            f'<text x="{x + step / 2:.1f}" y="{height - 8}" font-size="10" text-anchor="middle">'
            f"{html.escape(label)}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title)}"><line x1="{pad}" x2="{width - pad}" y1="{y(Decimal(0)):.1f}" '
        f'y2="{y(Decimal(0)):.1f}" stroke="#999"/>{"".join(bars)}</svg>'
    )


def _marketing_row(r: tuple) -> list[str]:
    """A campaign's month: a ratio over spend or orders without a USD amount is unknown, and says
    which; so are the spend and its ratios of a month with days the spend feed does not cover
    (marketing_performance_monthly, decision log §3 and §6), and the ratios of a month with days
    of spend only outside the dates the transactions feed covers (its credited orders and new
    customers are a part's)."""
    platform, campaign, spend, revenue, roas, new, cac, spend_without, orders_without, days_outside, no_lines = r
    # known where the mart knows them, divided here from its sums: the mart keeps ROAS to 4 places
    # and CAC to cents, and a second rounding to cents could show another figure than the
    # Marketing page's, which divides the sums (ratios are never summed or rounded before shown)
    roas = revenue / spend if roas is not None else None
    cac = spend / new if cac is not None else None
    outside = "the month has days outside the dates the spend feed covers" if days_outside else ""
    spend_reason = outside or ("spend without a USD amount" if spend_without else "")
    # the credited orders and new customers of a month with days of spend only outside the
    # transactions feed's dates are a part's: unknown, as the spend of days outside the spend feed
    orders_outside = "the month has days outside the dates the transactions feed covers" if no_lines else ""
    spend_reason = spend_reason or orders_outside
    return [
        _cell(platform),
        _cell(campaign),
        _cell(None, outside) if outside else _cell(spend, "no USD amount"),
        _cell(None, orders_outside) if orders_outside else _cell(revenue, "no USD amount"),
        _cell(roas, spend_reason or ("credited orders without a USD amount" if orders_without else "no spend")),
        _cell(None, orders_outside) if orders_outside else _cell(new),
        _cell(cac, spend_reason or "no new customer"),
        _cell(spend_without),
        _cell(orders_without),
        _cell(days_outside),
        _cell(no_lines),
    ]


def _pnl_sums(row: tuple) -> tuple[dict[str, Decimal | None], tuple[str, ...]]:
    """A row of the pack's P&L query (a label, the PNL_MEASURES and PNL_RULE_COUNTS sums, the spend's
    reason) as its measures, each unknown one None: a USD figure of lines none of which has a USD
    amount (publish/usd_totals.py: not the 0 of the days without such lines), and the margins
    where no line has a cost; and the columns unknown for want of a USD amount."""
    measures = dict(zip((c for _, c in PNL_MEASURES), row[1 : 1 + len(PNL_MEASURES)], strict=True))
    counts = dict(zip(PNL_RULE_COUNTS, row[1 + len(PNL_MEASURES) : -1], strict=True))
    no_usd = pnl_columns_without_usd({**measures, **counts})
    measures.update(dict.fromkeys(c for c in no_usd if c in measures))
    # lines, none with a known cost: a day of spend only, or without a line, sums its 0 COGS and
    # margins into the total, which must read unknown, not 0
    measures.update(dict.fromkeys(pnl_columns_without_cost({**measures, **counts})))
    return measures, no_usd


def _query(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


CONFIRMATIONS_HEADERS = ["object", "id", "value confirmed", "confirmed by", "on", "why"]


def _confirmation_rows(con: duckdb.DuckDBPyConnection) -> list[list[str]]:
    """The implausible values finance has confirmed real (decision log §14), every one, whatever
    its month: each turns a failing plausibility check into a warning, so the pack that is signed
    off says who accepted which value and why. The value exactly, without trailing zeros, never
    rounded to cents."""
    try:
        rows = _query(
            con,
            "select object_type, object_id, confirmed_value, confirmed_by, confirmed_on, reason "
            "from reference.plausibility_confirmations order by confirmed_on, object_type, object_id",
        )
    except duckdb.CatalogException:
        why = "the warehouse was built before confirmations existed: build it again"
        return [[f'<td colspan="{len(CONFIRMATIONS_HEADERS)}" class="unknown">unknown: {why}</td>']]
    if not rows:
        return [[f'<td colspan="{len(CONFIRMATIONS_HEADERS)}">none: no implausible value is confirmed real</td>']]
    return [
        [_cell(kind), _cell(object_id), _cell(format(value.normalize(), "f")), _cell(by), _cell(str(on)), _cell(why)]
        for kind, object_id, value, by, on, why in rows
    ]


def render(con: duckdb.DuckDBPyConnection, month: Month) -> str:
    # the month's days the transactions feed covers (the P&L's days without a
    # transactions_unknown_reason, the mart's rule): a day outside them has spend but no known
    # revenue (decision log §3), so the P&L's figures add up the days inside only, and the pack says which
    [(lines_first, lines_last)] = _query(
        con,
        "select min(date_day), max(date_day) from marts.pnl_daily_by_channel where transactions_unknown_reason is null",
    )
    start = max(month.start, lines_first) if lines_first else month.end
    end = min(month.end, lines_last + dt.timedelta(days=1)) if lines_last else month.end
    sums = ", ".join(f"sum({column})" for column in (*(c for _, c in PNL_MEASURES), *PNL_RULE_COUNTS))
    # a period whose spend is not known in full shows every reason of its days (the feed never
    # delivered holds on every row; a day outside the feed's dates or without a rate on some)
    pnl_sql = (
        f"select channel, {sums}, string_agg(distinct marketing_spend_unknown_reason, '; ' "
        "order by marketing_spend_unknown_reason) "
        "from marts.pnl_daily_by_channel where date_day >= ? and date_day < ?"
    )
    by_channel = _query(con, f"{pnl_sql} group by channel order by channel", start, end)
    total = _query(con, pnl_sql.replace("select channel, ", "select 'all channels', "), start, end)[0]
    headers = ["channel", *(label for label, _ in PNL_MEASURES)]
    rows = []
    for row in [*by_channel, total]:
        measures, no_usd = _pnl_sums(row)
        uncovered = measures["lines_without_cost"] or 0
        no_cost = f"no cost for {uncovered} lines" if uncovered else ""
        spend_unknown = row[-1]
        cells = [
            _cell(None, spend_unknown)
            if spend_unknown and column in DECIDED_BY_SPEND
            else _cell(value, "no USD amount" if column in no_usd else no_cost)
            for column, value in measures.items()
        ]
        rows.append([_cell(row[0]), *cells])
    values, no_usd_columns = _pnl_sums(total)
    no_usd = "net_revenue_usd" in no_usd_columns
    spend_unknown = total[-1]
    # contribution after marketing sums the days whose contribution is known; the spend of a day
    # whose lines all lack a cost has no contribution to come off, and is listed beside the bridge
    spend_with_margin, spend_without_margin = _query(
        con,
        "select sum(case when contribution_before_marketing_usd is not null then marketing_spend_usd end), "
        "sum(case when contribution_before_marketing_usd is null then marketing_spend_usd end) "
        "from marts.pnl_daily_by_channel where date_day >= ? and date_day < ?",
        start,
        end,
    )[0]

    def v(column: str) -> Decimal | None:
        """The month's sum; None (unknown) stays None, so no unknown step turns into a 0."""
        return values[column]

    def neg(value: Decimal | None) -> Decimal | None:
        return None if value is None else -value

    # marketing not known in full (its feed never delivered, or spend without a rate): the spend
    # step and contribution after marketing are unknown, with the P&L's reason, never the rest as 0
    before_marketing = v("contribution_before_marketing_usd")
    spend = None if spend_unknown or before_marketing is None else spend_with_margin or Decimal(0)
    after_marketing = None if spend_unknown else v("contribution_margin_usd")
    # a month the P&L holds no day of (no channel row) has no figure at all: unknown, said so, not 0
    days = bool(by_channel)
    unknown_because = ("no USD amount" if no_usd else NO_COST) if days else "no data in the month"
    marketing_because = spend_unknown or unknown_because
    # the margins cover the lines with a known cost (decision log §3, "Coverage"): the bridge
    # leaves the others' net revenue out before COGS, and its fees and shipping are those lines'
    # (contribution before marketing - gross margin), so each step ties to the next total
    net, with_cost, margin = v("net_revenue_usd"), v("net_revenue_with_cost_usd"), v("gross_margin_usd")
    without_cost = None if net is None else (with_cost or Decimal(0)) - net
    fees_and_shipping = None if before_marketing is None or margin is None else before_marketing - margin
    # (label, the column it comes from, amount)
    bridge = [
        ("gross sales", "gross_revenue_usd", v("gross_revenue_usd")),
        ("discounts", "discount_usd", neg(v("discount_usd"))),
        ("refunds", "refunded_revenue_usd", neg(v("refunded_revenue_usd"))),
        ("net revenue without a known cost", "net_revenue_with_cost_usd", without_cost),
        ("COGS", "cogs_usd", neg(v("cogs_usd"))),
        ("fees and shipping of the lines with a known cost", "contribution_before_marketing_usd", fees_and_shipping),
        ("marketing", "marketing_spend_usd", neg(spend)),
    ]
    # gross sales and discounts are unknown when no sale line has a USD amount, refunds when no
    # refund line has one, every step when no line has one
    bridge_rows = [
        [
            _cell(label),
            _cell(
                amount,
                marketing_because
                if column == "marketing_spend_usd"
                else "no USD amount"
                if column in no_usd_columns
                else unknown_because,
            ),
        ]
        for label, column, amount in bridge
    ]
    bridge_rows += [
        [_cell("net revenue"), _cell(values["net_revenue_usd"], unknown_because)],
        [_cell("contribution before marketing"), _cell(before_marketing, unknown_because)],
        [_cell("contribution after marketing"), _cell(after_marketing, marketing_because)],
    ]
    spend_left_out = (
        '<p class="unknown" id="spend-without-margin">Marketing spend left out of the bridge: '
        f"{spend_without_margin.quantize(CENT, ROUND_HALF_UP):,} USD on days none of whose lines has both a cost "
        "and a USD amount (their contribution is unknown).</p>"
        if spend_without_margin and not spend_unknown
        else ""
    )
    # a USD total over the channels sums what is known and counts what it leaves out; it is
    # unknown when there are lines and none has a USD amount (decision log §5), never 0
    sums = _query(
        con,
        "select month_start_date, sum(refunded_revenue_usd), sum(refund_lines), sum(refund_lines_without_usd), "
        "sum(sales_usd), sum(sale_lines), sum(sale_lines_without_usd), "
        "sum(refunded_units), sum(restocked_units), sum(restock_unknown_units) from marts.refunds_monthly "
        "where month_start_date >= ? and month_start_date < ? group by 1 order by 1",
        month.back(5),
        month.end,
    )
    refunds = [
        (
            month_start,
            usd_total_of_lines(refunded, refund_lines, refunds_without),
            refunds_without,
            usd_total_of_lines(sales, sale_lines, sales_without),
            sales_without,
            *units,
        )
        for month_start, refunded, refund_lines, refunds_without, sales, sale_lines, sales_without, *units in sums
    ]
    refund_rows = [
        [
            _cell(f"{r[0]:%Y-%m}"),
            _cell(r[1], f"no USD amount for {r[2]:,} refund lines"),
            _cell(r[2]),
            _cell(r[3], f"no USD amount for {r[4]:,} sale lines"),
            *(_cell(x) for x in r[4:]),
        ]
        for r in refunds
    ]
    # months of the six before the data starts have no row: said, not left to read as six months
    [(refunds_first,)] = _query(con, "select min(first_day) from marts.refunds_monthly")
    before = months_before_the_data(month.start, 6, refunds_first)
    refunds_before = f'<p class="unknown" id="refunds-before">{html.escape(before)}</p>' if before else ""
    left_out = [(f"{r[0]:%Y-%m}", r[2]) for r in refunds if r[2]]
    refunds_note = (
        '<p class="unknown" id="refunds-left-out">Refunds left out (no USD amount, no usable rate): '
        + ", ".join(f"{n:,} refund lines in {m}" for m, n in left_out)
        + ". Those months' refunded figures cover only the refunds with a USD amount.</p>"
        if left_out
        else ""
    )
    marketing = _query(
        con,
        "select platform, campaign_id, spend_usd, attributed_revenue_usd, return_on_ad_spend, new_customers, "
        "customer_acquisition_cost_usd, spend_rows_without_usd, attributed_orders_without_usd, "
        "days_outside_spend_feed, days_outside_transactions_feed, new_customers_opened_before_data "
        "from marts.marketing_performance_monthly where month_start_date = ? order by platform, campaign_id",
        month.start,
    )
    # no campaign row: the table says why, never an empty table that reads as no spend (decision
    # log §3): the spend feed never delivered, or the P&L's reason the month's spend is unknown (a
    # day outside the dates the feed covers); else the month has no campaign spend
    spend_feed = _query(con, "select is_delivered from marts.feed_deliveries where feed = 'marketing_spend'")
    marketing_rows = [_marketing_row(r[:-1]) for r in marketing]
    caveat = new_customers_caveat(
        sum(r[5] or 0 for r in marketing),
        sum(r[-1] or 0 for r in marketing),
        known=not any(r[-2] for r in marketing),  # no day outside the transactions feed's dates
    )
    acquisition_note = f'<p class="unknown" id="new-customers">{html.escape(caveat)}</p>' if caveat else ""
    if not marketing_rows:
        never = spend_feed and not spend_feed[0][0]
        why = (
            "the marketing_spend feed has never been delivered"
            if never
            else spend_unknown or (None if days else "no data in the month")
        )
        marketing_rows = [
            [
                f'<td colspan="{len(MARKETING_HEADERS)}" class="unknown">unknown: {html.escape(why)}</td>'
                if why
                else f'<td colspan="{len(MARKETING_HEADERS)}">no campaign spend in the month</td>'
            ]
        ]
    recon = _query(
        con,
        "select invariant, count(case when is_failure then 1 end), count(case when not is_failure then 1 end) "
        "from marts.reconciliation_exceptions group by 1 order by 1",
    )
    failures = sum(r[1] for r in recon)
    status = (
        f'<p class="fail">Reconciliation: {failures} failing exceptions: these figures are not final.</p>'
        if failures
        else '<p class="ok">Reconciliation: no failing exception.</p>'
    )
    # the last build's warning above everything (decision log §16): a pack from a build that did
    # not finish, failed, or ran part of the project says its figures may not agree
    warning = banner(last_build(con))
    if warning:
        status = f'<p class="fail" id="build">{html.escape(warning)}</p>\n{status}'
    if not days:
        empty = (
            f"No figures for {month.start:%B %Y}: marts.pnl_daily_by_channel holds no day of it the transactions "
            "feed covers."
        )
        status += f'\n<p class="fail" id="empty">{empty}</p>'
    else:
        # the P&L has a row for every day and channel inside its dates: its first and last day in
        # the month that the transactions feed covers are what the P&L table and the bridge add up
        first, last = _query(
            con,
            "select min(date_day), max(date_day) from marts.pnl_daily_by_channel where date_day >= ? and date_day < ?",
            start,
            end,
        )[0]
        part = part_covered(month.start, "month", first, last)
        if part:
            status += (
                f'\n<p class="unknown" id="part">The P&amp;L holds {part}: its figures add up those days, '
                "not the whole month.</p>"
            )
    as_of = _query(con, "select max(event_date) from marts.fct_transactions")[0][0]
    parts = [
        f"<!doctype html><html lang=en><meta charset=utf-8><title>Month-end pack {month.start:%Y-%m}</title>",
        f"<style>{STYLE}</style><h1>Month-end pack: {month.start:%B %Y}</h1>",
        f"<p>Reporting currency USD. Data as of {as_of}. Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.</p>",
        status,
        _table("P&L by channel", headers, rows, "marts.pnl_daily_by_channel, summed over the month", "pnl"),
        '<p class="note">Fees and shipping cover every line; COGS, gross margin and contribution cover the '
        "lines with a known cost (net revenue with a known cost), so a row adds across only where every line "
        "has one (decision log §3).</p>",
        "<h2>Bridge: gross sales to contribution after marketing</h2>",
        _waterfall(
            [
                ("gross sales", v("gross_revenue_usd"), True),
                ("discounts", neg(v("discount_usd")), False),
                ("refunds", neg(v("refunded_revenue_usd")), False),
                ("net revenue", net, True),
                ("without a known cost", without_cost, False),
                ("COGS", neg(v("cogs_usd")), False),
                ("fees and shipping", fees_and_shipping, False),
                ("before marketing", before_marketing, True),
                ("marketing", neg(spend), False),
                ("after marketing", after_marketing, True),
            ],
            "bridge",
        ),
        _table("Bridge", ["step", "USD"], bridge_rows, "marts.pnl_daily_by_channel", "bridge"),
        spend_left_out,
        "<h2>Refunds, six months</h2>",
        refunds_before,
        _bars([(f"{r[0]:%b %y}", r[1]) for r in refunds], "refunds"),
        _table(
            "Refunds by refund month",
            [
                "month",
                "refunded",
                "refund lines without a USD amount",
                "sales",
                "sale lines without a USD amount",
                "units refunded",
                "restocked",
                "restock unknown",
            ],
            refund_rows,
            "marts.refunds_monthly",
            "refunds",
        ),
        refunds_note,
        _table(
            "Marketing by campaign",
            MARKETING_HEADERS,
            marketing_rows,
            "marts.marketing_performance_monthly, marts.feed_deliveries (and, without a campaign row, "
            "marts.pnl_daily_by_channel.marketing_spend_unknown_reason)",
            "marketing",
        ),
        acquisition_note,
        _table(
            "Reconciliation status",
            ["invariant", "failures", "warnings"],
            [[_cell(r[0]), _cell(r[1]), _cell(r[2])] for r in recon] or [[_cell("none"), _cell(0), _cell(0)]],
            "marts.reconciliation_exceptions",
            "reconciliation",
        ),
        _table(
            "Implausible values confirmed real",
            CONFIRMATIONS_HEADERS,
            _confirmation_rows(con),
            "reference.plausibility_confirmations (seeds/plausibility_confirmations.csv), every row: one that "
            "matches a finding makes it a warning in reconciliation_plausibility, not a failure; one that matches "
            "none (its value corrected since, or another warehouse's) is listed there as a warning to remove it",
            "confirmations",
        ),
        "</html>",
    ]
    return "\n".join(parts)


def write_pack(warehouse: Path, month_text: str, out_dir: Path) -> Path:
    month = Month.parse(month_text)
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: no warehouse to report on; run `make run` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        text = render(con, month)
    finally:
        con.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"month_end_{month.start:%Y-%m}.html"
    partial = path.with_suffix(".html.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path
