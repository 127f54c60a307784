"""The part of a week or month a total covers, said the same way by the month-end pack and the
dashboards' tables."""

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
