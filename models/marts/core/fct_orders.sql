-- One row per order: its sale lines summed, what has been refunded on it to date, the
-- campaign it is credited to, and whether it is the customer's first order. Incremental
-- (decision log §11): a run rebuilds only the orders int_orders_invalidated lists.
-- The incremental branch reads int_orders_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_orders_invalidated') }}
with orders as (
    select * from {{ ref('int_sale_lines_aggregated_to_orders') }}
    {%- if is_incremental() %}
        where {{ listed_rows(ref('int_sale_lines_aggregated_to_orders'), 'order_id', 'int_orders_invalidated') }}
    {%- endif %}
),

customers as (
    select * from {{ ref('dim_customer') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

campaigns as (
    select * from {{ ref('dim_campaign') }}
)

select
    orders.order_id,
    orders.ordered_at,
    orders.order_date,
    coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
    coalesce(channels.channel_key, {{ unknown_key() }}) as channel_key,
    case
        when orders.reported_campaign_id is null then {{ no_campaign_key() }}
        else coalesce(campaigns.campaign_key, {{ unknown_key() }})
    end as campaign_key,
    orders.customer_id,
    orders.channel,
    orders.store_id,
    orders.reported_campaign_id,
    orders.attributed_campaign_id,
    orders.is_first_order,
    orders.currency_code,
    orders.rate_to_usd,
    orders.line_count,
    orders.units,
    orders.gross_revenue,
    orders.discount,
    orders.net_sales,
    orders.tax,
    orders.shipping_charged,
    orders.shipping_cost,
    orders.platform_fee,
    orders.computed_order_total,
    orders.reported_order_total,
    orders.refund_line_count,
    orders.refunded_units,
    orders.refunded_revenue,
    orders.gross_revenue_usd,
    orders.discount_usd,
    orders.net_sales_usd,
    orders.refunded_revenue_usd,
    orders.cogs_usd,
    orders.gross_margin_usd,
    orders.contribution_margin_usd,
    orders.lines_without_cost,
    orders.lines_without_usd,
    orders.dlt_load_id
from orders
{{ join_version_at('customers', 'customers', 'customer_id', 'orders.customer_id', 'orders.ordered_at') }}
left join channels on channels.channel = orders.channel
left join campaigns on campaigns.campaign_id = orders.reported_campaign_id
