{#- The days of its month that a monthly row adds up (decision log §3, a part of a period says
    so): first_day, the month's first or the data's first day where the data starts inside the
    month, and last_day, the month's last or the data's last day where it ends inside it. Two
    columns for a select list. `month_start` is the row's month (its first day), `first_held`
    and `last_held` the data's first and last day. Both are null, not a guess, when the data's
    days are unknown (null) or the month lies outside them (a row the data cannot hold: the
    marts' not_null tests fail the build). No calendar is read, so a month outside dim_date still
    has its days (reconciliation_calendar_coverage reports such a date). -#}
{% macro month_days_held(month_start, first_held, last_held) -%}
    {#- the month's last day: `month_start` is its first, so no truncation (dbt.last_day truncates,
        which PostgreSQL, the CI's Redshift stand-in, returns with a time zone) -#}
    {%- set month_end = 'cast(' ~ dbt.dateadd('day', '-1', dbt.dateadd('month', '1', month_start)) ~ ' as date)' -%}
    {%- set held = first_held ~ ' <= ' ~ month_end ~ ' and ' ~ last_held ~ ' >= ' ~ month_start -%}
    case when {{ held }} then greatest({{ month_start }}, {{ first_held }}) end as first_day,
    case when {{ held }} then least({{ month_end }}, {{ last_held }}) end as last_day
{%- endmacro %}
