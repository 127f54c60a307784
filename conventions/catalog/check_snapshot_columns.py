"""dbt-bouncer's catalog checks cover the columns of models and sources; this covers snapshots."""

from dbt_bouncer.check_framework.decorator import check, fail


def _node(wrapper):
    """The node inside a bouncer wrapper (the run wraps nodes; its unit-test helpers do not)."""
    inner = getattr(wrapper, "snapshot", None)
    return inner if inner is not None else wrapper


@check
def check_snapshot_columns_are_all_described(catalog_node, ctx):
    """Every column a snapshot table holds (dbt's dbt_* columns included) is described in YAML."""
    snapshots = {_node(s).unique_id: _node(s) for s in ctx.snapshots}
    snapshot = snapshots.get(catalog_node.unique_id)
    if snapshot is None:
        return
    declared = {name.lower(): column for name, column in (snapshot.columns or {}).items()}
    undescribed = [
        column.name
        for column in catalog_node.columns.values()
        if not (getattr(declared.get(column.name.lower()), "description", "") or "").strip()
    ]
    if undescribed:
        fail(f"Snapshot `{snapshot.name}` has undescribed columns: {undescribed}.")
