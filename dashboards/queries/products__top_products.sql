-- Products over the months the date range touches (USD): the 200 best sellers by net revenue,
-- then every other product some of whose lines have no USD amount (its net revenue unknown, or
-- the sum of its other lines: decision log §5), so the cut never hides a product whose figures
-- leave lines out. is_best_seller marks the 200 (each with a known net revenue);
-- products_in_range counts every product of the range, listed or not.
with products as (
    select
        sku,
        product_name,
        category,
        brand,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(gross_margin_usd) as gross_margin_usd,
        sum(net_revenue_with_cost_usd) as net_revenue_with_cost_usd,
        sum(lines_without_cost) as lines_without_cost,
        sum(lines_without_usd) as lines_without_usd
    from {{ ref('product_performance_monthly') }}
    where
        month_start_date between date_trunc('month', cast($start as date)) and $end
        and ($category = '' or category = $category)
    group by sku, product_name, category, brand
),

ranked as (
    select
        *,
        row_number() over (order by net_revenue_usd desc nulls last, sku) as revenue_rank,
        count(*) over () as products_in_range
    from products
)

select
    sku,
    product_name,
    category,
    brand,
    units_sold,
    units_returned,
    net_revenue_usd,
    gross_margin_usd,
    net_revenue_with_cost_usd,
    lines_without_cost,
    lines_without_usd,
    revenue_rank <= 200 and net_revenue_usd is not null as is_best_seller,
    products_in_range
from ranked
where is_best_seller or net_revenue_usd is null or lines_without_usd > 0
order by revenue_rank nulls last
