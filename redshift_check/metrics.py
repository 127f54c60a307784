"""The semantic layer's SQL for Redshift, checked offline: MetricFlow renders every metric (alone
and by a few representative group-bys) as it would on Redshift, and rules.py checks that SQL like
the compiled models.

MetricFlow picks its dialect from its SQL client: the client's `sql_engine_type` and
`sql_plan_renderer` (dbt-metricflow maps the dbt adapter `redshift` to SqlEngine.REDSHIFT and
RedshiftSqlPlanRenderer). Here the client is a stub that reports those two and refuses to run
anything, so `MetricFlowEngine.explain` renders the SQL and nothing reaches a warehouse. The
semantic manifest is the one dbt writes for the `redshift` target (its relations are Redshift's).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.redshift import RedshiftSqlPlanRenderer
from metricflow.sql.render.sql_plan_renderer import SqlPlanRenderer
from metricflow_semantic_interfaces.naming.keywords import METRIC_TIME_ELEMENT_NAME
from metricflow_semantic_interfaces.references import MetricReference
from metricflow_semantic_interfaces.type_enums import DimensionType, MetricType
from metricflow_semantics.errors.error_classes import UnsupportedEngineFeatureError
from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

from .lint import lint_sql
from .offline import PLACEHOLDER_ENV, OfflineCompileError, _no_warehouse
from .rules import Finding

SEMANTIC_MANIFEST = "semantic_manifest.json"
# Representative group-bys (and none), each rendered for the metrics that allow it.
GROUP_BYS: tuple[tuple[str, ...], ...] = (
    (),
    ("metric_time__month",),
    ("metric_time__day", "channel__channel_code"),
    ("product__category",),
)
_NO_PARAMETERS = SqlBindParameterSet()


class OfflineRedshiftClient:
    """MetricFlow's SqlClient for Redshift with no connection: it names the dialect, runs nothing."""

    @property
    def sql_engine_type(self) -> SqlEngine:
        return SqlEngine.REDSHIFT

    @property
    def sql_plan_renderer(self) -> SqlPlanRenderer:
        return RedshiftSqlPlanRenderer()

    def _refuse(self, stmt: str) -> NoReturn:
        raise OfflineCompileError("MetricFlow tried to run SQL on Redshift while rendering offline: " + stmt[:200])

    def query(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS) -> MetricFlowDataTable:
        self._refuse(stmt)

    def execute(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS) -> None:
        self._refuse(stmt)

    def dry_run(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS) -> None:
        self._refuse(stmt)

    def close(self) -> None:
        pass

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        raise OfflineCompileError("bind parameters are not rendered offline")


@dataclass(frozen=True)
class MetricFinding:
    label: str
    sql_path: str
    finding: Finding

    def __str__(self) -> str:
        f = self.finding
        where = f"  MetricFlow SQL: {self.sql_path}" if self.sql_path else ""
        return f"{self.label}, MetricFlow SQL line {f.line}: [{f.rule}] {f.problem}.\n    fix: {f.fix}.{where}"


def semantic_manifest(project_dir: Path, target_path: Path, profiles_dir: Path) -> Path:
    """`target_path`/semantic_manifest.json, which the Redshift compile writes; if it is missing,
    `dbt parse --target redshift` writes it there, offline like the compile."""
    path = target_path / SEMANTIC_MANIFEST
    if path.exists():
        return path
    from dbt.cli.main import dbtRunner

    for name, value in PLACEHOLDER_ENV.items():
        os.environ.setdefault(name, value)
    args = ["parse", "--target", "redshift", "--project-dir", str(project_dir), "--target-path", str(target_path)]
    with _no_warehouse(incremental=False):
        result = dbtRunner().invoke([*args, "--profiles-dir", str(profiles_dir), "--quiet"])
    if not result.success or not path.exists():
        raise OfflineCompileError(f"dbt parse for Redshift failed, no {path}: {result.exception or 'see the dbt log'}")
    return path


def _engine(manifest_path: Path) -> tuple[MetricFlowEngine, SemanticManifestLookup]:
    lookup = SemanticManifestLookup(parse_manifest_from_dbt_generated_manifest(manifest_path.read_text()))
    return MetricFlowEngine(lookup, OfflineRedshiftClient()), lookup


def _needs_metric_time(lookup: SemanticManifestLookup, metric: str) -> bool:
    """MetricFlow's rule (MetricTimeQueryValidationRule): a query must group by metric_time if the
    metric, or one under it, is cumulative over a window or grain-to-date, or offsets an input."""
    definition = lookup.metric_lookup.get_metric(MetricReference(metric))
    cumulative = definition.type_params.cumulative_type_params
    if definition.type is MetricType.CUMULATIVE and cumulative and (cumulative.window or cumulative.grain_to_date):
        return True
    return any(
        i.offset_window or i.offset_to_grain or _needs_metric_time(lookup, i.name) for i in definition.input_metrics
    )


def _queries(engine: MetricFlowEngine, lookup: SemanticManifestLookup) -> list[tuple[str, str, tuple[str, ...]]]:
    """(label, metric, group-by) for every metric, alone and by each of GROUP_BYS it allows."""
    queries = []
    for metric in sorted(m.name for m in engine.list_metrics(include_dimensions=False)):
        dimensions = engine.simple_dimensions_for_metrics([metric])
        names = {d.dunder_name for d in dimensions}
        times = {d.granularity_free_dunder_name for d in dimensions if d.type is DimensionType.TIME}
        needs_metric_time = _needs_metric_time(lookup, metric)
        for group_by in GROUP_BYS:
            if needs_metric_time and not any(item.startswith(f"{METRIC_TIME_ELEMENT_NAME}__") for item in group_by):
                continue
            if all(item in names or item.rpartition("__")[0] in times for item in group_by):
                label = f"metric {metric} by {', '.join(group_by)}" if group_by else f"metric {metric}"
                queries.append((label, metric, group_by))
    return queries


def _render(engine: MetricFlowEngine, metric: str, group_by: tuple[str, ...]) -> str:
    request = MetricFlowQueryRequest.create(metric_names=[metric], group_by_names=list(group_by))
    return engine.explain(request).sql_statement.sql


def render_metric_sql(manifest_path: Path) -> list[tuple[str, str]]:
    """(label, SQL) of every metric query MetricFlow would run on Redshift, rendered offline."""
    engine, lookup = _engine(manifest_path)
    return [(label, _render(engine, metric, group_by)) for label, metric, group_by in _queries(engine, lookup)]


def lint_metrics(manifest_path: Path, sql_dir: Path | None = None) -> tuple[int, list[MetricFinding]]:
    """(queries rendered, findings): every metric query's Redshift SQL against the rules; a query
    MetricFlow refuses to render for Redshift is a finding too. Writes the SQL to `sql_dir`."""
    engine, lookup = _engine(manifest_path)
    rendered, findings = 0, []
    for label, metric, group_by in _queries(engine, lookup):
        try:
            sql = _render(engine, metric, group_by)
        except UnsupportedEngineFeatureError as exc:
            problem = f"MetricFlow cannot render it for Redshift ({str(exc)[:200]})"
            fix = "change the metric's definition to what Redshift supports"
            findings.append(MetricFinding(label, "", Finding("metric-not-renderable", 1, problem, fix)))
            continue
        rendered += 1
        sql_path = ""
        if sql_dir is not None:
            sql_dir.mkdir(parents=True, exist_ok=True)
            target = sql_dir / (re.sub(r"\W+", "__", "__".join((metric, *group_by))) + ".sql")
            target.write_text(sql)
            sql_path = str(target)
        findings += [MetricFinding(label, sql_path, f) for f in lint_sql(sql)]
    return rendered, findings
