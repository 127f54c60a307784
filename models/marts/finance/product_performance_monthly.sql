-- Product performance by month in the reporting currency, with the product's current
-- attributes. Grain: one row per month and SKU with any sale or refund. Refunds count in the
-- month they happen. COGS and margins cover the lines with a known cost (net_revenue_with_cost_usd),
-- and the margin rate is of that revenue; lines_without_cost / lines_without_usd count the rest.
-- Gross sales and discounts are of the sale lines, refunds of the refund lines: null when none of
-- them has a USD amount, 0 without one (decision log §5; sale_lines, refund_lines count them).
-- A month the transactions start or end inside holds only its days from first_day to last_day
-- (decision log §3: its sums are a part's, and the dashboards say so).
-- transactions is read by the monthly sums and for its first and last day: inlined, not stored.
with transactions as {{ not_materialized() }} (
    select * from {{ ref('fct_transactions') }}
),

current_products as (
    select * from {{ ref('dim_product') }}
    where is_current
),

-- the transactions' first and last day: a month they start or end inside holds only its part
held as (
    select
        min(event_date) as first_held,
        max(event_date) as last_held
    from transactions
),

monthly as (
    select
        cast({{ dbt.date_trunc('month', 'event_date') }} as date) as month_start_date,
        sku,
        sum(case when event_type = 'sale' then quantity else 0 end) as units_sold,
        sum(case when event_type = 'refund' then -quantity else 0 end) as units_returned,
        sum(gross_revenue_usd) as gross_revenue_usd,
        sum(discount_usd) as discount_usd,
        sum(refunded_revenue_usd) as refunded_revenue_usd,
        sum(net_revenue_usd) as net_revenue_usd,
        {% for column, expression in line_kind_counts().items() -%}
            sum({{ expression }}) as {{ column }},
        {% endfor -%}
        sum(cogs_usd) as cogs_usd,
        sum(gross_margin_usd) as gross_margin_usd,
        {% for column, expression in margin_coverage().items() -%}
            sum({{ expression }}) as {{ column }},
        {% endfor -%}
        sum(contribution_margin_usd) as contribution_margin_usd
    from transactions
    group by 1, 2
)

select
    monthly.month_start_date,
    {{ month_days_held('monthly.month_start_date', 'held.first_held', 'held.last_held') }},
    monthly.sku,
    coalesce(current_products.product_name, 'Unknown product') as product_name,
    coalesce(current_products.category, 'unknown') as category,
    coalesce(current_products.subcategory, 'unknown') as subcategory,
    coalesce(current_products.brand, 'unknown') as brand,
    cast(monthly.units_sold as bigint) as units_sold,
    cast(monthly.units_returned as bigint) as units_returned,
    {#- gross sales and discounts of the sale lines, refunds of the refund lines: unknown when none
        of them has a USD amount, 0 without one, not the other kind's 0 (decision log §5) -#}
    {% for column in ('gross_revenue_usd', 'discount_usd', 'refunded_revenue_usd') -%}
        cast({{ usd_total_of_its_lines('monthly', column) }} as {{ converted_money_type() }}) as {{ column }},
    {% endfor -%}
    cast(monthly.net_revenue_usd as {{ converted_money_type() }}) as net_revenue_usd,
    cast(monthly.cogs_usd as {{ converted_money_type() }}) as cogs_usd,
    cast(monthly.gross_margin_usd as {{ converted_money_type() }}) as gross_margin_usd,
    cast(monthly.contribution_margin_usd as {{ converted_money_type() }}) as contribution_margin_usd,
    {#- the margin rate of what the margin covers, never of revenue whose cost is unknown -#}
    {{ safe_divide('monthly.gross_margin_usd', 'monthly.net_revenue_with_cost_usd') }} as gross_margin_rate,
    {{ safe_divide('monthly.units_returned', 'monthly.units_sold') }} as unit_return_rate,
    cast(monthly.net_revenue_with_cost_usd as {{ converted_money_type() }}) as net_revenue_with_cost_usd,
    cast(monthly.lines_without_cost as bigint) as lines_without_cost,
    cast(monthly.lines_without_usd as bigint) as lines_without_usd,
    cast(monthly.sale_lines as bigint) as sale_lines,
    cast(monthly.sale_lines_without_usd as bigint) as sale_lines_without_usd,
    cast(monthly.refund_lines as bigint) as refund_lines,
    cast(monthly.refund_lines_without_usd as bigint) as refund_lines_without_usd
from monthly
cross join held
left join current_products on monthly.sku = current_products.sku
