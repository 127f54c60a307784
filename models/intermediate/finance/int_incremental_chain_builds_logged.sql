-- The log of the incremental chain's builds (decision log §11, "A run that stopped half way"): a
-- row when a dbt invocation starts a work list (int_transaction_lines_invalidated) and a row for
-- each chain model it then builds. The models' own hooks write the rows (log_chain_build); this
-- model only keeps the table, selecting none, so a run adds nothing here. A full refresh keeps it
-- too (full_refresh: false): one that stopped before the chain ran must not erase an earlier
-- stop. The work lists read it to find a run that stopped half way (last_run_stopped_half_way).
select
    cast(null as {{ string_type(64) }}) as invocation_id,
    cast(null as {{ string_type(256) }}) as model_name,
    cast(null as boolean) as is_full_rebuild,
    cast(null as timestamp) as run_started_at
where false
