-- P&L figures of one period (USD): net revenue, margin and its coverage, refunds, marketing and
-- why it is unknown (decision log §3).
select
    count(*) as pnl_rows,
    sum(net_revenue_usd) as net_revenue_usd,
    sum(gross_margin_usd) as gross_margin_usd,
    sum(net_revenue_with_cost_usd) as net_revenue_with_cost_usd,
    sum(lines_without_cost) as lines_without_cost,
    sum(transaction_lines) as transaction_lines,
    sum(lines_without_usd) as lines_without_usd,
    sum(sale_lines) as sale_lines,
    sum(sale_lines_without_usd) as sale_lines_without_usd,
    sum(refund_lines) as refund_lines,
    sum(refund_lines_without_usd) as refund_lines_without_usd,
    sum(refunded_revenue_usd) as refunded_revenue_usd,
    sum(marketing_spend_usd) as marketing_spend_usd,
    -- every reason of the period's days where its spend is not known in full
    string_agg(distinct marketing_spend_unknown_reason, '; ' order by marketing_spend_unknown_reason)
        as marketing_spend_unknown_reason
from {{ ref('pnl_daily_by_channel') }}
where
    date_day between $start and $end
    and ($channel = '' or channel = $channel)
