-- Refund lines by refund date, channel and reason in the reporting currency: what the Refunds
-- page's reasons table sums, so that a range reads a few thousand rows instead of every line.
--   reason: 'not given' when the refund did not say
--   restock: returned units that went back to stock, and those whose refund did not say
--   refunded goods: USD, unknown (null) on lines without a rate, which are counted
-- Grain: one row per refund date, channel and reason.
with refund_lines as (
    select * from {{ ref('fct_transactions') }}
    where event_type = 'refund'
),

daily as (
    select
        event_date,
        channel_key,
        channel,
        coalesce(refund_reason, 'not given') as refund_reason,
        count(*) as refund_lines,
        sum(-quantity) as refunded_units,
        sum(case when is_restocked then -quantity else 0 end) as restocked_units,
        sum(case when is_restocked is null then -quantity else 0 end) as restock_unknown_units,
        sum(refunded_revenue_usd) as refunded_revenue_usd,
        count(*) - count(refunded_revenue_usd) as refund_lines_without_usd
    from refund_lines
    group by event_date, channel_key, channel, coalesce(refund_reason, 'not given')
)

select
    event_date,
    channel_key,
    channel,
    refund_reason,
    cast(refund_lines as bigint) as refund_lines,
    cast(refunded_units as bigint) as refunded_units,
    cast(restocked_units as bigint) as restocked_units,
    cast(restock_unknown_units as bigint) as restock_unknown_units,
    cast(refunded_revenue_usd as {{ converted_money_type() }}) as refunded_revenue_usd,
    cast(refund_lines_without_usd as bigint) as refund_lines_without_usd
from daily
order by event_date asc, channel_key asc, refund_reason asc
