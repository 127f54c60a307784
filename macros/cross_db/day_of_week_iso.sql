{#- ISO day of week: Monday 1 .. Sunday 7. -#}
{% macro day_of_week_iso(date_expression) -%}
    {{ return(adapter.dispatch('day_of_week_iso')(date_expression)) }}
{%- endmacro %}

{% macro default__day_of_week_iso(date_expression) -%}
    extract(isodow from {{ date_expression }})
{%- endmacro %}

{% macro redshift__day_of_week_iso(date_expression) -%}
    (case when extract(dow from {{ date_expression }}) = 0 then 7 else extract(dow from {{ date_expression }}) end)
{%- endmacro %}
