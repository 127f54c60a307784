select
    min(month_start_date) as first_date,
    last_day(max(month_start_date)) as last_date
from {{ ref('product_performance_monthly') }}
