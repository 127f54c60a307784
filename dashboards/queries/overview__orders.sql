-- Orders of one period (USD): count, net sales at sale, and what is attributed to a campaign
-- (marts.orders_daily: fct_orders summed by day, channel and currency).
select
    cast(coalesce(sum(orders), 0) as bigint) as orders,
    cast(coalesce(sum(orders_with_usd), 0) as bigint) as orders_with_usd,
    sum(net_sales_usd) as net_sales_usd,
    sum(attributed_revenue_usd) as attributed_revenue_usd,
    cast(coalesce(sum(attributed_orders), 0) as bigint) as attributed_orders,
    cast(coalesce(sum(attributed_orders_without_usd), 0) as bigint) as attributed_orders_without_usd
from {{ ref('orders_daily') }}
where
    order_date between $start and $end
    and ($channel = '' or channel = $channel)
