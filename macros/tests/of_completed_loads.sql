{#- Every row of the model is of a load dlt recorded as completed (its load log, named as the
    sources' loaded_at_query names it, not as a ref or source: dbt build skips a node after a
    failed test only when every parent of the test is upstream of it, and no snapshot reads the
    load log): a load that stopped part way, or is still running, left it. On the
    snapshots' inputs, so that dbt build skips the snapshots (and what they feed) rather than
    write such rows into history, where the next load's repair cannot reach them (decision log
    §13). Returns each such load, its rows. -#}
{% test of_completed_loads(model, column_name) %}
    select
        {{ column_name }} as dlt_load_id,
        count(*) as row_count
    from {{ model }}
    where
        {{ column_name }} is null
        or {{ column_name }} not in (
            select load_id from {{ var('raw_schema') }}._dlt_loads
            where status = 0
        )
    group by {{ column_name }}
{% endtest %}
