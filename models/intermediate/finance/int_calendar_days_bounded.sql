-- The calendar every date-keyed model uses (decision log §4). When the project pins it (vars
-- calendar_start and calendar_end), those days; otherwise it comes from the data: from January 1
-- of the first event's year to December 31 of the last event's year, over sales, refunds and
-- marketing spend, so history from 2010 or a new year needs no setting. Built from a digits
-- cross join (at most 100 years), not generate_series, so it is a real table on Redshift too.
{% if calendar_is_pinned() %}
with days as (
    {{ calendar_days() }}
)

select date_day from days
{% else %}
    with event_dates as (
        select cast(event_at as date) as event_date from {{ ref('int_transaction_lines_deduplicated') }}
        union all
        select spend_date as event_date from {{ ref('stg_raw__marketing_spend') }}
    ),

    span as (
        select
            cast({{ dbt.date_trunc('year', 'min(event_date)') }} as date) as first_day,
            cast({{ dbt.date_trunc('year', 'max(event_date)') }} as date) as last_year_start
        from event_dates
    ),

    numbers as (
        {{ integer_series(36525) }}
    )

    select cast({{ dbt.dateadd('day', 'numbers.n', 'span.first_day') }} as date) as date_day
    from numbers
    cross join span
    where {{ dbt.dateadd('day', 'numbers.n', 'span.first_day') }} < {{ dbt.dateadd('year', 1, 'span.last_year_start') }}
{% endif %}
