-- One row per order: its sale lines summed, what has been refunded on it to date, the campaign it
-- is credited to, and whether it is the customer's first order. Attribution rule
-- (docs/decisions.md): an order belongs to the campaign the source attributes it to, if that
-- campaign is known from the spend feed; otherwise it is unattributed (and an unknown id is kept
-- for the exceptions report). The order's figures are the sums of its lines in fct_transactions,
-- and recon_margin_identities ties the two facts, measure by measure.
--
-- Incremental (decision log §11): a run rebuilds only the orders int_orders_invalidated lists,
-- which holds the first order of each customer it touches, so ranking the listed orders finds it.
-- The incremental branch reads int_orders_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_orders_invalidated') }}
--
-- The lines are read twice, by the sale and the refund measures. A full build inlines them, so
-- each side scans only its own rows and columns (at 10M lines, 19 s; one pass testing the event
-- type in every aggregate took 26 s, storing the lines first 39 s). An incremental run stores
-- the few listed lines once.
with lines as {% if not is_incremental() %}{{ not_materialized() }} {% endif %}(
    select * from {{ ref('fct_transactions') }}
    {%- if is_incremental() %}
        where {{ listed_rows(ref('fct_transactions'), 'order_id', 'int_orders_invalidated') }}
    {%- endif %}
),

known_campaigns as (
    select distinct campaign_id from {{ ref('stg_raw__marketing_spend') }}
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

-- an order is the sale lines it has; the newest load is taken over its refund lines too
sale_orders as (
    select
        order_id,
        max(dlt_load_id) as dlt_load_id,
        min(event_at) as ordered_at,
        min(event_date) as order_date,
        max(customer_id) as customer_id,
        max(channel) as channel,
        max(store_id) as store_id,
        max(currency_code) as currency_code,
        max(campaign_id) as campaign_id,
        max(rate_to_usd) as rate_to_usd,
        {{ to_money('max(reported_order_total)') }} as reported_order_total,
        cast(count(*) as bigint) as line_count,
        cast(sum(quantity) as bigint) as units,
        {{ to_money('sum(gross_revenue)') }} as gross_revenue,
        {{ to_money('sum(discount)') }} as discount,
        {{ to_money('sum(net_revenue)') }} as net_sales,
        {{ to_money('sum(tax)') }} as tax,
        {{ to_money('sum(shipping_charged)') }} as shipping_charged,
        {{ to_money('sum(shipping_cost)') }} as shipping_cost,
        {{ to_money('sum(platform_fee)') }} as platform_fee,
        cast(sum(gross_revenue_usd) as {{ converted_amount_type() }}) as gross_revenue_usd,
        cast(sum(discount_usd) as {{ converted_amount_type() }}) as discount_usd,
        cast(sum(net_revenue_usd) as {{ converted_amount_type() }}) as net_sales_usd,
        cast(sum(cogs_usd) as {{ converted_amount_type() }}) as cogs_usd,
        cast(sum(gross_margin_usd) as {{ converted_amount_type() }}) as gross_margin_usd,
        {% for column, expression in margin_coverage().items() if column != 'net_revenue_with_cost_usd' -%}
            cast(sum({{ expression }}) as bigint) as {{ column }},
        {% endfor -%}
        cast(sum(contribution_margin_usd) as {{ converted_amount_type() }}) as contribution_margin_usd
    from lines
    where event_type = 'sale'
    group by order_id
),

refunds as (
    select
        order_id,
        max(dlt_load_id) as dlt_load_id,
        cast(count(*) as bigint) as refund_line_count,
        cast(-sum(quantity) as bigint) as refunded_units,
        {{ to_money('sum(refunded_revenue)') }} as refunded_revenue,
        -- the refund lines with a USD amount; null when none has one (decision log §5)
        cast(sum(refunded_revenue_usd) as {{ converted_amount_type() }}) as refunded_revenue_usd,
        cast(sum(case when refunded_revenue_usd is null then 1 else 0 end) as bigint) as refund_lines_without_usd
    from lines
    where event_type = 'refund'
    group by order_id
),

orders as (
    select
        sale_orders.order_id,
        sale_orders.ordered_at,
        sale_orders.order_date,
        sale_orders.customer_id,
        sale_orders.channel,
        sale_orders.store_id,
        sale_orders.currency_code,
        sale_orders.campaign_id as reported_campaign_id,
        case
            when known_campaigns.campaign_id is not null then sale_orders.campaign_id
        end as attributed_campaign_id,
        sale_orders.rate_to_usd,
        sale_orders.line_count,
        sale_orders.units,
        sale_orders.gross_revenue,
        sale_orders.discount,
        sale_orders.net_sales,
        sale_orders.tax,
        sale_orders.shipping_charged,
        sale_orders.shipping_cost,
        sale_orders.platform_fee,
        {{ to_money('sale_orders.net_sales + sale_orders.tax + sale_orders.shipping_charged') }}
            as computed_order_total,
        sale_orders.reported_order_total,
        sale_orders.gross_revenue_usd,
        sale_orders.discount_usd,
        sale_orders.net_sales_usd,
        sale_orders.cogs_usd,
        sale_orders.gross_margin_usd,
        sale_orders.contribution_margin_usd,
        sale_orders.lines_without_cost,
        sale_orders.lines_without_usd,
        coalesce(refunds.refund_line_count, 0) as refund_line_count,
        coalesce(refunds.refunded_units, 0) as refunded_units,
        {{ to_money('coalesce(refunds.refunded_revenue, 0)') }} as refunded_revenue,
        -- 0 only for an order with no refund line: unknown is not zero
        cast(
            case when refunds.order_id is null then 0 else refunds.refunded_revenue_usd end
            as {{ converted_amount_type() }}
        ) as refunded_revenue_usd,
        coalesce(refunds.refund_lines_without_usd, 0) as refund_lines_without_usd,
        case
            when sale_orders.customer_id is null then false
            else row_number() over (
                    partition by sale_orders.customer_id order by sale_orders.ordered_at, sale_orders.order_id
                ) = 1
        end as is_first_order,
        greatest(sale_orders.dlt_load_id, coalesce(refunds.dlt_load_id, sale_orders.dlt_load_id)) as dlt_load_id
    from sale_orders
    left join refunds on sale_orders.order_id = refunds.order_id
    left join known_campaigns on sale_orders.campaign_id = known_campaigns.campaign_id
),

final as (
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
        orders.refund_lines_without_usd,
        orders.dlt_load_id
    from orders
    {{ join_version_at('customers', 'customers', 'customer_id', 'orders.customer_id', 'orders.ordered_at') }}
    left join channels on channels.channel = orders.channel
    left join campaigns on campaigns.campaign_id = orders.reported_campaign_id
)

select * from final
