-- P&L figures of one period (USD): net revenue, margin and its coverage, refunds, marketing and
-- why it is unknown (decision log §3), and the dates the spend feed covers (for a period without
-- a P&L row, whose spend is known, 0, only inside them).
with pnl as (
    select * from {{ ref('pnl_daily_by_channel') }}
    where
        date_day between $start and $end
        and ($channel = '' or channel = $channel)
),

spend_feed as (
    select
        first_date as spend_feed_first_date,
        latest_date as spend_feed_latest_date
    from {{ ref('feed_freshness') }}
    where feed = 'marketing_spend'
)

select
    count(pnl.date_day) as pnl_rows,
    sum(pnl.net_revenue_usd) as net_revenue_usd,
    sum(pnl.gross_margin_usd) as gross_margin_usd,
    sum(pnl.net_revenue_with_cost_usd) as net_revenue_with_cost_usd,
    sum(pnl.lines_without_cost) as lines_without_cost,
    sum(pnl.lines_without_usd) as lines_without_usd,
    sum(pnl.refunded_revenue_usd) as refunded_revenue_usd,
    sum(pnl.marketing_spend_usd) as marketing_spend_usd,
    -- one of the period's days' reasons where its spend is not known in full
    max(pnl.marketing_spend_unknown_reason) as marketing_spend_unknown_reason,
    max(spend_feed.spend_feed_first_date) as spend_feed_first_date,
    max(spend_feed.spend_feed_latest_date) as spend_feed_latest_date
from spend_feed
left join pnl on true
