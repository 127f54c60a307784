{#- The dates a delivered marketing_spend feed speaks for, the one spelling of its rule (decision
    log §3): from its first spend date to its last. A day between them without a spend row has
    spend 0 (known); a day before the first or after the last has spend unknown, not 0 (the feed
    was not delivered for it). `spend` names the CTE over fct_marketing_spend; cross join the
    result as `spend_feed_dates`. -#}
{% macro spend_feed_dates(spend) -%}
    select
        min(spend_date) as first_spend_date,
        max(spend_date) as last_spend_date
    from {{ spend }}
{%- endmacro %}

{#- Whether `date_column` (an SQL expression) lies in those dates; null when the feed holds no
    row, so a caller's `case when` treats that as not covered. -#}
{% macro within_spend_feed_dates(date_column) -%}
    {{ date_column }} between spend_feed_dates.first_spend_date and spend_feed_dates.last_spend_date
{%- endmacro %}
