-- The last ten builds that changed the warehouse (marts.warehouse_builds), the last started first:
-- every page warns above its figures when the first is not complete (finboard/builds.py), and
-- Data health lists them all.
select
    command,
    is_full_refresh,
    build_status,
    started_at,
    finished_at,
    models_selected,
    models_in_project,
    nodes_selected,
    nodes_in_project,
    nodes_failed,
    nodes_skipped,
    failed_nodes
from {{ ref('warehouse_builds') }}
order by started_at desc nulls last, invocation_id desc
limit 10
