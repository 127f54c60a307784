-- Spend and attribution by campaign over the months the range touches (USD).
select
    campaign_id,
    campaign_name,
    platform,
    target_channel,
    sum(spend_usd) as spend_usd,
    sum(clicks) as clicks,
    sum(attributed_orders) as attributed_orders,
    sum(attributed_revenue_usd) as attributed_revenue_usd,
    sum(new_customers) as new_customers,
    -- of them, accounts opened before the data starts: they may have ordered before (decision log §6)
    sum(new_customers_opened_before_data) as new_customers_opened_before_data,
    -- what the USD sums leave out: a ratio over them is unknown (decision log §6); and the most
    -- days of a month the spend feed does not cover (§3): the spend is then the spend delivered;
    -- and of the transactions feed: the credited revenue and new customers are then a part's
    sum(spend_rows) as spend_rows,
    sum(spend_rows_without_usd) as spend_rows_without_usd,
    sum(attributed_orders_without_usd) as attributed_orders_without_usd,
    max(days_outside_spend_feed) as days_outside_spend_feed,
    max(days_outside_transactions_feed) as days_outside_transactions_feed
from {{ ref('marketing_performance_monthly') }}
where
    month_start_date between date_trunc('month', cast($start as date)) and $end
    and ($channel = '' or target_channel = $channel)
group by all
order by spend_usd desc nulls last, campaign_id
