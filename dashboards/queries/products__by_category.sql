-- Categories over the months the date range touches (USD).
select
    category,
    count(distinct sku) as skus,
    sum(units_sold) as units_sold,
    sum(units_returned) as units_returned,
    sum(net_revenue_usd) as net_revenue_usd,
    sum(gross_margin_usd) as gross_margin_usd,
    sum(net_revenue_with_cost_usd) as net_revenue_with_cost_usd,
    sum(lines_without_cost) as lines_without_cost,
    sum(lines_without_usd) as lines_without_usd
from {{ ref('product_performance_monthly') }}
where month_start_date between date_trunc('month', cast($start as date)) and $end
group by category
order by net_revenue_usd desc nulls last, category
