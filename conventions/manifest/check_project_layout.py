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
