"""Lints the SQL dbt compiled for Redshift: every model, snapshot, analysis and data test in the
manifest, against the rules in rules.py. A finding names the node, its file, the compiled line,
the problem and the fix."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot.errors import ParseError, TokenError

from .rules import TOKEN_RULES, TREE_RULES, Finding

LINTED = ("model", "snapshot", "analysis", "test")
RECURSIVE = re.compile(r"\bwith\s+recursive\b", re.I)


@dataclass(frozen=True)
class NodeFinding:
    kind: str
    name: str
    path: str
    compiled_path: str
    finding: Finding

    def __str__(self) -> str:
        f = self.finding
        return (
            f"{self.path} ({self.kind} {self.name}), compiled line {f.line}: [{f.rule}] {f.problem}.\n"
            f"    fix: {f.fix}.  compiled SQL: {self.compiled_path}"
        )


def lint_sql(sql: str) -> list[Finding]:
    """Every rule's findings for one compiled statement (or script), by line."""
    dialect = sqlglot.Dialect.get_or_raise("redshift")
    try:
        tokens = dialect.tokenize(sql)
        trees = [t for t in sqlglot.parse(sql, read="redshift") if t is not None]
    except (ParseError, TokenError) as exc:
        errors = getattr(exc, "errors", None) or [{}]
        line = int(errors[0].get("line") or 1)
        return [
            Finding(
                "not-redshift-sql",
                line,
                f"does not parse as Redshift SQL ({str(exc)[:200]})",
                "rewrite it in SQL both DuckDB and Redshift accept, or behind an adapter.dispatch macro",
            )
        ]
    found = {f for rule in TOKEN_RULES for f in rule(tokens)}
    found |= {f for tree in trees for rule in TREE_RULES for f in rule(tree)}
    return sorted(found, key=lambda f: (f.line, f.rule, f.problem))


def lint_manifest(target_path: Path) -> tuple[int, list[NodeFinding]]:
    """(nodes linted, findings) for the compiled nodes of a target folder."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    linted, findings = 0, []
    for node in manifest["nodes"].values():
        code = node.get("compiled_code")
        if node["resource_type"] not in LINTED or not code:
            continue
        linted += 1
        found = lint_sql(code)
        config = node.get("config") or {}
        if config.get("materialized") == "view" and config.get("bind") is False and RECURSIVE.search(code):
            found.append(
                Finding(
                    "late-binding-recursive",
                    1,
                    "a late-binding view (bind: false) cannot hold a recursive CTE on Redshift",
                    "materialise the model as a table",
                )
            )
        compiled = node.get("compiled_path") or ""
        findings += [
            NodeFinding(node["resource_type"], node["name"], node["original_file_path"], compiled, f) for f in found
        ]
    return linted, findings
