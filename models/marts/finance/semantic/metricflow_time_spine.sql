-- The time spine MetricFlow aggregates metrics over (metric_time, docs: "MetricFlow time spine"):
-- one row per day of the project's calendar, the days of dim_date (decision log §4), so the
-- semantic layer and the marts share one calendar. The YAML's time_spine config names the column.
with days as (
    select * from {{ ref('dim_date') }}
)

select date_day
from days
