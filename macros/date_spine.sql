{#- True when the project pins the calendar (vars calendar_start and calendar_end both set);
    otherwise the calendar comes from the data (int_calendar_days_bounded). -#}
{% macro calendar_is_pinned() -%}
    {{ return(var('calendar_start', none) is not none and var('calendar_end', none) is not none) }}
{%- endmacro %}

{#- One row per calendar day from calendar_start to calendar_end (vars), column date_day.
    Portable: numbers from cross-joined digits, dates from dbt's cross-database dateadd. -#}
{% macro calendar_days() -%}
    {%- set start = var('calendar_start') -%}
    {%- set end = var('calendar_end') -%}
    {%- set days = (modules.datetime.date.fromisoformat(end) - modules.datetime.date.fromisoformat(start)).days + 1 -%}
    select
        cast({{ dbt.dateadd('day', 'numbers.n', "cast('" ~ start ~ "' as date)") }} as date) as date_day
    from ({{ integer_series(days) }}) as numbers
{%- endmacro %}
