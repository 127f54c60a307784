{#- The days of its month that a monthly row adds up (decision log §3, a part of a period says
    so): first_day, the month's first or the data's first day where the data starts inside the
    month, and last_day, the month's last or the data's last day where it ends inside it. Two
    columns for a select list. `month_start` is the row's month (its first day), `first_held`
    and `last_held` the data's first and last day. No calendar is read, so a month outside
    dim_date still has its days (reconciliation_calendar_coverage reports such a date). -#}
{% macro month_days_held(month_start, first_held, last_held) -%}
    greatest({{ month_start }}, {{ first_held }}) as first_day,
    least({{ dbt.last_day(month_start, 'month') }}, {{ last_held }}) as last_day
{%- endmacro %}
