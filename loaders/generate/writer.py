"""Writes one feed's rows for one day as a delivered file, and computes its control totals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..contracts import CONTROL_SUMS, FEEDS, MONEY_METRICS, NO_CURRENCY

FORMATS = {"csv": ".csv", "parquet": ".parquet", "jsonl": ".jsonl"}


def file_name(feed: str, day: dt.date, fmt: str) -> str:
    """Path relative to the output root: one folder per feed, one partition per delivery day."""
    return f"{feed}/date={day:%Y-%m-%d}/{feed}_{day:%Y-%m-%d}{FORMATS[fmt]}"


class Writer:
    def __init__(self, root: Path, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.root = root
        self.fmt = fmt
        self.con = duckdb.connect()
        self.con.execute("set threads = 1")  # one writer thread keeps JSONL output byte-identical

    def write(
        self,
        feed: str,
        day: dt.date,
        table: pa.Table,
        timestamps: dict[str, np.ndarray],
        claimed: pa.Table | None = None,
    ) -> dict[str, object] | None:
        """Writes the file (skipped when there are no rows) and returns its control totals: of
        `claimed` when given (a planted defect: the trailer describes other rows than the file)."""
        if table.num_rows == 0:
            return None
        name = file_name(feed, day, self.fmt)
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "csv":
            pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
        elif self.fmt == "parquet":
            typed = table
            for column, epochs in timestamps.items():
                i = typed.schema.get_field_index(column)
                typed = typed.set_column(i, column, pa.array(epochs, pa.timestamp("s", tz="UTC")))
            pq.write_table(typed, path, compression="zstd")
        else:
            self.con.register("delivered", table)
            target = str(path).replace("'", "''")  # a path is a SQL string literal here
            self.con.execute(f"copy delivered to '{target}' (format json)")
            self.con.unregister("delivered")
        return self.control_totals(feed, day, name, table if claimed is None else claimed)

    def control_totals(self, feed: str, day: dt.date, name: str, table: pa.Table) -> dict[str, object]:
        self.con.register("delivered", table)
        parts = ["select 'row_count' as metric, 'XXX' as currency, count(*)::decimal(28,6) as value from delivered"]
        for metric, expression in CONTROL_SUMS.get(feed, {}).items():
            if metric in MONEY_METRICS and "currency" in FEEDS[feed].column_names:
                parts.append(
                    f"select '{metric}', currency, coalesce(sum({expression}), 0)::decimal(28,6) "
                    f"from delivered group by currency"
                )
            else:
                parts.append(
                    f"select '{metric}', '{NO_CURRENCY}', coalesce(sum({expression}), 0)::decimal(28,6) from delivered"
                )
        rows = self.con.execute(" union all ".join(parts) + " order by 1, 2").fetchall()
        self.con.unregister("delivered")
        return {
            "file_name": [name] * len(rows),
            "feed": [feed] * len(rows),
            "business_date": [day] * len(rows),
            "metric": [r[0] for r in rows],
            "currency": [r[1] for r in rows],
            "value": [r[2] for r in rows],
        }
