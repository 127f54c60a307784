{#- The dates the transactions feed speaks for, the one spelling of its rule (decision log §3,
    "A day the transactions feed does not cover"): from the first event date of any line (sale or
    refund) to the last. A day between them without a line has revenue 0 (known); a day before the
    first or after the last (a day of spend only, outside the export) has revenue unknown, not 0.
    `transactions` names the CTE over fct_transactions; cross join the result as
    `transactions_feed_dates`. -#}
{% macro transactions_feed_dates(transactions) -%}
    select
        min(event_date) as first_event_date,
        max(event_date) as last_event_date
    from {{ transactions }}
{%- endmacro %}

{#- Whether `date_column` (an SQL expression) lies in those dates; null when the feed holds no
    line, so a caller's `case when` treats that as not covered. -#}
{% macro within_transactions_feed_dates(date_column) -%}
    {{ date_column }} between transactions_feed_dates.first_event_date and transactions_feed_dates.last_event_date
{%- endmacro %}

{#- Why a day's lines are unknown, or null when the feed speaks for it: the reason text of
    pnl_daily_by_channel.transactions_unknown_reason. -#}
{% macro transactions_unknown_reason(date_column) -%}
    case
        when transactions_feed_dates.first_event_date is null
            then 'the transactions feed holds no line'
        when not ({{ within_transactions_feed_dates(date_column) }})
            then 'a day outside the dates the transactions feed covers ('
                || cast(transactions_feed_dates.first_event_date as varchar(10)) || ' to '
                || cast(transactions_feed_dates.last_event_date as varchar(10)) || ')'
    end
{%- endmacro %}

{#- Whether an account may have ordered before the data starts (decision log §6, "New
    customers"): opened before `first_day`, the first day the transactions feed covers, or with
    no opening date in any version (`created_at`: the earliest of its versions'). Its first order
    in the data may then not be its first. -#}
{% macro opened_before_data(created_at, first_day) -%}
    not coalesce(cast({{ created_at }} as date) >= {{ first_day }}, false)
{%- endmacro %}

{#- Each account's opening date, the one spelling of it for opened_before_data: the earliest of
    its versions' (a date a later version fills in is the account's from its first order on, not
    only from that version). One row per customer_id. -#}
{% macro account_opening_dates() -%}
    select
        customer_id,
        min(created_at) as created_at
    from {{ ref('dim_customer') }}
    group by customer_id
{%- endmacro %}
