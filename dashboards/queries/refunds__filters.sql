select
    min(month_start_date) as first_date,
    last_day(max(month_start_date)) as last_date,
    list(distinct channel order by channel) as channels
from {{ ref('refunds_monthly') }}
