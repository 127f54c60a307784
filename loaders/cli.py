"""Command line: `python -m loaders {generate,load,contract,import-ecb,import,status,upgrade-format}`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from . import settings
from .errors import explain
from .generate.defects import DEFECTS


def _defect_names(text: str) -> str:
    """--plant: defect names, comma-separated, each one the generator knows."""
    unknown = [name for name in text.split(",") if name not in DEFECTS]
    if unknown:
        known = ", ".join(sorted(DEFECTS))
        raise argparse.ArgumentTypeError(f"unknown defect {', '.join(unknown)}; choose from {known}")
    return text


def _generate(args: argparse.Namespace) -> int:
    from .generate import Params, generate, orders_for_lines, read_state

    root = Path(args.out)
    if args.append_days:
        old = read_state(root)
        params = Params(**{**old.__dict__, "days": old.days + args.append_days})
        written = generate(root, params, first_day_to_write=old.days, progress=not args.quiet, plant=args.plant)
    else:
        start = dt.date.fromisoformat(args.start)
        orders = orders_for_lines(args.lines, start, args.days) if args.lines else args.orders_per_day
        params = Params(
            seed=args.seed,
            start=args.start,
            days=args.days,
            orders_per_day=round(orders, 3),
            products=args.products,
            customers=args.customers or max(500, int(orders * 25)),
            format=args.format,
        )
        if root.exists() and any(root.iterdir()) and not args.overwrite:
            print(f"error: {root} is not empty; pass --overwrite, or --append-days N to extend it", file=sys.stderr)
            return 2
        written = generate(root, params, progress=not args.quiet, plant=args.plant)
    total = ", ".join(f"{feed} {rows:,}" for feed, rows in sorted(written.items()))
    print(f"wrote {params.format} deliveries to {root}: {total}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from . import settings
    from .pipeline import run_load, source_url_setting
    from .root_claim import check, claim

    local = args.destination == "duckdb" and args.claim_warehouse
    root = source_url_setting(args.source)
    if local:
        check(settings.warehouse_path(), root)
    code = run_load(
        args.source, destination=args.destination, feeds=args.feeds, progress=not args.quiet, wait=args.wait
    )
    if local:
        claim(settings.warehouse_path(), root)
    return code


def _contract(args: argparse.Namespace) -> int:
    from .contract_doc import render_markdown

    text = render_markdown()
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _import_ecb(args: argparse.Namespace) -> int:
    from .ecb import import_history

    done = import_history(Path(args.file), Path(args.out))
    print(
        f"wrote {done.rows:,} fx_rates rows ({done.first_date} to {done.last_date}, USD per unit, crossed through the "
        f"ECB's USD rate) to {done.path}"
    )
    if done.days_without_usd:
        skipped = ", ".join(map(str, done.days_without_usd))
        print(f"skipped {len(done.days_without_usd)} days without a USD rate: {skipped}")
    if done.unknown_currencies:
        print(f"skipped currencies the contract does not know: {', '.join(done.unknown_currencies)}")
    return 0


def _import_mapping(args: argparse.Namespace) -> int:
    from .contracts import FEEDS
    from .mapping import import_files, load_mapping

    if args.feed != "transactions":
        known = "" if args.feed in FEEDS else f" (no such feed; the feeds are {', '.join(FEEDS)})"
        print(
            f"error: --feed {args.feed}{known}: only the transactions feed can be imported with a mapping today "
            "(for fx_rates from the ECB, use import-ecb)",
            file=sys.stderr,
        )
        return 2
    mapping = load_mapping(Path(args.mapping))
    done = import_files(
        mapping,
        [Path(f) for f in args.files],
        Path(args.out),
        replace=args.replace,
        leave_out_unmatched=args.leave_out_unmatched_returns,
    )
    print(f"imported {len(args.files)} file(s) with {mapping.name} into the transactions feed under {args.out}:")
    for line in done.summary():
        print(f"  {line}")
    return 0


def _upgrade_format(args: argparse.Namespace) -> int:
    from .file_format import upgrade

    print(upgrade(wait=args.wait))
    return 0


def _status(args: argparse.Namespace) -> int:
    from .status import report

    print(report())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders", description="Commerce finance raw feeds: sample data and dlt loaders."
    )
    parser.add_argument("--verbose", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write deterministic sample deliveries for every feed")
    gen.add_argument("--out", default=str(settings.DEFAULT_SOURCE), help="output folder (default: %(default)s)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--start", default="2025-09-01", help="first business day, YYYY-MM-DD (default: %(default)s)")
    gen.add_argument("--days", type=int, default=122, help="days of deliveries (default: %(default)s)")
    size = gen.add_mutually_exclusive_group()
    size.add_argument(
        "--orders-per-day", type=float, default=150.0, help="mean orders on an ordinary day (default: %(default)s)"
    )
    size.add_argument("--lines", type=int, help="approximate number of transaction lines in total instead")
    gen.add_argument("--products", type=int, default=300)
    gen.add_argument("--customers", type=int, help="initial customer accounts (default: 25 x orders per day)")
    gen.add_argument("--format", choices=("csv", "parquet", "jsonl"), default="csv")
    gen.add_argument(
        "--append-days", type=int, default=0, help="extend an earlier output by N days, keeping its parameters"
    )
    gen.add_argument("--overwrite", action="store_true", help="allow writing into a non-empty folder")
    gen.add_argument(
        "--plant",
        type=_defect_names,
        metavar="DEFECT[,DEFECT...]",
        help="plant one defect, or several comma-separated, in the last day written, to prove a "
        "reconciliation test fails: " + "; ".join(f"{name}: {d.summary}" for name, d in sorted(DEFECTS.items())),
    )
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=_generate)

    load = sub.add_parser("load", help="load new delivered files into the warehouse with dlt")
    load.add_argument(
        "--source",
        help="local folder or s3://bucket/prefix (default: dlt's sources.commerce_raw.source_url, else "
        f"{settings.DEFAULT_SOURCE})",
    )
    load.add_argument("--destination", choices=("duckdb", "redshift"), default="duckdb")
    load.add_argument("--feeds", nargs="+", help="only these feeds (default: all)")
    load.add_argument("--quiet", action="store_true", help="no progress bar")
    load.add_argument(
        "--wait", action="store_true", help="when another load holds the warehouse, wait for it instead of stopping"
    )
    load.add_argument(
        "--claim-warehouse",
        action="store_true",
        help="refuse a delivery root other than the one that first loaded this (local) warehouse; make run and "
        "make daily set it, as they name the warehouse after the root's folder",
    )
    load.set_defaults(func=_load)

    contract = sub.add_parser("contract", help="print the raw-feed contract as Markdown")
    contract.add_argument("--output", help="write to this file instead of standard output")
    contract.set_defaults(func=_contract)
    ecb = sub.add_parser(
        "import-ecb",
        help="turn the ECB's reference-rate history (eurofxref-hist.csv or .zip, per EUR) into the fx_rates feed",
    )
    ecb.add_argument("file", help="eurofxref-hist.csv or eurofxref-hist.zip, as downloaded from the ECB")
    ecb.add_argument("--out", required=True, help="the delivery root to write into (the file goes to fx_rates/ecb/)")
    ecb.set_defaults(func=_import_ecb)
    mapped = sub.add_parser(
        "import",
        help="turn CSV exports (order lines, invoice lines) into the transactions feed with a mapping file "
        "(docs/mapping.md)",
    )
    mapped.add_argument("--mapping", required=True, help="the mapping file (YAML; see docs/mapping.md)")
    mapped.add_argument("--feed", default="transactions", help="the feed to write (only transactions today)")
    mapped.add_argument("files", nargs="+", metavar="SOURCE_FILE", help="CSV export(s), read in the order given")
    mapped.add_argument(
        "--out", required=True, help="the delivery root to write into (each file goes to transactions/<its name>/)"
    )
    mapped.add_argument(
        "--replace",
        action="store_true",
        help="the files correct what was imported under their names before: replace it even where they no "
        "longer hold a line it delivered (those lines leave the warehouse)",
    )
    mapped.add_argument(
        "--leave-out-unmatched-returns",
        action="store_true",
        help="claim in the trailers only the returns written: reconciliation then passes, and the refunds of the "
        "returns no sale line could take are in no total (by default the trailers claim them, and it fails)",
    )
    mapped.set_defaults(func=_import_mapping)
    status = sub.add_parser("status", help="show where the warehouse is and what it holds")
    status.set_defaults(func=_status)
    upgrade = sub.add_parser(
        "upgrade-format",
        help=f"rewrite a warehouse created before in DuckDB's {settings.DUCKDB_STORAGE_VERSION} file format "
        "(stop dbt, loads and the dashboards first; the old file is kept beside it)",
    )
    upgrade.add_argument(
        "--wait", action="store_true", help="when a load holds the warehouse, wait for it instead of stopping"
    )
    upgrade.set_defaults(func=_upgrade_format)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except Exception as exc:
        if args.verbose:
            raise
        message, code = explain(exc)
        print(f"error: {message}", file=sys.stderr)
        return code
