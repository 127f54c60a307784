"""`python -m loaders import-ecb`: the ECB's reference-rate history (per EUR, newest first, N/A
for no rate, a trailing comma) becomes the fx_rates feed (USD per unit), and the warehouse
converts with it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from support import Project, make_sample, ok

from loaders.ecb import EcbFormatError, cross_rates, import_history

# The ECB's layout, abridged: CYP stopped in 2007 (N/A), the trailing comma is the ECB's.
HISTORY = """Date,USD,JPY,CYP,GBP,IDR,
2025-11-28,1.1600,181.50,N/A,0.87650,19300.00,
2025-11-27,1.1500,180.00,N/A,0.87500,19200.00,
2025-11-26,N/A,179.00,N/A,0.87000,19100.00,
"""


def test_rates_are_crossed_through_the_usd_rate() -> None:
    rows, summary = cross_rates(HISTORY, "eurofxref-hist.csv")
    by_key = {(day.isoformat(), currency): rate for day, currency, rate in rows}
    # EUR: USD per EUR; GBP: USD per EUR / GBP per EUR, to the feed's 8 decimals
    assert by_key[("2025-11-27", "EUR")] == Decimal("1.15000000")
    assert by_key[("2025-11-27", "GBP")] == Decimal("1.31428571")
    assert by_key[("2025-11-28", "JPY")] == (Decimal("1.16") / Decimal("181.50")).quantize(Decimal("1e-8"))
    # no USD row (the reporting currency needs none), no N/A, no day without a USD rate
    assert {currency for _, currency, _ in rows} == {"EUR", "JPY", "GBP", "IDR"}
    assert summary.days_without_usd == [rows[0][0].replace(day=26)]
    assert [day for day, _, _ in rows] == sorted(day for day, _, _ in rows)


def test_a_broken_rate_names_its_row_and_column() -> None:
    broken = HISTORY.replace("0.87500", "0,87500")
    with pytest.raises(EcbFormatError, match=r"row 3, column GBP: '0' is not a rate|row 3, column GBP"):
        cross_rates(broken, "eurofxref-hist.csv")
    with pytest.raises(EcbFormatError, match="row 1"):
        cross_rates("date;USD\n", "rates.csv")


def test_the_zip_imports_through_the_cli_and_the_warehouse_converts_with_it(tmp_path: Path) -> None:
    """A sample without its own rates or trailers (as real exports come): the ECB history is
    imported into the delivery root, loaded, and every line converts, with no currency exception."""
    source = make_sample(tmp_path / "deliveries", days=3)
    shutil.rmtree(source / "fx_rates")
    shutil.rmtree(source / "control_totals")
    days = ["2025-11-19", "2025-11-20", "2025-11-21", "2025-11-22"]
    lines = ["Date,USD,JPY,GBP,CAD,CYP,"] + [
        f"{day},1.1{i}00,180.0,0.8{i}000,1.5{i}00,N/A," for i, day in enumerate(reversed(days))
    ]
    archive = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("eurofxref-hist.csv", "\n".join(lines) + "\n")
    run = subprocess.run(
        [sys.executable, "-m", "loaders", "import-ecb", str(archive), "--out", str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "wrote 16 fx_rates rows (2025-11-19 to 2025-11-22" in run.stdout
    (tmp_path / "work").mkdir()
    project = Project(tmp_path / "work")
    assert project.load(source) == 0
    ok(project.build_daily())
    assert project.query(
        "select count(*) from marts.fct_transactions where net_revenue_usd is null or cogs_usd is null"
    ) == [(0,)]
    assert project.query("select count(distinct currency_code) from marts.fct_transactions") == [(4,)]
    assert project.query("select count(*) from marts.reconciliation_exceptions where invariant = 'currency'") == [(0,)]
    # the EUR rate is the ECB's USD per EUR of the day
    rate = project.query(
        "select rate_to_usd from staging.stg_raw__fx_rates where currency_code = 'EUR' order by rate_date"
    )
    assert [r for (r,) in rate] == [Decimal("1.1300"), Decimal("1.1200"), Decimal("1.1100"), Decimal("1.1000")]


def test_a_file_that_is_not_a_zip_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "eurofxref-hist.zip"
    bad.write_text("not a zip")
    with pytest.raises(EcbFormatError, match="not a zip archive"):
        import_history(bad, tmp_path / "out")
    run = subprocess.run(
        [sys.executable, "-m", "loaders", "import-ecb", str(bad), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode != 0
    assert run.stderr.count("\n") == 1 and "not a zip archive" in run.stderr
