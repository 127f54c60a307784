-- The warehouse's build log (decision log §16): one row per dbt invocation that changes what the
-- warehouse holds (build, run, seed, snapshot), with whether it finished, what it selected and
-- which of its nodes failed. The project's run hooks write the rows (log_warehouse_build_start
-- and log_warehouse_build_end); this model only keeps the table, selecting none, so a run adds
-- nothing here. A full refresh keeps it too (full_refresh: false): the history of the builds is
-- not the build's to erase. The dashboards read its latest row to say when the figures they show
-- are not one finished build's.
select
    cast(null as {{ string_type(64) }}) as invocation_id,
    cast(null as {{ string_type(16) }}) as command,
    cast(null as boolean) as is_full_refresh,
    cast(null as timestamp) as started_at,
    cast(null as timestamp) as finished_at,
    cast(null as integer) as models_selected,
    cast(null as integer) as models_in_project,
    cast(null as integer) as nodes_selected,
    cast(null as integer) as nodes_in_project,
    cast(null as integer) as nodes_run,
    cast(null as integer) as nodes_failed,
    cast(null as integer) as nodes_skipped,
    cast(null as {{ string_type(1024) }}) as failed_nodes,
    cast(null as {{ string_type(16) }}) as build_status
where false
