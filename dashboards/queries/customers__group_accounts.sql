-- The accounts of one group, biggest first; an account none of whose lines has a USD amount last.
select
    customer_id,
    customer_name,
    customer_segment,
    orders,
    net_revenue_usd,
    gross_margin_usd,
    net_revenue_with_cost_usd,
    lines_without_cost,
    lines_without_usd,
    last_order_at,
    rfm_segment,
    profile_unknown_reason
from {{ ref('customer_360') }}
where account_group_id = $account_group_id
order by net_revenue_usd desc nulls last, customer_id
