"""Where deliveries come from: a local folder or an s3:// URL, read through pyarrow's filesystems.

Every file under a feed's folder is accounted for: a file in a format the loader reads is
delivered; anything else is listed as ignored, and a symlink that leaves the source root (or
leads nowhere) is refused. Only the housekeeping files operating systems leave in folders
(`.DS_Store`, `Thumbs.db`, `desktop.ini`) are passed over without a word.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

# Name endings the loader reads, and the format each one is in. `.gz` wraps CSV and JSON Lines.
FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson": "jsonl",
    ".ndjson.gz": "jsonl",
}
# Files every operating system or copy tool leaves behind; never data, never reported.
HOUSEKEEPING = {".DS_Store", "Thumbs.db", "desktop.ini"}
# Files delivered before are hashed a few at a time: hashlib and pyarrow's reads release the GIL,
# and a read from S3 mostly waits on the network. Each is read in pieces of HASH_CHUNK bytes.
HASH_WORKERS = 8
HASH_CHUNK = 8 << 20


def format_of(name: str) -> str | None:
    """The format a file name says it holds, or None when the loader does not read it."""
    lower = name.lower()
    for ending in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(ending):
            return FORMATS[ending]
    return None


def content_hash(data: bytes) -> str:
    """What identifies a delivered file's content: a hash of its bytes (a correction with the
    same size and modification time still changes it)."""
    return content_hash_of([data])


def content_hash_of(pieces: Iterable[bytes]) -> str:
    """content_hash of the pieces' bytes one after another, without joining them."""
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class DeliveredFile:
    path: str  # path inside the filesystem
    relative: str  # path relative to the source root, e.g. transactions/date=2025-09-01/...
    size: int
    fingerprint: str  # content hash of the bytes as delivered ("" for a path never delivered before)

    @property
    def format(self) -> str:
        fmt = format_of(self.relative)
        assert fmt is not None, self.relative
        return fmt

    @property
    def compressed(self) -> bool:
        return self.relative.lower().endswith(".gz")


@dataclass(frozen=True)
class UnreadFile:
    """A file under a feed's folder that is not loaded, and why."""

    relative: str
    size: int
    fingerprint: str
    status: str  # ignored (a format the loader does not read) or refused (a link out of the root)
    reason: str


@dataclass(frozen=True)
class Listing:
    delivered: list[DeliveredFile]  # in path order; delivery order within a load
    unread: list[UnreadFile]


class Source:
    """A delivery root with one sub-folder per feed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.local = not url.startswith("s3://")
        if not self.local:
            self.fs: pafs.FileSystem = _s3_filesystem()
            self.root = url.removeprefix("s3://").rstrip("/")
        else:
            if not Path(url).is_dir():
                raise FileNotFoundError(f"source folder {url} does not exist")
            self.fs = pafs.LocalFileSystem()
            self.root = str(Path(url).resolve())

    def files(self, feed: str, known: Collection[str] = ()) -> Listing:
        """Every file under the feed's folder: the ones to read, in path order (date partitions
        sort by path), and the ones that are not read. A file whose path is `known` (delivered
        before) is hashed to tell whether it changed; a new path needs no hash to be read."""
        selector = pafs.FileSelector(f"{self.root}/{feed}", recursive=True, allow_not_found=True)
        delivered: list[DeliveredFile] = []
        unread: list[UnreadFile] = []
        for link in self._dangling_links(f"{self.root}/{feed}"):
            target = os.readlink(link)
            reason = f"a link to {target}, which does not exist: refused, not read"
            unread.append(UnreadFile(link[len(self.root) + 1 :], 0, "link:" + target, "refused", reason))
        for info in self.fs.get_file_info(selector):
            relative = info.path[len(self.root) + 1 :]
            if info.type != pafs.FileType.File or Path(info.path).name in HOUSEKEEPING:
                continue
            escape = self._outside_root(info.path)
            if escape is not None:
                reason = f"a link to {escape}, outside the source root {self.root}: refused, not read"
                unread.append(UnreadFile(relative, info.size, "link:" + escape, "refused", reason))
                continue
            if format_of(relative) is None:
                formats = ", ".join(sorted(FORMATS))
                reason = f"not a format the loader reads ({formats}): ignored"
                unread.append(UnreadFile(relative, info.size, self.fingerprint(info.path), "ignored", reason))
                continue
            delivered.append(DeliveredFile(info.path, relative, info.size, ""))
        seen_before = [f for f in delivered if f.relative in known]
        # map's results cancel what is still queued when one fails (or on ^C): the load stops there
        with ThreadPoolExecutor(max_workers=HASH_WORKERS) as pool:
            hashes = list(pool.map(self.fingerprint, [f.path for f in seen_before]))
        fingerprints = dict(zip(seen_before, hashes, strict=True))
        delivered = [dataclasses.replace(f, fingerprint=fingerprints[f]) if f in fingerprints else f for f in delivered]
        return Listing(sorted(delivered, key=lambda f: f.relative), sorted(unread, key=lambda f: f.relative))

    def fingerprint(self, path: str) -> str:
        """content_hash of the file's bytes as delivered, read in pieces of HASH_CHUNK bytes."""
        with self.fs.open_input_stream(path, compression=None) as stream:
            return content_hash_of(iter(lambda: stream.read(HASH_CHUNK), b""))

    def _dangling_links(self, folder: str) -> list[str]:
        """Links in a local folder that lead nowhere (pyarrow's listing leaves them out)."""
        if not self.local:
            return []
        found = []
        for here, _, names in os.walk(folder):
            found += [p for n in names if os.path.islink(p := os.path.join(here, n)) and not os.path.exists(p)]
        return found

    def _outside_root(self, path: str) -> str | None:
        """Where a local file really is, when a link takes it outside the source root."""
        if not self.local:
            return None
        real = os.path.realpath(path)
        if os.path.commonpath([real, self.root]) == self.root:
            return None
        return real

    def read_bytes(self, path: str) -> bytes:
        with self.fs.open_input_stream(path, compression=None) as stream:  # bytes as delivered
            return stream.readall()

    def read(self, delivered: DeliveredFile) -> bytes:
        """The file's bytes as delivered (still compressed for a .gz)."""
        return self.read_bytes(delivered.path)


def _s3_filesystem() -> pafs.S3FileSystem:
    """S3 credentials come from the usual AWS environment variables; AWS_ENDPOINT_URL points
    at an S3-compatible server (MinIO, moto) when set."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    options: dict[str, object] = {"region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        options.update(endpoint_override=host or scheme, scheme=scheme if host else "https")
    return pafs.S3FileSystem(**options)
