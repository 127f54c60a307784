"""`python -m loaders import --mapping`: a CSV export becomes the transactions feed, every row
accounted for. The invoice export is shaped like the public UCI "Online Retail" data set and is
imported with the documented example mapping (docs/examples/online_retail_mapping.yml)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from support import ROOT, Project

from loaders.cli import main
from loaders.contracts import CONTROL_TOTALS, TRANSACTIONS
from loaders.mapping import MappingError, import_files, load_mapping, parse_mapping
from loaders.mapping.values import NumberFormat, TimestampFormat, cents, iso, zone
from loaders.parse import parse
from loaders.validate import Checker

EXAMPLE = ROOT / "docs" / "examples" / "online_retail_mapping.yml"
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
# December 2010: sales, a postage line, a guest sale, cancellations (C invoices, negative
# quantity): C536379 must take the 6-unit sale 536366 (the later 2-unit sale has too few units
# left), C536380 the later one; C536383 was never bought, C536384 was already returned in full;
# C536385 is a manual discount (skipped).
RETAIL_2010 = (
    HEADER
    + """\
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/10 8:26,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/10 8:26,3.39,17850,United Kingdom
536365,POST,POSTAGE,1,12/1/10 8:26,18.00,17850,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/10 8:28,1.85,17850,United Kingdom
536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/10 8:34,1.69,13047,United Kingdom
536367,22745,"SET 7 BABUSHKA NESTING BOXES, RED",6,12/1/10 8:34,2.10,13047,United Kingdom
536368,22633,HAND WARMER UNION JACK,2,12/2/10 9:00,1.85,17850,United Kingdom
536369,21730,GLASS STAR FROSTED T-LIGHT HOLDER,6,12/2/10 9:30,4.25,,United Kingdom
C536379,22633,HAND WARMER UNION JACK,-4,12/3/10 9:41,1.85,17850,United Kingdom
C536380,22633,HAND WARMER UNION JACK,-1,12/3/10 10:00,1.85,17850,United Kingdom
C536381,22745,"SET 7 BABUSHKA NESTING BOXES, RED",-6,12/3/10 10:05,2.10,13047,United Kingdom
C536382,84879,ASSORTED COLOUR BIRD ORNAMENT,-1,12/3/10 10:10,1.69,13047,United Kingdom
C536383,35004C,SET OF 3 COLOURED FLYING DUCKS,-1,12/3/10 10:15,4.65,15311,United Kingdom
C536384,22745,"SET 7 BABUSHKA NESTING BOXES, RED",-1,12/3/10 10:20,2.10,13047,United Kingdom
C536385,D,Discount,-1,12/3/10 10:25,27.50,14527,United Kingdom
"""
)
# June 2011 (British Summer Time): the same SKU twice on one invoice, and returns of a sale in
# the other file and of the larger line of that invoice.
RETAIL_2011 = (
    HEADER
    + """\
556386,85123A,WHITE HANGING HEART T-LIGHT HOLDER,12,6/10/11 14:05,2.55,17850,United Kingdom
556386,85123A,WHITE HANGING HEART T-LIGHT HOLDER,1,6/10/11 14:05,2.95,17850,United Kingdom
C556401,71053,WHITE METAL LANTERN,-2,6/11/11 9:12,3.39,17850,United Kingdom
C556402,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-3,6/11/11 9:15,2.55,17850,United Kingdom
"""
)
SKIPPED_CODES = {"POST", "D"}
UNMATCHED_INVOICES = {"C536383", "C536384"}


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def source_sums(*texts: str) -> dict[str, Decimal]:
    """What the export says, summed independently of the importer."""
    sums = {"sales": Decimal(0), "returns": Decimal(0), "sale_rows": Decimal(0), "return_rows": Decimal(0)}
    for text in texts:
        for row in csv.DictReader(io.StringIO(text)):
            if row["StockCode"] in SKIPPED_CODES or row["InvoiceNo"] in UNMATCHED_INVOICES:
                continue
            value = int(row["Quantity"]) * Decimal(row["UnitPrice"])
            kind = "sales" if value > 0 else "returns"
            sums[kind] += abs(value)
            sums["sale_rows" if kind == "sales" else "return_rows"] += 1
    return sums


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path, str]:
    """The two invoice exports imported with the example mapping and loaded into a warehouse."""
    base = tmp_path_factory.mktemp("retail")
    files = []
    for name, text in (("online_retail_2010.csv", RETAIL_2010), ("online_retail_2011.csv", RETAIL_2011)):
        (base / name).write_text(text)
        files.append(str(base / name))
    root = base / "root"
    code, out, err = run_cli("import", "--mapping", str(EXAMPLE), "--feed", "transactions", *files, "--out", str(root))
    assert code == 0, err
    (base / "work").mkdir()
    project = Project(base / "work")
    assert project.load(root) == 0
    return project, root, out


def test_the_invoice_export_loads_with_nothing_quarantined_and_ties_to_the_source(
    retail: tuple[Project, Path, str],
) -> None:
    project, root, out = retail
    assert "rows read 19 = 9 sale lines + 6 refunds written + 2 skipped + 2 returns unmatched" in out
    assert "1 postage and carriage lines" in out
    assert "online_retail_2010.csv row 14: customer 15311 bought no SKU 35004C" in out
    assert "online_retail_2010.csv row 15: no earlier sale to customer 13047 has 1 x SKU 22745" in out
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.csv")) == [
        "control_totals/import/control_totals_online_retail_2010.csv",
        "control_totals/import/control_totals_online_retail_2011.csv",
        "import_rejects/transactions_online_retail_2010.csv",
        "transactions/online_retail_2010/transactions_online_retail_2010.csv",
        "transactions/online_retail_2011/transactions_online_retail_2011.csv",
    ]
    # every written row passes the contract in the real loader
    assert project.query("select count(*) from raw.quarantine") == [(0,)]
    assert project.query(
        "select sum(rows_in_file), sum(rows_loaded) from raw.file_deliveries where feed = 'transactions'"
    ) == [(15, 15)]
    # the raw sums are the export's: goods sold, goods returned (unmatched returns left out)
    expected = source_sums(RETAIL_2010, RETAIL_2011)
    sales, sale_rows, refunds, refund_rows = project.query("""
        select
            sum(quantity * unit_price) filter (where event_type = 'sale'),
            count(*) filter (where event_type = 'sale'),
            sum(refund_amount),
            count(*) filter (where event_type = 'refund')
        from raw.transactions
    """)[0]
    assert (sales, sale_rows, refunds, refund_rows) == (
        expected["sales"],
        expected["sale_rows"],
        expected["returns"],
        expected["return_rows"],
    )
    assert f"GBP: sale lines {expected['sales']:,.2f} goods" in out
    assert f"refunds {expected['returns']:,.2f} goods given back" in out
    assert "returns unmatched 6.75" in out  # 4.65 + 2.10
    # each refund points at the sale line it returns, with positive units and amounts
    links = project.query("""
        select refunded_line_event_id, quantity, refund_amount, order_id, customer_id
        from raw.transactions where event_type = 'refund' order by event_ts
    """)
    assert links == [
        ("536366-1", 4, Decimal("7.40"), "536366", "17850"),  # the latest sale with 4 units left
        ("536368-1", 1, Decimal("1.85"), "536368", "17850"),
        ("536367-2", 6, Decimal("12.60"), "536367", "13047"),
        ("536367-1", 1, Decimal("1.69"), "536367", "13047"),
        ("536365-2", 2, Decimal("6.78"), "536365", "17850"),  # a sale in the other file
        ("556386-1", 3, Decimal("7.65"), "556386", "17850"),  # the line of the invoice with units left
    ]
    # the shop's clock: 14:05 in British Summer Time is 13:05 UTC
    assert project.query(
        "select distinct event_ts at time zone 'UTC' from raw.transactions where line_event_id like '556386-_'"
    ) == [(dt.datetime(2011, 6, 10, 13, 5),)]
    rejects = (root / "import_rejects" / "transactions_online_retail_2010.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in rejects[1:]] == [
        ["online_retail_2010.csv", "14"],
        ["online_retail_2010.csv", "15"],
    ]


def test_the_imported_export_builds_and_reconciles(retail: tuple[Project, Path, str]) -> None:
    """dbt build on the loaded import: refunds link to their sales, orders add up, and the only
    failures are the two returns no sale line could take (decision log §13): the importer's
    trailer claims what the source file holds, so the 6.75 GBP of refunds the feed leaves out
    fails reconciliation_control_totals (it was left out of every total, the build complete and
    no page saying so: found by a helper's audit, 2026-12-07)."""
    project, _, _ = retail
    assert project.build_daily().returncode != 0
    assert project.failed() == {"reconciliation_control_totals"}
    failures = project.query(
        "select object_id, currency_code, expected_value, actual_value from marts.reconciliation_exceptions "
        "where is_failure order by 1, 2"
    )
    delivered = "transactions/online_retail_2010/transactions_online_retail_2010.csv"
    assert failures == [
        (f"{delivered} row_count", None, Decimal("13"), Decimal("11")),
        (f"{delivered} sum_refund_amount", "GBP", Decimal("30.29"), Decimal("23.54")),
    ], failures
    assert project.query("select event_type, count(*) from marts.fct_transactions group by 1 order by 1") == [
        ("refund", 6),
        ("sale", 9),
    ]


SHOP_MAPPING = """
source:
  delimiter: ";"
  decimal: ","
  thousands: "."
  timestamp_format: DD.MM.YYYY
  timezone: Europe/Berlin
columns:
  order_id: Name
  event_ts: Created at
  sku: Lineitem sku
  quantity: Lineitem quantity
  line_tax: Tax
  shipping_charged: Shipping
  currency: Currency
  customer_id: Email
constants:
  channel: web_store
  store_id: SHOP-DE
  shipping_cost: 0
  platform_fee: 0
defaults:
  shipping_charged: 0
derive:
  unit_price: {line_total: Lineitem total}
  line_discount: {rate: Discount rate}
  line_number: per_order
  line_event_id: order_and_line
  order_total: sum_of_lines
returns:
  when: negative_quantity
  original_order: Returned from
  reason: not_as_described
  restocked: true
"""
SHOP_EXPORT = """\
Name;Created at;Lineitem sku;Lineitem quantity;Lineitem total;Discount rate;Tax;Shipping;Currency;Email;Returned from
#1001;03.02.2025;SKU-A;3;1.234,56;10%;222,22;4,95;EUR;anna@example.com;
#1001;03.02.2025;SKU-B;3;10,00;0;1,90;;EUR;anna@example.com;
#1002;04.02.2025;SKU-A;1;411,52;;78,19;;EUR;;
#1003;10.02.2025;SKU-A;-1;411,52;10%;0;0;EUR;anna@example.com;#1001
#1004;11.02.2025;SKU-B;-1;3,33;0;0;0;EUR;;#1001
"""


def test_a_shop_export_with_a_decimal_comma_a_discount_rate_and_line_totals(tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_text(SHOP_EXPORT)
    mapping = parse_mapping(SHOP_MAPPING, "shop.yml")
    done = import_files(mapping, [source], tmp_path / "root")
    written = tmp_path / "root" / "transactions" / "orders" / "transactions_orders.csv"
    rows = {r["line_event_id"]: r for r in csv.DictReader(written.open())}
    assert list(rows) == ["#1001-1", "#1001-2", "#1002-1", "#1001-1-R1", "#1001-2-R1"]
    first, second, guest, refund, refund_b = rows.values()
    # 1.234,56 for 3 units at 10% off; the date is midnight in Berlin
    assert (first["unit_price"], first["line_discount"], first["line_tax"]) == ("411.52", "123.46", "222.22")
    assert first["event_ts"] == "2025-02-03T00:00:00+01:00"
    assert (first["shipping_charged"], second["shipping_charged"]) == ("4.95", "0.00")  # the default
    # 10,00 for 3 units: 3.33 a unit, rounded half away from zero, and said so
    assert second["unit_price"] == "3.33"
    # the order total: goods - discount + tax + shipping of its lines, on every line
    assert first["order_total"] == second["order_total"] == "1350.16"  # 1111.10 + 222.22 + 4.95 + 9.99 + 1.90
    assert guest["customer_id"] == "" and guest["line_discount"] == "0.00" and guest["order_total"] == "489.71"
    # returns found through the original order: positive amounts, the sale's order, line and customer
    assert {k: refund[k] for k in ("event_type", "order_id", "line_number", "quantity", "refunded_line_event_id")} == {
        "event_type": "refund", "order_id": "#1001", "line_number": "1", "quantity": "1",
        "refunded_line_event_id": "#1001-1",
    }  # fmt: skip
    assert (refund["unit_price"], refund["line_discount"], refund["refund_amount"]) == ("411.52", "41.15", "370.37")
    assert (refund["order_total"], refund["refund_reason"], refund["restocked"]) == ("", "not_as_described", "true")
    assert (refund_b["customer_id"], refund_b["refunded_line_event_id"]) == ("anna@example.com", "#1001-2")
    # the project's own contract check passes every row
    parsed = parse(written.read_bytes(), "orders.csv", "csv", TRANSACTIONS)
    records = parsed.records.append_column("_source_file", pa.array(["orders.csv"] * parsed.records.num_rows))
    assert Checker(duckdb.connect(), TRANSACTIONS).add(records).bad.num_rows == 0
    summary = "\n".join(done.summary())
    assert "rows read 5 = 3 sale lines + 2 refunds written + 0 skipped + 0 returns unmatched" in summary
    assert "EUR: sale lines 1,656.07 goods" in summary and "refunds 373.70 goods given back" in summary
    # 10,00 / 3 units, 10% of 1.234,56 and of 411,52: 3 values rounded, and what that changed
    assert "rounded to cents (half away from zero): 3 values" in summary
    assert "-0.014 EUR on sale lines, +0.002 EUR on refunds" in summary
    # the same export imported again writes the same bytes: the loader reads nothing new
    before = written.read_bytes()
    import_files(mapping, [source], tmp_path / "root")
    assert written.read_bytes() == before


def _invoice_files(tmp_path: Path, text: str) -> str:
    source = tmp_path / "online_retail.csv"
    source.write_text(text)
    return str(source)


BAD_DATE = RETAIL_2010.replace("12/1/10 8:26,3.39", "13/45/10 8:26,3.39")
MISSING_COLUMN = RETAIL_2010.replace(",UnitPrice,", ",Price,")


@pytest.mark.parametrize(
    ("export", "mapping_change", "feed", "expected"),
    [
        (BAD_DATE, None, "transactions",
         "online_retail.csv: row 3, column InvoiceDate: '13/45/10 8:26' is not a date and time in the format "
         "M/D/YY H:MM (source.timestamp_format); fix the value or the format"),
        (MISSING_COLUMN, None, "transactions",
         "online_retail.csv: row 1: the mapping's columns.unit_price names source column 'UnitPrice', which is not "
         "in the header"),
        (RETAIL_2010, ("returns:", "ignored_returns:"), "transactions",
         "online_retail_mapping.yml: ignored_returns: unknown key; expected one of feed, source"),
        (RETAIL_2010, ("  when: negative_quantity", "  when: negative_amount"), "transactions",
         "online_retail_mapping.yml: returns.when: 'negative_amount': the one convention known is negative_quantity"),
        (RETAIL_2010, ("  reason: changed_mind", "  reason: broken"), "transactions",
         "online_retail_mapping.yml: returns.reason: 'broken' is not a code of seeds/refund_reasons.csv"),
        (RETAIL_2010, None, "cogs", "--feed cogs: only the transactions feed can be imported with a mapping today"),
    ],
    ids=["unparseable-date", "missing-source-column", "unknown-key", "unknown-return-rule", "unknown-reason", "feed"],
)  # fmt: skip
def test_errors_are_one_line_naming_file_row_and_column(
    tmp_path: Path, export: str, mapping_change: tuple[str, str] | None, feed: str, expected: str
) -> None:
    mapping = tmp_path / "online_retail_mapping.yml"
    text = EXAMPLE.read_text()
    if mapping_change:
        assert mapping_change[0] in text
        text = text.replace(mapping_change[0], mapping_change[1])
    mapping.write_text(text)
    root = tmp_path / "root"
    code, out, err = run_cli(
        "import", "--mapping", str(mapping), "--feed", feed, _invoice_files(tmp_path, export), "--out", str(root)
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert expected in err
    assert not root.exists()  # nothing is written unless every row was read


def test_a_negative_quantity_is_a_return_only_when_the_mapping_says_so(tmp_path: Path) -> None:
    text = EXAMPLE.read_text()
    without_returns = text[: text.index("returns:")] + text[text.index("skip:") :]
    mapping = parse_mapping(without_returns, "no_returns.yml")
    source = Path(_invoice_files(tmp_path, RETAIL_2010))
    with pytest.raises(MappingError, match=r"online_retail.csv: row 10, column Quantity: -4 is a negative quantity"):
        import_files(mapping, [source], tmp_path / "root")


RETURNS_EXPORT = (
    HEADER
    + """\
540001,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,1/10/11 10:00,2.55,12345,United Kingdom
C540002,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-3,1/11/11 10:00,2.55,12345,United Kingdom
C540003,71053,WHITE METAL LANTERN,-1,1/11/11 10:05,3.39,12345,United Kingdom
C540004,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,1/11/11 10:10,2.55,,United Kingdom
C540005,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,1/9/11 10:00,2.55,12345,United Kingdom
C540006,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-2,1/12/11 9:00,2.95,12345,United Kingdom
"""
)


def test_a_return_that_matches_no_sale_is_reported_not_invented(tmp_path: Path) -> None:
    """Too many units, a SKU never bought, no customer, before the sale, more money than the sale
    charged: each return is left out, counted, named by file and row, and listed in the rejects
    file; only the sale line is written."""
    source = Path(_invoice_files(tmp_path, RETURNS_EXPORT))
    done = import_files(load_mapping(EXAMPLE), [source], tmp_path / "root")
    assert (done.rows_read, done.sale_lines, done.refunds, len(done.unmatched)) == (6, 1, 0, 5)
    assert [(u.ret.ref.row, u.reason) for u in done.unmatched] == [
        (6, "no earlier sale to customer 12345 has 1 x SKU 85123A (2.55 GBP after discount) left to give back"),
        (3, "no earlier sale to customer 12345 has 3 x SKU 85123A (7.65 GBP after discount) left to give back"),
        (4, "customer 12345 bought no SKU 71053 in GBP in the imported files"),
        (5, "no customer and no original order to find its sale by"),
        (7, "no earlier sale to customer 12345 has 2 x SKU 85123A (5.90 GBP after discount) left to give back"),
    ]
    written = (tmp_path / "root" / "transactions" / "online_retail" / "transactions_online_retail.csv").read_text()
    assert [line.split(",")[:2] for line in written.splitlines()[1:]] == [["540001-1", "sale"]]
    rejects = list(csv.DictReader(done.rejects[0].open()))
    assert sorted(int(r["source_row"]) for r in rejects) == [3, 4, 5, 6, 7]
    summary = "\n".join(done.summary())
    assert "rows read 6 = 1 sale lines + 0 refunds written + 0 skipped + 5 returns unmatched" in summary
    assert "online_retail.csv row 6: no earlier sale" in summary and "and 0 more" not in summary
    assert "returns unmatched 22.04" in summary  # 2.55 + 7.65 + 3.39 + 2.55 + 5.90: nothing lost
    # once the sale is there, a new import finds it and removes the stale rejects file
    matched = [*RETURNS_EXPORT.splitlines()[:2], "C540007,85123A,X,-2,1/11/11 10:00,2.55,12345,United Kingdom"]
    source.write_text("\n".join(matched) + "\n")
    again = import_files(load_mapping(EXAMPLE), [source], tmp_path / "root")
    assert (again.refunds, again.unmatched, again.rejects) == (1, [], [])
    assert not (tmp_path / "root" / "import_rejects" / "transactions_online_retail.csv").exists()


@pytest.mark.parametrize(
    ("fmt", "zone_name", "text", "expected"),
    [
        ("M/D/YY H:MM", "Europe/London", "12/1/10 8:26", "2010-12-01T08:26:00+00:00"),
        ("M/D/YY H:MM", "Europe/London", "6/10/11 14:05", "2011-06-10T14:05:00+01:00"),
        ("M/D/YYYY H:MM", "Europe/London", "12/1/2010 8:26", "2010-12-01T08:26:00+00:00"),
        ("DD.MM.YYYY", "Europe/Berlin", "03.02.2025", "2025-02-03T00:00:00+01:00"),
        ("DD.MM.YYYY HH:mm:SS", "+05:30", "03.02.2025 23:59:01", "2025-02-03T23:59:01+05:30"),
        ("YYYY-MM-DD H:MM A", "UTC", "2025-02-03 8:15 PM", "2025-02-03T20:15:00+00:00"),
        ("ISO", None, "2025-02-03T10:00:00-05:00", "2025-02-03T10:00:00-05:00"),
        ("ISO", "America/New_York", "2025-07-03 10:00", "2025-07-03T10:00:00-04:00"),
        ("M/D/YY H:MM", "UTC", "13/45/10 8:26", None),
        ("DD.MM.YYYY", "UTC", "30.02.2025", None),
        ("ISO", None, "2025-02-03 10:00", None),  # no offset and no zone: not guessed
    ],
)
def test_timestamp_formats(fmt: str, zone_name: str | None, text: str, expected: str | None) -> None:
    parsed = TimestampFormat.of(fmt, zone(zone_name) if zone_name else None).parse(text)
    assert (iso(parsed) if parsed else None) == expected


def test_a_compressed_export_goes_under_its_whole_name_as_the_uncompressed_one() -> None:
    """A `.gz` source's name was cut at its first dot: two months' exports named
    orders.2025-01.csv.gz and orders.2025-02.csv.gz went to one transactions/orders/, and the
    importer refused the pair (the last session's review)."""
    from loaders.mapping.importer import output_name

    assert output_name(Path("orders.2025-01.csv.gz")) == "orders.2025-01" == output_name(Path("orders.2025-01.csv"))
    assert output_name(Path("orders.2025-02.CSV.GZ")) == "orders.2025-02"
    assert output_name(Path("orders.csv.gz")) == "orders" == output_name(Path("orders.gz"))
    # without .csv inside, the months still differ (a review found them sharing "orders")
    assert output_name(Path("orders.2025-01.gz")) == "orders.2025-01" != output_name(Path("orders.2025-02.gz"))
    assert output_name(Path("März export.csv")) == "M_rz_export"
    assert output_name(Path("..csv")) == "import"


def test_numbers_and_cents() -> None:
    european, plain = NumberFormat(",", "."), NumberFormat(".", "")
    assert european.parse("1.234,56") == Decimal("1234.56") and european.parse("-3,5") == Decimal("-3.5")
    assert european.parse("1,234.56") is None and plain.parse("1,234.56") is None
    assert NumberFormat(".", ",").parse("1,234.56") == Decimal("1234.56")
    assert NumberFormat(",", "").parse("1.234,56") is None and european.parse("1.23") is None
    assert european.parse("1.234.567,8") == Decimal("1234567.8") and european.parse("12.34,5") is None
    assert [cents(Decimal(v)) for v in ("2.345", "-2.345", "2.335", "2.3449")] == [
        Decimal("2.35"), Decimal("-2.35"), Decimal("2.34"), Decimal("2.34"),
    ]  # fmt: skip


def test_another_export_under_a_delivered_name_is_refused_and_a_correction_replaces_with_replace(
    tmp_path: Path,
) -> None:
    """Decision log §13: a re-delivered file replaces itself, so importing next month's
    `online_retail.csv` into the same root rewrote last month's delivered file, and the load took
    December's lines out of the warehouse without a word (found by a helper's audit,
    2026-12-07). An import that would take out a line the delivered file holds is refused, in one
    line naming the file, how many lines and their dates, and what to do, with nothing written; a
    correction says so with --replace, and the command line counts the lines that leave. An import
    that keeps every delivered line (a return matched later) needs no flag."""
    root = tmp_path / "root"
    december, june = tmp_path / "december", tmp_path / "june"
    december.mkdir()
    june.mkdir()
    (december / "online_retail.csv").write_text(RETAIL_2010)
    (june / "online_retail.csv").write_text(RETAIL_2011)
    code, _, err = run_cli("import", "--mapping", str(EXAMPLE), str(december / "online_retail.csv"), "--out", str(root))
    assert code == 0, err
    written = root / "transactions" / "online_retail" / "transactions_online_retail.csv"
    before = written.read_bytes()
    code, out, err = run_cli("import", "--mapping", str(EXAMPLE), str(june / "online_retail.csv"), "--out", str(root))
    delivered = len(before.decode().splitlines()) - 1
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert f"{june / 'online_retail.csv'}: {written} already holds {delivered} of {delivered} delivered lines" in err
    assert "(2010-12-01 to 2010-12-03)" in err and "run again with --replace" in err and "rename it" in err
    assert written.read_bytes() == before, "a refused import writes nothing"
    # a correction of December that drops one sale line: refused without --replace, then replaced
    corrected = "".join(line for line in RETAIL_2010.splitlines(keepends=True) if "536369" not in line)
    (december / "online_retail.csv").write_text(corrected)
    args = ("import", "--mapping", str(EXAMPLE), str(december / "online_retail.csv"), "--out", str(root))
    code, _, err = run_cli(*args)
    assert code != 0 and "already holds 1 of " in err and "(2010-12-02 to 2010-12-02)" in err
    code, out, err = run_cli(*args, "--replace")
    assert code == 0, err
    assert f"replaced {written}: 1 lines it delivered are not in this import and leave the warehouse" in out
    assert "536369" not in written.read_text()
    # the same export again, or one that adds to it, keeps every delivered line: no flag needed
    code, out, err = run_cli(*args)
    assert code == 0 and "replaced" not in out, err
    # the delivered file deleted by hand: the warehouse still holds its lines, and the trailer says
    # an import delivered it, so another export is refused there too (a review's finding)
    written.unlink()
    june_args = ("import", "--mapping", str(EXAMPLE), str(june / "online_retail.csv"), "--out", str(root))
    code, _, err = run_cli(*june_args)
    assert code != 0 and "was delivered by an earlier import" in err and len(err.strip().splitlines()) == 1, err
    assert not written.exists()
    code, out, err = run_cli(*june_args, "--replace")
    assert code == 0, err
    assert f"replaced {written}, delivered by an earlier import and since deleted" in out


def test_the_trailer_claims_the_returns_left_out_unless_told_to_leave_them_out(tmp_path: Path) -> None:
    """Decision log §13: a return no sale line can take is left out of the feed, and was left out
    of the warehouse without a trace (the rejects file is beside the feeds, never loaded). The
    importer now delivers a trailer per file (control_totals/import/) claiming what the source
    file holds, unmatched returns included in row_count and sum_refund_amount, so the control
    totals fail on the money left out; --leave-out-unmatched-returns claims only what was
    written, and the summary says that nothing in the warehouse will show it. The trailer passes
    the control totals' contract."""
    source = Path(_invoice_files(tmp_path, RETURNS_EXPORT))
    trailer = tmp_path / "root" / "control_totals" / "import" / "control_totals_online_retail.csv"
    claims = {}
    for flags in ((), ("--leave-out-unmatched-returns",)):
        code, out, err = run_cli(
            "import", "--mapping", str(EXAMPLE), str(source), "--out", str(tmp_path / "root"), *flags
        )
        assert code == 0, err
        rows = list(csv.DictReader(trailer.open()))
        assert {r["file_name"] for r in rows} == {"transactions/online_retail/transactions_online_retail.csv"}
        # the last event day of what it claims: the returns', or the sale's alone
        assert {r["business_date"] for r in rows} == {"2011-01-10" if flags else "2011-01-12"}
        claims[flags] = {(r["metric"], r["currency"]): Decimal(r["value"]) for r in rows}
        assert f"wrote the trailer (what the source file holds, for reconciliation) to {trailer}" in out
        said = "the trailers claim them, so reconciliation_control_totals fails" in out
        assert said == (not flags) and ("nothing says so" in out) == bool(flags)
    claimed, left_out = claims.values()
    # one sale line of 2 x 2.55 written; five returns of 22.04 GBP left out
    assert left_out[("row_count", "XXX")] == 1 and claimed[("row_count", "XXX")] == 6
    assert left_out[("sum_refund_amount", "GBP")] == 0 and claimed[("sum_refund_amount", "GBP")] == Decimal("22.04")
    assert left_out[("sum_extended_price", "GBP")] == claimed[("sum_extended_price", "GBP")] == Decimal("5.10")
    assert {k: v for k, v in claimed.items() if k[0] not in ("row_count", "sum_refund_amount")} == {
        k: v for k, v in left_out.items() if k[0] not in ("row_count", "sum_refund_amount")
    }
    parsed = parse(trailer.read_bytes(), trailer.name, "csv", CONTROL_TOTALS)
    records = parsed.records.append_column("_source_file", pa.array([trailer.name] * parsed.records.num_rows))
    assert Checker(duckdb.connect(), CONTROL_TOTALS).add(records).bad.num_rows == 0
