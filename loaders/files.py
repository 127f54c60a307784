"""Where deliveries come from: a local folder or an s3:// URL, read through pyarrow's filesystems."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass(frozen=True)
class DeliveredFile:
    path: str  # path inside the filesystem
    relative: str  # path relative to the source root, e.g. transactions/date=2025-09-01/...
    size: int
    modified_ns: int

    @property
    def format(self) -> str:
        return FORMATS[Path(self.relative).suffix.lower()]

    @property
    def fingerprint(self) -> str:
        """Changes when the file is re-delivered: size and modification time."""
        return f"{self.size}:{self.modified_ns}"


class Source:
    """A delivery root with one sub-folder per feed."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("s3://"):
            self.fs: pafs.FileSystem = _s3_filesystem()
            self.root = url.removeprefix("s3://").rstrip("/")
        else:
            if not Path(url).is_dir():
                raise FileNotFoundError(f"source folder {url} does not exist")
            self.fs = pafs.LocalFileSystem()
            self.root = str(Path(url).resolve())

    def files(self, feed: str) -> list[DeliveredFile]:
        """The feed's delivered files in delivery order (date partitions sort by path)."""
        selector = pafs.FileSelector(f"{self.root}/{feed}", recursive=True, allow_not_found=True)
        found = []
        for info in self.fs.get_file_info(selector):
            if info.type != pafs.FileType.File or Path(info.path).suffix.lower() not in FORMATS:
                continue
            relative = info.path[len(self.root) + 1 :]
            found.append(DeliveredFile(info.path, relative, info.size, info.mtime_ns or 0))
        return sorted(found, key=lambda f: f.relative)

    def read(self, delivered: DeliveredFile) -> bytes:
        with self.fs.open_input_stream(delivered.path) as stream:
            return stream.readall()


def _s3_filesystem() -> pafs.S3FileSystem:
    """S3 credentials come from the usual AWS environment variables; AWS_ENDPOINT_URL points
    at an S3-compatible server (MinIO, moto) when set."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    options: dict[str, object] = {"region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        options.update(endpoint_override=host or scheme, scheme=scheme if host else "https")
    return pafs.S3FileSystem(**options)
