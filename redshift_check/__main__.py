"""`python -m redshift_check`: compile the project for Redshift without a warehouse, both
branches of every incremental model, render every metric's MetricFlow SQL for Redshift, and
check the SQL for Redshift traps. Exit 1 on findings."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from .lint import lint_manifest
from .metrics import lint_metrics, semantic_manifest
from .offline import OfflineCompileError, compile_offline

BRANCHES = {"full": False, "incremental": True}


def check(project_dir: Path, out: Path) -> int:
    profiles = Path(tempfile.mkdtemp(prefix="redshift_check_profiles_"))
    shutil.copy(project_dir / "profiles.yml.example", profiles / "profiles.yml")
    reported: set[tuple[str, str, int, str]] = set()
    problems = 0
    targets: dict[str, Path] = {}
    try:
        for branch, incremental in BRANCHES.items():
            target = targets[branch] = compile_offline(project_dir, out / branch, incremental, profiles_dir=profiles)
            linted, findings = lint_manifest(target)
            print(f"{branch} build: compiled {linted} models, snapshots, analyses and tests for Redshift offline")
            for item in findings:
                key = (item.path, item.name, item.finding.line, item.finding.rule)
                if key not in reported:
                    reported.add(key)
                    problems += 1
                    print(item)
        rendered, metric_findings = lint_metrics(
            semantic_manifest(project_dir, targets["full"], profiles), sql_dir=out / "metrics"
        )
        print(f"metrics: rendered {rendered} MetricFlow queries for Redshift offline")
        for metric_finding in metric_findings:
            problems += 1
            print(metric_finding)
    except OfflineCompileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(profiles, ignore_errors=True)
    print(f"Redshift check: {problems} finding(s)" + ("" if problems else ", the SQL is clear of the known traps"))
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m redshift_check", description=__doc__)
    parser.add_argument("--project-dir", default=".", help="dbt project folder (default: %(default)s)")
    parser.add_argument("--out", default="target/redshift", help="where the compiled SQL goes (default: %(default)s)")
    args = parser.parse_args(argv)
    return check(Path(args.project_dir).resolve(), Path(args.out).resolve())


if __name__ == "__main__":
    sys.exit(main())
