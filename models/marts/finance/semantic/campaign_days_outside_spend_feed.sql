-- The semantic layer's mark of spend it cannot know (decision log §3): one row per campaign the
-- spend feed holds and per day of the P&L (the days the warehouse has data for) outside the dates
-- the feed covers (its first to its last spend date). The feed speaks for all its campaigns at
-- once, so every campaign gets the day, under the channel it targets: a sum of spend over a
-- period or group with such a row is the spend delivered, not the period's, and mf's
-- marketing_spend, roas and cac read it unknown, as the marts do. Empty while the feed holds no
-- row (mf then has no spend to sum either).
with spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

pnl_days as (
    select distinct date_day from {{ ref('pnl_daily_by_channel') }}
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

final as (
    select
        spend_campaigns.campaign_key,
        spend_campaigns.channel_key,
        pnl_days.date_day
    from pnl_days
    cross join spend_feed_dates
    cross join spend_campaigns
    where not coalesce({{ within_spend_feed_dates('pnl_days.date_day') }}, false)
)

select * from final
