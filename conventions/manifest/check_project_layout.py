"""dbt-bouncer checks for two project rules that the built-in checks express differently.

dbt-bouncer finds these by their file location (`custom_checks_dir` in dbt-bouncer.yml): a check
is a function decorated with `check`; its first parameter says what it iterates over.
"""

import re
from pathlib import PurePosixPath

from dbt_bouncer.check_framework.decorator import check, fail
from dbt_bouncer.utils import clean_path_str


def _folder(path: str) -> PurePosixPath:
    return PurePosixPath(clean_path_str(path)).parent


@check
def check_model_properties_file_named_for_its_folder(model):
    """A model's YAML is `_<folder>__models.yml` in the model's own folder.

    dbt's structure guide names properties files after their folder
    (`models/staging/stripe/_stripe__models.yml`); the built-in check expects `_stg_stripe__models.yml`.
    """
    sql_path = PurePosixPath(clean_path_str(model.original_file_path))
    expected = f"_{sql_path.parent.name}__models.yml"
    actual = PurePosixPath(clean_path_str(model.patch_path or "")).name
    if actual != expected:
        fail(f"`{model.name}` is described in `{actual or 'no file'}`, expected `{expected}` in {sql_path.parent}.")


@check
def check_source_staged_once(source, ctx, *, audit_model_path: str = "$^"):
    """A source table is read by exactly one model in the source's own folder (its staging model).

    Only models whose path matches `audit_model_path` may read it as well: the reconciliation audit
    compares raw rows with what the warehouse kept, so it must read raw itself.
    """
    children = ctx.children_by_unique_id.get(source.unique_id, [])
    home = _folder(source.original_file_path)
    staged = sorted(m.name for m in children if _folder(m.original_file_path) == home)
    elsewhere = sorted(
        m.name
        for m in children
        if _folder(m.original_file_path) != home
        and not re.match(audit_model_path, clean_path_str(m.original_file_path))
    )
    table = f"{source.source_name}.{source.name}"
    if len(staged) != 1:
        fail(f"Source `{table}` must have exactly one staging model in {home}; found {staged or 'none'}.")
    if elsewhere:
        fail(f"Source `{table}` is read outside staging by {elsewhere}; read `{staged[0]}` instead.")


def _doc_blocks(ctx, names: list[str]) -> dict[str, str]:
    """The text of the named doc blocks (models/_definitions.md), by name."""
    blocks = {doc.name: doc.block_contents.strip() for doc in ctx.manifest_obj.manifest.docs.values()}
    missing = sorted(set(names) - set(blocks))
    if missing:
        fail(f"No doc block named {missing}: define it in models/_definitions.md or drop it from dbt-bouncer.yml.")
    return {name: blocks[name] for name in names}


@check
def check_column_named_for_its_definition(model, ctx, *, definitions: list[str]):
    """A name means one thing everywhere: a column named for a shared definition (`net_revenue`,
    `net_revenue_usd`) is described by that definition's doc block, and a column described by one
    of those blocks is named for it. Catches `fct_orders.net_revenue_usd` summing sales before
    refunds under the name every other model uses for after refunds."""
    blocks = _doc_blocks(ctx, definitions)
    for column in model.columns.values():
        described = sorted(name for name, text in blocks.items() if text in (column.description or ""))
        named = column.name.removesuffix("_usd")
        if named in blocks and named not in described:
            fail(f"`{model.name}.{column.name}` is not described by doc('{named}'): name it for what it holds.")
        wrong = [name for name in described if name != named]
        if wrong:
            fail(f"`{model.name}.{column.name}` is described by doc('{wrong[0]}') but not named for it.")


@check
def check_model_max_fanout_outside_audit(model, ctx, *, max_downstream_models: int, audit_model_path: str = "$^"):
    """A model feeds at most `max_downstream_models` models directly, not counting the
    reconciliation audit (`audit_model_path`): one audit model per invariant reads the facts on
    purpose, and that must not push an analyst to split a fact."""
    readers = sorted(
        child.name
        for child in ctx.children_by_unique_id.get(model.unique_id, [])
        if child.unique_id.startswith("model.")
        and not re.match(audit_model_path, clean_path_str(child.original_file_path))
    )
    if len(readers) > max_downstream_models:
        fail(
            f"`{model.name}` feeds {len(readers)} models ({', '.join(readers)}), more than {max_downstream_models}: "
            "split it or aggregate for its readers."
        )
