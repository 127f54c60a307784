-- 4. Raw spend per platform, campaign and day, taking the latest delivered restatement, equals
-- fct_marketing_spend (spend in its currency, impressions, clicks); nothing missing either way.
with latest_raw as (
    select
        platform,
        campaign_id,
        spend_date,
        currency,
        spend,
        impressions,
        clicks
    from ({{ dedupe_latest(source('raw', 'marketing_spend'), 'platform, campaign_id, spend_date', delivery_order()) }})
        as latest
),

compared as (
    select
        coalesce(latest_raw.platform, mart.platform) || ' ' || coalesce(latest_raw.campaign_id, mart.campaign_id)
        || ' ' || cast(coalesce(latest_raw.spend_date, mart.spend_date) as varchar(10)) as object_id,
        coalesce(latest_raw.currency, mart.currency_code) as currency_code,
        latest_raw.spend as raw_spend,
        mart.spend as mart_spend,
        latest_raw.impressions as raw_impressions,
        mart.impressions as mart_impressions,
        latest_raw.clicks as raw_clicks,
        mart.clicks as mart_clicks
    from latest_raw
    full outer join {{ ref('fct_marketing_spend') }} as mart
        on latest_raw.campaign_id = mart.campaign_id
            and latest_raw.platform = mart.platform
            and latest_raw.spend_date = mart.spend_date
)

{#- (measure, currency of the figure, compared within the tolerance) -#}
{%- set measures = [('spend', 'currency_code', true), ('impressions', 'null', false), ('clicks', 'null', false)] %}
{% for measure, currency, money in measures -%}
    select
    {{ recon_columns('marketing_spend', "'campaign day'", 'object_id', currency, 'raw_' ~ measure, 'mart_' ~ measure,
        "'" ~ measure ~ " of the latest restatement in raw; found in fct_marketing_spend'",
        recon_beyond_tolerance('raw_' ~ measure, 'mart_' ~ measure) if money
        else recon_differs('raw_' ~ measure, 'mart_' ~ measure)) }}
    from compared
    where {{ recon_differs('raw_' ~ measure, 'mart_' ~ measure) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
