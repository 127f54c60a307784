-- Orders of one period placed in one store currency, in that currency (local amounts are
-- summed only within one currency; marts.orders_daily: fct_orders summed by day, channel and
-- currency).
select
    cast(coalesce(sum(orders), 0) as bigint) as orders,
    sum(net_sales) as net_sales,
    sum(refunded_revenue) as refunded_revenue
from {{ ref('orders_daily') }}
where
    order_date between $start and $end
    and currency_code = $currency
    and ($channel = '' or channel = $channel)
