select
    min(month_start_date) as first_date,
    last_day(max(month_start_date)) as last_date,
    list(distinct target_channel order by target_channel) as channels
from {{ ref('marketing_performance_monthly') }}
