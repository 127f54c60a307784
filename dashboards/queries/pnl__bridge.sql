-- The period's bridge from gross sales to contribution after marketing (USD). The margins cover
-- the lines with a known cost (decision log §3, "Coverage"): fees and shipping are those lines'
-- (contribution before marketing - gross margin), and what the margins leave out is returned
-- beside them.
select
    sum(gross_revenue_usd) as gross_revenue_usd,
    sum(discount_usd) as discount_usd,
    sum(refunded_revenue_usd) as refunded_revenue_usd,
    sum(net_revenue_usd) as net_revenue_usd,
    sum(net_revenue_with_cost_usd) as net_revenue_with_cost_usd,
    sum(cogs_usd) as cogs_usd,
    sum(gross_margin_usd) as gross_margin_usd,
    sum(contribution_before_marketing_usd - gross_margin_usd) as fees_and_shipping_usd,
    sum(contribution_before_marketing_usd) as contribution_before_marketing_usd,
    sum(case when gross_margin_usd is not null then marketing_spend_usd end) as marketing_spend_usd,
    case when max(marketing_spend_unknown_reason) is null then sum(contribution_margin_usd) end
        as contribution_margin_usd,
    sum(case when gross_margin_usd is null then marketing_spend_usd end) as marketing_spend_without_margin_usd,
    sum(lines_without_cost) as lines_without_cost,
    sum(transaction_lines) as transaction_lines,
    sum(lines_without_usd) as lines_without_usd,
    sum(sale_lines) as sale_lines,
    sum(sale_lines_without_usd) as sale_lines_without_usd,
    sum(refund_lines) as refund_lines,
    sum(refund_lines_without_usd) as refund_lines_without_usd,
    -- why marketing, and so contribution after it, is unknown (every reason of the period's days)
    string_agg(distinct marketing_spend_unknown_reason, '; ' order by marketing_spend_unknown_reason)
        as marketing_spend_unknown_reason
from {{ ref('pnl_daily_by_channel') }}
where
    date_day between $start and $end
    and ($channel = '' or channel = $channel)
