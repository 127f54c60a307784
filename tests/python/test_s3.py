"""Reading deliveries from S3 for real, through moto's S3-compatible server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

Query = Callable[[str], list[tuple]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    try:
        yield endpoint
    finally:
        server.stop()


def test_load_from_s3_equals_load_from_folder(
    sample: Path,
    s3_endpoint: str,
    load: Callable[..., int],
    query: Query,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="deliveries")
    for path in sorted(p for p in sample.rglob("*") if p.is_file()):
        s3.upload_file(str(path), "deliveries", f"shop/{path.relative_to(sample)}")

    assert load("s3://deliveries/shop") == 0
    checksum = "select count(*), sum(unit_price), max(_source_file) from raw.transactions"
    from_s3 = query(checksum)
    assert from_s3[0][0] > 0
    assert query("select count(*) from raw.file_deliveries") == [(sum(1 for p in sample.rglob("*.csv")),)]
    # a second run reads nothing
    assert load("s3://deliveries/shop") == 0
    assert query(checksum) == from_s3

    monkeypatch.setenv("FINANCE_WAREHOUSE_PATH", str(tmp_path / "local.duckdb"))
    monkeypatch.setenv("FINANCE_PIPELINES_DIR", str(tmp_path / "local-pipelines"))
    assert load(sample) == 0
    import duckdb

    con = duckdb.connect(str(tmp_path / "local.duckdb"), read_only=True)
    assert con.execute(checksum).fetchall() == from_s3
    con.close()
