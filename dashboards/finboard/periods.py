"""Reporting periods: the one chosen and the two it is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def last_year(self) -> Period:
        return Period(_year_before(self.start), _year_before(self.end))

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def coverage_gap(
    period: Period, first: date | None, last: date | None, named: tuple[date | None, date | None] = (None, None)
) -> str | None:
    """Why a period cannot be compared (the warehouse holds no data for all of it), or None.
    `first` and `last` bound what the page's marts hold (whole months for a monthly page);
    `named` are the data's own first and last day, which the reason names where given."""
    if first is None or last is None:
        return "the warehouse holds no data"
    name_first, name_last = (named[0] or first).isoformat(), (named[1] or last).isoformat()
    if period.end < first:
        return f"no data before {name_first}"
    if period.start < first:
        return f"the period starts before the first data ({name_first})"
    if period.start > last:
        return f"no data after {name_last}"
    if period.end > last:
        return f"the period ends after the last data ({name_last})"
    return None
