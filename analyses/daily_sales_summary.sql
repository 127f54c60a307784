-- Daily sales summary: orders, units and revenue per day across channels, in the reporting
-- currency, newest day first. Compile with `dbt compile --select daily_sales_summary` and run
-- the SQL in target/compiled/.
select
    order_date,
    count(*) as orders,
    sum(units) as units,
    round(sum(gross_revenue_usd), 2) as gross_revenue_usd,
    round(sum(net_sales_usd), 2) as net_sales_usd,
    {{ divide('sum(net_sales_usd)', 'count(*)', 2) }} as average_order_value_usd
from {{ ref('fct_orders') }}
group by order_date
order by order_date desc nulls last
