-- FX rule (docs/decisions.md): an amount converts at the rate of its event date; on a day with
-- no publication (weekends, holidays) the latest earlier rate serves, for at most
-- max_fx_staleness_days days. The reporting currency converts at 1 on every calendar day, with
-- or without any rate delivered. A day with no usable rate has no row here, so the amount
-- converts to null and is reported.
with rates as (
    select * from {{ ref('stg_raw__fx_rates') }}
),

calendar as (
    select * from {{ ref('int_calendar_days_bounded') }}
),

bounds as (
    select
        min(rate_date) as first_rate_date,
        max(rate_date) as last_rate_date
    from rates
),

currencies as (
    select distinct currency_code from rates
    where currency_code <> '{{ reporting_currency() }}'
),

days as (
    select calendar.date_day
    from calendar
    cross join bounds
    where calendar.date_day >= bounds.first_rate_date
        and calendar.date_day <= {{ dbt.dateadd('day', var('max_fx_staleness_days'), 'bounds.last_rate_date') }}
),

candidates as (
    select
        days.date_day,
        currencies.currency_code,
        rates.rate_date,
        rates.rate_to_usd,
        row_number() over (
            partition by days.date_day, currencies.currency_code
            order by rates.rate_date desc nulls last
        ) as recency
    from days
    cross join currencies
    inner join rates
        on currencies.currency_code = rates.currency_code
            and days.date_day >= rates.rate_date
            and rates.rate_date >= {{ dbt.dateadd('day', -var('max_fx_staleness_days'), 'days.date_day') }}
),

foreign_rates as (
    select
        date_day,
        currency_code,
        rate_to_usd,
        rate_date as published_on,
        rate_date <> date_day as is_carried_forward
    from candidates
    where recency = 1
),

reporting_currency as (
    select
        calendar.date_day,
        '{{ reporting_currency() }}' as currency_code,
        cast(1 as {{ rate_type() }}) as rate_to_usd,
        calendar.date_day as published_on,
        false as is_carried_forward
    from calendar
),

unioned as (
    select * from foreign_rates
    union all
    select * from reporting_currency
)

select
    {{ surrogate_key(['date_day', 'currency_code']) }} as fx_rate_day_id,
    date_day,
    currency_code,
    rate_to_usd,
    published_on,
    is_carried_forward
from unioned
