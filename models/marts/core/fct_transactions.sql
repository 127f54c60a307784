-- One row per sale or refund line event, joined to the dimension versions valid at the event
-- time. Signed measures: refunds reduce quantity, tax, shipping charged and fees, add refunded
-- revenue, and give back COGS only for restocked units. Amounts in the line's currency and in
-- the reporting currency (suffix _usd) at the event date's rate.
--
-- Incremental (docs/decisions.md, "Incremental fact"): a run rebuilds the lines whose inputs may
-- have changed since the newest load the fact holds, and replaces them by line_event_id
-- (delete+insert, which Redshift supports). dlt load ids compare as text: they are epoch seconds
-- with ten integer digits.
-- The rebuild rule reads these only on incremental runs; dbt learns them here:
-- depends_on: {{ ref('stg_raw__cogs') }}, {{ ref('stg_raw__products') }}
-- depends_on: {{ ref('stg_raw__customers') }}, {{ ref('stg_raw__fx_rates') }}
with lines as (
    select * from {{ ref('int_transaction_lines_converted') }}
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

{% if is_incremental() %}
    cost_versions as (
        select * from {{ ref('stg_raw__cogs') }}
    ),

    products_delivered as (
        select * from {{ ref('stg_raw__products') }}
    ),

    customers_delivered as (
        select * from {{ ref('stg_raw__customers') }}
    ),

    rates_delivered as (
        select * from {{ ref('stg_raw__fx_rates') }}
    ),

    built as (
        select * from {{ this }}
    ),

    last_build as (
        select max(dlt_load_id) as dlt_load_id from built
    ),

    changed_costs as (
        select distinct cost_versions.sku
        from cost_versions
        cross join last_build
        where cost_versions.dlt_load_id > last_build.dlt_load_id
    ),

    changed_products as (
        select products_delivered.sku
        from products_delivered
        cross join last_build
        where products_delivered.dlt_load_id > last_build.dlt_load_id
    ),

    changed_customers as (
        select customers_delivered.customer_id
        from customers_delivered
        cross join last_build
        where customers_delivered.dlt_load_id > last_build.dlt_load_id
    ),

    first_changed_rate as (
        select min(rates_delivered.rate_date) as rate_date
        from rates_delivered
        cross join last_build
        where rates_delivered.dlt_load_id > last_build.dlt_load_id
    ),

    unresolved as (
        select line_event_id
        from built
        where {{ unresolved_line() }}
    ),

    redelivered as (
        select
            lines.line_event_id,
            lines.order_id
        from lines
        cross join last_build
        where lines.dlt_load_id > last_build.dlt_load_id
    ),

    to_build as (
        select lines.line_event_id
        from lines
        left join built on lines.line_event_id = built.line_event_id
        where built.line_event_id is null
            or lines.line_event_id in (select redelivered.line_event_id from redelivered)
            or lines.refunded_line_event_id in (select redelivered.line_event_id from redelivered)
            -- an order-level refund's parts follow every line of its order
            or (
                lines.line_event_id <> lines.delivered_line_event_id
                and lines.order_id in (select redelivered.order_id from redelivered)
            )
            or lines.line_event_id in (select unresolved.line_event_id from unresolved)
            or lines.sku in (select changed_costs.sku from changed_costs)
            or lines.sku in (select changed_products.sku from changed_products)
            or lines.customer_id in (select changed_customers.customer_id from changed_customers)
            or lines.event_date >= (select first_changed_rate.rate_date from first_changed_rate)
    ),

{% endif %}
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
        lines.dlt_load_id
    from lines
    {{ join_version_at('products', 'products', 'sku', 'lines.sku', 'lines.event_at') }}
    {{ join_version_at('customers', 'customers', 'customer_id', 'lines.customer_id', 'lines.event_at') }}
    left join channels on channels.channel = lines.channel
    left join campaigns on campaigns.campaign_id = lines.campaign_id
    {% if is_incremental() -%}
        where lines.line_event_id in (select to_build.line_event_id from to_build)
    {%- endif %}
)

select * from final
