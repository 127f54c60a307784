"""Command line: `python -m publish {export,report}`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loaders.settings import warehouse_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publish", description="Exports and the month-end pack.")
    parser.add_argument("--verbose", action="store_true", help="show the full traceback of an error")
    parser.add_argument("--warehouse", type=Path, help="the DuckDB file (default: $FINANCE_WAREHOUSE_PATH)")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="write the marts as exports/<mart>/year=YYYY/month=MM/*.parquet")
    export.add_argument("--out", type=Path, default=Path("exports"), help="export root (default: %(default)s)")
    report = sub.add_parser("report", help="write the month-end pack as one self-contained HTML file")
    report.add_argument("--month", required=True, help="the month, YYYY-MM")
    report.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    warehouse = args.warehouse or warehouse_path()
    try:
        if args.command == "export":
            from .export import export_marts

            done, warning = export_marts(warehouse, args.out)
            print(f"exported {len(done)} marts to {args.out}: " + ", ".join(f"{d.mart} {d.rows:,}" for d in done))
            if warning:
                print(f"warning: {warning} (also in {args.out}/_build_status.json)")
        else:
            from .month_pack import write_pack

            print(f"wrote {write_pack(warehouse, args.month, args.out)}")
        return 0
    except Exception as exc:
        if args.verbose:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
