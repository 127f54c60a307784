"""The one error an import raises, and where in a file it points."""

from __future__ import annotations


class MappingError(ValueError):
    """The mapping or a source row cannot be imported. The message is one line: the file, the row
    (1-based, as a spreadsheet shows it: the header is row 1) and the column, what is wrong and
    what to do."""


def at(file: str, row: int | None = None, column: str | None = None) -> str:
    """`orders.csv: row 3, column InvoiceDate`, for the start of a message."""
    where = [part for part in (f"row {row}" if row else "", f"column {column}" if column else "") if part]
    return f"{file}: {', '.join(where)}" if where else file
