"""Amazon Redshift stood in for by PostgreSQL on loopback, for CI only.

dbt-redshift's own code (its connection, materializations, snapshots, contracts and unit-test
macros) runs unchanged; what Redshift has and PostgreSQL lacks is closed in two places:

- `RedshiftWireProxy`, between redshift_connector and PostgreSQL: it drops the Redshift-only
  startup parameters PostgreSQL rejects, reports a server version the driver can parse, and
  rewrites the few Redshift-only pieces of SQL text: physical-design clauses PostgreSQL has no
  use for (`diststyle`, `distkey`, `sortkey`, `backup no`, `with no schema binding`) are removed,
  a bare date part (`dateadd(day, ...)`) is quoted so a stand-in function can take it, dlt's
  `varchar(max)` becomes PostgreSQL's longest equivalent, and `listagg(x, ', ') within group
  (order by y)` becomes `string_agg(x, ', ' order by y)`.
- `STAND_INS`: Redshift functions and catalog views dbt-redshift or the project calls, written
  in PostgreSQL (`getdate`, `dateadd`, `convert_timezone`, `json_extract_path_text(varchar, ...)`,
  `pg_get_late_binding_view_cols`, `svv_external_columns`).

Every rewrite is counted, so a test can show that the Redshift-only DDL was really emitted.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SSL_REQUEST = 80877103
PROTOCOL_3 = 196608
# Startup parameters PostgreSQL understands; redshift_connector adds driver and OS details.
STARTUP_KEEP = {"user", "database", "options", "application_name", "client_encoding", "replication"}
REPORTED_SERVER_VERSION = b"8.0.2"  # what Redshift reports; the driver parses it as a version

REWRITES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("with no schema binding", re.compile(r"\bwith\s+no\s+schema\s+binding\b", re.I), ""),
    ("backup no", re.compile(r"\bbackup\s+no\b", re.I), ""),
    ("diststyle", re.compile(r"\bdiststyle\s+(all|even|auto|key)\b", re.I), ""),
    ("distkey", re.compile(r"\bdistkey\s*\([^)]*\)", re.I), ""),
    ("sortkey", re.compile(r"\b(compound\s+|interleaved\s+)?sortkey\s*\([^)]*\)", re.I), ""),
    ("date part", re.compile(r"\b(dateadd|datediff)\(\s*([a-z]+)\s*,", re.I), r"\1('\2',"),
    ("varchar(max)", re.compile(r"\bvarchar\(max\)", re.I), "varchar(65535)"),
    # the text_list macro's Redshift spelling (macros/cross_db/text_list.sql), as PostgreSQL says it
    (
        "listagg",
        re.compile(r"\blistagg\((.*?), ', '\)\s+within\s+group\s+\(order\s+by\s+([^()]*)\)", re.I | re.S),
        r"string_agg(\1, ', ' order by \2)",
    ),
)

STAND_INS = """
create or replace function public.getdate() returns timestamp
    language sql stable as $$ select cast(now() at time zone 'UTC' as timestamp(6)) $$;
create or replace function public.dateadd(part text, n bigint, ts timestamp) returns timestamp
    language sql immutable as $$ select ts + n * cast('1 ' || part as interval) $$;
create or replace function public.dateadd(part text, n bigint, d date) returns timestamp
    language sql immutable as $$ select cast(d as timestamp) + n * cast('1 ' || part as interval) $$;
create or replace function public.datediff(part text, a timestamp, b timestamp) returns bigint
    language sql immutable as $$
    select case lower(part)
        when 'day' then cast(b as date) - cast(a as date)
        when 'second' then cast(extract(epoch from b) - extract(epoch from a) as bigint)
        else cast(extract(epoch from b - a) / 86400 as bigint) end $$;
create or replace function public.convert_timezone(tz text, ts timestamptz) returns timestamp
    language sql immutable as $$ select ts at time zone tz $$;
create or replace function public.convert_timezone(tz text, ts timestamp) returns timestamp
    language sql immutable as $$ select (ts at time zone 'UTC') at time zone tz $$;
create or replace function public.fnv_hash(v text) returns bigint
    language sql immutable as $$ select cast(cast('x' || substr(md5(v), 1, 16) as bit(64)) as bigint) $$;
create or replace function public.fnv_hash(v text, seed bigint) returns bigint
    language sql immutable as $$
    select cast(cast('x' || substr(md5(cast(seed as text) || ':' || v), 1, 16) as bit(64)) as bigint) $$;
create or replace function public.json_extract_path_text(doc text, key text) returns text
    language sql immutable as $$ select cast(doc as json) ->> key $$;
create or replace function pg_catalog.pg_get_late_binding_view_cols() returns setof record
    language sql stable as $$
    select cast(null as name), cast(null as name), cast(null as name), cast(null as varchar), cast(null as int)
    where false $$;
create or replace view pg_catalog.svv_external_columns as
    select cast(null as int) as columnnum, cast(null as name) as schemaname, cast(null as name) as tablename,
        cast(null as name) as columnname, cast(null as varchar) as external_type
    where false;
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not found:
        raise RuntimeError("PostgreSQL server not found: install Debian's postgresql package (make test does)")
    return found[-1].parent


@dataclass
class PostgresServer:
    """A private PostgreSQL cluster on a loopback port, trust authentication, torn down on stop."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pg_redshift_")))
    port: int = field(default_factory=_free_port)
    user: str = "dbt"
    database: str = "analytics"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> PostgresServer:
        bin_dir = _postgres_bin()
        data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(str(bin_dir / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c allow_system_table_mods=on -c fsync=off"
        self._run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        self.sql(f"create database {self.database}", database="postgres")
        self.sql(STAND_INS)
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(_postgres_bin() / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self, database: str | None = None):
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=database or self.database)
        con.autocommit = True
        return con

    def sql(self, statement: str, database: str | None = None) -> list[tuple]:
        con = self.connect(database)
        try:
            with con.cursor() as cur:
                cur.execute(statement)
                return cur.fetchall() if cur.description else []
        finally:
            con.close()


def _read_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            raise ConnectionError("peer closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class RedshiftWireProxy:
    """Listens on a loopback port and relays each connection to PostgreSQL, message by message."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = _free_port()
        self.rewrites: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closed = False

    def start(self) -> RedshiftWireProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._closed = True
        self._listener.close()

    def rewrite_sql(self, sql: str) -> str:
        for name, pattern, replacement in REWRITES:
            sql, n = pattern.subn(replacement, sql)
            if n:
                with self._lock:
                    self.rewrites[name] += n
        return sql

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        # the relay writes each message on its own: without this, Nagle's algorithm holds every
        # small write behind the peer's delayed acknowledgement (about 40 ms a round trip)
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            startup = self._startup(client)
            if startup is None:
                return
            upstream.sendall(startup)
            threading.Thread(target=self._pump, args=(upstream, client, self._from_server), daemon=True).start()
            self._pump(client, upstream, self._from_client)
        except (ConnectionError, OSError):
            pass
        finally:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.close()

    def _startup(self, client: socket.socket) -> bytes | None:
        while True:
            length = struct.unpack("!i", _read_exact(client, 4))[0]
            body = _read_exact(client, length - 4)
            code = struct.unpack("!i", body[:4])[0]
            if code == SSL_REQUEST:
                client.sendall(b"N")  # no TLS on loopback
                continue
            if code != PROTOCOL_3:
                return None
            fields = body[4:].split(b"\x00")
            pairs = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 2, 2) if fields[i]]
            kept = b"".join(k + b"\x00" + v + b"\x00" for k, v in pairs if k.decode() in STARTUP_KEEP) + b"\x00"
            payload = struct.pack("!i", PROTOCOL_3) + kept
            return struct.pack("!i", len(payload) + 4) + payload

    def _pump(self, source: socket.socket, sink: socket.socket, transform) -> None:
        try:
            while True:
                kind = _read_exact(source, 1)
                length = struct.unpack("!i", _read_exact(source, 4))[0]
                body = transform(kind, _read_exact(source, length - 4))
                sink.sendall(kind + struct.pack("!i", len(body) + 4) + body)
        except (ConnectionError, OSError):
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_RDWR)

    def _from_client(self, kind: bytes, body: bytes) -> bytes:
        if kind == b"Q":  # simple query: sql\0
            return self.rewrite_sql(body[:-1].decode()).encode() + b"\x00"
        if kind == b"P":  # parse: name\0 sql\0 int16 n, n x int32
            name_end = body.index(b"\x00")
            sql_end = body.index(b"\x00", name_end + 1)
            sql = self.rewrite_sql(body[name_end + 1 : sql_end].decode()).encode()
            return body[: name_end + 1] + sql + body[sql_end:]
        return body

    def _from_server(self, kind: bytes, body: bytes) -> bytes:
        if kind == b"S" and body.startswith(b"server_version\x00"):
            return b"server_version\x00" + REPORTED_SERVER_VERSION + b"\x00"
        return body


def wait_for_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")
