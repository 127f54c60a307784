-- One row per calendar day from calendar_start to calendar_end (vars). Built from a digits
-- cross join, not generate_series, so it is a real table on Redshift too.
with days as (
    {{ calendar_days() }}
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
