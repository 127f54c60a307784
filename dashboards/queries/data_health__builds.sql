-- The last ten builds that changed the warehouse (marts.warehouse_builds), newest first.
select
    started_at,
    finished_at,
    command,
    is_full_refresh,
    build_status,
    models_selected,
    models_in_project,
    nodes_failed,
    nodes_skipped,
    failed_nodes
from {{ ref('warehouse_builds') }}
order by started_at desc nulls last, invocation_id desc
limit 10
