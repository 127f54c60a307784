-- One row per sale or refund line event, joined to the dimension versions valid at the event
-- time. Signed measures: refunds reduce quantity, tax, shipping charged and fees, add refunded
-- revenue, and give back COGS only for restocked units. Amounts in the line's currency and in
-- the reporting currency (suffix _usd) at the event date's rate.
--
-- Incremental (decision log §11): a run rebuilds the lines int_transaction_lines_invalidated
-- lists (the rebuild rule, written once) and replaces them by the delivered line they come from
-- (delete+insert, which Redshift supports), so an order-level refund's parts are replaced whole.
-- The incremental branch reads int_transaction_lines_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_transaction_lines_invalidated') }}
with lines as (
    select * from {{ ref('int_transaction_lines_converted') }}
    {%- if is_incremental() %}
        where {{ listed_rows(ref('int_transaction_lines_converted'), 'delivered_line_event_id',
            'int_transaction_lines_invalidated') }}
    {%- endif %}
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

final as (
    select
        lines.line_event_id,
        lines.delivered_line_event_id,
        lines.event_type,
        lines.order_id,
        lines.line_number,
        lines.event_at,
        lines.event_date,
        coalesce(products.product_key, {{ unknown_key() }}) as product_key,
        coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
        coalesce(channels.channel_key, {{ unknown_key() }}) as channel_key,
        case
            when lines.campaign_id is null then {{ no_campaign_key() }}
            else coalesce(campaigns.campaign_key, {{ unknown_key() }})
        end as campaign_key,
        lines.sku,
        lines.customer_id,
        lines.channel,
        lines.store_id,
        lines.campaign_id,
        lines.refunded_line_event_id,
        lines.refund_reason,
        lines.is_restocked,
        lines.currency_code,
        lines.rate_to_usd,
        lines.has_fx_rate,
        lines.has_unit_cost,
        lines.quantity,
        lines.gross_revenue,
        lines.discount,
        lines.refunded_revenue,
        lines.net_revenue,
        lines.tax,
        lines.shipping_charged,
        lines.shipping_cost,
        lines.platform_fee,
        lines.cogs,
        lines.gross_margin,
        lines.contribution_margin,
        lines.gross_revenue_usd,
        lines.discount_usd,
        lines.refunded_revenue_usd,
        lines.net_revenue_usd,
        lines.tax_usd,
        lines.shipping_charged_usd,
        lines.shipping_cost_usd,
        lines.platform_fee_usd,
        lines.cogs_usd,
        lines.gross_margin_usd,
        lines.contribution_margin_usd,
        lines.source_file,
        lines.dlt_load_id
    from lines
    {{ join_version_at('products', 'products', 'sku', 'lines.sku', 'lines.event_at') }}
    {{ join_version_at('customers', 'customers', 'customer_id', 'lines.customer_id', 'lines.event_at') }}
    left join channels on channels.channel = lines.channel
    left join campaigns on campaigns.campaign_id = lines.campaign_id
)

select * from final
