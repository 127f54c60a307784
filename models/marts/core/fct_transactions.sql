-- One row per sale or refund line event, with signed measures in the line's own currency and in
-- the reporting currency at the rate of the event date, joined to the dimension versions valid at
-- the event time (docs/decisions.md):
--   net revenue       = quantity x unit price - discount - refunded goods (refunds on their own date)
--   cogs              = units sold x unit cost on the sale date; a restocked return gives back
--                       the returned units' cost at the sale's unit cost, an unrestocked one nothing;
--                       unknown (null) on a refund whose sale has no known cost
--   gross margin      = net revenue - cogs
--   contribution      = gross margin - platform fees - shipping cost + shipping charged
--                       (marketing is allocated in the channel P&L, not per line)
-- Signed: refunds reduce quantity, tax, shipping charged and fees, add refunded revenue, and give
-- back COGS only for restocked units.
--
-- The lines are converted here, not in an intermediate table first: at 10M lines a stored copy of
-- the converted lines took 20-29 s to build and 7 s to read again (decision log §11).
--
-- Incremental (decision log §11): a run rebuilds the lines int_transaction_lines_invalidated
-- lists (the rebuild rule, written once) and replaces them by the delivered line they come from
-- (delete+insert, which Redshift supports), so an order-level refund's parts are replaced whole.
-- The incremental branch reads int_transaction_lines_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_transaction_lines_invalidated') }}
-- The orders' work list is made before the fact is rebuilt, so a run that stopped after the fact
-- has it to carry forward (decision log §11, "A run that stopped half way"); a run leaving it out
-- stops (a line moved to another order left the order it came from out of every list):
{%- set needs_the_orders_list = "needs the orders' work list made before it" %}
-- depends_on: {{ invalidated('int_orders_invalidated', needs=needs_the_orders_list) }}
{#- What a sale line and a refund line carry through unchanged. -#}
{%- set line_attributes = [
    'line_event_id', 'event_type', 'order_id', 'line_number', 'event_at', 'event_date', 'channel',
    'store_id', 'currency_code', 'customer_id', 'sku', 'campaign_id', 'reported_order_total',
    'refunded_line_event_id', 'refund_reason', 'is_restocked', 'source_file', 'dlt_load_id',
] %}

with sales as (
    select * from {{ ref('int_sale_lines_costed') }}
    {%- if is_incremental() %}
        where {{ listed_rows(ref('int_sale_lines_costed'), 'line_event_id', 'int_transaction_lines_invalidated') }}
    {%- endif %}
),

refunds as (
    select * from {{ ref('int_refund_lines_linked') }}
    {%- if is_incremental() %}
        where {{ listed_rows(ref('int_refund_lines_linked'), 'delivered_line_event_id',
            'int_transaction_lines_invalidated') }}
    {%- endif %}
),

fx as (
    select * from {{ ref('int_fx_rates_filled') }}
),

products as (
    select * from {{ ref('dim_product') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

campaigns as (
    select * from {{ ref('dim_campaign') }}
),

sale_measures as (
    select
        {%- for column in line_attributes %}
            {{ column }},
        {%- endfor %}
        line_event_id as delivered_line_event_id,
        has_unit_cost,
        true as has_sale_line,
        quantity,
        {{ to_money('quantity * unit_price') }} as gross_revenue,
        line_discount as discount,
        {{ to_money(0) }} as refunded_revenue,
        line_tax as tax,
        shipping_charged,
        shipping_cost,
        platform_fee,
        cast(quantity * unit_cost_usd as {{ converted_amount_type() }}) as cost_usd
    from sales
),

refund_measures as (
    select
        {%- for column in line_attributes %}
            {{ column }},
        {%- endfor %}
        delivered_line_event_id,
        sale_has_unit_cost as has_unit_cost,
        has_sale_line,
        -quantity as quantity,
        {{ to_money(0) }} as gross_revenue,
        {{ to_money(0) }} as discount,
        refund_amount as refunded_revenue,
        {{ to_money('-line_tax') }} as tax,
        {{ to_money('-shipping_charged') }} as shipping_charged,
        shipping_cost,
        {{ to_money('-platform_fee') }} as platform_fee,
        {#- Unknown is not zero: while the sale's cost is unknown, so is what its refund gives
            back, restocked or not (a known 0 here would put the refund, and only the refund, into
            the margins). -#}
        cast(
            case
                when sale_unit_cost_usd is null then null
                when is_restocked then -quantity * sale_unit_cost_usd
                else 0
            end
            as {{ converted_amount_type() }}
        ) as cost_usd
    from refunds
),

lines as (
    select * from sale_measures
    union all
    select * from refund_measures
),

converted as (
    select
        lines.*,
        fx.rate_to_usd,
        fx.rate_to_usd is not null as has_fx_rate,
        {{ to_money('lines.gross_revenue - lines.discount - lines.refunded_revenue') }} as net_revenue
    from lines
    left join fx
        on lines.currency_code = fx.currency_code
            and lines.event_date = fx.date_day
),

amounts as (
    select
        converted.*,
        cast({{ divide('cost_usd', 'rate_to_usd', 6) }} as {{ converted_amount_type() }}) as cogs,
        {#- a line without a rate is in no USD total, its COGS included: otherwise a USD margin
            would count its cost and not its revenue -#}
        cast(
            case when converted.rate_to_usd is not null then converted.cost_usd end as {{ converted_amount_type() }}
        ) as cogs_usd,
        {{ to_reporting('gross_revenue', 'rate_to_usd') }} as gross_revenue_usd,
        {{ to_reporting('discount', 'rate_to_usd') }} as discount_usd,
        {{ to_reporting('refunded_revenue', 'rate_to_usd') }} as refunded_revenue_usd,
        {{ to_reporting('net_revenue', 'rate_to_usd') }} as net_revenue_usd,
        {{ to_reporting('tax', 'rate_to_usd') }} as tax_usd,
        {{ to_reporting('shipping_charged', 'rate_to_usd') }} as shipping_charged_usd,
        {{ to_reporting('shipping_cost', 'rate_to_usd') }} as shipping_cost_usd,
        {{ to_reporting('platform_fee', 'rate_to_usd') }} as platform_fee_usd
    from converted
),

final as (
    select
        amounts.line_event_id,
        amounts.delivered_line_event_id,
        amounts.event_type,
        amounts.order_id,
        amounts.line_number,
        amounts.event_at,
        amounts.event_date,
        coalesce(products.product_key, {{ unknown_key() }}) as product_key,
        coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
        coalesce(channels.channel_key, {{ unknown_key() }}) as channel_key,
        case
            when amounts.campaign_id is null then {{ no_campaign_key() }}
            else coalesce(campaigns.campaign_key, {{ unknown_key() }})
        end as campaign_key,
        amounts.sku,
        amounts.customer_id,
        amounts.channel,
        amounts.store_id,
        amounts.campaign_id,
        amounts.reported_order_total,
        amounts.refunded_line_event_id,
        amounts.refund_reason,
        amounts.is_restocked,
        amounts.currency_code,
        amounts.rate_to_usd,
        amounts.has_fx_rate,
        amounts.has_unit_cost,
        amounts.quantity,
        amounts.gross_revenue,
        amounts.discount,
        amounts.refunded_revenue,
        amounts.net_revenue,
        amounts.tax,
        amounts.shipping_charged,
        amounts.shipping_cost,
        amounts.platform_fee,
        amounts.cogs,
        -- the margins from the converted amounts, so the identities hold to the last digit
        cast(amounts.net_revenue - amounts.cogs as {{ converted_amount_type() }}) as gross_margin,
        cast(
            {{ contribution_margin('(amounts.net_revenue - amounts.cogs)', 'amounts.platform_fee',
                'amounts.shipping_cost', 'amounts.shipping_charged') }}
            as {{ converted_amount_type() }}
        ) as contribution_margin,
        amounts.gross_revenue_usd,
        amounts.discount_usd,
        amounts.refunded_revenue_usd,
        amounts.net_revenue_usd,
        amounts.tax_usd,
        amounts.shipping_charged_usd,
        amounts.shipping_cost_usd,
        amounts.platform_fee_usd,
        amounts.cogs_usd,
        cast(amounts.net_revenue_usd - amounts.cogs_usd as {{ converted_amount_type() }}) as gross_margin_usd,
        cast(
            {{ contribution_margin('(amounts.net_revenue_usd - amounts.cogs_usd)', 'amounts.platform_fee_usd',
                'amounts.shipping_cost_usd', 'amounts.shipping_charged_usd') }}
            as {{ converted_amount_type() }}
        ) as contribution_margin_usd,
        amounts.source_file,
        amounts.dlt_load_id
    from amounts
    {{ join_version_at('products', 'products', 'sku', 'amounts.sku', 'amounts.event_at') }}
    {{ join_version_at('customers', 'customers', 'customer_id', 'amounts.customer_id', 'amounts.event_at') }}
    left join channels on channels.channel = amounts.channel
    left join campaigns on campaigns.campaign_id = amounts.campaign_id
)

select * from final
