"""The command line: help, error exits and messages, Redshift configuration."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from loaders.cli import main
from loaders.contract_doc import render_markdown
from loaders.destinations import REDSHIFT_ENV, DestinationConfigError, redshift_target

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args", [[], ["generate"], ["load"], ["contract"], ["status"]])
def test_help(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loaders", *args, "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "usage: python -m loaders" in result.stdout


def test_unknown_command_exits_2() -> None:
    result = subprocess.run([sys.executable, "-m", "loaders", "explode"], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_missing_source_folder(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "--source", str(tmp_path / "nowhere"), "--quiet"]) == 2
    assert "nowhere does not exist" in capsys.readouterr().err


def test_unknown_feed(warehouse: Path, sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "--source", str(sample), "--feeds", "transactions", "invoices"]) == 2
    assert "unknown feed(s): invoices" in capsys.readouterr().err


def test_generate_refuses_to_mix_outputs(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--out", str(sample), "--days", "2", "--quiet"]) == 2
    assert "is not empty" in capsys.readouterr().err


def test_append_needs_an_earlier_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--out", str(tmp_path), "--append-days", "1"]) == 2
    assert "no earlier output to append to" in capsys.readouterr().err


def test_generate_then_load_one_feed(tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d"
    assert main(["generate", "--out", str(out), "--days", "2", "--orders-per-day", "10", "--quiet"]) == 0
    assert "wrote csv deliveries" in capsys.readouterr().out
    assert main(["load", "--source", str(out), "--feeds", "fx_rates", "--quiet"]) == 0
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "raw.fx_rates" in status and "raw.transactions" in status and "not loaded" in status


FULL_ENV = {
    "REDSHIFT_HOST": "example.abc.eu-west-1.redshift.amazonaws.com",
    "REDSHIFT_DATABASE": "analytics",
    "REDSHIFT_USER": "loader",
    "REDSHIFT_PASSWORD": "secret",
    "REDSHIFT_STAGING_BUCKET": "s3://bucket/staging",
    "REDSHIFT_IAM_ROLE": "arn:aws:iam::123456789012:role/copy",
}


def test_redshift_configuration_is_assembled_without_connecting() -> None:
    target = redshift_target(FULL_ENV)
    assert target.destination.destination_type.endswith("redshift")
    assert target.staging.destination_type.endswith("filesystem")
    config = target.destination.configuration(None, accept_partial=True)
    assert config.credentials.host == FULL_ENV["REDSHIFT_HOST"] and config.credentials.port == 5439
    assert config.staging_iam_role == FULL_ENV["REDSHIFT_IAM_ROLE"]
    assert "staging s3://bucket/staging" in target.description


@pytest.mark.parametrize("missing", [*REDSHIFT_ENV, "REDSHIFT_IAM_ROLE"])
def test_incomplete_redshift_configuration_names_what_is_missing(missing: str) -> None:
    env = {k: v for k, v in FULL_ENV.items() if k != missing}
    with pytest.raises(DestinationConfigError, match=missing):
        redshift_target(env)


def test_redshift_rejects_a_bucket_that_is_not_s3() -> None:
    with pytest.raises(DestinationConfigError, match="must be an s3:// URL"):
        redshift_target({**FULL_ENV, "REDSHIFT_STAGING_BUCKET": "/tmp/staging"})


def test_cli_redshift_without_configuration_exits_2(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [*REDSHIFT_ENV, "REDSHIFT_IAM_ROLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]:
        monkeypatch.delenv(name, raising=False)
    assert main(["load", "--source", str(sample), "--destination", "redshift"]) == 2
    err = capsys.readouterr().err
    assert "Redshift destination is not configured" in err and "REDSHIFT_HOST" in err


def test_contract_doc_is_current() -> None:
    assert (ROOT / "docs" / "raw_feeds.md").read_text() == render_markdown()


def test_redshift_settings_come_from_dlt_providers_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without REDSHIFT_* variables, dlt's own keys (environment, .dlt/secrets.toml) are read."""
    for name in REDSHIFT_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DESTINATION__REDSHIFT__CREDENTIALS__HOST", "from-dlt.example.com")
    monkeypatch.setenv("DESTINATION__REDSHIFT__CREDENTIALS__DATABASE", "dwh")
    monkeypatch.setenv("DESTINATION__REDSHIFT__CREDENTIALS__USERNAME", "loader")
    monkeypatch.setenv("DESTINATION__REDSHIFT__CREDENTIALS__PASSWORD", "secret")
    monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", "s3://bucket/staging")
    monkeypatch.setenv("DESTINATION__REDSHIFT__STAGING_IAM_ROLE", "arn:aws:iam::1:role/copy")
    target = redshift_target({})
    assert "from-dlt.example.com:5439/dwh" in target.description


def test_the_source_folder_comes_from_dlt_config(
    tmp_path: Path, warehouse: Path, sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__COMMERCE_RAW__SOURCE_URL", str(sample))
    assert main(["load", "--feeds", "fx_rates", "--quiet"]) == 0
    assert "fx_rates" in capsys.readouterr().out
    pipelines = tmp_path / "pipelines"
    info = subprocess.run(
        [str(Path(sys.executable).with_name("dlt")), "pipeline", "--pipelines-dir", str(pipelines), "commerce_raw",
         "info"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert info.returncode == 0 and "dataset_name: raw" in info.stdout, info.stdout + info.stderr


def test_a_refused_connection_is_one_line(tmp_path: Path, sample: Path) -> None:
    """An expected operating condition: no traceback, one line saying where and what to check."""
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        **FULL_ENV,
        "REDSHIFT_HOST": "127.0.0.1",
        "REDSHIFT_PORT": str(port),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "FINANCE_PIPELINES_DIR": str(tmp_path / "pipelines"),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    result = subprocess.run(
        [sys.executable, "-m", "loaders", "load", "--source", str(sample), "--destination", "redshift", "--quiet"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"cannot connect to 127.0.0.1:{port}: connection refused" in lines[0]


def test_a_second_delivery_root_is_refused_by_a_warehouse_another_root_loaded(
    tmp_path: Path, warehouse: Path, sample: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decision log §13: a file delivered again replaces what it delivered before, and a file is
    known by its path under the root. `make run SOURCE=/exports/eu/shop` then `SOURCE=/exports/us/
    shop` loaded both into warehouse/shop.duckdb, and the second root's files replaced the first's
    of the same path: EU's lines left every mart (found by a helper's audit, 2026-12-07). The
    first root to load claims the warehouse; another is refused in one line, before anything is
    loaded; the same root, named another way, loads again; a root that does not exist claims
    nothing. `make run` and `make daily` pass --claim-warehouse (they name the warehouse after the
    root's folder); a load without it may load another folder on purpose."""
    eu, us = tmp_path / "eu" / "shop", tmp_path / "us" / "shop"
    shutil.copytree(sample, eu)
    shutil.copytree(sample, us)
    assert (
        main(["load", "--source", str(tmp_path / "typo"), "--feeds", "fx_rates", "--quiet", "--claim-warehouse"]) == 2
    )
    assert main(["load", "--source", str(eu), "--feeds", "fx_rates", "--quiet", "--claim-warehouse"]) == 0
    capsys.readouterr()
    before = warehouse.read_bytes()
    assert main(["load", "--source", str(us), "--feeds", "fx_rates", "--quiet", "--claim-warehouse"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert f"{warehouse} holds the deliveries of {eu}, and {us} is another delivery root" in err
    assert "FINANCE_WAREHOUSE_PATH" in err and f"delete {warehouse}.source" in err
    assert warehouse.read_bytes() == before, "nothing of the second root was loaded"
    monkeypatch.chdir(tmp_path / "eu")
    assert main(["load", "--source", "shop/", "--feeds", "fx_rates", "--quiet", "--claim-warehouse"]) == 0
    # a warehouse deleted to start again takes its claim with it
    warehouse.unlink()
    assert main(["load", "--source", str(us), "--feeds", "fx_rates", "--quiet", "--claim-warehouse"]) == 0
    # without the flag, a load names its warehouse itself and may load another folder on purpose
    assert main(["load", "--source", str(eu), "--feeds", "fx_rates", "--quiet"]) == 0
    makefile = (ROOT / "Makefile").read_text()
    assert makefile.count("-m loaders load --source $(SOURCE) --claim-warehouse") == 1
    assert "$(SAMPLE)) --claim-warehouse" in makefile
