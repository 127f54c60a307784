-- 11. dim_date covers every date a fact carries. A calendar from the data covers them by
-- construction; one pinned by vars calendar_start and calendar_end may not.
with fact_dates as (
    select distinct
        'fct_transactions' as fact,
        event_date as fact_date
    from {{ ref('fct_transactions') }}
    union all
    select distinct
        'fct_orders' as fact,
        order_date as fact_date
    from {{ ref('fct_orders') }}
    union all
    select distinct
        'fct_marketing_spend' as fact,
        spend_date as fact_date
    from {{ ref('fct_marketing_spend') }}
)

select
    {{ recon_columns('calendar_coverage', "'date'", "fact || ' ' || cast(fact_date as varchar(10))",
        'null', 'null', 'null',
        "'date outside dim_date (the calendar pinned by vars calendar_start and calendar_end: "
            ~ var('calendar_start', '') ~ " to " ~ var('calendar_end', '') ~ ")'", 'true') }}
from fact_dates
left join {{ ref('dim_date') }} as dates on fact_dates.fact_date = dates.date_day
where dates.date_day is null
