{#- `--empty` (decision log §16) renders every ref and source as a subquery of no rows: it checks
    that the selected models build, and builds them with no rows. On a warehouse that holds
    figures that replaces them: a table is emptied until the next build, the latest deliveries
    (an incremental model) read raw as empty and delete every line they keep, and the chain's
    work lists read the chain's log as empty, so a list carried from a run that stopped half way
    is lost and the next build leaves its orders stale, with every test passing (found by a
    review, 2026-12); a view is replaced by one of no rows, which a later selection that does not
    rebuild it reads. So an --empty invocation stops before any node runs (the first
    on-run-start hook) when a model it selects already gives a row, naming it; it runs where they
    are not built yet or give none (a warehouse loaded and not built from). A work list is empty
    after a run that finished, and is judged by the latest deliveries' rows instead. The two
    build logs are left out: hooks write their rows, and the models select none. -#}
{% macro refuse_an_empty_build_over_built_models() -%}
    {%- if execute and flags.EMPTY -%}
        {%- set logs = ['int_incremental_chain_builds_logged', 'warehouse_builds'] -%}
        {%- set lists = ['int_transaction_lines_invalidated', 'int_orders_invalidated'] -%}
        {%- set holding = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.unique_id in selected_resources and node.name not in logs -%}
            {%- set relation = built_relation('int_transaction_lines_deduplicated' if node.name in lists else node.name) -%}
            {%- if relation is not none and run_query('select 1 from ' ~ relation ~ ' limit 1').rows | length > 0 -%}
                {%- do holding.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if holding -%}
            {{ exceptions.raise_compiler_error(
                '--empty builds the models it selects from no rows, and this warehouse holds rows in ' ~ (holding | length)
                ~ ' of them (' ~ (holding | sort)[:3] | join(', ') ~ (', ...' if holding | length > 3 else '') ~ '), which it would lose:'
                ~ ' run it on a warehouse loaded and not built from (FINANCE_WAREHOUSE_PATH), or build without --empty') }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
