-- The P&L by day, ISO week or month and channel (USD).
select
    cast(case $grain
        when 'week' then date_trunc('week', date_day)
        when 'month' then date_trunc('month', date_day)
        else date_day
    end as date) as period_start,
    channel,
    -- the days the row adds up: fewer than its week or month where the range or the data starts
    -- or ends inside it (the P&L has a row for every day and channel inside its dates)
    min(date_day) as first_day,
    max(date_day) as last_day,
    sum(gross_revenue_usd) as gross_revenue_usd,
    sum(discount_usd) as discount_usd,
    sum(refunded_revenue_usd) as refunded_revenue_usd,
    sum(net_revenue_usd) as net_revenue_usd,
    sum(cogs_usd) as cogs_usd,
    sum(gross_margin_usd) as gross_margin_usd,
    sum(platform_fee_usd) as platform_fee_usd,
    sum(shipping_charged_usd) as shipping_charged_usd,
    sum(shipping_cost_usd) as shipping_cost_usd,
    -- spend and after marketing are unknown for a period any day of which has spend not known in
    -- full: a sum of the days that are known is not the period's spend (decision log §3)
    case when max(marketing_spend_unknown_reason) is null then sum(marketing_spend_usd) end as marketing_spend_usd,
    case when max(marketing_spend_unknown_reason) is null then sum(contribution_margin_usd) end
        as contribution_margin_usd,
    sum(net_revenue_with_cost_usd) as net_revenue_with_cost_usd,
    sum(lines_without_cost) as lines_without_cost,
    sum(transaction_lines) as transaction_lines,
    sum(lines_without_usd) as lines_without_usd,
    sum(sale_lines) as sale_lines,
    sum(sale_lines_without_usd) as sale_lines_without_usd,
    sum(refund_lines) as refund_lines,
    sum(refund_lines_without_usd) as refund_lines_without_usd,
    sum(spend_rows_without_usd) as spend_rows_without_usd,
    string_agg(distinct marketing_spend_unknown_reason, '; ' order by marketing_spend_unknown_reason)
        as marketing_spend_unknown_reason
from {{ ref('pnl_daily_by_channel') }}
where
    date_day between $start and $end
    and ($channel = '' or channel = $channel)
    -- a day of spend only outside the dates the transactions feed covers is in no row: its revenue
    -- is unknown, and a row adding its spend to the other days' revenue read as known (decision
    -- log §3; the page warns that the range starts or ends outside the data, and a row so cut says
    -- which days it covers)
    and transactions_unknown_reason is null
group by all
order by period_start, channel
