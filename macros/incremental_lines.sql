{#- The incremental chain (decision log §11): the models that rebuild only the lines, or the orders,
    that int_transaction_lines_invalidated lists, and keep everything else as it was. Each carries
    dlt_load_id, the newest load behind its rows; the oldest of theirs is where the next run looks
    for changes, so a run that stopped half way is caught up by the next. -#}
{% macro incremental_chain_models() -%}
    {{ return([
        'int_sale_lines_costed', 'int_refund_lines_allocated', 'int_refund_lines_linked', 'fct_transactions',
        'fct_orders',
    ]) }}
{%- endmacro %}

{#- The relation a model of this project builds, read without ref(): the invalidation models read
    what the chain built last time, before the chain runs again (a ref would be a cycle). -#}
{% macro built_relation(model_name) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ model_name] -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{#- The relations of the incremental chain as the last run left them, or none when this run must
    rebuild everything: a full refresh, or a model of the chain not built yet. -#}
{% macro incremental_chain_state() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- for model_name in incremental_chain_models() -%}
        {%- set relation = built_relation(model_name) -%}
        {%- if relation is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- do relations.append(relation) -%}
    {%- endfor -%}
    {{ return(relations) }}
{%- endmacro %}

{#- The chain's build log (int_incremental_chain_builds_logged), or none before its first build. -#}
{% macro chain_build_log() -%}
    {{ return(built_relation('int_incremental_chain_builds_logged')) }}
{%- endmacro %}

{#- Hook of the chain (decision log §11, "A run that stopped half way"): logs that this invocation
    built the model. int_transaction_lines_invalidated logs its start (`start`, a pre-hook: before
    it replaces the last run's list), with whether the run rebuilds the chain in full; each chain
    model logs itself once built (a post-hook). Nothing before the log's first build. -#}
{% macro log_chain_build(start=false) -%}
    {%- set log = chain_build_log() if execute else none -%}
    {%- if log is not none -%}
        {%- set is_full_rebuild = ('true' if incremental_chain_rebuilt_in_full() else 'false') if start else 'null' %}
        insert into {{ log }} (invocation_id, model_name, is_full_rebuild, run_started_at)
        values (
            '{{ invocation_id }}', '{{ this.identifier }}', {{ is_full_rebuild }},
            cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
        )
    {%- endif -%}
{%- endmacro %}

{#- The last dbt invocation that built the chain's work list or a chain model, when it stopped
    before every model of the chain was built (a crash, a failing test, a selection of part of
    the chain): one row, with whether it rebuilt the chain in full; no row when it finished, or
    when the chain's build log (int_incremental_chain_builds_logged) holds no run or is not built
    yet. An invocation that rebuilt chain models without the list (a --full-refresh selecting
    some of them: an incremental one stops, macro invalidated) counts as a full rebuild. This
    invocation's own rows are not looked at. Read by both work lists, which then carry the
    stopped run's list forward, and list everything after a full rebuild (decision log §11). -#}
{% macro last_run_stopped_half_way() -%}
    {%- set chain = incremental_chain_models() -%}
    {%- if chain_build_log() is none %}
        select
            cast(null as {{ string_type(64) }}) as invocation_id,
            cast(null as boolean) as is_full_rebuild
        where false
    {%- else %}
        {%- set log = ref('int_incremental_chain_builds_logged') %}
        select
            runs.invocation_id,
            runs.is_full_rebuild
        from (
            select
                invocation_id,
                max(run_started_at) as run_started_at,
                coalesce(max(
                    case when model_name = 'int_transaction_lines_invalidated' then
                        case when is_full_rebuild then 1 else 0 end
                    end
                ), 1) = 1 as is_full_rebuild,
                count(distinct case when model_name in ('{{ chain | join("', '") }}') then model_name end)
                    as chain_models_built
            from {{ log }}
            where invocation_id <> '{{ invocation_id }}'
            group by invocation_id
        ) as runs
        where runs.chain_models_built < {{ chain | length }}
            and runs.run_started_at = (
                select max(earlier.run_started_at)
                from {{ log }} as earlier
                where earlier.invocation_id <> '{{ invocation_id }}'
            )
    {%- endif %}
{%- endmacro %}

{#- The work list `model_name` (int_transaction_lines_invalidated or int_orders_invalidated) as the
    last run left it, read before this run replaces it: carried forward when that run stopped
    half way (last_run_stopped_half_way); none when it is not built. -#}
{% macro carried_work_list(model_name) -%}
    {{ return(built_relation(model_name)) }}
{%- endmacro %}

{#- True when this run rebuilds every model of the incremental chain in full, so none of them reads
    a work list (int_*_invalidated): a full refresh that selects chain models, or a first build
    (no chain model built yet). Not when some chain models are built and others are not (one
    dropped by hand): the built ones run incrementally, and their work lists must then hold every
    line and order. Not for a full refresh that selects no chain model (a work list alone), whose
    lists then hold every delivered line and order, as for a chain partly built: emptied, a list
    carried from a run that stopped half way was lost (`dbt run --full-refresh -s
    int_orders_invalidated` after a stop lost the order a moved refund left, found by a helper's
    audit, 2026-12). -#}
{% macro incremental_chain_rebuilt_in_full() -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if flags.FULL_REFRESH -%}
        {%- for model_name in incremental_chain_models()
            if 'model.' ~ project_name ~ '.' ~ model_name in selected_resources -%}
            {{ return(true) }}
        {%- endfor -%}
    {%- endif -%}
    {%- for model_name in incremental_chain_models() -%}
        {%- if built_relation(model_name) is not none -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{#- The lines (or orders) an incremental run of the chain rebuilds: the relation of `model_name`
    (int_transaction_lines_invalidated or int_orders_invalidated). On an incremental run it must
    have been rebuilt by this very invocation, or the chain would replay an old list and miss
    today's changes: a run or build selecting a chain model without it stops with what to run
    instead (compiling, linting and rendering are not checked). `needs` says why the model needs
    the list, when it is not the list of what it rebuilds. -#}
{% macro invalidated(model_name, needs=none) -%}
    {%- set relation = ref(model_name) -%}
    {%- if execute and flags.WHICH in ['run', 'build'] and is_incremental() -%}
        {%- set unique_id = 'model.' ~ project_name ~ '.' ~ model_name -%}
        {%- if unique_id not in selected_resources -%}
            {{ exceptions.raise_compiler_error(
                this.identifier ~ ' ' ~ (needs or 'rebuilds only what ' ~ model_name ~ ' lists')
                ~ ', and this run does not rebuild ' ~ model_name ~ ': select it too (dbt build -s +'
                ~ this.identifier ~ '), or run with --full-refresh') }}
        {%- endif -%}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- The condition an incremental model of the chain reads its input with: the rows of `relation`
    whose `key_column` is listed by `list_model` (int_transaction_lines_invalidated, by delivered
    line, or int_orders_invalidated, by order), read without scanning the rest (rows_with_keys). -#}
{% macro listed_rows(relation, key_column, list_model) -%}
    {%- set listed_column = 'order_id' if list_model == 'int_orders_invalidated' else 'delivered_line_event_id' -%}
    {{ rows_with_keys(relation, key_column,
        'select invalidated.' ~ listed_column ~ ' from ' ~ invalidated(list_model) ~ ' as invalidated') }}
{%- endmacro %}

{#- Pre-hook of the chain's line models: delete+insert replaces only the keys its select returns,
    so a listed line the select no longer returns would keep the rows it was built with: a line no
    longer delivered (a corrected file dropped it), or no longer of the event type the model
    selects (a corrected file made a sale a refund, or back: the fact held the line twice, found by
    a helper's audit, 2026-12). So every listed line's rows are deleted first, in the model's
    transaction, and the run inserts what each line is now. Nothing on a full rebuild, which builds
    only what is delivered: the list it would read may be an earlier run's (`dbt run
    --full-refresh --exclude int_transaction_lines_invalidated` deleted a refund delivered again
    since, found by a helper's audit, 2026-12). -#}
{% macro delete_listed_lines(key_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ key_column }} in (
            select delivered_line_event_id from {{ ref('int_transaction_lines_invalidated') }}
        )
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of the chain's order models: an order left with no sale line (a corrected file
    dropped them all) is deleted here; nothing on a full rebuild (as above). -#}
{% macro delete_orders_no_longer_delivered() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where order_id in (
            select order_id from {{ ref('int_orders_invalidated') }}
            where not is_delivered
        )
    {%- endif -%}
{%- endmacro %}

{#- The deliveries (source file and load) that `built` holds rows of and `current` no longer
    does. Raw loses rows only a whole delivery at a time (decision log §13: a corrected file
    replaces its earlier rows, a failed load is rolled back), so comparing the few deliveries
    finds every row whose delivery left, without comparing rows. Both relations carry
    source_file and dlt_load_id; each side is grouped to its few deliveries first (a set
    difference of the rows themselves probes every row: 3 s of 10M). -#}
{% macro deliveries_gone(built, current) -%}
    select source_file, dlt_load_id from {{ built }} group by source_file, dlt_load_id
    except
    select source_file, dlt_load_id from {{ current }} group by source_file, dlt_load_id
{%- endmacro %}

{#- Post-hook of int_transaction_lines_deduplicated: a line whose every delivery left raw (the
    corrected file that carried it no longer does) has no latest delivery, so its kept row still
    names a delivery raw no longer holds; such rows go. -#}
{% macro delete_lines_without_delivery() -%}
    delete from {{ this }}
    where source_file || '|' || dlt_load_id in (
        select source_file || '|' || dlt_load_id
        from ({{ deliveries_gone(this, ref('stg_raw__transactions')) }}) as gone
    )
{%- endmacro %}
