-- The five products with the most net revenue (after refunds) in the reporting currency, over
-- everything loaded, with their current name and category.
select
    performance.sku,
    max(performance.product_name) as product_name,
    max(performance.category) as category,
    round(sum(performance.net_revenue_usd), 2) as net_revenue_usd,
    sum(performance.units_sold) as units_sold
from {{ ref('product_performance_monthly') }} as performance
group by performance.sku
order by net_revenue_usd desc nulls last, performance.sku asc
limit 5
