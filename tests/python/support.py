"""Helpers the tests share (pytest puts this folder on sys.path)."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import duckdb
import yaml

from loaders.generate import Params, generate
from loaders.pipeline import run_load

ROOT = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
BOUNCER = str(Path(sys.executable).with_name("dbt-bouncer"))
PROJECT_PARTS = (
    "dbt_project.yml",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "analyses",
    "profiles.yml.example",
    "dbt-bouncer.yml",
    "conventions",
    ".sqlfluff",
    ".sqlfluffignore",
)
SMALL = Params(seed=7, start="2025-11-20", days=10, orders_per_day=25, products=60, customers=300, format="csv")


def make_sample(root: Path, plant: str | None = None, **changes: object) -> Path:
    params = Params(**{**SMALL.__dict__, **changes})
    generate(root, params, progress=False, plant=plant)
    return root


def project_copy(dest: Path) -> Path:
    """A copy of the dbt project that a test may change (plant a model, mutate one)."""
    dest.mkdir()
    for part in PROJECT_PARTS:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / part)
    return dest


@contextmanager
def temporary_env(**values: str) -> Iterator[None]:
    """Sets environment variables for the block (the loaders read them in-process)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Project:
    """The dbt project (or a copy of it) on a private warehouse, dlt state and target folder."""

    def __init__(self, work: Path, project_dir: Path = ROOT) -> None:
        self.work = work
        self.project_dir = project_dir
        self.warehouse = work / "finance.duckdb"
        profiles = work / "profiles"
        profiles.mkdir()
        shutil.copy(ROOT / "profiles.yml.example", profiles / "profiles.yml")
        self.env = {
            **os.environ,
            "FINANCE_WAREHOUSE_PATH": str(self.warehouse),
            "FINANCE_PIPELINES_DIR": str(work / "pipelines"),
            "DBT_PROFILES_DIR": str(profiles),
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def dbt(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [DBT, *args], cwd=self.project_dir, env=self.env, capture_output=True, text=True, check=False
        )

    def build_daily(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`dbt build` as the scheduled job runs it (`make daily`): every node but the unit tests.
        They check the models' code on fixed inputs, the same whatever the warehouse holds, so a
        test of data or of the incremental path gains nothing from running them again (about half
        a small build's node time). The builds that run them: test_dbt_build.py's fixture (the
        first two) and both sides of the Redshift comparison (test_redshift.py: the stand-in and the
        DuckDB build it is compared with, whose build logs count the nodes each ran)."""
        return self.dbt("build", *daily_build_flags(), *args)

    def kill_build_after(self, model: str) -> None:
        """`dbt build`, killed (SIGKILL) once it has created `model`: a crash half way through a
        build, its on-run-end hook never reached."""
        build = subprocess.Popen(
            [DBT, "build"], cwd=self.project_dir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        assert build.stdout is not None
        for line in build.stdout:
            if "OK created" in line and f".{model} " in line:
                build.kill()
                break
        assert build.wait() == -9, f"dbt build finished before {model} was created"

    def bouncer(self, only: str) -> list[dict[str, str]]:
        """Runs the conventions gate (dbt-bouncer.yml) on this project's artifacts; its failures."""
        config = yaml.safe_load((self.project_dir / "dbt-bouncer.yml").read_text())
        config["dbt_artifacts_dir"] = str(self.work / "target")
        config["custom_checks_dir"] = str(self.project_dir / "conventions")
        config_file = self.work / "dbt-bouncer.yml"
        config_file.write_text(yaml.safe_dump(config))
        report = self.work / "bouncer.json"
        run = subprocess.run(
            [BOUNCER, "run", "--config-file", str(config_file), "--only", only, "--output-file", str(report),
             "--output-only-failures"],
            cwd=self.project_dir, env=self.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        failures = json.loads(report.read_text())
        assert (run.returncode == 0) == (failures == []), run.stdout[-3000:] + run.stderr[-3000:]
        return failures

    def load(self, source: Path) -> int:
        with temporary_env(
            FINANCE_WAREHOUSE_PATH=self.env["FINANCE_WAREHOUSE_PATH"],
            FINANCE_PIPELINES_DIR=self.env["FINANCE_PIPELINES_DIR"],
        ):
            return run_load(str(source), progress=False)

    def query(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def execute(self, sql: str) -> None:
        con = duckdb.connect(str(self.warehouse))
        try:
            con.execute(sql)
        finally:
            con.close()

    def results(self) -> dict[str, str]:
        """Status of every node of the last dbt command, by node name (a unit test by its own
        name: `unit_test.<project>.<model>.<name>`, not its model's, which would hide it)."""
        run = json.loads((self.work / "target" / "run_results.json").read_text())
        names = (r["unique_id"].split(".") for r in run["results"])
        return {
            (parts[3] if parts[0] == "unit_test" else parts[2]): r["status"]
            for parts, r in zip(names, run["results"], strict=True)
        }

    def failed(self) -> set[str]:
        return {name for name, status in self.results().items() if status in ("fail", "error")}


def bench_module() -> ModuleType:
    """bench/bench_warehouse.py, a script, loaded as a module."""
    spec = importlib.util.spec_from_file_location("bench_warehouse", ROOT / "bench" / "bench_warehouse.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@functools.cache
def daily_build_flags() -> tuple[str, ...]:
    """The flags `make daily`, the scheduled job, gives dbt build: the Makefile's
    DAILY_BUILD_FLAGS, read as the benchmark reads them."""
    return tuple(bench_module().daily_build_flags())


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result.stdout


def know_every_days_spend(con: duckdb.DuckDBPyConnection) -> None:
    """In a copy of a warehouse, every P&L day's spend known (0 where it was unknown): the samples'
    last UTC day lies after their spend feed (decision log §3), which a test about something else
    sets aside."""
    con.execute(
        "update marts.pnl_daily_by_channel set marketing_spend_usd = 0, "
        "contribution_margin_usd = contribution_before_marketing_usd, marketing_spend_unknown_reason = null "
        "where marketing_spend_unknown_reason is not null"
    )


def plant_lines_without_cost(con: duckdb.DuckDBPyConnection, within: str = "true") -> None:
    """In a copy of a warehouse, as the P&L sums them (decision log §3, "Coverage"): on the latest
    day with a margin over 10, a line of net revenue 10 loses its cost of 4 (fee 1); on the first
    day with spend whose lines all have a cost, and matching `within` (SQL), every line loses it."""
    con.execute(
        "update marts.pnl_daily_by_channel set net_revenue_with_cost_usd = net_revenue_with_cost_usd - 10, "
        "cogs_usd = cogs_usd - 4, gross_margin_usd = gross_margin_usd - 6, "
        "contribution_before_marketing_usd = contribution_before_marketing_usd - 5, "
        "contribution_margin_usd = contribution_margin_usd - 5, lines_without_cost = lines_without_cost + 1 "
        "where (date_day, channel) = (select (date_day, channel) from marts.pnl_daily_by_channel "
        "where gross_margin_usd > 10 order by date_day desc, channel limit 1)"
    )
    con.execute(
        "update marts.pnl_daily_by_channel set net_revenue_with_cost_usd = null, cogs_usd = null, "
        "gross_margin_usd = null, contribution_before_marketing_usd = null, contribution_margin_usd = null, "
        "lines_without_cost = lines_without_cost + 3 "
        "where (date_day, channel) = (select (date_day, channel) from marts.pnl_daily_by_channel "
        f"where ({within}) and marketing_spend_usd > 0 and lines_without_cost = 0 order by date_day, channel limit 1)"
    )
