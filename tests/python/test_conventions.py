"""The analyst's gate catches what it promises: each planted breach of the conventions
(dbt-bouncer.yml) fails with its rule and the model, and the SQL lint (.sqlfluff) names the file,
line and rule of a planted style breach. `make lint` runs both on the project itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import Project, ok, project_copy

SQLFLUFF = str(Path(sys.executable).with_name("sqlfluff"))

# Planted files: path -> content. Each breaks the rules listed for it in BREACHES.
PLANTED = {
    # An intermediate model reading raw directly.
    "models/intermediate/finance/int_orders_sourced.sql": (
        "select order_id from {{ source('raw', 'transactions') }}\n"
    ),
    # A mart that is a view, without contract or key test, in a wrongly named YAML file with an
    # undescribed column.
    "models/marts/finance/orders_by_day.sql": (
        "{{ config(materialized='view') }}\n"
        "select order_date, count(*) as orders from {{ ref('fct_orders') }} group by order_date\n"
    ),
    "models/marts/finance/_planted__models.yml": (
        "version: 2\nmodels:\n  - name: orders_by_day\n    description: Orders per day.\n"
        "    columns:\n      - name: order_date\n"
        # a name every other model uses for after refunds, described as before refunds
        "      - name: net_revenue_usd\n        description: \"{{ doc('net_sales') }}\"\n"
    ),
    # A staging model with a non-staging name that reads another model.
    "models/staging/raw/raw_products.sql": "select sku from {{ ref('stg_raw__products') }}\n",
    # An incremental mart without a unique key.
    "models/marts/core/fct_order_increments.sql": (
        "{{ config(materialized='incremental') }}\nselect order_id from {{ ref('fct_orders') }}\n"
    ),
    # A dashboard reading an intermediate model.
    "models/marts/_planted__exposures.yml": (
        "version: 2\nexposures:\n  - name: margin_board\n    type: dashboard\n"
        "    description: Margins.\n    owner: {name: Finance}\n"
        "    depends_on: [ref('int_sale_lines_costed')]\n"
    ),
    # A source without freshness.
    "models/staging/raw/_planted__sources.yml": (
        "version: 2\nsources:\n  - name: planted\n    description: A planted feed.\n    loader: dlt\n"
        "    schema: raw\n    tables:\n      - name: returns\n        description: Returns.\n"
    ),
    "models/staging/raw/stg_planted__returns.sql": "select 1 as id from {{ source('planted', 'returns') }}\n",
}

# (rule, resource) pairs the gate must report; a resource is a model, source or exposure name.
BREACHES = {
    ("check_lineage_source_cannot_be_used", "int_orders_sourced"),
    ("check_source_staged_once", "raw_transactions"),
    ("check_model_materialization_permitted", "orders_by_day"),
    ("check_model_contract_enforced_for_public_model", "orders_by_day"),
    ("check_model_has_unique_test", "orders_by_day"),
    ("check_model_column_description_populated", "orders_by_day"),
    ("check_model_properties_file_named_for_its_folder", "orders_by_day"),
    ("check_column_named_for_its_definition", "orders_by_day"),
    ("check_model_names", "raw_products"),
    ("check_lineage_permitted_upstream_models", "raw_products"),
    ("check_model_incremental_has_unique_key", "fct_order_increments"),
    ("check_exposure_based_on_non_public_models", "margin_board"),
    ("check_source_freshness_populated", "planted_returns"),
    ("check_model_test_coverage", "project"),
}


def plant(project_dir: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (project_dir / path).write_text(text)


def breaches(failures: list[dict[str, str]]) -> set[tuple[str, str]]:
    """(rule, resource) of each failure; bouncer's ids are rule:index:resource, or rule:index for
    a check of the whole project (coverage), whose resource is reported here as `project`."""
    ids = [f["check_run_id"].split(":") for f in failures]
    return {(parts[0], parts[2] if len(parts) == 3 else "project") for parts in ids}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Project:
    work = tmp_path_factory.mktemp("conventions")
    project = Project(work, project_copy(work / "project"))
    plant(project.project_dir, PLANTED)
    ok(project.dbt("parse"))
    return project


def test_the_project_meets_its_conventions(tmp_path: Path) -> None:
    project = Project(tmp_path, project_copy(tmp_path / "project"))
    ok(project.dbt("parse"))
    assert project.bouncer("manifest_checks") == []


def test_each_planted_breach_fails_with_its_rule_and_model(planted: Project) -> None:
    found = breaches(planted.bouncer("manifest_checks"))
    assert BREACHES - found == set()
    # Nothing but the planted files (and the source they misuse) is blamed.
    blamed = {resource for _, resource in found}
    planted_names = {Path(p).stem for p in PLANTED if p.endswith(".sql")} | {"margin_board", "planted_returns"}
    assert blamed <= planted_names | {"raw_transactions", "project"}


def test_sql_lint_names_file_line_and_rule(tmp_path: Path) -> None:
    project = Project(tmp_path, project_copy(tmp_path / "project"))
    model = "models/marts/finance/orders_by_week.sql"
    plant(
        project.project_dir,
        {
            model: (
                "SELECT\n"
                "    orders.order_date\n"
                "    , COUNT(*) AS order_count\n"
                "    , sum(orders.net_revenue_usd) revenue\n"
                "FROM {{ ref('fct_orders') }} orders\n"
                "group by 1\n"
            )
        },
    )
    run = subprocess.run(
        [SQLFLUFF, "lint", model, "--format", "json"],
        cwd=project.project_dir, env=project.env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr[-3000:]
    [report] = json.loads(run.stdout)
    assert report["filepath"] == model
    found = {(v["code"], v["start_line_no"]) for v in report["violations"]}
    # Upper-case keywords and functions, leading commas, implicit column and table aliases.
    assert {("CP01", 1), ("CP03", 3), ("LT04", 3), ("AL02", 4), ("AL01", 5)} <= found
    # And a clean model of the project passes the same command.
    clean = subprocess.run(
        [SQLFLUFF, "lint", "models/marts/core/fct_orders.sql"],
        cwd=project.project_dir, env=project.env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert clean.returncode == 0, clean.stdout[-3000:]
