{#- The text of one top-level key of a JSON object held in a text column (null if absent). -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    json_extract_path_text({{ column }}, '{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(column, key) -%}
    json_extract_string({{ column }}, '$.{{ key }}')
{%- endmacro %}

{#- Text to a decimal when it is one, null otherwise (never an error): the same shape the loader
    accepts as a decimal. Portable: CASE evaluates the cast only where the pattern matched. -#}
{% macro text_to_decimal(expression, type='numeric(28, 8)') -%}
    case
        when trim({{ expression }}) ~ '^[+-]?[0-9]+(\.[0-9]+)?$'
            then cast(trim({{ expression }}) as {{ type }})
    end
{%- endmacro %}
