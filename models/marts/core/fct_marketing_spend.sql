-- One row per day and campaign: the latest restated spend, in the campaign's currency and in
-- the reporting currency at that day's rate.
with spend as (
    select * from {{ ref('stg_raw__marketing_spend') }}
),

fx as (
    select * from {{ ref('int_fx_rates_filled') }}
),

campaigns as (
    select * from {{ ref('dim_campaign') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
)

select
    spend.spend_date,
    spend.campaign_id,
    coalesce(campaigns.campaign_key, {{ unknown_key() }}) as campaign_key,
    coalesce(channels.channel_key, {{ unknown_key() }}) as channel_key,
    spend.platform,
    spend.target_channel,
    spend.impressions,
    spend.clicks,
    spend.currency_code,
    spend.spend,
    fx.rate_to_usd,
    fx.rate_to_usd is not null as has_fx_rate,
    {{ to_reporting('spend.spend', 'fx.rate_to_usd') }} as spend_usd
from spend
left join fx
    on spend.currency_code = fx.currency_code
        and spend.spend_date = fx.date_day
left join campaigns on spend.campaign_id = campaigns.campaign_id
left join channels on spend.target_channel = channels.channel
