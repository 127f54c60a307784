"""dbt-style `{{ ref('mart') }}` names in the dashboards' SQL, resolved through dbt's manifest.

The SQL files beside the app name marts the way dbt models do; the manifest (`target/manifest.json`,
or `$DBT_TARGET_PATH/manifest.json`, as dbt writes it) gives each model's `relation_name`. Only
models in the `marts` schema resolve: the dashboards read nothing else. Without a manifest (dbt
never parsed here) a name falls back to `marts.<name>`, and the page says so.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"
MARTS_SCHEMA = "marts"
REF = re.compile(r"""\{\{\s*ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)\s*\}\}""")
RELATION = re.compile(r'^"([^"]+)"\."([^"]+)"\."([^"]+)"$')


class NotAMart(ValueError):
    """A query named a model outside the marts schema, or one the manifest does not know."""


def manifest_path() -> Path:
    target = os.environ.get("DBT_TARGET_PATH")
    base = Path(target) if target else PROJECT_ROOT / "target"
    if not base.is_absolute():
        base = PROJECT_ROOT / base
    return base / "manifest.json"


def refs_in(sql: str) -> list[str]:
    """The mart names a query reads, in order of first mention."""
    return list(dict.fromkeys(REF.findall(sql)))


# The queries every page runs around its own (finboard/frame.py): `queries/frame__<name>.sql`.
FRAME = "frame"


def query_files(page: str) -> list[Path]:
    """A page's queries: `queries/<page>__<name>.sql`."""
    return sorted(QUERIES_DIR.glob(f"{page}__*.sql"))


def page_refs(page: str) -> set[str]:
    """The marts a page reads: its own queries' and the frame's."""
    return {name for path in [*query_files(page), *query_files(FRAME)] for name in refs_in(path.read_text())}


@dataclass(frozen=True)
class Relation:
    schema: str
    identifier: str

    def sql(self, catalog: str | None) -> str:
        parts = [catalog, self.schema, self.identifier] if catalog else [self.schema, self.identifier]
        return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


@dataclass(frozen=True)
class Rendered:
    sql: str
    refs: tuple[str, ...]
    fallbacks: tuple[str, ...] = field(default=())


@lru_cache(maxsize=4)
def _relations(path: str, mtime_ns: int) -> dict[str, tuple[str, str]]:
    """model name -> (schema, identifier) for every model of the manifest, from its relation_name."""
    manifest = json.loads(Path(path).read_text())
    relations: dict[str, tuple[str, str]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or not node.get("relation_name"):
            continue
        match = RELATION.match(node["relation_name"])
        if match:
            relations[node["name"]] = (match.group(2), match.group(3))
    return relations


_last_read: dict[str, dict[str, tuple[str, str]]] = {}


def relations() -> dict[str, tuple[str, str]] | None:
    """The manifest's models; while dbt is rewriting it (half a file), the last one read."""
    path = manifest_path()
    try:
        known = _relations(str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        return None
    except ValueError:  # JSON cut short: dbt is writing it
        if str(path) in _last_read:
            return _last_read[str(path)]
        raise
    _last_read[str(path)] = known
    return known


def resolve(name: str) -> tuple[Relation, bool]:
    """The mart's relation, and whether it is the `marts.<name>` fallback (no manifest)."""
    known = relations()
    if known is None:
        return Relation(MARTS_SCHEMA, name), True
    if name not in known:
        raise NotAMart(f"{name}: no such model in {manifest_path()} (run dbt parse or dbt build)")
    schema, identifier = known[name]
    if schema != MARTS_SCHEMA:
        raise NotAMart(f"{name} is in schema {schema}: the dashboards read only the {MARTS_SCHEMA} schema")
    return Relation(schema, identifier), False


def render(sql: str, catalog: str | None = None) -> Rendered:
    """Replaces every `{{ ref('x') }}` with the relation dbt built for x.

    The manifest's database part is the DuckDB catalog dbt wrote to; a warehouse file is always
    its own catalog, so the connection's catalog is used (the same file under another name
    still reads)."""
    names = refs_in(sql)
    fallbacks: list[str] = []
    resolved: dict[str, str] = {}
    for name in names:
        relation, fell_back = resolve(name)
        resolved[name] = relation.sql(catalog)
        if fell_back:
            fallbacks.append(name)
    return Rendered(REF.sub(lambda m: resolved[m.group(1)], sql), tuple(names), tuple(fallbacks))


def load_query(page: str, name: str) -> str:
    return (QUERIES_DIR / f"{page}__{name}.sql").read_text()
