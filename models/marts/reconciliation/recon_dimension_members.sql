-- 6. Every fact row resolves to a dimension member. A natural key that is present but finds no
-- member (an unknown SKU, account, channel or campaign) fails; anonymous sales and orders with
-- no campaign are expected and are counted in reconciliation_expected_unknowns, not here. While
-- the feed a dimension comes from (products, customers, marketing spend) has never been
-- delivered, every member is unknown: warnings.
{% set unknown = unknown_key() %}
with delivered as (
    {{ recon_delivered_feeds() }}
),

unresolved as (
    {% for r in unresolved_line_reasons() if r.natural_key is defined -%}
        select
            'fct_transactions' as fact,
            '{{ r.reason }}' as dimension,
            line_event_id as row_id,
            {{ r.natural_key }} as natural_key,
            '{{ r.source_feed }}' as source_feed
        from {{ ref('fct_transactions') }}
        where {{ r.predicate }}
        union all
    {% endfor -%}
    select
        'fct_orders' as fact,
        'customer' as dimension,
        order_id as row_id,
        customer_id as natural_key,
        'customers' as source_feed
    from {{ ref('fct_orders') }}
    where customer_key = {{ unknown }} and customer_id is not null
    union all
    select
        'fct_marketing_spend' as fact,
        'channel' as dimension,
        campaign_id || ' ' || cast(spend_date as varchar(10)) as row_id,
        target_channel as natural_key,
        'channels seed' as source_feed
    from {{ ref('fct_marketing_spend') }}
    where channel_key = {{ unknown }}
),

judged as (
    select
        unresolved.*,
        case unresolved.source_feed
            when 'products' then delivered.products
            when 'customers' then delivered.customers
            when 'marketing_spend' then delivered.marketing_spend
            else true
        end as source_delivered
    from unresolved cross join delivered
)

select
    {{ recon_columns('dimension_members', "'fact row'", "fact || ' ' || row_id", 'null', 'null', 'null',
        "dimension || ' ' || coalesce(natural_key, '(null)') || ' has no member in dim_' || dimension
            || case when source_delivered then '' else ' (the ' || source_feed
            || ' feed has never been delivered: a warning, not a failure)' end",
        'source_delivered') }}
from judged
