-- The period's bridge from gross sales to contribution after marketing (USD). The margins cover
-- the lines with a known cost (decision log §3, "Coverage"): fees and shipping are those lines'
-- (contribution before marketing - gross margin), and what the margins leave out is returned
-- beside them.
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
    -- none: nothing happened in the period (0), which is not a period outside the data (unknown)
    count(pnl.date_day) as pnl_rows,
    sum(pnl.gross_revenue_usd) as gross_revenue_usd,
    sum(pnl.discount_usd) as discount_usd,
    sum(pnl.refunded_revenue_usd) as refunded_revenue_usd,
    sum(pnl.net_revenue_usd) as net_revenue_usd,
    sum(pnl.net_revenue_with_cost_usd) as net_revenue_with_cost_usd,
    sum(pnl.cogs_usd) as cogs_usd,
    sum(pnl.gross_margin_usd) as gross_margin_usd,
    sum(pnl.contribution_before_marketing_usd - pnl.gross_margin_usd) as fees_and_shipping_usd,
    sum(pnl.contribution_before_marketing_usd) as contribution_before_marketing_usd,
    sum(case when pnl.gross_margin_usd is not null then pnl.marketing_spend_usd end) as marketing_spend_usd,
    case when max(pnl.marketing_spend_unknown_reason) is null then sum(pnl.contribution_margin_usd) end
        as contribution_margin_usd,
    sum(case when pnl.gross_margin_usd is null then pnl.marketing_spend_usd end) as marketing_spend_without_margin_usd,
    sum(pnl.lines_without_cost) as lines_without_cost,
    sum(pnl.lines_without_usd) as lines_without_usd,
    -- why marketing, and so contribution after it, is unknown (one of the period's days' reasons)
    max(pnl.marketing_spend_unknown_reason) as marketing_spend_unknown_reason,
    -- the dates the spend feed covers: a period without a P&L row knows its spend (0) only inside
    max(spend_feed.spend_feed_first_date) as spend_feed_first_date,
    max(spend_feed.spend_feed_latest_date) as spend_feed_latest_date
from spend_feed
left join pnl on true
