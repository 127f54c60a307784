-- Six months ending with the range's last month, by refund month and by sale cohort (USD).
select
    month_start_date,
    sum(sales_usd) as sales_usd,
    sum(refunded_revenue_usd) as refunded_revenue_usd,
    sum(refunded_revenue_6m_usd) as refunded_revenue_6m_usd,
    sum(cohort_refunded_revenue_usd) as cohort_refunded_revenue_usd,
    sum(refund_lines) as refund_lines,
    sum(refunded_units) as refunded_units,
    sum(restocked_units) as restocked_units,
    sum(restock_unknown_units) as restock_unknown_units
from {{ ref('refunds_monthly') }}
where
    month_start_date between date_trunc('month', cast($end as date)) - interval 5 month and $end
    and ($channel = '' or channel = $channel)
group by month_start_date
order by month_start_date
