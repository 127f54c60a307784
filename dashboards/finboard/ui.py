"""What every page draws the same way: the filters, KPI tiles with their sources and comparisons,
"unknown" with its reason, and money tables formatted at the end."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from finboard import money, warehouse
from finboard.periods import Period, coverage_gap
from publish.periods import part_covered

ALL_CHANNELS = "All channels"
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class Filters:
    period: Period
    channel: str  # '' = every channel
    currency: str
    first_date: date | None
    last_date: date | None
    # the data's own first and last day, inside first_date and last_date (a monthly page's bounds
    # are whole months): what the range's help and a gap's reason name
    data_first: date | None = None
    data_last: date | None = None

    def params(self, period: Period | None = None) -> dict[str, Any]:
        chosen = period or self.period
        return {"start": chosen.start, "end": chosen.end, "channel": self.channel}

    @property
    def channel_label(self) -> str:
        return self.channel or ALL_CHANNELS

    @property
    def gap(self) -> str | None:
        """Why the chosen period's figures are unknown (the page's marts hold no data for all of
        it), or None: a period outside the data is not a period of zeros."""
        return self.gap_of(self.period)

    def gap_of(self, period: Period) -> str | None:
        """Why `period`'s figures are unknown (this one, or one it is compared with), or None."""
        return coverage_gap(period, self.first_date, self.last_date, (self.data_first, self.data_last))

    @property
    def day_gap(self) -> str | None:
        """`gap` for figures by day on a monthly page (its bounds are whole months): the chosen
        period against the data's own days. The same as `gap` on a daily page."""
        return coverage_gap(self.period, self.data_first or self.first_date, self.data_last or self.last_date)


def sidebar_filters(
    page: str,
    *,
    channels: bool = True,
    currencies: Sequence[str] = (money.REPORTING_CURRENCY,),
    currency_note: str | None = None,
) -> Filters:
    """Date range, channel and currency, bounded by what the page's marts hold
    (`queries/<page>__filters.sql`: first_date, last_date and, for a page with channels, channels).
    A monthly page's bounds are whole months; its query gives the data's own first and last day
    too (data_first, data_last: the marts' first_day and last_day), which the range's help names
    and the default range ends on: the data's last 28 days, as on a daily page (it ended on the
    last month's last day, a range the data may hold one day of, or none)."""
    bounds = warehouse.run(page, "filters").one()
    first, last = bounds.get("first_date"), bounds.get("last_date")
    data_first, data_last = bounds.get("data_first"), bounds.get("data_last")
    today = date.today()
    last_day = last or today
    first_day = first or last_day
    default_end = data_last or last_day
    default_start = max(data_first or first_day, default_end - timedelta(days=DEFAULT_DAYS - 1))
    st.sidebar.header("Filters")
    chosen = st.sidebar.date_input(
        "Date range",
        value=(default_start, default_end),
        min_value=first_day - timedelta(days=366 * 2),
        max_value=last_day + timedelta(days=366),
        key=f"{page}_dates",
        help=f"The data runs from {data_first or first_day} to {data_last or last_day}.",
    )
    start, end = _range(chosen, default_start, default_end)
    channel = ""
    if channels:
        options = [ALL_CHANNELS, *(bounds.get("channels") or [])]
        picked = st.sidebar.selectbox("Channel", options, key=f"{page}_channel")
        channel = "" if picked == ALL_CHANNELS else str(picked)
    currency = st.sidebar.selectbox(
        "Currency",
        list(currencies),
        key=f"{page}_currency",
        help="USD is the reporting currency; a local currency shows only what was sold in it.",
    )
    if currency_note:
        st.sidebar.caption(currency_note)
    return Filters(Period(start, end), channel, str(currency), first, last, data_first, data_last)


def _range(chosen: Any, default_start: date, default_end: date) -> tuple[date, date]:
    if isinstance(chosen, (tuple, list)):
        if len(chosen) == 2:
            return min(chosen), max(chosen)
        if len(chosen) == 1:  # the second click has not come yet
            return chosen[0], chosen[0]
        return default_start, default_end
    if isinstance(chosen, date):
        return chosen, chosen
    return default_start, default_end


def source(*columns: str) -> str:
    return "source: " + ", ".join(f"marts.{c}" for c in columns)


@dataclass(frozen=True)
class Figure:
    """One number: its value (None = unknown, with the reason), how to show it, where it is from."""

    value: Decimal | None
    unknown_reason: str | None = None
    # lines a known sum leaves out for want of a USD amount (decision log §5), or of a cost (a
    # margin, §3): a change between two sums is a ratio of like with like only where neither
    # leaves one out
    lines_without_usd: int = 0
    lines_without_cost: int = 0

    @staticmethod
    def of(value: Decimal | int | None, reason: str, lines_without_usd: Any = 0, lines_without_cost: Any = 0) -> Figure:
        known = money.dec(value) if value is not None else None
        return Figure(
            known, None if known is not None else reason, int(lines_without_usd or 0), int(lines_without_cost or 0)
        )


@dataclass(frozen=True)
class Tile:
    label: str
    current: Figure
    previous: Figure
    last_year: Figure
    fmt: Callable[[Decimal | None], str]
    source: str
    note: str | None = None
    delta_color: str = "normal"  # "inverse" where a rise is bad (refunds), "off" where neutral (spend)


def change(current: Figure, base: Figure, gap: str | None) -> tuple[str | None, str]:
    """The relative change (for the metric's delta) and its text, or the reason it is unknown."""
    if gap:
        return None, f"unknown: {gap}"
    if base.value is None:
        return None, f"unknown: {base.unknown_reason}"
    if current.value is None:
        return None, f"unknown: {current.unknown_reason}"
    # a sum leaving out lines without a USD amount against one holding them all (or leaving out
    # others) is not a change of the figure: unknown, as every ratio over a part is (decision log §5)
    for figure, period in ((current, "this period"), (base, "the comparison period")):
        for count, what in ((figure.lines_without_usd, "a USD amount"), (figure.lines_without_cost, "a cost")):
            if count:
                return None, f"unknown: {count:,} line{'' if count == 1 else 's'} without {what} in {period}"
    if base.value == 0:
        return None, "unknown: the comparison period is 0"
    relative = (current.value - base.value) / abs(base.value)
    text = f"{'+' if relative >= 0 else ''}{money.percent(relative)}"
    return text, text


def tile(spec: Tile, filters: Filters) -> None:
    current = Figure(None, filters.gap) if filters.gap else spec.current
    shown = spec.fmt(current.value) if current.value is not None else f"unknown: {current.unknown_reason}"
    prev_gap = filters.gap_of(filters.period.previous())
    ly_gap = filters.gap_of(filters.period.last_year())
    delta, prev_text = change(current, spec.previous, prev_gap)
    _, ly_text = change(current, spec.last_year, ly_gap)
    st.metric(spec.label, shown, delta=delta, delta_color=spec.delta_color, help=spec.source, border=True)
    st.caption(f"vs previous {filters.period.days} days: {prev_text}  \nvs same period last year: {ly_text}")
    st.caption(spec.source)
    if spec.note:
        st.caption(spec.note)


def unknown(reason: str) -> str:
    return f"unknown: {reason}"


def money_table(
    records: list[dict[str, Any]],
    money_columns: Sequence[str] = (),
    percent_columns: Sequence[str] = (),
    currency: str = money.REPORTING_CURRENCY,
    unknown_text: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Money and rates formatted as text at the end (no float ever reaches a shown figure);
    a null money cell reads 'unknown' (or the reason given for its column)."""
    reasons = unknown_text or {}
    rows = []
    for record in records:
        row = dict(record)
        for column in money_columns:
            value = record.get(column)
            row[column] = (
                money.money(money.dec(value), currency) if value is not None else reasons.get(column, "unknown")
            )
        for column in percent_columns:
            value = record.get(column)
            row[column] = money.percent(value) if value is not None else reasons.get(column, "unknown")
        rows.append(row)
    return pd.DataFrame(rows, columns=list(records[0].keys()) if records else None)


def chart_frame(records: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """For charts only: money to floats, the one place they are allowed."""
    frame = pd.DataFrame(records)
    for column in columns:
        if column in frame:
            frame[column] = [money.to_float(money.dec(v)) for v in frame[column]]
    return frame


# how a chart draws a row (its `drawn` column): the whole period's (or row's) value, the sum of
# part of its period, or a value that is unknown
DRAWN_FULL, DRAWN_PART, DRAWN_UNKNOWN = "full", "part", "unknown"
NO_USD = money.NO_USD


def drawn_as(value: Any, part: bool = False) -> dict[str, str | None]:
    """A chart row's `drawn` (how it is drawn: its value None is unknown, else a part or in full)
    and `unknown_reason` (what `unknown_marks` shows: no USD amount, the one reason a chart's
    USD value is null, decision log §5)."""
    if value is None:
        return {"drawn": DRAWN_UNKNOWN, "unknown_reason": NO_USD}
    return {"drawn": DRAWN_PART if part else DRAWN_FULL, "unknown_reason": None}


def drawn(how: str) -> alt.FieldEqualPredicate:
    """The filter of a chart's layer that draws the rows drawn `how`."""
    return alt.FieldEqualPredicate(field="drawn", equal=how)


def unknown_marks(base: alt.Chart, tooltip: Sequence[alt.Tooltip]) -> alt.Chart:
    """The layer that draws a chart's unknown values: a mark reading 'unknown' on the zero line,
    with the reason (the row's `unknown_reason`) in its tooltip. Without it an unknown value is
    no bar or no point, which reads as 0 or as nothing happened (decision log §5)."""
    return (
        base.mark_text(text="unknown", angle=270, align="left", dx=4, color="#888888")
        .encode(y=alt.datum(0), tooltip=[*tooltip, alt.Tooltip("unknown_reason:N", title="why")])
        .transform_filter(drawn(DRAWN_UNKNOWN))
    )


def lines_without_usd_warning(lines: Any) -> None:
    """Say how many lines the page's USD figures leave out (decision log §5), if any."""
    if int(lines or 0):
        st.warning(f"{int(lines):,} lines have no USD rate and are in no USD total.")


def margin_coverage_note(net_revenue: Decimal | None, with_cost: Decimal | None, lines_without_cost: Any) -> str | None:
    """What a margin covers when some lines lack a cost (decision log §3): a net revenue with a
    known cost that reads unknown because no line has one covers none of it (0%)."""
    missing = int(lines_without_cost or 0)
    if missing == 0:
        return None
    share = money.ratio(Decimal(0) if with_cost is None else with_cost, net_revenue)
    return (
        f"covers {money.percent(share)} of net revenue (net_revenue_with_cost_usd / net_revenue_usd); "
        f"{missing:,} lines without a cost are left out"
    )


# what a page's figures read over a period the marts hold no data for all of: its totals unknown
# (the default), or, on a page that lists the sums of the days the data holds and says which
# (Products, months_note), those labelled sums
TOTALS_UNKNOWN = "The period's totals read unknown, not 0."
SUMS_OF_THE_DAYS_HELD = (
    "The figures below add up only the days the data holds, as each month's note says: not the period's."
)


def page_header(
    title: str, sources: Sequence[str], filters: Filters | None = None, over_a_gap: str = TOTALS_UNKNOWN
) -> None:
    st.title(title)
    reads = ", ".join(f"`marts.{s}`" for s in sources)
    scope = f" · {filters.period.label()} · {filters.channel_label} · {filters.currency}" if filters else ""
    st.caption(f"reads {reads}{scope}")
    if filters and filters.gap:
        st.warning(f"The marts hold no data for all of {filters.period.label()}: {filters.gap}. {over_a_gap}")


def months_note(months: list[dict[str, Any]]) -> tuple[str | None, list[str]]:
    """What a monthly page says of the days its figures add up: a caption with the data's days
    over the months the range touches (each month's first_day to last_day, the mart's columns,
    `queries/<page>__months.sql`), and a warning for each month the data holds only part of
    (decision log §3: a part's sum is not the month's) or whose days the mart does not know."""
    if not months:
        return None, []
    known = [m for m in months if m["first_day"] is not None and m["last_day"] is not None]
    caption = (
        "Monthly mart: the figures add up the months the date range touches, as far as the data holds them: "
        f"{min(m['first_day'] for m in known).isoformat()} to {max(m['last_day'] for m in known).isoformat()}."
        if known
        else None
    )
    warnings = []
    for month in months:
        start = month["month_start_date"]
        if month["first_day"] is None or month["last_day"] is None:
            warnings.append(
                f"Of {start:%B %Y}, which days the figures add up is unknown: the mart does not say "
                "(first_day or last_day is null; its not_null tests fail the build, see Data health)."
            )
            continue
        part = part_covered(start, "month", month["first_day"], month["last_day"])
        if part:
            warnings.append(f"Of {start:%B %Y}, the figures add up {part}, not the whole month.")
    return caption, warnings


def months_shown(months: list[dict[str, Any]]) -> None:
    """Show `months_note`: its caption, then its warnings."""
    caption, warnings = months_note(months)
    if caption:
        st.caption(caption)
    for warning in warnings:
        st.warning(warning)
