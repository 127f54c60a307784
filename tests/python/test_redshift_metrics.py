"""The semantic layer's SQL on Redshift, proven without Redshift: MetricFlow renders every metric
(alone and by the representative group-bys) in Redshift's dialect through a SQL client that never
connects, and the rendered SQL is checked against the same rules as the compiled models.

dbt parses each project once per module (the real one and a copy with a planted trap)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow.sql.render.sql_plan_renderer import SqlPlanRenderer
from support import ROOT, project_copy, temporary_env

import redshift_check.__main__ as main
from redshift_check import metrics
from redshift_check.lint import lint_sql
from redshift_check.metrics import OfflineRedshiftClient, lint_metrics, render_metric_sql, semantic_manifest

# A DuckDB-only construct in one measure (metric units_returned), and a metric whose offset window
# MetricFlow renders per dialect: DuckDB writes `- INTERVAL 1 month`, Redshift DATEADD.
TRAP = (
    "expr: case when event_type = 'refund' then -quantity else 0 end",
    "expr: case when event_type is distinct from 'sale' then -quantity else 0 end",
)
OFFSET_METRIC = """
- name: net_revenue_prior_month
  label: Net revenue, prior month (USD)
  description: Net revenue of the month before.
  type: derived
  type_params:
    expr: net_revenue
    metrics:
    - name: net_revenue
      offset_window: 1 month
"""


def _parse(project: Path, work: Path) -> Path:
    profiles = work / "profiles"
    profiles.mkdir(parents=True)
    shutil.copy(ROOT / "profiles.yml.example", profiles / "profiles.yml")
    with temporary_env(DBT_LOG_PATH=str(work / "logs"), DBT_SEND_ANONYMOUS_USAGE_STATS="false"):
        return semantic_manifest(project, work / "target", profiles)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _parse(ROOT, tmp_path_factory.mktemp("metrics_real"))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("metrics_planted")
    copy = project_copy(work / "project")
    semantic = copy / "models" / "marts" / "finance" / "semantic"
    models = semantic / "_semantic__models.yml"
    assert TRAP[0] in models.read_text()
    models.write_text(models.read_text().replace(*TRAP))
    with (semantic / "_semantic__metrics.yml").open("a") as f:
        f.write(OFFSET_METRIC)
    return _parse(copy, work)


def test_every_metric_renders_for_redshift_and_the_rules_find_nothing(manifest: Path, tmp_path: Path) -> None:
    defined = {m["name"] for m in json.loads(manifest.read_text())["metrics"]}
    assert json.loads((manifest.parent / "manifest.json").read_text())["metadata"]["adapter_type"] == "redshift"
    rendered = dict(render_metric_sql(manifest))
    assert {label.split()[1] for label in rendered} == defined and len(defined) >= 30
    for metric in defined:  # every metric alone and by month; the day-and-channel and product group-bys where allowed
        assert f"metric {metric}" in rendered and f"metric {metric} by metric_time__month" in rendered
    assert "metric gross_sales by metric_time__day, channel__channel_code" in rendered
    assert "metric gross_sales by product__category" in rendered
    assert "metric contribution_margin_after_marketing by product__category" not in rendered  # spend has no product
    assert all(sql.lstrip().startswith("--") and "SELECT" in sql for sql in rendered.values())
    count, findings = lint_metrics(manifest, sql_dir=tmp_path / "sql")
    assert count == len(rendered) and findings == [], "\n".join(map(str, findings))
    assert len(list((tmp_path / "sql").glob("*.sql"))) == count


def test_a_planted_trap_in_a_measure_is_caught_with_metric_group_by_and_fix(planted: Path) -> None:
    _, findings = lint_metrics(planted)
    assert findings and {f.label.split()[1] for f in findings} == {"units_returned"}
    assert {f.finding.rule for f in findings} == {"is-distinct-from"}
    report = "\n".join(map(str, findings))
    assert "metric units_returned by metric_time__month, MetricFlow SQL line" in report
    assert "metric units_returned by metric_time__day, channel__channel_code, MetricFlow SQL line" in report
    assert "fix: write (a = b or (a is null and b is null)), or its negation" in report


def test_python_m_redshift_check_reports_the_metrics(
    planted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The wiring in `python -m redshift_check`, without the two slow compiles: dbt's parse of the
    planted copy stands in for them (no compiled nodes, so only the metrics have findings)."""
    monkeypatch.setattr(main, "compile_offline", lambda project, target, *args, **kwargs: planted.parent)
    assert main.check(ROOT, tmp_path / "out") == 1
    out = capsys.readouterr().out
    assert "MetricFlow queries for Redshift offline" in out
    assert "metric units_returned by metric_time__month, MetricFlow SQL line" in out
    assert f"MetricFlow SQL: {tmp_path / 'out' / 'metrics' / 'units_returned__metric_time__month.sql'}" in out
    assert "Redshift check: 4 finding(s)" in out  # units_returned alone and by the three group-bys


class _OfflineDuckDbClient(OfflineRedshiftClient):
    @property
    def sql_engine_type(self) -> SqlEngine:
        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self) -> SqlPlanRenderer:
        return DuckDbSqlPlanRenderer()


def test_the_sql_is_redshift_s_dialect(manifest: Path, planted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered = dict(render_metric_sql(manifest))
    ratio = rendered["metric ctr by metric_time__month"]
    # Redshift's double type (DuckDB's renderer writes DOUBLE), and the Redshift target's relations
    assert "CAST(clicks AS DOUBLE PRECISION) / CAST(NULLIF(impressions, 0) AS DOUBLE PRECISION)" in ratio
    assert 'FROM "analytics"."marts"."fct_marketing_spend"' in ratio
    assert "DATE_TRUNC('month', spend_date) AS metric_time__month" in ratio

    offset = dict(render_metric_sql(planted))["metric net_revenue_prior_month by metric_time__month"]
    assert "DATEADD(month, -1, " in offset and "INTERVAL" not in offset
    assert lint_sql(offset) == []
    # the same query in DuckDB's dialect is what the rules would stop
    monkeypatch.setattr(metrics, "OfflineRedshiftClient", _OfflineDuckDbClient)
    duckdb = dict(render_metric_sql(planted))["metric net_revenue_prior_month by metric_time__month"]
    assert "- INTERVAL 1 month" in duckdb
    assert [f.rule for f in lint_sql(duckdb)] == ["unquoted-interval"]
