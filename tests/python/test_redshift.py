"""The same project runs on Redshift, proven without Redshift in three layers.

1. The real dbt-redshift adapter compiles every node offline, both branches of the incremental
   fact, and a model that queries the warehouse while compiling is stopped with its name.
2. The compiled SQL is checked against explicit rules for what DuckDB accepts and Redshift
   rejects or computes differently; every rule can fail, and a planted trap is caught.
3. dbt-redshift's own materializations build the whole project, in two batches, on PostgreSQL
   behind a Redshift wire shim (redshift_emulation.py), after dlt's Redshift destination loaded
   the raw feeds through the same shim; every mart then equals the DuckDB build row for row.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import dlt
import pytest
from redshift_emulation import PostgresServer, RedshiftWireProxy
from support import ROOT, SMALL, Project, make_sample, project_copy, temporary_env

from loaders.contracts import FEEDS
from loaders.destinations import Target
from loaders.generate import Params, generate
from loaders.pipeline import load_into
from redshift_check.__main__ import check
from redshift_check.lint import lint_manifest, lint_sql
from redshift_check.offline import OfflineCompileError, compile_offline


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("profiles")
    shutil.copy(ROOT / "profiles.yml.example", folder / "profiles.yml")
    return folder


# --- layer 1: offline compile ------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory, profiles: Path) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("redshift")
    return {
        branch: compile_offline(ROOT, out / branch, incremental, profiles_dir=profiles)
        for branch, incremental in (("full", False), ("incremental", True))
    }


def _compiled_sql(target: Path, model: str) -> str:
    manifest = json.loads((target / "manifest.json").read_text())
    return next(n["compiled_code"] for n in manifest["nodes"].values() if n["name"] == model)


def test_every_model_compiles_for_redshift_offline(compiled: dict[str, Path]) -> None:
    for target in compiled.values():
        manifest = json.loads((target / "manifest.json").read_text())
        models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
        assert models and all(n.get("compiled_code") for n in models)
        assert json.loads((target / "manifest.json").read_text())["metadata"]["adapter_type"] == "redshift"


def test_both_branches_of_the_incremental_chain_compile(compiled: dict[str, Path]) -> None:
    full = _compiled_sql(compiled["full"], "fct_transactions")
    incremental = _compiled_sql(compiled["incremental"], "fct_transactions")
    assert "as invalidated" not in full
    assert "as invalidated" in incremental
    # the rule reads what the chain built last time, the fact included
    rule = _compiled_sql(compiled["incremental"], "int_transaction_lines_invalidated")
    assert '"marts"."fct_transactions"' in rule and "least(" in rule
    assert "least(" not in _compiled_sql(compiled["full"], "int_transaction_lines_invalidated")


def test_redshift_only_sql_comes_from_the_dispatched_macros(compiled: dict[str, Path]) -> None:
    sql = _compiled_sql(compiled["full"], "stg_raw__transactions")
    assert "convert_timezone('UTC'" in sql  # redshift__to_utc_timestamp, not DuckDB's timezone()
    assert "json_extract_path_text(" in _compiled_sql(compiled["full"], "recon_control_totals")


def test_a_model_that_queries_the_warehouse_while_compiling_is_named(tmp_path: Path, profiles: Path) -> None:
    copy = project_copy(tmp_path / "project")
    (copy / "models" / "marts" / "core" / "looks_up.sql").write_text(
        "{% set found = run_query('select 1') %}\nselect 1 as one\n"
    )
    with pytest.raises(OfflineCompileError, match=r"(?s)looks_up\.sql.*tried to connect to Redshift"):
        compile_offline(copy, tmp_path / "target", False, profiles_dir=profiles, select=["looks_up"])


# --- layer 2: the Redshift dialect rules -------------------------------------------------

TRAPS = {
    "leader-node-function": ("select n from t join generate_series(1, 3) as g(n) on true", None),
    "duckdb-only-function": (
        "select string_agg(x, ',') from t",
        "select listagg(x, ',') within group (order by x) from t",
    ),
    "nested-type": ("select [1, 2] as pair from t", "select 1 as first, 2 as second from t"),
    "filter-clause": (
        "select count(*) filter (where x > 1) from t",
        "select sum(case when x > 1 then 1 else 0 end) from t",
    ),
    "is-distinct-from": ("select * from t where a is distinct from b", "select * from t where a <> b"),
    "distinct-on": ("select distinct on (a) a, b from t", "select distinct a, b from t"),
    "concat-arity": ("select concat(a, b, c) from t", "select concat(a, b) from t"),
    "unquoted-interval": ("select d + interval 1 day from t", "select d + interval '1 day' from t"),
    "window-frame": (
        "select sum(x) over (partition by a order by b) from t",
        "select sum(x) over (partition by a order by b rows between unbounded preceding and current row) from t",
    ),
    "range-frame": (
        "select sum(x) over (order by b range between unbounded preceding and current row) from t",
        "select sum(x) over (order by b rows between unbounded preceding and current row) from t",
    ),
    "recursive-cte-columns": (
        "with recursive c as (select 1 as n union all select n + 1 from c where n < 3) select n from c",
        "with recursive c(n) as (select 1 union all select n + 1 from c where n < 3) select n from c",
    ),
    "qualify-after-unaliased-relation": (
        "select a from t qualify row_number() over (partition by a order by b) = 1",
        "select a from t as t qualify row_number() over (partition by a order by b) = 1",
    ),
    "integer-division": ("select units / orders from t", "select cast(units as numeric(18, 4)) / orders from t"),
    "avg-of-integers": ("select avg(units) from t", "select avg(cast(units as numeric(18, 4))) from t"),
    "numeric-precision": ("select cast(x as numeric) from t", "select cast(x as numeric(18, 2)) from t"),
    "text-length": ("select cast(x as varchar) from t", "select cast(x as varchar(64)) from t"),
    "desc-nulls": ("select a from t order by a desc", "select a from t order by a desc nulls last"),
    "not-redshift-sql": ("select a // b from t", None),
}


@pytest.mark.parametrize("rule", sorted(TRAPS))
def test_each_rule_catches_its_trap_and_only_it(rule: str) -> None:
    trap, fixed = TRAPS[rule]
    findings = lint_sql("select 1 as one\n" if trap is None else "-- a trap\n" + trap)
    assert [f.rule for f in findings] == [rule], findings
    assert findings[0].line == 2 and findings[0].fix
    if fixed is not None:
        assert lint_sql(fixed) == []


@pytest.mark.parametrize("bind", [False, True])
def test_a_late_binding_view_with_a_recursive_cte_is_caught(tmp_path: Path, bind: bool) -> None:
    sql = "with recursive c(n) as (select 1 union all select n + 1 from c where n < 3) select n from c"
    node = {
        "resource_type": "model",
        "name": "walk",
        "original_file_path": "models/walk.sql",
        "compiled_path": "target/compiled/walk.sql",
        "compiled_code": sql,
        "config": {"materialized": "view", "bind": bind},
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": {"model.p.walk": node}}))
    linted, findings = lint_manifest(tmp_path)
    assert linted == 1
    assert [f.finding.rule for f in findings] == ([] if bind else ["late-binding-recursive"])


def test_the_project_is_clear_of_the_traps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(ROOT, tmp_path / "out") == 0, capsys.readouterr().out
    assert "0 finding(s)" in capsys.readouterr().out


def test_a_planted_trap_model_is_caught_with_model_line_and_fix(tmp_path: Path) -> None:
    copy = project_copy(tmp_path / "project")
    (copy / "models" / "marts" / "core" / "channel_list.sql").write_text(
        "-- planted: DuckDB-only SQL\nselect\n    string_agg(channel, ', ') as channels\n"
        "from {{ ref('dim_channel') }}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "redshift_check", "--project-dir", str(copy), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "models/marts/core/channel_list.sql (model channel_list), compiled line 3: [duckdb-only-function]" in (
        result.stdout
    )
    assert "fix: use listagg(" in result.stdout


# --- layer 3: dbt-redshift on PostgreSQL ---------------------------------------------------


class RedshiftStandIn:
    def __init__(self, work: Path) -> None:
        self.server = PostgresServer().start()
        self.proxy = RedshiftWireProxy(self.server.port).start()
        self.work = work
        profiles = work / "profiles"
        profiles.mkdir(parents=True)
        shutil.copy(ROOT / "profiles.yml.example", profiles / "profiles.yml")
        self.env = {
            **os.environ,
            "DBT_TARGET": "redshift",
            "DBT_PROFILES_DIR": str(profiles),
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "logs"),
            "REDSHIFT_HOST": "127.0.0.1",
            "REDSHIFT_PORT": str(self.proxy.port),
            "REDSHIFT_DATABASE": self.server.database,
            "REDSHIFT_USER": self.server.user,
            "REDSHIFT_PASSWORD": "unused-trust-auth",
            "REDSHIFT_SSLMODE": "disable",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def load(self, source: Path) -> int:
        """dlt's Redshift destination, through the shim; insert statements, as no S3 is here."""
        destination = dlt.destinations.redshift(
            credentials={
                "host": "127.0.0.1",
                "port": self.proxy.port,
                "database": self.server.database,
                "username": self.server.user,
                "password": "unused-trust-auth",
            }
        )
        with temporary_env(FINANCE_PIPELINES_DIR=str(self.work / "pipelines")):
            return load_into(
                Target(destination, None, "Redshift stand-in", self.work / "load-lock", "insert_values"),
                str(source),
                list(FEEDS),
            )

    def dbt(self, *args: str) -> subprocess.CompletedProcess[str]:
        dbt = str(Path(sys.executable).with_name("dbt"))
        return subprocess.run([dbt, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False)

    def stop(self) -> None:
        self.proxy.stop()
        self.server.stop()


def failed_nodes(target: Path) -> set[str]:
    """The nodes the last dbt command in `target` failed, by name."""
    run = json.loads((target / "run_results.json").read_text())
    return {r["unique_id"].split(".")[2] for r in run["results"] if r["status"] in ("fail", "error")}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedshiftStandIn, Project]]:
    """The same two batches of deliveries built on the Redshift stand-in and on DuckDB; the second
    ends with two defects, so the exceptions mart has rows to compare on both engines (planted
    last: a later day's spend file restates the days before it): a spend spike, a warning, and a
    quarantined spend row, whose spend is in no total, which fails reconciliation_quarantine and
    nothing else on both (decision log §10)."""
    work = tmp_path_factory.mktemp("redshift_on_postgres")
    source = make_sample(work / "deliveries", days=12)
    redshift = RedshiftStandIn(work / "redshift")
    duck_work = work / "duckdb"
    duck_work.mkdir()
    duck = Project(duck_work)
    try:
        for batch in (1, 2):
            if batch == 2:
                generate(
                    source,
                    Params(**{**SMALL.__dict__, "days": 16}),
                    first_day_to_write=12,
                    progress=False,
                    plant="quarantined_row,spend_spike",
                )
            assert redshift.load(source) == 0
            on_redshift = redshift.dbt("build")
            assert duck.load(source) == 0
            # with the unit tests, as on Redshift: the build log counts the nodes each build ran
            on_duckdb = duck.dbt("build")
            failing = {"reconciliation_quarantine"} if batch == 2 else set()
            for build, work in ((on_redshift, redshift.work), (on_duckdb, duck.work)):
                assert failed_nodes(work / "target") == failing, build.stdout[-6000:] + build.stderr[-2000:]
                assert build.returncode == (1 if failing else 0)
        yield redshift, duck
    finally:
        redshift.stop()


# Columns each pipeline run or dbt invocation assigns for itself; everything else must be equal.
RUN_SPECIFIC = {
    "dlt_load_id",
    "last_dlt_load_id",
    "first_read_at",
    "last_read_at",
    "last_feed_read_at",
    "invocation_id",
    "started_at",
    "finished_at",
}


def _normalised(rows: list[tuple]) -> list[tuple]:
    """Values as both engines mean them: 49.0 and 49.00 are one number."""
    return sorted((tuple(v.normalize() if isinstance(v, Decimal) else v for v in row) for row in rows), key=repr)


def test_every_mart_on_redshift_equals_the_duckdb_build(both: tuple[RedshiftStandIn, Project]) -> None:
    redshift, duck = both
    marts = [t for (t,) in duck.query("select table_name from information_schema.tables where table_schema = 'marts'")]
    assert len(marts) >= 15
    for table in marts:
        columns = [
            c
            for (c,) in duck.query(
                "select column_name from information_schema.columns "
                f"where table_schema = 'marts' and table_name = '{table}' order by ordinal_position"
            )
            if c not in RUN_SPECIFIC
        ]
        select = f"select {', '.join(columns)} from marts.{table}"
        on_duckdb = _normalised(duck.query(select))
        on_redshift = _normalised(redshift.server.sql(select))
        # one model per invariant is empty while its invariant holds; their union is not
        assert len(on_redshift) == len(on_duckdb) > (-1 if table.startswith("recon_") else 0), table
        assert on_redshift == on_duckdb, table
    invariants = duck.query("select distinct invariant from marts.reconciliation_exceptions")
    assert {"plausibility", "quarantine"} <= {name for (name,) in invariants}


def test_the_redshift_run_was_incremental_and_kept_history(both: tuple[RedshiftStandIn, Project]) -> None:
    redshift, _ = both
    assert redshift.server.sql("select count(distinct dlt_load_id) from marts.fct_transactions") == [(2,)]
    assert (
        redshift.server.sql("select count(*) from snapshots.customers_snapshot where dbt_valid_to is not null")[0][0]
        > 0
    )


def test_redshift_only_ddl_was_emitted(both: tuple[RedshiftStandIn, Project]) -> None:
    """What the shim had to take out is what only Redshift understands: the physical design
    and late-binding views of the dbt models, dlt's varchar(max), and listagg (text_list)."""
    redshift, _ = both
    for clause in ("diststyle", "distkey", "sortkey", "with no schema binding", "backup no", "varchar(max)", "listagg"):
        assert redshift.proxy.rewrites[clause] > 0, clause
