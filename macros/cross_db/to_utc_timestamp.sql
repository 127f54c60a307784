{#- A timestamp with time zone as a plain timestamp in UTC, whatever the session time zone. -#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    cast(timezone('UTC', {{ column }}) as timestamp)
{%- endmacro %}

{% macro redshift__to_utc_timestamp(column) -%}
    cast(convert_timezone('UTC', {{ column }}) as timestamp)
{%- endmacro %}
