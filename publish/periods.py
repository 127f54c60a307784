"""The part of a week or month a total covers, and the months of a trailing window before the data
starts, said the same way by the month-end pack and the dashboards."""

from __future__ import annotations

from datetime import date, timedelta


def grain_end(start: date, grain: str) -> date:
    """The last day of the day, ISO week (Monday to Sunday) or calendar month starting on `start`,
    which must be its first day (as DuckDB's date_trunc gives it)."""
    if grain == "week":
        return start + timedelta(days=6)
    if grain == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start


def part_covered(start: date, grain: str, first: date, last: date) -> str | None:
    """The part of the week or month starting on `start` that a total from `first` to `last` adds
    up, or None when it covers the whole of it: where the chosen range or the data starts or ends
    inside a period, its total is not the period's, and reads as such. Days that are not a range
    inside the period are a caller's bug, not a part: they raise ValueError rather than read as
    "-3 of 30 days"."""
    end = grain_end(start, grain)
    if not start <= first <= last <= end:
        raise ValueError(
            f"part_covered: {first.isoformat()} to {last.isoformat()} is not a range of days inside the {grain} "
            f"{start.isoformat()} to {end.isoformat()}; pass the first and last day the total adds up"
        )
    if first <= start and last >= end:
        return None
    return (
        f"part of the {grain}: {first.isoformat()} to {last.isoformat()} "
        f"({(last - first).days + 1} of {(end - start).days + 1} days)"
    )


def month_start_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s (0: `day`'s own)."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def months_before_the_data(end: date, months: int, data_first: date | None) -> str | None:
    """The `months` months to `end`'s month, where the data starts after their first day: the
    figures over them add up only the months from its first day (a mart has no row before it,
    which is not a month of zeros; decision log §3), and say so. None where the data holds the
    first month (a part of it is the months' own note), starts after `end`'s month (nothing of
    the window is held: the caller's gap) or its first day is unknown."""
    window = month_start_back(end, months - 1)
    if data_first is None or data_first <= window or data_first > grain_end(month_start_back(end, 0), "month"):
        return None
    held = (end.year - data_first.year) * 12 + end.month - data_first.month + 1
    if held >= months:  # the data starts inside the first month: that month's note says its part
        return None
    return (
        f"The data starts on {data_first.isoformat()}: of the {months} months to {end:%B %Y}, the figures add up "
        f"{held} ({data_first:%B %Y} on), not {months}."
    )
