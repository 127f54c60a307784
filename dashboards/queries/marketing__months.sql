-- The days each month the range touches adds up: the month's, or fewer where the data starts or
-- ends inside it (decision log §3).
select
    month_start_date,
    min(first_day) as first_day,
    max(last_day) as last_day
from {{ ref('marketing_performance_monthly') }}
where
    month_start_date between date_trunc('month', cast($start as date)) and $end
    and ($channel = '' or target_channel = $channel)
group by month_start_date
order by month_start_date
