-- Refund lines dated in the range by reason (USD); restocked is null when the refund did not say
-- (marts.refund_reasons_daily: fct_transactions' refund lines summed by day, channel and reason).
select
    refund_reason,
    cast(sum(refund_lines) as bigint) as refund_lines,
    sum(refunded_units) as refunded_units,
    sum(restocked_units) as restocked_units,
    sum(restock_unknown_units) as restock_unknown_units,
    sum(refunded_revenue_usd) as refunded_revenue_usd,
    cast(sum(refund_lines_without_usd) as bigint) as lines_without_usd
from {{ ref('refund_reasons_daily') }}
where
    event_date between $start and $end
    and ($channel = '' or channel = $channel)
group by refund_reason
order by refunded_revenue_usd desc nulls last, refund_reason
