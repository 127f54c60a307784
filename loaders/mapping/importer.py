"""Imports export files into the transactions feed with a mapping, and accounts for every row.

Every source file becomes one delivered file, `<out>/transactions/<name>/transactions_<name>.csv`
(`<name>`: the source file's name without its extension), holding that file's sale lines and
refunds in source order. Nothing is written until every row of every file has been read, so an
error leaves the delivery root as it was. Importing the same file again rewrites the same
bytes (the loader then reads nothing new); importing a corrected one replaces what it delivered.
A replacement that would take out a line the delivered file holds (another export under the same
name, say next month's `orders.csv`, whose delivery would delete last month's lines from the
warehouse) is refused unless `replace` says it corrects that file (decision log §13).

Beside each delivered file goes its trailer, `<out>/control_totals/import/control_totals_<name>.csv`:
what the source file holds, by the control totals' rules (row_count, and sum_refund_amount per
currency), unmatched returns included. A return no sale line can take is left out of the feed, but
not out of the claim, so reconciliation_control_totals fails on the money it leaves out and the
warehouse says so, until the export with its sale is imported too, or `leave_out_unmatched` says
to leave it out of the claim as well (decision log §13).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from loaders.contracts import CONTROL_SUMS, CONTROL_TOTALS, MONEY_METRICS, NO_CURRENCY

from .config import FEED, Derived, Mapping
from .problems import MappingError, at
from .returns import Match, Unmatched, match_returns
from .rows import Line, RowReader, RowRef
from .values import cents, iso

REJECTS = "import_rejects"  # beside the feed folders; the loader reads only feed folders
REJECT_COLUMNS = (
    "source_file", "source_row", "reason", "order_id", "customer_id", "sku", "quantity", "event_ts", "currency",
    "goods_after_discount",
)  # fmt: skip
SHOWN = 5  # unmatched returns named on the command line; the rejects file lists all
CLAIMS_FOLDER = "import"  # under control_totals/: the importer's trailers, one per delivered file


@dataclass
class Totals:
    """Money of one currency, as written (and what rounding to cents changed)."""

    sales_goods: Decimal = Decimal(0)  # quantity x unit price of the sale lines
    sales_discount: Decimal = Decimal(0)
    refunds: Decimal = Decimal(0)  # refund_amount: goods given back, after discount
    unmatched: Decimal = Decimal(0)  # goods after discount of the returns left out
    sales_rounding: Decimal = Decimal(0)  # sale lines' net goods written - unrounded, as the source says
    refunds_rounding: Decimal = Decimal(0)  # the same for refunds


@dataclass
class Imported:
    """What an import read and wrote. rows_read = sale_lines + refunds + skipped + unmatched."""

    written: list[tuple[Path, int]]  # delivered file, rows
    # delivered file replaced, lines it held that the import does not (None: the file was gone)
    removed: list[tuple[Path, int | None]]
    rows_read: int
    sale_lines: int
    refunds: int
    skipped: dict[str, int]  # reason -> rows
    unmatched: list[Unmatched]
    rejects: list[Path]
    claims: list[Path]  # the trailers written, one per delivered file
    unmatched_claimed: bool  # whether the trailers claim the unmatched returns (not left out by choice)
    totals: dict[str, Totals]
    rounded: int  # values with more than 2 decimals, rounded to cents

    def summary(self) -> list[str]:
        """The command line's account of the import, one line per fact."""
        skipped = sum(self.skipped.values())
        lines = [
            f"rows read {self.rows_read:,} = {self.sale_lines:,} sale lines + {self.refunds:,} refunds written "
            f"+ {skipped:,} skipped + {len(self.unmatched):,} returns unmatched"
        ]
        if self.skipped:
            lines.append("skipped: " + "; ".join(f"{n:,} {why}" for why, n in sorted(self.skipped.items())))
        if self.unmatched:
            shown = "; ".join(f"{u.ret.ref}: {u.reason}" for u in self.unmatched[:SHOWN])
            more = f"; and {len(self.unmatched) - SHOWN:,} more" if len(self.unmatched) > SHOWN else ""
            where = ", ".join(str(p) for p in self.rejects)
            lines.append(
                f"returns unmatched {len(self.unmatched):,}, left out (no sale line found; all listed in {where}): "
                f"{shown}{more}"
            )
            lines.append(
                "the trailers claim them, so reconciliation_control_totals fails on the refunds they leave out until "
                "the export holding their sales is imported too (or import with --leave-out-unmatched-returns)"
                if self.unmatched_claimed
                else "left out of the trailers too (--leave-out-unmatched-returns): the warehouse's refunds do not "
                "include them, and nothing says so"
            )
        for currency, t in sorted(self.totals.items()):
            lines.append(
                f"{currency}: sale lines {t.sales_goods:,.2f} goods (quantity x unit price), {t.sales_discount:,.2f} "
                f"discount; refunds {t.refunds:,.2f} goods given back (after discount); returns unmatched "
                f"{t.unmatched:,.2f}"
            )
        if self.rounded:
            changes = ", ".join(
                f"{t.sales_rounding:+f} {c} on sale lines, {t.refunds_rounding:+f} {c} on refunds"
                for c, t in sorted(self.totals.items())
                if t.sales_rounding or t.refunds_rounding
            )
            lines.append(
                f"rounded to cents (half away from zero): {self.rounded:,} values with more than 2 decimals"
                + (f"; goods after discount written differ from the unrounded source by {changes}" if changes else "")
            )
        for path, rows in self.written:
            lines.append(f"wrote {rows:,} rows to {path}")
        for path in self.claims:
            lines.append(f"wrote the trailer (what the source file holds, for reconciliation) to {path}")
        for path, gone in self.removed:
            lines.append(
                f"replaced {path}: {gone:,} lines it delivered are not in this import and leave the warehouse"
                if gone is not None
                else f"replaced {path}, delivered by an earlier import and since deleted: the lines it delivered "
                "that this import lacks leave the warehouse, and are not known here"
            )
        return lines


def output_name(path: Path) -> str:
    """The name a source file's output goes under, with only safe characters: the file's name
    without its extension (`orders.2025-01.csv` goes under `orders.2025-01`), or, compressed,
    without `.gz` and then `.csv` if it follows (`orders.2025-01.csv.gz` and `orders.2025-01.gz`
    too). Cut at the first dot, `orders.2025-01.csv.gz` and `orders.2025-02.csv.gz` shared one
    name, and "rename one" had to change what was before it."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[: -len(".gz")]
        stem = name[: -len(".csv")] if name.lower().endswith(".csv") else name
    else:
        stem = Path(name).stem
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "import"


def import_files(
    mapping: Mapping, sources: Sequence[Path], out: Path, replace: bool = False, leave_out_unmatched: bool = False
) -> Imported:
    """Reads every source file with the mapping, matches returns, and writes the feed and its
    trailers. A file already delivered under a source's name is replaced only when the import
    holds every line it delivered, or `replace` says the import corrects it. The trailers claim
    the unmatched returns unless `leave_out_unmatched`."""
    names: dict[str, Path] = {}
    for path in sources:
        name = output_name(path)
        if name in names:
            raise MappingError(f"{path}: writes to the same output as {names[name]} (transactions/{name}/); rename one")
        names[name] = path
    reader = RowReader(mapping)
    for name, path in names.items():
        reader.add_file(path, name)
    read = reader.read
    sales = [line for line in read.lines if not line.is_return]
    _number_lines(mapping, sales)
    matched, unmatched = match_returns(sales, [line for line in read.lines if line.is_return])
    refunds = [_refund(mapping, m) for m in matched]
    _order_totals(mapping, sales)
    rows = sorted(sales + refunds, key=lambda line: line.position)
    _unique_ids(rows)
    accounted = len(sales) + len(refunds) + sum(read.skipped.values()) + len(unmatched)
    if accounted != read.rows:  # a bug, never the data: write nothing rather than lose a row
        raise RuntimeError(f"{accounted} rows accounted for, {read.rows} read")
    removed = _lines_taken_out(out, names, rows, replace)
    written, rejects = _write(out, list(names), rows, unmatched)
    claims = _write_claims(out, list(names), rows, [] if leave_out_unmatched else unmatched)
    return Imported(
        written, removed, read.rows, len(sales), len(refunds), dict(read.skipped), unmatched, rejects, claims,
        not leave_out_unmatched, _totals(sales, refunds, unmatched), read.rounded,
    )  # fmt: skip


def _number_lines(mapping: Mapping, sales: list[Line]) -> None:
    """line_number per_order (1, 2, ... in source order) and line_event_id order_and_line."""
    if isinstance(mapping.sources.get("line_number"), Derived):
        counters: Counter[str] = Counter()
        for line in sales:
            counters[line.values["order_id"]] += 1
            line.values["line_number"] = counters[line.values["order_id"]]
    if isinstance(mapping.sources.get("line_event_id"), Derived):
        for line in sales:
            line.values["line_event_id"] = f"{line.values['order_id']}-{line.values['line_number']}"


def _refund(mapping: Mapping, found: Match) -> Line:
    """A matched return as the contract's refund line: it carries its sale line's order, line
    number, customer, channel and store (the same SKU and currency), positive amounts, and no
    order total."""
    assert mapping.returns is not None
    ret, sale = found.ret, found.sale
    carried = {c: sale.values[c] for c in ("order_id", "line_number", "customer_id", "channel", "store_id", "currency")}
    if isinstance(mapping.sources.get("line_event_id"), Derived):
        carried["line_event_id"] = f"{sale.values['line_event_id']}-R{found.number}"
    values = ret.values.copy(
        **carried,
        event_type="refund",
        order_total=None,
        refunded_line_event_id=sale.values["line_event_id"],
        refund_amount=ret.net,
        refund_reason=mapping.returns.reason,
        restocked=mapping.returns.restocked,
    )
    return Line(ret.ref, ret.position, ret.output, True, values, ret.exact_net)


def _order_totals(mapping: Mapping, sales: list[Line]) -> None:
    """order_total sum_of_lines: goods - discount + tax + shipping charged over the order's sale lines."""
    if not isinstance(mapping.sources.get("order_total"), Derived):
        return
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in sales:
        totals[line.values["order_id"]] += line.net + line.values["line_tax"] + line.values["shipping_charged"]
    for line in sales:
        line.values["order_total"] = totals[line.values["order_id"]]


def _unique_ids(rows: list[Line]) -> None:
    seen: dict[str, RowRef] = {}
    for line in rows:
        key = line.values["line_event_id"]
        if key in seen:
            raise MappingError(
                f"{at(line.ref.file, line.ref.row)}: line_event_id {key!r} is also the id of {seen[key]}; ids must be "
                "unique (map a unique column, or derive: line_event_id: order_and_line)"
            )
        seen[key] = line.ref


def _totals(sales: list[Line], refunds: list[Line], unmatched: list[Unmatched]) -> dict[str, Totals]:
    totals: dict[str, Totals] = defaultdict(Totals)
    for line in sales:
        t, v = totals[line.values["currency"]], line.values
        t.sales_goods += v["quantity"] * v["unit_price"]
        t.sales_discount += v["line_discount"]
        t.sales_rounding += line.net - line.exact_net
    for line in refunds:
        t = totals[line.values["currency"]]
        t.refunds += line.values["refund_amount"]
        t.refunds_rounding += line.net - line.exact_net
    for u in unmatched:
        totals[u.ret.values["currency"]].unmatched += u.ret.net
    return dict(totals)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return iso(value)  # type: ignore[arg-type]
    return str(value)


def _target(out: Path, name: str) -> Path:
    return out / FEED.name / name / f"{FEED.name}_{name}.csv"


def _trailer(out: Path, name: str) -> Path:
    return out / CONTROL_TOTALS.name / CLAIMS_FOLDER / f"{CONTROL_TOTALS.name}_{name}.csv"


def _lines_taken_out(
    out: Path, names: dict[str, Path], rows: list[Line], replace: bool
) -> list[tuple[Path, int | None]]:
    """The delivered files this import replaces, with the lines each holds that the import does
    not; refused (a MappingError, nothing written) without `replace`: another export under the
    same name would otherwise delete the lines of the first from the warehouse."""
    kept: dict[str, set[str]] = defaultdict(set)
    for line in rows:
        kept[line.output].add(str(line.values["line_event_id"]))
    removed = []
    for name, source in names.items():
        target = _target(out, name)
        if not target.exists():
            # its trailer says an import delivered a file here: the loader still holds its lines,
            # and a new file at the path would replace them, unseen from here
            trailer = _trailer(out, name)
            if trailer.exists() and not replace:
                raise MappingError(
                    f"{source}: {target} was delivered by an earlier import (its trailer {trailer} is there) and "
                    "is gone: the warehouse still holds its lines, and writing this import there would replace "
                    f"them. If {source.name} corrects that delivery, run again with --replace; if it is another "
                    "export, rename it so that it goes to transactions/<its name>/"
                )
            if trailer.exists():
                removed.append((target, None))  # what it delivered is not here to compare
            continue
        with target.open(newline="", encoding="utf-8") as handle:
            delivered = [(r["line_event_id"], r["event_ts"][:10]) for r in csv.DictReader(handle)]
        gone = [(key, day) for key, day in delivered if key not in kept[name]]
        if not gone:
            continue
        if not replace:
            days = sorted(day for _, day in gone)
            raise MappingError(
                f"{source}: {target} already holds {len(gone):,} of {len(delivered):,} delivered lines "
                f"({days[0]} to {days[-1]}) that this import does not, and writing it there would take them out "
                f"of the warehouse. If {source.name} corrects that delivery, run again with --replace; if it is "
                f"another export (say, the next month's), rename it so that it goes to transactions/<its name>/"
            )
        removed.append((target, len(gone)))
    return removed


def _write(
    out: Path, names: list[str], rows: list[Line], unmatched: list[Unmatched]
) -> tuple[list[tuple[Path, int]], list[Path]]:
    """One delivered file per source file (a header alone when nothing of it is left), and a
    rejects file per source file with unmatched returns (an earlier one is removed)."""
    by_output: dict[str, list[Line]] = defaultdict(list)
    for line in rows:
        by_output[line.output].append(line)
    rejected: dict[str, list[Unmatched]] = defaultdict(list)
    for u in unmatched:
        rejected[u.ret.output].append(u)
    written, rejects = [], []
    for name in names:
        target = _target(out, name)
        lines = by_output[name]
        _write_csv(target, FEED.column_names, ([_text(line.values[c]) for c in FEED.column_names] for line in lines))
        written.append((target, len(by_output[name])))
        reject_file = out / REJECTS / f"{FEED.name}_{name}.csv"
        if rejected[name]:
            _write_csv(reject_file, REJECT_COLUMNS, (_reject_row(u) for u in rejected[name]))
            rejects.append(reject_file)
        else:
            reject_file.unlink(missing_ok=True)
    return written, rejects


def _write_claims(out: Path, names: list[str], rows: list[Line], unmatched: list[Unmatched]) -> list[Path]:
    """One trailer per delivered file: what the source file holds by the control totals' rules
    (loaders.contracts.CONTROL_SUMS: row_count, and each sum, money per currency, 0 where no row
    has a value), the returns in `unmatched` added to row_count and to sum_refund_amount (goods
    given back, after discount) though the file leaves them out. Its business date is the file's
    last event day, so the same export gives the same bytes."""
    claims = []
    for name in names:
        lines = [line for line in rows if line.output == name]
        left_out = [u for u in unmatched if u.ret.output == name]
        totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for line in lines:
            currency = line.values["currency"]
            for metric, expression in CONTROL_SUMS[FEED.name].items():
                key = (metric, currency if metric in MONEY_METRICS else NO_CURRENCY)
                totals[key] += _claimed(line, expression)
        for u in left_out:
            totals[("sum_refund_amount", u.ret.values["currency"])] += cents(u.ret.net)
        days = [iso(line.values["event_ts"])[:10] for line in lines]
        days += [iso(u.ret.values["event_ts"])[:10] for u in left_out]
        delivered = f"{FEED.name}/{name}/{FEED.name}_{name}.csv"
        business_date = max(days) if days else ""
        claimed = [(delivered, FEED.name, business_date, "row_count", NO_CURRENCY, str(len(lines) + len(left_out)))]
        claimed += [
            (delivered, FEED.name, business_date, metric, currency, f"{amount:f}")
            for (metric, currency), amount in sorted(totals.items())
        ]
        target = _trailer(out, name)
        _write_csv(target, CONTROL_TOTALS.column_names, claimed)
        claims.append(target)
    return claims


def _claimed(line: Line, expression: str) -> Decimal:
    """A row's part of a control sum, from the values as written: a column, or a product of
    columns (quantity * unit_price); 0 where a value is missing, as the sum ignores it."""
    value = Decimal(1)
    for column in expression.split(" * "):
        text = _text(line.values[column])
        if text == "":
            return Decimal(0)
        value *= Decimal(text)
    return value


def _reject_row(u: Unmatched) -> list[str]:
    v = u.ret.values
    return [
        u.ret.ref.file, str(u.ret.ref.row), u.reason, v["order_id"], v["customer_id"] or "", v["sku"],
        str(v["quantity"]), iso(v["event_ts"]), v["currency"], f"{u.ret.net:.2f}",
    ]  # fmt: skip


def _write_csv(target: Path, header: Sequence[str], rows: Any) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    partial.replace(target)  # a loader never sees half a file
