{#- A condition keeping the rows of `relation` whose `key_column` is one of `keys` (a query of
    one column), for a select reading `relation` alone: `select * from r where {{ rows_with_keys(
    r, 'k', 'select k from listed') }}`. DuckDB does not push a semi join into the scan: it reads
    every column of every row, then keeps the few listed (5.9 s for 237k of 10.1M lines of
    the converted lines). The ids of the listed rows, found from the key column
    alone, are pushed into the scan, which then reads only those rows (0.7 s, the same rows).
    Elsewhere the plain semi join, and on DuckDB too when --empty renders the relation as a
    subquery of no rows (`relation.limit`), which has no row ids. -#}
{% macro rows_with_keys(relation, key_column, keys) -%}
    {{ return(adapter.dispatch('rows_with_keys')(relation, key_column, keys)) }}
{%- endmacro %}

{% macro default__rows_with_keys(relation, key_column, keys) -%}
    {{ key_column }} in ({{ keys }})
{%- endmacro %}

{% macro duckdb__rows_with_keys(relation, key_column, keys) -%}
    {%- if relation.limit is not none -%}
        {{ default__rows_with_keys(relation, key_column, keys) }}
    {%- else -%}
        rowid in (select rowid from {{ relation }} where {{ key_column }} in ({{ keys }}))
    {%- endif -%}
{%- endmacro %}
