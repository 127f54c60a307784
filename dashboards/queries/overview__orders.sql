-- Orders of one period (USD): count, net sales at sale, and what is attributed to a campaign.
select
    count(*) as orders,
    count(net_sales_usd) as orders_with_usd,
    sum(net_sales_usd) as net_sales_usd,
    sum(case when attributed_campaign_id is not null then net_sales_usd end) as attributed_revenue_usd
from {{ ref('fct_orders') }}
where
    order_date between $start and $end
    and ($channel = '' or channel = $channel)
