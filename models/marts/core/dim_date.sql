-- One row per calendar day of the project's calendar (int_calendar_days_bounded: pinned by the
-- vars calendar_start and calendar_end, or spanning the data's years).
with days as (
    select * from {{ ref('int_calendar_days_bounded') }}
)

select
    date_day,
    cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
    cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
    cast(extract(year from date_day) as integer) as calendar_year,
    cast(extract(month from date_day) as integer) as calendar_month,
    cast(extract(day from date_day) as integer) as day_of_month,
    cast({{ day_of_week_iso('date_day') }} as integer) as iso_day_of_week,
    {{ day_of_week_iso('date_day') }} >= 6 as is_weekend
from days
