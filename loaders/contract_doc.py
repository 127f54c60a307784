"""Renders the feed contract as Markdown (docs/raw_feeds.md is generated from it)."""

from __future__ import annotations

from .contracts import CONTROL_SUMS, FEEDS, LINEAGE_COLUMNS, MONEY_METRICS, Column


def _rules(c: Column) -> str:
    parts = []
    if c.allowed:
        parts.append("one of " + ", ".join(f"`{v}`" for v in c.allowed))
    if c.minimum is not None:
        parts.append(f"{'>' if c.exclusive_minimum else '>='} {c.minimum}")
    return "; ".join(parts)


def render_markdown() -> str:
    out = [
        "# Raw feed contract",
        "",
        "Generated from `loaders/contracts.py` by `python -m loaders contract`; do not edit by hand",
        "(`tests/python/test_cli.py` fails when this file is stale).",
        "",
        "## Delivery layout",
        "",
        "- One folder per feed under the source root (a local folder or `s3://bucket/prefix`), one",
        "  partition per delivery day: `<feed>/date=YYYY-MM-DD/<feed>_YYYY-MM-DD.<csv|parquet|jsonl>`.",
        "- Delivery order is the order of paths within a feed; when two deliveries carry the same",
        "  primary key, the later path wins, and a file re-delivered under the same path replaces",
        "  what it delivered before (merge on the primary key, never a duplicate).",
        '- CSV: UTF-8, a header line, comma separated, `"` quoting, an empty field is null.',
        "  JSON Lines: one object per line, keys are column names; money may be a string or a number.",
        "  Parquet: any column types that read as the contract types.",
        "- Every column below must be in the header unless it is optional; extra columns are recorded",
        "  in `raw.file_deliveries.extra_columns` and not loaded.",
        "- Money is tax-exclusive and in the row's currency; decimals use a point and at most the",
        "  scale shown. Timestamps are ISO 8601 with an explicit UTC offset (`Z` or `+hh:mm`).",
        "",
        "## What the loader adds",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
        *(f"| `{n}` | {t} | {d} |" for n, t, d in LINEAGE_COLUMNS),
        "",
        "Alongside the feeds the loader writes `raw.quarantine` (one row per rejected record: feed, file,",
        "row number, column, reason, raw value, raw record; no primary key) and `raw.file_deliveries`",
        "(one row per file read: rows in the file, loaded, quarantined, extra columns). For every",
        "delivery, `rows_in_file = rows_loaded + rows_quarantined`.",
        "",
    ]
    for feed in FEEDS.values():
        out += [
            f"## `{feed.name}`",
            "",
            feed.description,
            "",
            f"Primary key: `({', '.join(feed.primary_key)})`"
            + (
                f"; raw keeps every delivered version, keyed `({', '.join(feed.load_key)})`, "
                "and staging takes the latest"
                if feed.keeps_versions
                else ""
            ),
            "",
            "| column | type | required | rules | description |",
            "|---|---|---|---|---|",
        ]
        for c in feed.columns:
            out.append(
                f"| `{c.name}` | {c.contract_type} | {'yes' if c.required else 'no'} | {_rules(c)} | {c.description} |"
            )
        if feed.rules:
            out += ["", "Row rules (a row breaking one is quarantined):", ""]
            out += [f"- `{r.condition}`: otherwise *{r.reason}*" for r in feed.rules]
        sums = CONTROL_SUMS.get(feed.name)
        if sums is not None:
            described = ", ".join(
                f"`{m}` = sum of `{e}`{' per currency' if m in MONEY_METRICS else ''}" for m, e in sums.items()
            )
            out += ["", f"Control totals: `row_count`{', ' + described if described else ''}."]
        out.append("")
    return "\n".join(out)
