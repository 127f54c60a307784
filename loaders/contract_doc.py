"""Renders the feed contract as Markdown (docs/raw_feeds.md is generated from it)."""

from __future__ import annotations

from .contracts import CONTROL_SUMS, FEEDS, LINEAGE_COLUMNS, MONEY_METRICS, Column


def _rules(c: Column) -> str:
    parts = []
    if c.reference:
        parts.append(f"a code of `seeds/{c.reference}.csv` (an open set: add a row to extend it)")
    elif c.allowed:
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
        "- Files may be gzip-compressed (`.csv.gz`, `.jsonl.gz`). Any other file under a feed's folder",
        "  is recorded as ignored (`raw.file_deliveries.delivery_status`), and a link that leads out of",
        "  the source root is refused; both are listed in the load summary.",
        "- **Delivery order is arrival order**: the load in which a file's content was first seen, then",
        "  the path within that load. Raw keeps every delivered file's rows; when two deliveries carry",
        "  the same primary key, the later delivery wins in staging. A file delivered again under the",
        "  same path with new content (a hash of its bytes tells) replaces everything it delivered",
        "  before, quarantined rows included; the same content is not read again.",
        "- A value that is empty or blank after trimming is null (missing, where required). An id",
        "  (`*_id`, `sku`, and a feed's key columns) with surrounding whitespace is quarantined, not",
        "  trimmed: ids are compared exactly.",
        '- CSV: UTF-8, a header line, comma separated, `"` quoting; lines end in LF, CRLF or a lone',
        "  CR. Only an empty field is null: `NA`, `N/A`, `NULL` or `NaN` is text, as written. A header",
        "  alone is a file of no rows; a line break inside a quoted column name refuses the file.",
        "  JSON Lines: one object per line, keys are column names; money may be a string or a number.",
        "  An empty file (or only whitespace, or a BOM) is a file of no rows. A line holding a number",
        "  of 16 digits or more is read again exactly, so it must be strict JSON (no trailing comma).",
        "  Parquet: any column types that read as the contract types; text stored as plain binary must",
        "  be UTF-8, or the file is refused.",
        "- Text is checked as written. A number stored as a number (Parquet float or decimal, a JSON",
        "  number) is checked by its exact value: `2.0` is the whole number 2, a `decimal(38,9)`",
        "  `57.990000000` has two decimal places, and a JSON number keeps every digit. A Parquet `NaN`",
        "  is null.",
        "- Every column below must be in the header unless it is optional; extra columns are recorded",
        "  in `raw.file_deliveries.extra_columns` and not loaded. A column spelt in another case or",
        "  with spaces around it (`Customer_ID`) refuses the file: its values would be lost unseen.",
        "- Money is tax-exclusive and in the row's currency; decimals use a point and at most the",
        "  scale shown. Timestamps are ISO 8601, seconds optional, with an explicit UTC offset (`Z` or",
        "  `+hh:mm`) between -14:00 and +14:00.",
        "",
        "## What the loader adds",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
        *(f"| `{n}` | {t} | {d} |" for n, t, d in LINEAGE_COLUMNS),
        "",
        "Alongside the feeds the loader writes `raw.quarantine` (one row per rejected record: feed, file,",
        "row number, column, reason, raw value, raw record; no primary key) and `raw.file_deliveries`",
        "(one row per file delivery: content hash, status, rows in the file, loaded, quarantined, extra",
        "columns; `is_current` marks the file's latest delivery, earlier ones name the load that",
        "superseded them). For every delivery, `rows_in_file = rows_loaded + rows_quarantined`. It also",
        "writes `raw.feed_reads`, one row per feed per load: the files read, the file the feed stopped at",
        "because it could not be read (with the reason and the new files waiting behind it), and the links",
        "refused; a feed's latest row is its state.",
        "",
    ]
    for feed in FEEDS.values():
        out += [
            f"## `{feed.name}`",
            "",
            feed.description,
            "",
            f"Primary key: `({', '.join(feed.primary_key)})`"
            + ("; the source restates keys in later files by design" if feed.keeps_versions else ""),
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
