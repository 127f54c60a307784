"""Exactly once in raw: what a load does in the warehouse beyond dlt's own append.

Every load only appends: each delivered file version's rows, its quarantined rows and its
delivery record, all under the load's `_dlt_load_id`. dlt records a load in `_dlt_loads` only
after every table of it is written, so a load that died (kill -9, a lost lock, a refused
connection) leaves rows whose load id is not there. Two steps, both under the warehouse lock,
keep raw identical to one clean load of the same files, whatever happened:

- `recover`, before anything is read: deletes every row of a load that never completed, then
  `apply`s any completed load that was not applied. Nothing from a failed run is replayed; its
  files are read again, because their delivery records went with it.
- `apply`, after a load completes, in one transaction: a file delivered again (new content)
  replaces what that file delivered before. Its earlier rows and quarantined rows leave raw, and
  its earlier delivery records stay in the log with `is_current = false` and the load that
  superseded them. It runs again harmlessly: it only touches files with two current records.

No step depends on whether a table is empty, so nothing decided in one run can be wrong in the
next (decision log §13).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from . import faults

DELIVERIES = "file_deliveries"


class RawLayerError(Exception):
    """Raw is in a state the loader cannot repair without a person deciding."""


QUARANTINE = "quarantine"
FEED_READS = "feed_reads"  # one row per feed per load; never replaced, only rolled back


class RawLayer:
    def __init__(self, client: Any, feeds: Iterable[str]) -> None:
        """`client` is an open dlt SQL client on the raw dataset."""
        self.client = client
        self.feeds = list(feeds)

    def _table(self, name: str) -> str:
        return self.client.make_qualified_table_name(name)

    def _tables(self) -> set[str]:
        if not self.client.has_dataset():
            return set()
        rows = self.client.execute_sql(
            "select table_name from information_schema.tables where table_schema = %s", self.client.dataset_name
        )
        return {r[0] for r in rows or []}

    def _file_column(self, table: str) -> str:
        return "file_name" if table in (DELIVERIES, QUARANTINE) else "_source_file"

    def recover(self) -> dict[str, int]:
        """Deletes the rows of loads that never completed; applies completed ones. Returns the
        rows deleted per table (empty when nothing had failed)."""
        tables = self._tables()
        written = [t for t in (*self.feeds, QUARANTINE, DELIVERIES, FEED_READS) if t in tables]
        if written and "_dlt_loads" not in tables:
            # dlt creates its load log before it writes any table; without it nothing tells a
            # completed load from a failed one, and deleting "everything incomplete" would wipe raw.
            raise RawLayerError(
                f"{self.client.dataset_name} holds raw tables but no _dlt_loads table, so completed loads cannot "
                "be told from failed ones; restore _dlt_loads, or drop the raw schema and load every file again"
            )
        deleted: dict[str, int] = {}
        completed = f"select load_id from {self._table('_dlt_loads')} where status = 0"
        with self.client.begin_transaction():
            for table in written:
                where = f"_dlt_load_id is null or _dlt_load_id not in ({completed})"
                count = self.client.execute_sql(f"select count(*) from {self._table(table)} where {where}")[0][0]
                if count:
                    self.client.execute_sql(f"delete from {self._table(table)} where {where}")
                    deleted[table] = int(count)
        if DELIVERIES in tables:
            self.apply()
        return deleted

    def current_deliveries(self) -> dict[str, str]:
        """file name -> content hash of its current delivery record."""
        if DELIVERIES not in self._tables():
            return {}
        rows = self.client.execute_sql(
            f"select file_name, file_fingerprint from {self._table(DELIVERIES)} where coalesce(is_current, true)"
        )
        return {name: fingerprint for name, fingerprint in rows or []}

    def current_files(self, feed: str) -> set[str]:
        """Files of the feed whose current record says they were loaded."""
        if DELIVERIES not in self._tables():
            return set()
        rows = self.client.execute_sql(
            f"select file_name from {self._table(DELIVERIES)} "
            "where feed = %s and coalesce(is_current, true) and coalesce(delivery_status, 'loaded') = 'loaded'",
            feed,
        )
        return {r[0] for r in rows or []}

    def apply(self) -> int:
        # Newest is the greatest load id: dlt's load ids are the time the load was extracted, and
        # loads never overlap (the warehouse lock), so on one clock they increase (decision log §13).
        """A file delivered again replaces what it delivered before, in one transaction; returns
        the number of files replaced."""
        deliveries = self._table(DELIVERIES)
        stale = self.client.execute_sql(f"""
            select file_name, max(_dlt_load_id) from {deliveries}
            where coalesce(is_current, true) group by file_name having count(*) > 1
        """)
        if not stale:
            return 0
        by_load: dict[str, list[str]] = defaultdict(list)
        for file_name, newest in stale:
            by_load[newest].append(file_name)
        tables = self._tables()
        written = [t for t in (*self.feeds, QUARANTINE) if t in tables]
        with self.client.begin_transaction():
            for newest, files in sorted(by_load.items()):
                marks = ", ".join(["%s"] * len(files))
                for table in written:
                    self.client.execute_sql(
                        f"delete from {self._table(table)} "
                        f"where {self._file_column(table)} in ({marks}) and _dlt_load_id <> %s",
                        *files,
                        newest,
                    )
                    faults.reached("apply:mid")
                self.client.execute_sql(
                    f"update {deliveries} set is_current = false, superseded_by_load_id = %s "
                    f"where file_name in ({marks}) and _dlt_load_id <> %s and coalesce(is_current, true)",
                    newest,
                    *files,
                    newest,
                )
        return len(stale)
