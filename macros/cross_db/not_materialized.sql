{#- The keyword that has a CTE read more than once inlined into each reader rather than stored
    first: `with lines as {{ not_materialized() }} (...)`. DuckDB stores such a CTE whole, every
    column of every row, before any reader runs, which costs seconds at 10M rows when each reader
    needs a few columns or a few rows of it (each reader of an inlined CTE gets its own projection
    and filter pushed into the scan). Redshift has no such keyword: nothing is rendered. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}
