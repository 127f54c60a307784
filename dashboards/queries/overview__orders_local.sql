-- Orders of one period placed in one store currency, in that currency (local amounts are
-- summed only within one currency).
select
    count(*) as orders,
    sum(net_sales) as net_sales,
    sum(refunded_revenue) as refunded_revenue
from {{ ref('fct_orders') }}
where
    order_date between $start and $end
    and currency_code = $currency
    and ($channel = '' or channel = $channel)
