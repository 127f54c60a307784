{#- The latest row per key from a relation holding several versions of it: the staging
    layer's one piece of logic beyond renames and casts (for transactions, the incremental
    int_transaction_lines_deduplicated, over the staged deliveries). Adds version_rank (1). -#}
{% macro dedupe_latest(relation, partition_by, order_by) -%}
    select *
    from (
        select
            versions.*,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as version_rank
        from {{ relation }} as versions
    ) as ranked
    where version_rank = 1
{%- endmacro %}


{#- Delivery order, latest first: the load a file version arrived in, then its path within the
    load (decision log §13). Raw keeps every delivered file's rows; wherever a key was
    delivered more than once, the latest delivery is the one that counts. The columns default to
    raw's; a model over a staged relation names its renamed ones. -#}
{% macro delivery_order(load_column='_dlt_load_id', file_column='_source_file') -%}
    {{ load_column }} desc nulls last, {{ file_column }} desc nulls last
{%- endmacro %}
