-- Six months ending with the range's last month, by refund month and by sale cohort (USD).
-- A USD total over the channels sums what is known and counts the lines it leaves out; the page
-- shows it unknown, never 0, when there are lines and none of them in USD (decision log §5,
-- publish/usd_totals.py).
select
    month_start_date,
    -- the days the month adds up: fewer than the month's where the activity starts or ends inside it
    min(first_day) as first_day,
    max(last_day) as last_day,
    sum(sales_usd) as sales_usd,
    sum(refunded_revenue_usd) as refunded_revenue_usd,
    sum(refunded_revenue_6m_usd) as refunded_revenue_6m_usd,
    sum(cohort_refunded_revenue_usd) as cohort_refunded_revenue_usd,
    sum(sale_lines) as sale_lines,
    sum(cohort_refund_lines) as cohort_refund_lines,
    cast(sum(sale_lines_without_usd) as bigint) as sale_lines_without_usd,
    cast(sum(refund_lines_without_usd) as bigint) as refund_lines_without_usd,
    cast(sum(cohort_refund_lines_without_usd) as bigint) as cohort_refund_lines_without_usd,
    sum(refund_lines_6m) as refund_lines_6m,
    cast(sum(refund_lines_without_usd_6m) as bigint) as refund_lines_without_usd_6m,
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
