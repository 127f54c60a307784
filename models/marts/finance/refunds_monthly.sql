-- Monthly refunds by channel in the reporting currency, two views side by side:
--   by refund month (what the P&L shows): refunds dated in the month, against that month's sales;
--   by sale cohort: of the goods sold in the month, how much has been refunded so far.
-- Grain: one row per month and channel, every month from the first to the last activity.
-- transactions is read five times, a few columns each: inlined, not stored.
with transactions as {{ not_materialized() }} (
    select * from {{ ref('fct_transactions') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

months as (
    select distinct month_start_date
    from {{ ref('dim_date') }}
    where date_day between (select min(transactions.event_date) from transactions)
        and (select max(transactions.event_date) from transactions)
),

sale_lines as (
    select
        line_event_id,
        event_date
    from transactions
    where event_type = 'sale'
),

by_event_month as (
    select
        cast({{ dbt.date_trunc('month', 'event_date') }} as date) as month_start_date,
        channel_key,
        sum(case when event_type = 'sale' then gross_revenue_usd - discount_usd else 0 end) as sales_usd,
        sum(case when event_type = 'refund' then 1 else 0 end) as refund_lines,
        sum(case when event_type = 'refund' then -quantity else 0 end) as refunded_units,
        sum(case when event_type = 'refund' and is_restocked then -quantity else 0 end) as restocked_units,
        sum(case when event_type = 'refund' and is_restocked is null then -quantity else 0 end)
            as restock_unknown_units,
        sum(refunded_revenue_usd) as refunded_revenue_usd,
        sum(case when event_type = 'refund' then -tax_usd else 0 end) as refunded_tax_usd,
        sum(case when event_type = 'refund' then -shipping_charged_usd else 0 end) as refunded_shipping_usd
    from transactions
    group by 1, 2
),

by_sale_cohort as (
    select
        cast({{ dbt.date_trunc('month', 'sale_lines.event_date') }} as date) as month_start_date,
        refunds.channel_key,
        sum(refunds.refunded_revenue_usd) as cohort_refunded_revenue_usd
    from transactions as refunds
    inner join sale_lines on refunds.refunded_line_event_id = sale_lines.line_event_id
    where refunds.event_type = 'refund'
    group by 1, 2
),

grid as (
    select
        months.month_start_date,
        channels.channel_key,
        channels.channel
    from months
    cross join channels
    where channels.channel <> 'unknown'
),

combined as (
    select
        grid.month_start_date,
        grid.channel_key,
        grid.channel,
        coalesce(by_event_month.sales_usd, 0) as sales_usd,
        coalesce(by_event_month.refund_lines, 0) as refund_lines,
        coalesce(by_event_month.refunded_units, 0) as refunded_units,
        coalesce(by_event_month.restocked_units, 0) as restocked_units,
        coalesce(by_event_month.restock_unknown_units, 0) as restock_unknown_units,
        coalesce(by_event_month.refunded_revenue_usd, 0) as refunded_revenue_usd,
        coalesce(by_event_month.refunded_tax_usd, 0) as refunded_tax_usd,
        coalesce(by_event_month.refunded_shipping_usd, 0) as refunded_shipping_usd,
        coalesce(by_sale_cohort.cohort_refunded_revenue_usd, 0) as cohort_refunded_revenue_usd
    from grid
    left join by_event_month
        on grid.month_start_date = by_event_month.month_start_date
            and grid.channel_key = by_event_month.channel_key
    left join by_sale_cohort
        on grid.month_start_date = by_sale_cohort.month_start_date
            and grid.channel_key = by_sale_cohort.channel_key
),

six_month_totals as (
    select
        *,
        sum(refunded_revenue_usd) over (
            partition by channel_key order by month_start_date rows between 5 preceding and current row
        ) as refunded_revenue_6m_usd,
        sum(sales_usd) over (
            partition by channel_key order by month_start_date rows between 5 preceding and current row
        ) as sales_6m_usd
    from combined
)

select
    month_start_date,
    channel_key,
    channel,
    cast(sales_usd as {{ converted_money_type() }}) as sales_usd,
    cast(refund_lines as bigint) as refund_lines,
    cast(refunded_units as bigint) as refunded_units,
    cast(restocked_units as bigint) as restocked_units,
    cast(restock_unknown_units as bigint) as restock_unknown_units,
    cast(refunded_revenue_usd as {{ converted_money_type() }}) as refunded_revenue_usd,
    cast(refunded_tax_usd as {{ converted_money_type() }}) as refunded_tax_usd,
    cast(refunded_shipping_usd as {{ converted_money_type() }}) as refunded_shipping_usd,
    {{ safe_divide('refunded_revenue_usd', 'sales_usd') }} as refund_rate,
    cast(refunded_revenue_6m_usd as {{ converted_money_type() }}) as refunded_revenue_6m_usd,
    {{ safe_divide('refunded_revenue_6m_usd', 'sales_6m_usd') }} as refund_rate_6m,
    cast(cohort_refunded_revenue_usd as {{ converted_money_type() }}) as cohort_refunded_revenue_usd,
    {{ safe_divide('cohort_refunded_revenue_usd', 'sales_usd') }} as cohort_return_rate
from six_month_totals
