-- One row per ad campaign known from the spend feed, plus two members: 'none' for orders no
-- campaign is credited with, and 'unknown' for spend or orders naming a campaign we cannot place.
with spend as (
    select * from {{ ref('stg_raw__marketing_spend') }}
),

latest_name as (
    select
        campaign_id,
        campaign_name,
        platform,
        target_channel,
        currency_code
    from (
        select
            campaign_id,
            campaign_name,
            platform,
            target_channel,
            currency_code,
            row_number() over (partition by campaign_id order by spend_date desc nulls last) as recency
        from spend
    ) as ranked
    where recency = 1
),

spans as (
    select
        campaign_id,
        min(spend_date) as first_spend_date,
        max(spend_date) as last_spend_date
    from spend
    group by campaign_id
),

known as (
    select
        {{ surrogate_key(['latest_name.campaign_id']) }} as campaign_key,
        latest_name.campaign_id,
        latest_name.campaign_name,
        latest_name.platform,
        latest_name.target_channel,
        latest_name.currency_code,
        spans.first_spend_date,
        spans.last_spend_date
    from latest_name
    inner join spans on latest_name.campaign_id = spans.campaign_id
),

members as (
    select
        {{ no_campaign_key() }} as campaign_key,
        'none' as campaign_id,
        'No campaign' as campaign_name,
        'none' as platform,
        'none' as target_channel,
        cast(null as {{ string_type(3) }}) as currency_code,
        cast(null as date) as first_spend_date,
        cast(null as date) as last_spend_date
    union all
    select
        {{ surrogate_key(["'unknown'"]) }} as campaign_key,
        'unknown' as campaign_id,
        'Unknown campaign' as campaign_name,
        'unknown' as platform,
        'unknown' as target_channel,
        cast(null as {{ string_type(3) }}) as currency_code,
        cast(null as date) as first_spend_date,
        cast(null as date) as last_spend_date
)

select * from known
union all
select * from members
