{#- 6. Every fact row resolves to a dimension member. A natural key that is present but finds no
    member (an unknown SKU, account, channel or campaign) fails; anonymous sales and orders with
    no campaign are expected and are counted as information rows, not failures. -#}
{% macro recon_dimension_members() -%}
    {%- set unknown = unknown_key() -%}
    {%- set none_campaign = surrogate_key(["'none'"]) -%}
    with unresolved as (
        select 'fct_transactions' as fact, 'product' as dimension, line_event_id as row_id, sku as natural_key
        from {{ ref('fct_transactions') }} where product_key = {{ unknown }}
        union all
        select 'fct_transactions', 'customer', line_event_id, customer_id
        from {{ ref('fct_transactions') }} where customer_key = {{ unknown }} and customer_id is not null
        union all
        select 'fct_transactions', 'channel', line_event_id, channel
        from {{ ref('fct_transactions') }} where channel_key = {{ unknown }}
        union all
        select 'fct_transactions', 'campaign', line_event_id, campaign_id
        from {{ ref('fct_transactions') }} where campaign_key = {{ unknown }}
        union all
        select 'fct_orders', 'customer', order_id, customer_id
        from {{ ref('fct_orders') }} where customer_key = {{ unknown }} and customer_id is not null
        union all
        select 'fct_marketing_spend', 'channel', campaign_id || ' ' || cast(spend_date as varchar(10)), target_channel
        from {{ ref('fct_marketing_spend') }} where channel_key = {{ unknown }}
    ),

    expected_unknowns as (
        select 'anonymous sale lines on the unknown customer' as what, count(*) as row_count
        from {{ ref('fct_transactions') }} where customer_id is null
        union all
        select 'sale lines with no campaign', count(*)
        from {{ ref('fct_transactions') }} where campaign_key = {{ none_campaign }} and event_type = 'sale'
    )

    select
        {{ recon_columns('dimension_members', "'fact row'", "fact || ' ' || row_id", 'null', 'null', 'null',
            "dimension || ' ' || coalesce(natural_key, '(null)') || ' has no member in dim_' || dimension", 'true') }}
    from unresolved
    union all
    select
        {{ recon_columns('dimension_members', "'summary'", 'what', 'null', 'null', 'row_count',
            "'expected unknown-member rows (reported, not a failure)'", 'false') }}
    from expected_unknowns
{%- endmacro %}
