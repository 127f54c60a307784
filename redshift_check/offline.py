"""`dbt compile` for the Redshift target with no Redshift: the real dbt-redshift adapter renders
every model, while nothing is allowed to reach a warehouse.

dbt asks the warehouse in two places when compiling: to fill its relation cache (switched off
with --no-populate-cache) and in `is_incremental()`, which looks the model's table up. Here that
look-up answers from a flag instead, so both branches of every incremental model compile: once as
if no table existed (the full build) and once as if it did (the incremental run). Any other
attempt to open a connection stops the compile with the model's name, so a model that queries the
warehouse while compiling is found here and not in production. The SQL is dbt-redshift's own:
only the answers to those questions are supplied.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

# Profile variables a compile needs but never uses to connect.
PLACEHOLDER_ENV = {
    "REDSHIFT_HOST": "redshift.offline.invalid",
    "REDSHIFT_DATABASE": "analytics",
    "REDSHIFT_USER": "offline",
    "REDSHIFT_PASSWORD": "offline",
}


class OfflineCompileError(RuntimeError):
    pass


@contextmanager
def _no_warehouse(incremental: bool) -> Iterator[None]:
    from dbt.adapters.redshift.connections import RedshiftConnectionManager
    from dbt.adapters.redshift.impl import RedshiftAdapter

    def get_relation(self, database: str, schema: str, identifier: str):
        if not incremental:
            return None
        return self.Relation.create(database=database, schema=schema, identifier=identifier, type="table")

    def refuse(cls, connection):
        raise OfflineCompileError(
            f"dbt tried to connect to Redshift while compiling offline (connection {connection.name!r}): "
            "a model or macro queries the warehouse at compile time; guard it with `{% if execute %}` "
            "and a value that does not need the warehouse, or move the query out of compilation"
        )

    with (
        mock.patch.object(RedshiftAdapter, "get_relation", get_relation),
        mock.patch.object(RedshiftConnectionManager, "open", classmethod(refuse)),
    ):
        yield


def compile_offline(
    project_dir: Path, target_path: Path, incremental: bool, profiles_dir: Path, select: list[str] | None = None
) -> Path:
    """Compiles the project for the `redshift` target into `target_path`; returns that path.
    Raises OfflineCompileError when dbt fails or tries to reach the warehouse."""
    from dbt.cli.main import dbtRunner

    for name, value in PLACEHOLDER_ENV.items():
        os.environ.setdefault(name, value)
    args = [
        "compile",
        "--target",
        "redshift",
        "--no-populate-cache",
        "--project-dir",
        str(project_dir),
        "--target-path",
        str(target_path),
        "--profiles-dir",
        str(profiles_dir),
        "--quiet",
    ]
    if select:
        args += ["--select", *select]
    with _no_warehouse(incremental):
        result = dbtRunner().invoke(args)
    if not result.success:
        branch = "incremental" if incremental else "full"
        messages = [str(result.exception)] if result.exception else []
        for node in getattr(result.result, "results", None) or []:
            if str(node.status) in ("error", "fail"):
                messages.append(f"{node.node.original_file_path}: {node.message}")
        raise OfflineCompileError(
            f"dbt compile for Redshift failed ({branch} branch): " + ("; ".join(messages) or "see the dbt log")
        )
    return target_path
