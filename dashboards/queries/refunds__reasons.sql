-- Refund lines dated in the range by reason (USD); restocked is null when the refund did not say.
select
    coalesce(refund_reason, 'not given') as refund_reason,
    count(*) as refund_lines,
    sum(-quantity) as refunded_units,
    sum(case when is_restocked then -quantity else 0 end) as restocked_units,
    sum(case when is_restocked is null then -quantity else 0 end) as restock_unknown_units,
    sum(refunded_revenue_usd) as refunded_revenue_usd,
    count(*) - count(refunded_revenue_usd) as lines_without_usd
from {{ ref('fct_transactions') }}
where
    event_type = 'refund'
    and event_date between $start and $end
    and ($channel = '' or channel = $channel)
group by all
order by refunded_revenue_usd desc nulls last, refund_reason
