-- The Overview's filter bounds: the days and channels the P&L holds.
select
    min(date_day) as first_date,
    max(date_day) as last_date,
    list(distinct channel order by channel) as channels
from {{ ref('pnl_daily_by_channel') }}
