-- The months the page's date range runs over and the data's own first and last day (fewer than
-- the months' where it starts or ends inside one): the marketing mart's; while it holds no row
-- (the spend feed never delivered, decision log §3), the P&L's days, so the page opens on the data
-- and says why its spend is unknown, not that the warehouse holds no data.
with campaigns as (
    select
        min(month_start_date) as first_month,
        max(month_start_date) as last_month,
        min(first_day) as data_first,
        max(last_day) as data_last,
        list(distinct target_channel order by target_channel) as channels
    from {{ ref('marketing_performance_monthly') }}
),

pnl as (
    select
        cast(date_trunc('month', min(date_day)) as date) as first_month,
        cast(date_trunc('month', max(date_day)) as date) as last_month,
        min(date_day) as data_first,
        max(date_day) as data_last
    from {{ ref('pnl_daily_by_channel') }}
)

select
    coalesce(campaigns.first_month, pnl.first_month) as first_date,
    last_day(coalesce(campaigns.last_month, pnl.last_month)) as last_date,
    coalesce(campaigns.data_first, pnl.data_first) as data_first,
    coalesce(campaigns.data_last, pnl.data_last) as data_last,
    campaigns.channels
from campaigns
cross join pnl
