-- Sale and refund lines on one grain with signed measures, in the line's own currency and in
-- the reporting currency at the rate of the event date (docs/decisions.md):
--   net revenue       = quantity x unit price - discount - refunded goods (refunds on their own date)
--   cogs              = units sold x unit cost on the sale date; a restocked return gives back
--                       the returned units' cost at the sale's unit cost, an unrestocked one nothing;
--                       unknown (null) on a refund whose sale has no known cost
--   gross margin      = net revenue - cogs
--   contribution      = gross margin - platform fees - shipping cost + shipping charged
--                       (marketing is allocated in the channel P&L, not per line)
-- Incremental (decision log §11): a run converts only the lines int_transaction_lines_invalidated
-- lists.
-- The incremental branch reads int_transaction_lines_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_transaction_lines_invalidated') }}
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
)

-- The margins are computed from the converted amounts, so the identities hold to the last digit.
select
    line_event_id,
    event_type,
    order_id,
    line_number,
    event_at,
    event_date,
    channel,
    store_id,
    currency_code,
    customer_id,
    sku,
    campaign_id,
    reported_order_total,
    refunded_line_event_id,
    refund_reason,
    is_restocked,
    source_file,
    dlt_load_id,
    delivered_line_event_id,
    has_unit_cost,
    has_sale_line,
    has_fx_rate,
    rate_to_usd,
    quantity,
    gross_revenue,
    discount,
    refunded_revenue,
    net_revenue,
    tax,
    shipping_charged,
    shipping_cost,
    platform_fee,
    cogs,
    cast(net_revenue - cogs as {{ converted_amount_type() }}) as gross_margin,
    cast(
        {{ contribution_margin('(net_revenue - cogs)', 'platform_fee', 'shipping_cost', 'shipping_charged') }}
        as {{ converted_amount_type() }}
    ) as contribution_margin,
    gross_revenue_usd,
    discount_usd,
    refunded_revenue_usd,
    net_revenue_usd,
    tax_usd,
    shipping_charged_usd,
    shipping_cost_usd,
    platform_fee_usd,
    cogs_usd,
    cast(net_revenue_usd - cogs_usd as {{ converted_amount_type() }}) as gross_margin_usd,
    cast(
        {{ contribution_margin('(net_revenue_usd - cogs_usd)', 'platform_fee_usd', 'shipping_cost_usd',
            'shipping_charged_usd') }}
        as {{ converted_amount_type() }}
    ) as contribution_margin_usd
from amounts
