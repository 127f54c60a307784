-- The semantic layer's mark of campaign figures it cannot know (decision log §3): one row per
-- campaign the spend feed holds, per day of the P&L (the days the warehouse has data for) outside
-- the dates a feed covers, and per such feed:
--   marketing_spend: outside its first to its last spend date, the day's spend is unknown;
--   transactions: outside its first to its last line (the P&L's transactions_unknown_reason, a day
--   of spend only), the day's credited orders and new customers are unknown.
-- A feed speaks for all its campaigns at once, so every campaign gets the day, under the channel
-- it targets: a sum over a period or group with such a row is what was delivered, not the
-- period's, and mf's marketing_spend, roas and cac read it unknown, as the marts do. Empty while
-- the spend feed holds no row (mf then has no spend to sum either).
with spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

pnl_days as (
    select
        date_day,
        max(case when transactions_unknown_reason is null then 0 else 1 end) as is_outside_transactions_feed
    from {{ ref('pnl_daily_by_channel') }}
    group by date_day
),

spend_feed_dates as (
    {{ spend_feed_dates('spend') }}
),

spend_campaigns as (
    select distinct
        campaign_key,
        channel_key
    from spend
),

days_outside as (
    select
        pnl_days.date_day,
        cast('marketing_spend' as varchar(32)) as outside_feed
    from pnl_days
    cross join spend_feed_dates
    where not coalesce({{ within_spend_feed_dates('pnl_days.date_day') }}, false)
    union all
    select
        date_day,
        cast('transactions' as varchar(32)) as outside_feed
    from pnl_days
    where is_outside_transactions_feed = 1
),

final as (
    select
        spend_campaigns.campaign_key,
        spend_campaigns.channel_key,
        days_outside.date_day,
        days_outside.outside_feed
    from days_outside
    cross join spend_campaigns
)

select * from final
