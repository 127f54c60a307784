-- The days the warehouse holds data for (the P&L has a row for every day from its first to its
-- last): a month of the trend that the data starts or ends inside adds up only those days.
select
    min(date_day) as first_date,
    max(date_day) as last_date
from {{ ref('pnl_daily_by_channel') }}
