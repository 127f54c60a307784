"""Every reconciliation test can fail: for each planted defect, load + `dbt build` fails on
exactly the tests the defect concerns, and clean data passes everything.

Data defects are planted by the generator (`generate --plant`). Three invariants compare two
things the models derive from the same raw rows (marketing spend, margin identities, the
layer-by-layer row counts), so only a model bug can break them: they are proven by mutating one
model in a copy of the project. SCD2 overlaps cannot come from delivered data (staging keeps
one version per key and the timestamp strategy only moves forward), so that defect is planted
in the snapshot table, as a restore or a hand edit would leave it.
"""

from __future__ import annotations

import ast
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from support import ROOT, Project, make_sample, ok, project_copy

from loaders.contracts import CONTROL_SUMS, MONEY_METRICS
from loaders.generate.defects import DEFECTS

# What each planted defect must fail, and nothing else.
EXPECTED: dict[str, set[str]] = {
    "order_total_within_tolerance": set(),
    "order_total_off": {"reconciliation_order_arithmetic"},
    # the duplicate is a second line of the order, so its total no longer adds up either
    "duplicated_line": {"reconciliation_completeness", "reconciliation_order_arithmetic"},
    # a correction re-sent in a later file: raw keeps both files whole, both tie out, and the
    # later delivery counts (before exactly-once loading, yesterday's file came up one row short)
    "redelivered_line": set(),
    "lost_row": {"reconciliation_control_totals"},
    "control_total_mismatch": {"reconciliation_control_totals"},
    "quarantined_row": set(),
    "unreadable_amount": {"reconciliation_control_totals"},
    "refund_exceeds_sale": {"reconciliation_refunds"},
    "refund_before_sale": {"reconciliation_refunds"},
    "refund_of_unknown_sale": {"reconciliation_refunds"},
    "sku_without_cost": {"reconciliation_cogs_coverage"},
    "unknown_campaign": {"reconciliation_dimension_members"},
    "currency_without_rate": {"reconciliation_currency"},
    # 2031 is past dim_date and past the last published rate
    "date_outside_calendar": {"reconciliation_calendar_coverage", "reconciliation_currency"},
    "cyclic_parent_chain": {"reconciliation_account_groups"},
}

# Model bugs: (file, text to replace, replacement, what must fail).
MUTATIONS: dict[str, tuple[str, str, str, set[str]]] = {
    "staging_keeps_the_first_restatement": (
        "models/staging/raw/stg_raw__marketing_spend.sql",
        "delivery_order(),",
        "'_source_file asc nulls last',",
        {"reconciliation_marketing_spend"},
    ),
    "pnl_contribution_forgets_marketing": (
        "models/marts/finance/pnl_daily_by_channel.sql",
        "+ daily.shipping_charged_usd - daily.marketing_spend_usd",
        "+ daily.shipping_charged_usd",
        {"reconciliation_margin_identities"},
    ),
    "staging_drops_amount_only_refunds": (
        "models/staging/raw/stg_raw__transactions.sql",
        "    from source\n)",
        "    from source\n    where quantity <> 0\n)",
        {"reconciliation_completeness"},
    ),
}


def _build(tmp_path: Path, plant: str | None = None, project_dir: Path = ROOT) -> Project:
    (tmp_path / "work").mkdir()
    project = Project(tmp_path / "work", project_dir)
    source = make_sample(tmp_path / "deliveries", plant=plant)
    assert project.load(source) == 0
    project.build = project.dbt("build")  # type: ignore[attr-defined]
    return project


def _log(project: Project) -> str:
    """What failed or was skipped, for the assertion message."""
    return str({name: status for name, status in project.results().items() if status not in ("pass", "success")})


def _exceptions(project: Project) -> list[tuple]:
    return project.query(
        "select invariant, object_id, expected_value, actual_value, is_failure "
        "from marts.reconciliation_exceptions where object_type <> 'summary'"
    )


def test_every_defect_has_expectations() -> None:
    assert set(EXPECTED) == set(DEFECTS)


def test_every_reconciliation_test_is_proven_by_a_defect() -> None:
    folder = ROOT / "models" / "marts" / "reconciliation"
    invariants = sorted(path.stem.removeprefix("recon_") for path in folder.glob("recon_*.sql"))
    # the exceptions mart is their plain union: every invariant model, and nothing else
    unioned = re.findall(r"ref\('recon_(\w+)'\)", (folder / "reconciliation_exceptions.sql").read_text())
    assert sorted(unioned) == invariants
    proven = set().union(*EXPECTED.values(), *(m[3] for m in MUTATIONS.values()), {"reconciliation_scd2_history"})
    assert {f"reconciliation_{i}" for i in invariants} <= proven
    assert len(invariants) == 12


def test_clean_data_passes_everything(tmp_path: Path) -> None:
    project = _build(tmp_path)
    ok(project.build)  # type: ignore[attr-defined]
    assert project.failed() == set()
    assert "skipped" not in project.results().values()
    assert _exceptions(project) == []


@pytest.mark.parametrize("defect", sorted(EXPECTED))
def test_planted_defect_fails_exactly_its_tests(tmp_path: Path, defect: str) -> None:
    project = _build(tmp_path, plant=defect)
    build = project.build  # type: ignore[attr-defined]
    assert project.failed() == EXPECTED[defect], _log(project)
    assert build.returncode == (1 if EXPECTED[defect] else 0)
    # a failing invariant never stops a mart from being built
    assert "skipped" not in project.results().values()
    failing = {row[0] for row in _exceptions(project) if row[4]}
    assert {f"reconciliation_{i}" for i in failing} == EXPECTED[defect]


def test_a_difference_within_the_tolerance_is_listed_not_failed(tmp_path: Path) -> None:
    project = _build(tmp_path, plant="order_total_within_tolerance")
    rows = _exceptions(project)
    assert len(rows) == 1
    invariant, _order, expected, actual, is_failure = rows[0]
    assert invariant == "order_arithmetic" and not is_failure
    assert expected - actual == Decimal("0.01")


def test_a_quarantined_row_keeps_rows_and_money_tied_out(tmp_path: Path) -> None:
    project = _build(tmp_path, plant="quarantined_row")
    assert project.query("select feed, column_name, reason from raw.quarantine") == [
        ("marketing_spend", "clicks", "more clicks than impressions")
    ]
    ok(project.build)  # type: ignore[attr-defined]


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_model_bug_fails_exactly_its_tests(tmp_path: Path, mutation: str) -> None:
    path, old, new, expected = MUTATIONS[mutation]
    copy = project_copy(tmp_path / "project")
    text = (copy / path).read_text()
    assert text.count(old) == 1, f"the mutation no longer applies to {path}"
    (copy / path).write_text(text.replace(old, new))
    project = _build(tmp_path, project_dir=copy)
    assert project.failed() == expected, _log(project)


def test_overlapping_product_versions_fail_the_history_test(tmp_path: Path) -> None:
    project = _build(tmp_path)
    ok(project.build)  # type: ignore[attr-defined]
    # a version inside the current one's window, as a restored or hand-edited snapshot leaves it
    # (dated after the last sale, so no fact joins it: the history test, not a fan-out, catches it)
    project.execute("""
        insert into snapshots.products_snapshot
        select * replace (
            md5(dbt_scd_id || 'planted') as dbt_scd_id,
            dbt_valid_from + interval 400 day as dbt_valid_from,
            dbt_valid_from + interval 400 day as dbt_updated_at,
            dbt_valid_from + interval 401 day as dbt_valid_to)
        from snapshots.products_snapshot
        where dbt_valid_to is null
        order by sku
        limit 1
    """)
    project.dbt("build")
    assert project.failed() == {"reconciliation_scd2_history"}
    details = {row[2] for row in project.query("select * from marts.reconciliation_exceptions where is_failure")}
    assert details == {"version"}


def test_control_total_metrics_match_the_contract() -> None:
    """The sums dbt recomputes are the sums the generator and the contract define."""
    text = (ROOT / "macros" / "reconciliation" / "control_total_metrics.sql").read_text()
    body = text[text.index("return(") + len("return(") : text.rindex(") }}")]
    metrics = ast.literal_eval(body.replace("true", "True").replace("false", "False"))
    for feed, sums in CONTROL_SUMS.items():
        declared = {name: (expression, name in MONEY_METRICS) for name, expression in sums.items()}
        assert {name: (expr, money) for name, expr, money in metrics[feed]["sums"]} == declared, feed
        used = set(re.findall(r"[a-z_]+", " ".join(sums.values())))
        assert used <= set(metrics[feed]["columns"]), feed


def test_a_sample_with_only_transactions_builds_with_the_gaps_listed(tmp_path: Path) -> None:
    """A real export often has sales and nothing else (no costs, rates, spend, masters or
    trailers): the build passes, and every gap is a warning row that names the missing feed.
    Its first three days have no refund yet, so the empty refund totals must tie out too."""
    (tmp_path / "work").mkdir()
    project = Project(tmp_path / "work")
    source = make_sample(tmp_path / "deliveries", days=3)
    for feed in ("marketing_spend", "cogs", "products", "customers", "fx_rates", "control_totals"):
        shutil.rmtree(source / feed)
    assert project.load(source) == 0
    assert project.query("select count(*) from raw.transactions where event_type = 'refund'") == [(0,)]
    ok(project.dbt("build"))
    warnings = dict(
        project.query(
            "select invariant, count(*) from marts.reconciliation_exceptions "
            "where not is_failure and (detail like '%has never been delivered%' or detail like 'unverified:%') "
            "group by 1"
        )
    )
    assert set(warnings) == {"cogs_coverage", "currency", "dimension_members", "control_totals"}
    assert project.query("select count(*) from marts.reconciliation_exceptions where is_failure") == [(0,)]
    # an amount already in the reporting currency needs no rate
    lines, converted = project.query(
        "select count(*), count(net_revenue_usd) from marts.fct_transactions where currency_code = 'USD'"
    )[0]
    assert lines > 0 and converted == lines
    assert project.query(
        "select count(*) from marts.reconciliation_exceptions where invariant = 'currency' and currency_code = 'USD'"
    ) == [(0,)]
    # unknown is not zero: no sale line has a cost or a margin
    assert project.query(
        "select count(*) from marts.fct_transactions where event_type = 'sale' "
        "and (cogs_usd is not null or gross_margin_usd is not null)"
    ) == [(0,)]
