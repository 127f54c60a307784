select
    min(month_start_date) as first_date,
    last_day(max(month_start_date)) as last_date,
    -- the data's own first and last day: fewer than the months' where it starts or ends inside one
    min(first_day) as data_first,
    max(last_day) as data_last,
    list(distinct channel order by channel) as channels
from {{ ref('refunds_monthly') }}
