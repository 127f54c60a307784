-- One row per platform, campaign and day: the most recently delivered restatement. Raw keeps
-- every delivered version (one per file); delivery order is arrival order, then path.
with source as (
    {{ dedupe_latest(
        source('raw', 'marketing_spend'),
        'platform, campaign_id, spend_date',
        delivery_order(),
    ) }}
),

renamed as (
    select
        platform,
        campaign_id,
        campaign_name,
        target_channel,
        cast(spend_date as date) as spend_date,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        {{ to_money('spend') }} as spend,
        currency as currency_code,
        _source_file as source_file,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
