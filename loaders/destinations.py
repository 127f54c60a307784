"""dlt destinations: the embedded DuckDB file, or Amazon Redshift with S3 staging."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from . import settings

# Environment variables for Redshift, and what each is for.
REDSHIFT_ENV = {
    "REDSHIFT_HOST": "cluster endpoint, e.g. my-cluster.abc123.eu-west-1.redshift.amazonaws.com",
    "REDSHIFT_DATABASE": "database name",
    "REDSHIFT_USER": "user that owns the raw schema",
    "REDSHIFT_PASSWORD": "that user's password",
    "REDSHIFT_STAGING_BUCKET": "s3://bucket/prefix where dlt stages Parquet files for COPY",
}
REDSHIFT_OPTIONAL_ENV = {
    "REDSHIFT_PORT": "5439",
    "REDSHIFT_IAM_ROLE": "ARN of a role Redshift assumes to read the staging bucket (else COPY gets the AWS keys)",
    "AWS_ACCESS_KEY_ID": "key for the staging bucket",
    "AWS_SECRET_ACCESS_KEY": "secret for the staging bucket",
    "AWS_DEFAULT_REGION": "region of the staging bucket",
}


class DestinationConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    destination: Any
    staging: Any | None
    description: str
    # One load at a time writes the target: the lock file a load holds (see loaders/lock.py).
    lock_path: Path
    # How dlt writes load files: Parquet for DuckDB and for Redshift's COPY from S3 staging.
    file_format: str = "parquet"


def duckdb_credentials(path: str | Path) -> DuckDbCredentials:
    """Raw tables have no row order anyone may rely on; without keeping insertion order, DuckDB
    writes a large load in parallel and does not rewrite it when it checkpoints. The memory limit
    is dbt's (FINANCE_DUCKDB_MEMORY_LIMIT): beyond it DuckDB spills to disk."""
    return DuckDbCredentials(
        str(path),
        global_config={"preserve_insertion_order": False, "memory_limit": settings.duckdb_memory_limit()},
    )


def create_warehouse_file(path: str | Path) -> None:
    """Creates an empty warehouse file in the project's DuckDB file format
    (settings.DUCKDB_STORAGE_VERSION), before dlt opens it in DuckDB's default one. The caller
    holds the load lock and has seen that the file does not exist."""
    duckdb.connect(str(path), config={"storage_compatibility_version": settings.DUCKDB_STORAGE_VERSION}).close()


def duckdb_lock_path(path: Path) -> Path:
    """The load lock of a warehouse file: a file beside it (loaders/lock.py)."""
    return path.resolve().with_name(path.resolve().name + ".load-lock")


def duckdb_target() -> Target:
    path = settings.warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = duckdb_lock_path(path)
    return Target(dlt.destinations.duckdb(credentials=duckdb_credentials(path)), None, f"DuckDB file {path}", lock)


# Where dlt's own providers (environment, .dlt/config.toml, .dlt/secrets.toml) keep each setting
# when the REDSHIFT_* variable (shared with the dbt profile) is not set.
DLT_KEYS = {
    "REDSHIFT_HOST": "destination.redshift.credentials.host",
    "REDSHIFT_PORT": "destination.redshift.credentials.port",
    "REDSHIFT_DATABASE": "destination.redshift.credentials.database",
    "REDSHIFT_USER": "destination.redshift.credentials.username",
    "REDSHIFT_PASSWORD": "destination.redshift.credentials.password",
    "REDSHIFT_STAGING_BUCKET": "destination.filesystem.bucket_url",
    "REDSHIFT_IAM_ROLE": "destination.redshift.staging_iam_role",
    "AWS_ACCESS_KEY_ID": "destination.filesystem.credentials.aws_access_key_id",
    "AWS_SECRET_ACCESS_KEY": "destination.filesystem.credentials.aws_secret_access_key",
}


def _with_dlt_settings(env: dict[str, str]) -> dict[str, str]:
    """`env`, with every Redshift setting it lacks taken from dlt's configuration and secrets."""
    merged = dict(env)
    for name, key in DLT_KEYS.items():
        if not merged.get(name):
            value = dlt.secrets.get(key)
            if value not in (None, ""):
                merged[name] = str(value)
    return merged


def redshift_target(env: dict[str, str] | None = None) -> Target:
    """Assembles the Redshift destination and its S3 staging from the environment (REDSHIFT_*,
    or dlt's own `destination.redshift.*` configuration and secrets); raises
    DestinationConfigError naming every missing setting. Connects to nothing."""
    env = _with_dlt_settings(dict(os.environ if env is None else env))
    missing = [name for name in REDSHIFT_ENV if not env.get(name)]
    has_keys = env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY")
    if not env.get("REDSHIFT_IAM_ROLE") and not has_keys:
        missing.append("REDSHIFT_IAM_ROLE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
    if missing:
        raise DestinationConfigError(
            "Redshift destination is not configured; set: " + ", ".join(missing) + " (see README, 'Load into Redshift')"
        )
    bucket = env["REDSHIFT_STAGING_BUCKET"]
    if not bucket.startswith("s3://"):
        raise DestinationConfigError(f"REDSHIFT_STAGING_BUCKET must be an s3:// URL, got {bucket!r}")
    port = env.get("REDSHIFT_PORT", "5439")
    if not port.isdigit():
        raise DestinationConfigError(f"REDSHIFT_PORT must be a number, got {port!r}")
    credentials = {
        "host": env["REDSHIFT_HOST"],
        "port": int(port),
        "database": env["REDSHIFT_DATABASE"],
        "username": env["REDSHIFT_USER"],
        "password": env["REDSHIFT_PASSWORD"],
    }
    destination = dlt.destinations.redshift(
        credentials=credentials,
        staging_iam_role=env.get("REDSHIFT_IAM_ROLE") or None,
    )
    aws: dict[str, str] = {"region_name": env.get("AWS_DEFAULT_REGION", "us-east-1")}
    if has_keys:
        aws.update(aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    staging = dlt.destinations.filesystem(bucket_url=bucket, credentials=aws)
    # A local lock keeps apart the loads of one machine, whatever their checkout or pipelines
    # folder; loads from several machines need a scheduler that runs one at a time (§13).
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"redshift-{credentials['host']}-{port}-{credentials['database']}")
    return Target(
        destination,
        staging,
        f"Redshift {credentials['host']}:{port}/{credentials['database']} (staging {bucket})",
        Path(tempfile.gettempdir()) / "commerce-finance-locks" / f"{name}.load-lock",
    )


def target(name: str) -> Target:
    if name == "duckdb":
        return duckdb_target()
    if name == "redshift":
        return redshift_target()
    raise DestinationConfigError(f"unknown destination {name!r}; choose duckdb or redshift")


def warehouse_exists() -> bool:
    return Path(settings.warehouse_path()).exists()
