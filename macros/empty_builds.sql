{#- `dbt build --empty` (decision log §16) builds every selected model from no rows. A model
    rebuilt in full is then empty until the next build, which the build log says ('partial'). The
    incremental models keep rows instead, and read an empty input as "nothing delivered any more":
    the latest deliveries would delete every line they keep, and the chain every line and order
    of the facts. So an --empty invocation that selects one of them, where it already holds rows,
    stops before any node runs (on-run-start), with what to run instead. On a warehouse not yet
    built (its raw layer loaded, nothing built from it) --empty runs, and the next build lists
    every line, as after any chain partly built. -#}
{% macro refuse_an_empty_build_over_kept_rows() -%}
    {%- if execute and flags.EMPTY -%}
        {%- for model_name in ['int_transaction_lines_deduplicated'] + incremental_chain_models() -%}
            {%- set relation = built_relation(model_name) -%}
            {%- if 'model.' ~ project_name ~ '.' ~ model_name in selected_resources and relation is not none -%}
                {%- set kept = run_query('select 1 from ' ~ relation ~ ' limit 1') -%}
                {%- if kept.rows | length > 0 -%}
                    {{ exceptions.raise_compiler_error(
                        '--empty would build ' ~ model_name ~ ' from no rows, and it would delete every row it keeps ('
                        ~ relation ~ '): run --empty on a warehouse not yet built, or leave out the incremental models'
                        ~ ' (--exclude int_transaction_lines_deduplicated+)') }}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
