{#- A 64-bit hash of a row's columns (text), for telling in one pass whether the rows of a group
    all hold the same values: min(hash) <> max(hash) over the group. Not a key: two different rows
    may share a hash (once in about 2^64). A null column hashes as the empty string, which staging
    never delivers (an empty field is null). DuckDB's hash() takes the columns at once; Redshift's
    FNV_HASH chains them through its seed, as its documentation shows for several columns, each
    ending in a unit separator (chr(31)): chained, ('C1', 'webshop') and ('C1web', 'shop') would
    hash alike, as the chain hashes the columns glued together. -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash')(columns)) }}
{%- endmacro %}

{% macro default__row_hash(columns) -%}
    hash({% for column in columns %}coalesce({{ column }}, ''){{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro redshift__row_hash(columns) -%}
    {%- set hashed = namespace(expression='') -%}
    {%- for column in columns -%}
        {%- set hashed.expression = 'fnv_hash(coalesce(' ~ column ~ ", '') || chr(31)"
            ~ (', ' ~ hashed.expression if hashed.expression else '') ~ ')' -%}
    {%- endfor -%}
    {{ hashed.expression }}
{%- endmacro %}
