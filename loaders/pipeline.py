"""The dlt pipeline: one resource per feed, loading only files whose content it has not loaded.

Each resource reads its feed's new or changed files in delivery order (parsing a few at once),
checks every row against the contract, and yields the quarantined rows and one delivery record
per file as it goes (also for files it does not read: ignored or refused), then the good rows.
A file that cannot be read stops that feed at that file; the other feeds load as usual.

Every table is appended to; `raw_layer` makes that exactly once: a load that did not complete is
rolled back before the next one reads anything, and a file delivered again replaces what it
delivered before, in one transaction after the load. A load holds the warehouse lock
throughout. Decision log §13.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import dlt
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from . import faults, settings
from .contracts import FEEDS, LINEAGE_COLUMNS, Feed
from .destinations import DestinationConfigError, Target, create_warehouse_file, target, warehouse_exists
from .files import DeliveredFile, Source, UnreadFile, content_hash
from .lock import warehouse_lock
from .parse import FileRejected, ParsedFile, parse
from .raw_layer import RawLayer
from .validate import Checker

# Files are checked in batches of about this many rows, and the good rows handed to dlt in
# batches of this size.
BATCH_ROWS = 250_000
# Files parsed at once: pyarrow releases the GIL, and one delivered file fills one core.
PARSE_WORKERS = max(2, os.cpu_count() or 1)
DLT_TYPES = {
    "string": "text",
    "integer": "bigint",
    "decimal": "decimal",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "bool",
}

QUARANTINE_COLUMNS: dict[str, Any] = {
    "feed": {"data_type": "text", "nullable": False},
    "file_name": {"data_type": "text", "nullable": False},
    "row_number": {"data_type": "bigint", "nullable": False},
    "column_name": {"data_type": "text", "nullable": False},
    "reason": {"data_type": "text", "nullable": False},
    "raw_value": {"data_type": "text", "nullable": True},
    "raw_record": {"data_type": "text", "nullable": False},
}
DELIVERY_COLUMNS: dict[str, Any] = {
    "file_name": {"data_type": "text", "nullable": False},
    "feed": {"data_type": "text", "nullable": False},
    "file_format": {"data_type": "text", "nullable": True},
    "file_size": {"data_type": "bigint", "nullable": False},
    "file_fingerprint": {"data_type": "text", "nullable": False},
    "delivery_status": {"data_type": "text", "nullable": True},
    "status_reason": {"data_type": "text", "nullable": True},
    "rows_in_file": {"data_type": "bigint", "nullable": False},
    "rows_loaded": {"data_type": "bigint", "nullable": False},
    "rows_quarantined": {"data_type": "bigint", "nullable": False},
    "extra_columns": {"data_type": "text", "nullable": True},
    "read_at": {"data_type": "timestamp", "nullable": False},
    "is_current": {"data_type": "bool", "nullable": True},
    "superseded_by_load_id": {"data_type": "text", "nullable": True},
}

# One row per feed per load (raw.feed_reads): how far the load read the feed. A feed stops at a
# file it cannot read; its row names that file, why, and how many of the feed's new files wait
# behind it, so the marts can say which delivered file is not in them (decision log §13). The
# latest row of a feed is its state: a later read that gets past the file (fixed or removed)
# clears it. Links refused at the read are counted too: a refused link stays in the source, and
# its delivery record is written only once.
FEED_READ_COLUMNS: dict[str, Any] = {
    "feed": {"data_type": "text", "nullable": False},
    "files_read": {"data_type": "bigint", "nullable": False},
    "rejected_file_name": {"data_type": "text", "nullable": True},
    "rejection_reason": {"data_type": "text", "nullable": True},
    "files_waiting": {"data_type": "bigint", "nullable": False},
    "links_refused": {"data_type": "bigint", "nullable": False},
    "read_at": {"data_type": "timestamp", "nullable": False},
}
# The exit code of a load that completed but left a delivered file out (a file rejected, a link
# refused): what it loaded is in raw, and a build may run on it (`make daily` does); the build's
# reconciliation then fails on the file left out (reconciliation_completeness).
FILES_LEFT_OUT = 4


@dataclass
class FeedReport:
    files: int = 0
    rows: int = 0
    loaded: int = 0
    quarantined: int = 0
    skipped_files: int = 0
    extra_columns: set[str] = field(default_factory=set)
    rejected: list[str] = field(default_factory=list)
    unread: list[UnreadFile] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)


def feed_columns(feed: Feed) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for c in feed.columns:
        hint: dict[str, Any] = {"data_type": DLT_TYPES[c.type], "nullable": not c.required}
        if c.type == "decimal":
            hint.update(precision=c.precision, scale=c.scale)
        if c.type == "timestamp":
            hint.update(timezone=True)
        columns[c.name] = hint
    columns["_source_file"] = {"data_type": "text", "nullable": False}
    columns["_source_row_number"] = {"data_type": "bigint", "nullable": False}
    return columns


def _to_table(item: pa.Table, table_name: str, columns: dict[str, Any]) -> Any:
    """Sends `item` to `table_name` with that table's own hints. Every table a feed resource
    writes is a variant, so the feed's columns never leak into the side tables. Every table is
    appended to (raw_layer keeps that exactly once)."""
    hints = dlt.mark.make_hints(table_name=table_name, write_disposition="append", columns=columns)
    # Arrow nullability follows the hints, so dlt sees one schema, not two to reconcile.
    schema = pa.schema([f.with_nullable(columns.get(f.name, {}).get("nullable", True)) for f in item.schema])
    return dlt.mark.with_hints(item.cast(schema), hints, create_table_variant=True)


def _deliveries(records: list[dict[str, Any]]) -> pa.Table:
    now = dt.datetime.now(dt.UTC)
    columns: dict[str, pa.Array] = {}
    types = {"bigint": pa.int64(), "text": pa.string(), "bool": pa.bool_()}
    for name, hint in DELIVERY_COLUMNS.items():
        if name == "read_at":
            columns[name] = pa.array([now] * len(records), pa.timestamp("us", tz="UTC"))
        else:
            columns[name] = pa.array([r.get(name) for r in records], types[hint["data_type"]])
    return pa.table(columns)


def _feed_read(feed: Feed, report: FeedReport, stopped: tuple[FileRejected, int] | None) -> pa.Table:
    """The feed's row of raw.feed_reads for this load (FEED_READ_COLUMNS)."""
    rejected, waiting = stopped if stopped else (None, 0)
    refused = sum(1 for u in report.unread if u.status == "refused")
    return pa.table({
        "feed": pa.array([feed.name], pa.string()),
        "files_read": pa.array([report.files], pa.int64()),
        "rejected_file_name": pa.array([rejected.file if rejected else None], pa.string()),
        "rejection_reason": pa.array([rejected.problem if rejected else None], pa.string()),
        "files_waiting": pa.array([waiting], pa.int64()),
        "links_refused": pa.array([refused], pa.int64()),
        "read_at": pa.array([dt.datetime.now(dt.UTC)], pa.timestamp("us", tz="UTC")),
    })  # fmt: skip


def _delivery(delivered: DeliveredFile, feed: Feed, parsed: ParsedFile, good: int, bad: int) -> dict:
    rows, extra, fingerprint = parsed.records.num_rows, parsed.extra_columns, parsed.fingerprint
    return {
        "file_name": delivered.relative,
        "feed": feed.name,
        "file_format": delivered.format,
        "file_size": delivered.size,
        "file_fingerprint": fingerprint,
        "delivery_status": "loaded",
        "rows_in_file": rows,
        "rows_loaded": good,
        "rows_quarantined": bad,
        "extra_columns": ", ".join(extra) or None,
        "is_current": True,
    }


def _unread(unread: UnreadFile, feed: Feed) -> dict:
    return {
        "file_name": unread.relative,
        "feed": feed.name,
        "file_size": unread.size,
        "file_fingerprint": unread.fingerprint,
        "delivery_status": unread.status,
        "status_reason": unread.reason,
        "rows_in_file": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "is_current": True,
    }


def _per_file(table: pa.Table, column: str) -> dict[str, int]:
    counts = pc.value_counts(table.column(column))
    return {c["values"].as_py(): c["counts"].as_py() for c in counts} if len(counts) else {}


def _batch_records(batch: list[tuple[DeliveredFile, ParsedFile]]) -> pa.Table:
    """The batch's records as one table with _source_file; files whose column types differ
    (Parquet from different writers) are compared as text, which every check accepts."""
    tables = [
        p.records.append_column("_source_file", pa.array([f.relative] * p.records.num_rows, pa.string()))
        for f, p in batch
    ]
    if any(t.schema != tables[0].schema for t in tables[1:]):
        tables = [t.cast(pa.schema([(n, pa.string()) for n in t.column_names])) for t in tables]
    return pa.concat_tables(tables)


def _parsed_in_order(
    files: Iterable[DeliveredFile], read: Callable[[DeliveredFile], ParsedFile]
) -> Iterator[tuple[DeliveredFile, ParsedFile | FileRejected]]:
    """Reads and parses a few files at once, in threads, and gives them back in delivery order;
    a rejected file comes back as its FileRejected. Only a few parsed files wait at a time."""

    def attempt(delivered: DeliveredFile) -> ParsedFile | FileRejected:
        try:
            return read(delivered)
        except FileRejected as exc:
            return exc

    waiting: deque[tuple[DeliveredFile, Future[ParsedFile | FileRejected]]] = deque()
    with ThreadPoolExecutor(max_workers=PARSE_WORKERS) as pool:
        try:
            for delivered in files:
                waiting.append((delivered, pool.submit(attempt, delivered)))
                if len(waiting) > 2 * PARSE_WORKERS:
                    done, future = waiting.popleft()
                    yield done, future.result()
            while waiting:
                done, future = waiting.popleft()
                yield done, future.result()
        finally:  # the caller stopped early (a rejected file): drop what is still queued
            for _, future in waiting:
                future.cancel()


def _read_ahead(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Yields `batches` in order, fetching the next one in a thread while the caller handles the
    last: DuckDB's export of the checked rows and dlt's Parquet writer then run side by side
    instead of in turn (at 1.4M lines, 1.84 s in turn, 1.22-1.32 s side by side). The batches'
    source is used by that one thread only, one batch at a time."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        remaining = iter(batches)
        upcoming = pool.submit(next, remaining, None)
        while (batch := upcoming.result()) is not None:
            upcoming = pool.submit(next, remaining, None)
            yield batch


def _scratch() -> duckdb.DuckDBPyConnection:
    """The load's in-memory DuckDB, where every feed checks its rows (each on a cursor of its own,
    Checker). One database for all the feeds, so one memory limit holds them all: dlt reads the
    feeds side by side, round robin, and a database each would each take the limit. The limit is
    a share of the warehouse's (settings.scratch_memory_limit); beyond it, it spills to the
    pipelines folder."""
    con = duckdb.connect()
    con.execute("set global TimeZone = 'UTC'")  # global: the feeds' cursors see it too
    con.execute(f"set memory_limit = '{settings.scratch_memory_limit()}'")
    con.execute("set preserve_insertion_order = false")  # the order rows reach dlt in is no one's concern
    spill = str(settings.pipelines_dir() / "scratch").replace("'", "''")
    con.execute(f"set temp_directory = '{spill}'")
    return con


def feed_resource(
    feed: Feed,
    source: Source,
    report: FeedReport,
    bar: tqdm | None,
    known: dict[str, str],
    loaded: set[str],
    scratch: duckdb.DuckDBPyConnection,
) -> Any:
    """`known`: file name -> content hash of its current delivery record; `loaded`: the feed's
    files whose current record says they were loaded (to report files gone from the source);
    `scratch`: the load's scratch DuckDB (_scratch), shared by every feed."""
    columns = feed_columns(feed)

    @dlt.resource(name=feed.name)
    def rows() -> Iterator[Any]:
        checker = Checker(scratch.cursor(), feed)
        batch: list[tuple[DeliveredFile, ParsedFile]] = []
        first = True

        def flush() -> Iterator[Any]:
            """Checks the files read so far in one pass; yields their quarantined rows and
            delivery records. Their good rows wait with the checker until every file is read."""
            nonlocal first
            if not batch:
                return
            checked = checker.add(_batch_records(batch))
            # yielded even when empty, so raw.quarantine exists from the first load on
            yield _to_table(checked.bad, "quarantine", QUARANTINE_COLUMNS)
            good, bad = checked.passed_per_file, _per_file(checked.bad, "file_name")
            deliveries = [_delivery(f, feed, p, good.get(f.relative, 0), bad.get(f.relative, 0)) for f, p in batch]
            yield _to_table(_deliveries(deliveries), "file_deliveries", DELIVERY_COLUMNS)
            for _, p in batch:
                report.files += 1
                report.rows += p.records.num_rows
                report.extra_columns.update(p.extra_columns)
            report.loaded += sum(good.values())
            report.quarantined += checked.bad.num_rows
            batch.clear()
            if first:
                first = False
                faults.reached("extract:first-batch")

        def read(delivered: DeliveredFile) -> ParsedFile:
            """Parses the file and keeps the hash of the bytes it parsed: a file rewritten between
            the listing and the read is recorded as what was read, so the next load reads it again."""
            data = source.read(delivered)
            parsed = parse(data, delivered.relative, delivered.format, feed, delivered.compressed)
            return dataclasses.replace(parsed, fingerprint=content_hash(data))

        # Every raw table exists after any load, empty when nothing was ever delivered, typed
        # from the contract, so what reads raw never meets a missing table.
        yield _to_table(checker.empty(), feed.name, columns)
        yield _to_table(_deliveries([]), "file_deliveries", DELIVERY_COLUMNS)
        listing = source.files(feed.name, known)
        report.unread = listing.unread
        present = {f.relative for f in listing.delivered}
        report.vanished = sorted(loaded - present - {u.relative for u in listing.unread})
        # An unread file is recorded once; a loaded file that turns into one (a link, a rename of
        # its format) keeps its loaded record and rows, and is reported on every load.
        new_unread = [
            _unread(u, feed)
            for u in listing.unread
            if known.get(u.relative) != u.fingerprint and u.relative not in loaded
        ]
        if new_unread:
            yield _to_table(_deliveries(new_unread), "file_deliveries", DELIVERY_COLUMNS)
        new_files = []
        for delivered in listing.delivered:
            if known.get(delivered.relative) == delivered.fingerprint:
                report.skipped_files += 1
            else:
                new_files.append(delivered)
        pending = 0
        stopped: tuple[FileRejected, int] | None = None
        for index, (delivered, parsed) in enumerate(_parsed_in_order(new_files, read)):
            if isinstance(parsed, FileRejected):
                report.rejected.append(str(parsed))
                stopped = (parsed, len(new_files) - index - 1)
                break  # later files of this feed wait until this one is fixed
            batch.append((delivered, parsed))
            pending += parsed.records.num_rows
            if bar is not None:
                bar.update(parsed.records.num_rows)
            if pending >= BATCH_ROWS:
                yield from flush()
                pending = 0
        yield from flush()
        for good in _read_ahead(checker.passed_rows(BATCH_ROWS)):
            yield _to_table(pa.Table.from_batches([good]), feed.name, columns)
        checker.con.close()
        yield _to_table(_feed_read(feed, report, stopped), "feed_reads", FEED_READ_COLUMNS)

    return rows


@dataclass(frozen=True)
class Delivered:
    """What the warehouse already holds, read from its delivery log before a load."""

    fingerprints: dict[str, str] = field(default_factory=dict)  # file -> content hash, current record
    loaded: dict[str, set[str]] = field(default_factory=dict)  # feed -> files whose current record is loaded


@dlt.source(name=settings.PIPELINE_NAME, max_table_nesting=0)
def commerce_raw(
    source_url: str = dlt.config.value,
    feeds: list[str] | None = None,
    delivered: Delivered | None = None,
    reports: dict[str, FeedReport] | None = None,
    bar: tqdm | None = None,
    scratch: duckdb.DuckDBPyConnection | None = None,
) -> list[Any]:
    """The raw feeds: one resource per feed (`feeds`, default all), reading the files under
    `<source_url>/<feed>/` that `delivered` does not already hold, checking their rows in
    `scratch` (by default a new _scratch, which lives as long as the source; load_into gives one
    and closes it after the extract). `source_url` comes from the argument or from dlt's
    configuration (`sources.commerce_raw.source_url`: the environment, `.dlt/config.toml`). Load
    it with `load_into`, which holds the warehouse lock and keeps raw exactly once; on its own, it
    reads every file."""
    source = Source(source_url)
    delivered = delivered or Delivered()
    reports = reports if reports is not None else {}
    scratch = _scratch() if scratch is None else scratch
    return [
        feed_resource(
            FEEDS[name],
            source,
            reports.setdefault(name, FeedReport()),
            bar,
            delivered.fingerprints,
            delivered.loaded.get(name, set()),
            scratch,
        )
        for name in feeds or list(FEEDS)
    ]


def make_pipeline(t: Target) -> dlt.Pipeline:
    # Every raw row must carry its load id: recovery and re-delivery work by it.
    os.environ["NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID"] = "true"
    # A load package's job files are a copy of every row it loaded, customers' names and emails
    # among them, which dlt keeps by default after loading them, load after load. Once loaded they
    # are deleted (recovery reads the warehouse, never them); the package's record stays, and dlt
    # keeps the files of a package with a failed job. LOAD__DELETE_COMPLETED_JOBS=false keeps them.
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
    return dlt.pipeline(
        pipeline_name=settings.PIPELINE_NAME,
        pipelines_dir=str(settings.dlt_pipelines_dir()),
        destination=t.destination,
        staging=t.staging,
        dataset_name=settings.RAW_DATASET,
    )


def source_url_setting(given: str | None) -> str:
    """The delivery root: the argument, else dlt's `sources.commerce_raw.source_url`, else data/raw."""
    if given:
        return given
    configured = dlt.config.get(f"sources.{settings.PIPELINE_NAME}.source_url", str)
    return configured or str(settings.DEFAULT_SOURCE)


def run_load(
    source_url: str | None,
    destination: str = "duckdb",
    feeds: list[str] | None = None,
    progress: bool = True,
    wait: bool = False,
) -> int:
    """Loads every new or changed file; prints per-feed counts; returns the process exit code.
    Raises WarehouseBusy when another load holds the warehouse (unless `wait`)."""
    names = feeds or list(FEEDS)
    unknown = [n for n in names if n not in FEEDS]
    if unknown:
        print(f"error: unknown feed(s): {', '.join(unknown)}; feeds are {', '.join(FEEDS)}", file=sys.stderr)
        return 2
    try:
        t = target(destination)
    except DestinationConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    source = Source(source_url_setting(source_url))  # a missing folder stops the load before the lock

    def notify(message: str) -> None:
        print(message, file=sys.stderr)

    with warehouse_lock(t.lock_path, t.description, wait=wait, notify=notify):
        if destination == "duckdb" and not warehouse_exists():
            # A new warehouse file: forget local pipeline state and packages of an older one.
            shutil.rmtree(settings.dlt_pipelines_dir() / settings.PIPELINE_NAME, ignore_errors=True)
            create_warehouse_file(settings.warehouse_path())
        return load_into(t, source, names, progress)


def load_into(t: Target, source: Source | str, names: list[str], progress: bool = True) -> int:
    """Loads every new or changed file of the named feeds into an assembled target, with the
    warehouse lock held by the caller; prints per-feed counts."""
    faults.install()
    if isinstance(source, str):
        source = Source(source)
    reports = {name: FeedReport() for name in names}
    pipeline = make_pipeline(t)
    # A failed run's packages are never replayed: dlt aborts them (a package half loaded is closed
    # as aborted, never recorded in _dlt_loads) and restores its local state; whatever an aborted
    # package had written is then removed by recover() below, and its files are read again.
    pipeline.abort_packages()
    with pipeline.sql_client() as client:
        raw = RawLayer(client, FEEDS)
        recovered = raw.recover()
        delivered = Delivered(raw.current_deliveries(), {name: raw.current_files(name) for name in names})
    bar = tqdm(desc="reading rows", unit="row", unit_scale=True, disable=not progress, file=sys.stderr)
    scratch = _scratch()
    try:
        feeds = commerce_raw(source.url, names, delivered, reports, bar, scratch)
        pipeline.extract(feeds, loader_file_format=t.file_format)
    finally:
        scratch.close()
    bar.close()
    faults.reached("extract:done")
    pipeline.normalize()
    faults.reached("normalize:done")
    # A failed job must fail the load: dlt would otherwise record the load as complete.
    pipeline.load(raise_on_failed_jobs=True)
    faults.reached("apply:before")
    with pipeline.sql_client() as client:
        raw = RawLayer(client, FEEDS)
        replaced = raw.apply()
        never = [name for name in names if not raw.current_files(name)]
    print(summary(t, reports, recovered, replaced, never))
    refused = any(u.status == "refused" for r in reports.values() for u in r.unread)
    return FILES_LEFT_OUT if refused or any(r.rejected for r in reports.values()) else 0


def summary(
    t: Target,
    reports: dict[str, FeedReport],
    recovered: dict[str, int] | None = None,
    replaced: int = 0,
    never: list[str] | None = None,
) -> str:
    lines = [f"loaded into {t.description}, schema {settings.RAW_DATASET}:"]
    if recovered:
        rows = ", ".join(f"{table} {n:,}" for table, n in sorted(recovered.items()))
        lines.append(f"  recovered: an earlier load did not complete; its rows were removed ({rows}) and read again")
    lines.append(f"  {'feed':<16}{'files':>7}{'rows':>11}{'loaded':>11}{'quarantined':>13}{'unchanged files':>17}")
    for name, r in reports.items():
        lines.append(f"  {name:<16}{r.files:>7}{r.rows:>11,}{r.loaded:>11,}{r.quarantined:>13,}{r.skipped_files:>17}")
    if replaced:
        lines.append(f"  {replaced} file(s) delivered again with new content replaced what they delivered before")
    for name, r in reports.items():
        if r.extra_columns:
            lines.append(
                f"  note: {name} files carry columns the contract does not know (not loaded): "
                + ", ".join(sorted(r.extra_columns))
            )
        for unread in r.unread:
            word = "REFUSED" if unread.status == "refused" else "ignored"
            lines.append(f"  {word} {name}: {unread.relative}: {unread.reason}")
        for gone in r.vanished:
            lines.append(
                f"  note: {name}: {gone} was loaded before and is no longer in the source; its rows stay in raw"
            )
        if name in (never or []):
            lines.append(f"  note: {name} has never been delivered (its table is empty): {FEEDS[name].when_missing}")
        for problem in r.rejected:
            lines.append(
                f"  REJECTED {name}: {problem} -- this feed stopped at that file; fix or remove it and load again"
            )
    return "\n".join(lines)


__all__ = [
    "FILES_LEFT_OUT",
    "LINEAGE_COLUMNS",
    "commerce_raw",
    "feed_columns",
    "load_into",
    "make_pipeline",
    "run_load",
    "summary",
]
