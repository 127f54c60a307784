-- Orders from their sale lines, with what has been refunded on them so far. Attribution rule
-- (docs/decisions.md): an order belongs to the campaign the source attributes it to, if that
-- campaign is known from the spend feed; otherwise it is unattributed (and an unknown id is
-- kept for the exceptions report). Incremental (decision log §11): a run rebuilds only the
-- orders int_orders_invalidated lists, which holds the first order of each customer it touches,
-- so ranking the listed orders finds it.
-- The incremental branch reads int_orders_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_orders_invalidated') }}
with lines as (
    select * from {{ ref('int_transaction_lines_converted') }}
    {%- if is_incremental() %}
        where {{ listed_rows(ref('int_transaction_lines_converted'), 'order_id', 'int_orders_invalidated') }}
    {%- endif %}
),

known_campaigns as (
    select distinct campaign_id from {{ ref('stg_raw__marketing_spend') }}
),

-- one pass over the lines (three CTEs reading them made DuckDB copy them whole first): the sale
-- measures over sale lines, the refund measures over refund lines, the newest load over both
{%- set sale = "case when event_type = 'sale' then " -%}
{%- set refund = "case when event_type = 'refund' then " %}
orders as (
    select
        order_id,
        max(dlt_load_id) as dlt_load_id,
        min({{ sale }}event_at end) as ordered_at,
        min({{ sale }}event_date end) as order_date,
        max({{ sale }}customer_id end) as customer_id,
        max({{ sale }}channel end) as channel,
        max({{ sale }}store_id end) as store_id,
        max({{ sale }}currency_code end) as currency_code,
        max({{ sale }}campaign_id end) as campaign_id,
        max({{ sale }}rate_to_usd end) as rate_to_usd,
        {{ to_money('max(' ~ sale ~ 'reported_order_total end)') }} as reported_order_total,
        cast(count({{ sale }}1 end) as bigint) as line_count,
        cast(sum({{ sale }}quantity end) as bigint) as units,
        {{ to_money('sum(' ~ sale ~ 'gross_revenue end)') }} as gross_revenue,
        {{ to_money('sum(' ~ sale ~ 'discount end)') }} as discount,
        {{ to_money('sum(' ~ sale ~ 'net_revenue end)') }} as net_sales,
        {{ to_money('sum(' ~ sale ~ 'tax end)') }} as tax,
        {{ to_money('sum(' ~ sale ~ 'shipping_charged end)') }} as shipping_charged,
        {{ to_money('sum(' ~ sale ~ 'shipping_cost end)') }} as shipping_cost,
        {{ to_money('sum(' ~ sale ~ 'platform_fee end)') }} as platform_fee,
        cast(sum({{ sale }}gross_revenue_usd end) as {{ converted_amount_type() }}) as gross_revenue_usd,
        cast(sum({{ sale }}discount_usd end) as {{ converted_amount_type() }}) as discount_usd,
        cast(sum({{ sale }}net_revenue_usd end) as {{ converted_amount_type() }}) as net_sales_usd,
        cast(sum({{ sale }}cogs_usd end) as {{ converted_amount_type() }}) as cogs_usd,
        cast(sum({{ sale }}gross_margin_usd end) as {{ converted_amount_type() }}) as gross_margin_usd,
        {% for column, expression in margin_coverage().items() if column != 'net_revenue_with_cost_usd' -%}
            cast(sum({{ sale }}{{ expression }} end) as bigint) as {{ column }},
        {% endfor -%}
        cast(sum({{ sale }}contribution_margin_usd end) as {{ converted_amount_type() }}) as contribution_margin_usd,
        cast(count({{ refund }}1 end) as bigint) as refund_line_count,
        cast(-sum({{ refund }}quantity end) as bigint) as refunded_units,
        {{ to_money('sum(' ~ refund ~ 'refunded_revenue end)') }} as refunded_revenue,
        cast(sum({{ refund }}refunded_revenue_usd end) as {{ converted_amount_type() }}) as refunded_revenue_usd
    from lines
    group by order_id
),

sale_orders as (
    select * from orders
    where line_count > 0
)

select
    sale_orders.order_id,
    sale_orders.ordered_at,
    sale_orders.order_date,
    sale_orders.customer_id,
    sale_orders.channel,
    sale_orders.store_id,
    sale_orders.currency_code,
    sale_orders.campaign_id as reported_campaign_id,
    case when known_campaigns.campaign_id is not null then sale_orders.campaign_id end as attributed_campaign_id,
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
    {{ to_money('sale_orders.net_sales + sale_orders.tax + sale_orders.shipping_charged') }} as computed_order_total,
    sale_orders.reported_order_total,
    sale_orders.gross_revenue_usd,
    sale_orders.discount_usd,
    sale_orders.net_sales_usd,
    sale_orders.cogs_usd,
    sale_orders.gross_margin_usd,
    sale_orders.contribution_margin_usd,
    sale_orders.lines_without_cost,
    sale_orders.lines_without_usd,
    sale_orders.refund_line_count,
    coalesce(sale_orders.refunded_units, 0) as refunded_units,
    {{ to_money('coalesce(sale_orders.refunded_revenue, 0)') }} as refunded_revenue,
    cast(coalesce(sale_orders.refunded_revenue_usd, 0) as {{ converted_amount_type() }}) as refunded_revenue_usd,
    case
        when sale_orders.customer_id is null then false
        else row_number() over (
                partition by sale_orders.customer_id order by sale_orders.ordered_at, sale_orders.order_id
            ) = 1
    end as is_first_order,
    sale_orders.dlt_load_id
from sale_orders
left join known_campaigns on sale_orders.campaign_id = known_campaigns.campaign_id
