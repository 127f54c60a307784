-- The last build that changed the warehouse (marts.warehouse_builds): every page says, above its
-- figures, when they are not one finished, complete build's.
select
    command,
    build_status,
    started_at,
    finished_at,
    models_selected,
    models_in_project,
    nodes_failed,
    nodes_skipped,
    failed_nodes
from {{ ref('warehouse_builds') }}
order by started_at desc nulls last, invocation_id desc
limit 1
