"""SQL that DuckDB accepts and Amazon Redshift rejects or computes differently, as explicit rules.

sqlglot's Redshift parser accepts almost anything, so parsing proves little: each trap is a rule
over the parsed tree or, where the tree forgets how the SQL was written (an interval's quantity,
a function's own name, an explicit NULLS ordering), over the tokens. The rules are syntactic on
purpose: they need no warehouse and no column types, and their fix is always to say what is
meant (a cast, a frame, a NULLS ordering), which costs nothing on any warehouse.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokens import Token, TokenType


@dataclass(frozen=True)
class Finding:
    rule: str
    line: int
    problem: str
    fix: str


# Function names DuckDB has and Redshift does not (or runs on the leader node only), with the fix.
FUNCTIONS = {
    "generate_series": "it runs on Redshift's leader node only and cannot be joined to tables; "
    "use {{ integer_series(n) }} or {{ calendar_days() }}",
    "string_agg": "use listagg(x, ',') within group (order by ...) behind an adapter.dispatch macro",
    "array_agg": "Redshift has no arrays: keep one row per value, or listagg() into text",
    "group_concat": "use listagg(x, ',') within group (order by ...) behind an adapter.dispatch macro",
    "list": "Redshift has no lists: keep one row per value",
    "list_value": "Redshift has no lists: keep one row per value",
    "struct_pack": "Redshift has no structs: use columns",
    "regexp_full_match": "use x ~ '^pattern$'",
    "json_extract_string": "use {{ json_text(column, key) }}",
    "strftime": "use to_char(ts, 'YYYY-MM-DD') behind an adapter.dispatch macro",
    "strptime": "use to_timestamp(text, format) behind an adapter.dispatch macro",
    "arg_max": "use row_number() over (partition by ... order by ... desc nulls last) = 1",
    "arg_min": "use row_number() over (partition by ... order by ... nulls last) = 1",
    "max_by": "use row_number() over (partition by ... order by ... desc nulls last) = 1",
    "min_by": "use row_number() over (partition by ... order by ... nulls last) = 1",
    "epoch_ms": "use dateadd('millisecond', n, '1970-01-01') behind an adapter.dispatch macro",
}
RANKING = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.Ntile, exp.Lead, exp.Lag, exp.PercentRank, exp.CumeDist)
NON_INTEGER = {exp.DataType.Type.DECIMAL, exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT}
UNSIZED_TEXT = {exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.NVARCHAR, exp.DataType.Type.NCHAR}
NESTED = {exp.DataType.Type.ARRAY, exp.DataType.Type.STRUCT, exp.DataType.Type.MAP, exp.DataType.Type.LIST}


def line_of(node: exp.Expression) -> int:
    """The line the node was parsed from. Only identifiers and literals remember theirs, so this
    is the first such line inside the node, else inside the nearest enclosing expression that has
    one (a type's cast, a cast's alias); 1 if none is known."""
    current: exp.Expression | None = node
    while current is not None:
        for n in current.walk():
            if "line" in n.meta:
                return int(n.meta["line"])
        current = current.parent
    return 1


# --- rules over tokens ------------------------------------------------------------------


def _functions(tokens: list[Token]) -> Iterator[Finding]:
    for token, following in itertools.pairwise(tokens):
        name = token.text.lower()
        if following.token_type == TokenType.L_PAREN and name in FUNCTIONS:
            rule = "leader-node-function" if name == "generate_series" else "duckdb-only-function"
            yield Finding(rule, token.line, f"{name}() is not Redshift SQL as DuckDB uses it", FUNCTIONS[name])


def _interval_quantity(tokens: list[Token]) -> Iterator[Finding]:
    for token, following in itertools.pairwise(tokens):
        if token.token_type == TokenType.INTERVAL and following.token_type == TokenType.NUMBER:
            yield Finding(
                "unquoted-interval",
                token.line,
                f"interval {following.text} ...: Redshift needs the quantity and unit quoted",
                f"write interval '{following.text} day' (or use {{{{ dbt.dateadd(...) }}}})",
            )


def _desc_nulls(tokens: list[Token]) -> Iterator[Finding]:
    for i, token in enumerate(tokens):
        if token.token_type != TokenType.DESC:
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is None or following.text.lower() != "nulls":
            yield Finding(
                "desc-nulls",
                token.line,
                "desc without nulls first/last: Redshift puts NULLs first, DuckDB last",
                "write desc nulls last (or nulls first) explicitly",
            )


TOKEN_RULES: tuple[Callable[[list[Token]], Iterator[Finding]], ...] = (_functions, _interval_quantity, _desc_nulls)


# --- rules over the tree ----------------------------------------------------------------


def _is_non_integer(node: exp.Expression) -> bool:
    """An operand whose type is visibly not an integer: a cast to a decimal or float type, or a
    number literal with a decimal point."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to.this in NON_INTEGER
    return isinstance(node, exp.Literal) and node.is_number and "." in node.this


@dataclass(frozen=True)
class NodeRule:
    """A construct Redshift lacks: any node of these types (that `applies`) is a finding."""

    rule: str
    types: tuple[type[exp.Expression], ...]
    problem: str
    fix: str
    applies: Callable[[exp.Expression], bool] = lambda node: True


NODE_RULES = (
    NodeRule(
        "nested-type",
        (exp.Array, exp.Struct, exp.Map, exp.Unnest, exp.Explode, exp.Bracket),
        "an array, list, struct or map: Redshift has none of these outside SUPER",
        "keep one row per element, or columns per field",
    ),
    NodeRule(
        "nested-type",
        (exp.DataType,),
        "an array, struct or map type: not a Redshift type",
        "use columns",
        lambda node: node.this in NESTED or bool(node.args.get("nested")),
    ),
    NodeRule(
        "filter-clause",
        (exp.Filter,),
        "aggregate FILTER (WHERE ...): not Redshift SQL",
        "write sum(case when <condition> then x end)",
    ),
    NodeRule(
        "is-distinct-from",
        (exp.NullSafeEQ, exp.NullSafeNEQ),
        "IS [NOT] DISTINCT FROM: not Redshift SQL",
        "write (a = b or (a is null and b is null)), or its negation",
    ),
    NodeRule(
        "distinct-on",
        (exp.Distinct,),
        "DISTINCT ON: not Redshift SQL",
        "keep row_number() over (partition by ... order by ...) = 1",
        lambda node: bool(node.args.get("on")),
    ),
    NodeRule(
        "concat-arity",
        (exp.Concat,),
        "concat() with more than two arguments: Redshift's takes exactly two",
        "write a || b || c",
        lambda node: len(node.expressions) > 2,
    ),
)


def _node_rules(tree: exp.Expression) -> Iterator[Finding]:
    for rule in NODE_RULES:
        for node in tree.find_all(*rule.types):
            if rule.applies(node):
                yield Finding(rule.rule, line_of(node), rule.problem, rule.fix)


def _window_frames(tree: exp.Expression) -> Iterator[Finding]:
    for window in tree.find_all(exp.Window):
        spec = window.args.get("spec")
        kind = (spec.args.get("kind") or "").lower() if spec is not None else ""
        if kind == "range":
            yield Finding(
                "range-frame",
                line_of(window),
                "RANGE window frame: Redshift supports ROWS frames only",
                "write rows between ... and ...",
            )
        function = window.this
        is_aggregate = isinstance(function, exp.AggFunc | exp.FirstValue | exp.LastValue)
        if is_aggregate and not isinstance(function, RANKING) and window.args.get("order") and not kind:
            yield Finding(
                "window-frame",
                line_of(window),
                f"{function.key}() over (... order by ...) without a frame: Redshift requires one",
                "add rows between unbounded preceding and current row (or the frame you mean)",
            )


def _recursive_columns(tree: exp.Expression) -> Iterator[Finding]:
    for with_ in tree.find_all(exp.With):
        if not with_.args.get("recursive"):
            continue
        for cte in with_.expressions:
            refers_to_itself = any(t.name == cte.alias for t in cte.this.find_all(exp.Table))
            if refers_to_itself and not cte.args["alias"].columns:
                yield Finding(
                    "recursive-cte-columns",
                    line_of(cte),
                    f"recursive CTE {cte.alias} without a column list: Redshift requires one",
                    f"write {cte.alias}(col1, col2, ...) as (...)",
                )


def _qualify_alias(tree: exp.Expression) -> Iterator[Finding]:
    for select in tree.find_all(exp.Select):
        if not select.args.get("qualify") or any(select.args.get(k) for k in ("where", "group", "having")):
            continue
        joins = select.args.get("joins") or []
        if joins and (joins[-1].args.get("on") or joins[-1].args.get("using")):
            continue  # QUALIFY follows a join condition, not a relation
        source = select.args.get("from_") or select.args.get("from")
        relation = joins[-1].this if joins else (source.this if source else None)
        if isinstance(relation, exp.Table) and not relation.alias:
            yield Finding(
                "qualify-after-unaliased-relation",
                line_of(select.args["qualify"]),
                f"QUALIFY right after {relation.name}, which has no alias: Redshift reads QUALIFY as its alias",
                f"alias the relation: from {relation.name} as {relation.name}",
            )


def _integer_division(tree: exp.Expression) -> Iterator[Finding]:
    for node in tree.find_all(exp.Div):
        if not (_is_non_integer(node.this) or _is_non_integer(node.expression)):
            yield Finding(
                "integer-division",
                line_of(node),
                f"{node.sql(dialect='redshift')[:60]}: if both sides are integers Redshift truncates "
                "(7 / 2 = 3) where DuckDB gives 3.5",
                "cast one side to numeric(p, s), or use {{ divide(a, b, scale) }}",
            )
    for node in tree.find_all(exp.Avg):
        if not _is_non_integer(node.this):
            yield Finding(
                "avg-of-integers",
                line_of(node),
                f"{node.sql(dialect='redshift')[:60]}: the average of integers is an integer on Redshift",
                "write avg(cast(x as numeric(p, s)))",
            )


def _sized_types(tree: exp.Expression) -> Iterator[Finding]:
    for dtype in tree.find_all(exp.DataType):
        if dtype.this == exp.DataType.Type.DECIMAL and not dtype.expressions:
            yield Finding(
                "numeric-precision",
                line_of(dtype),
                "numeric without precision: Redshift makes it numeric(18, 0) and drops the decimals",
                "write numeric(18, 2) (money), numeric(18, 6) (a converted amount), numeric(28, 6) (a converted sum)"
                " or the scale you mean",
            )
        elif dtype.this == exp.DataType.Type.TEXT or (dtype.this in UNSIZED_TEXT and not dtype.expressions):
            yield Finding(
                "text-length",
                line_of(dtype),
                f"{dtype.sql()} without a length: Redshift makes it varchar(256)",
                "write varchar(n) with the length the values need",
            )


TREE_RULES: tuple[Callable[[exp.Expression], Iterator[Finding]], ...] = (
    _node_rules,
    _window_frames,
    _recursive_columns,
    _qualify_alias,
    _integer_division,
    _sized_types,
)
