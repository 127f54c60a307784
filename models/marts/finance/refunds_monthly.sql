-- Monthly refunds by channel in the reporting currency, two views side by side:
--   by refund month (what the P&L shows): refunds dated in the month, against that month's sales;
--   by sale cohort: of the goods sold in the month, how much has been refunded so far.
-- Grain: one row per month and channel, every month from the first to the last activity; a month
-- the activity starts or ends inside holds only its days from first_day to last_day (decision log
-- §3: its sums are a part's, and the dashboards say so).
-- Unknown is not zero (decision log §5): a USD total sums the lines that have a USD amount, is 0
-- only without lines and null when none of its lines has one, and the lines it leaves out are
-- counted beside it (sale_lines_without_usd, refund_lines_without_usd,
-- cohort_refund_lines_without_usd). A rate is unknown (null) while either side leaves a line out.
-- transactions is read five times, a few columns each: inlined, not stored.
with transactions as {{ not_materialized() }} (
    select * from {{ ref('fct_transactions') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

activity as (
    select
        min(event_date) as first_event_date,
        max(event_date) as last_event_date
    from transactions
),

months as (
    select distinct
        calendar.month_start_date,
        {{ month_days_held('calendar.month_start_date', 'activity.first_event_date', 'activity.last_event_date') }}
    from calendar
    cross join activity
    where calendar.date_day between activity.first_event_date and activity.last_event_date
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
        sum(case when event_type = 'sale' then 1 else 0 end) as sale_lines,
        sum(case when event_type = 'sale' and net_revenue_usd is null then 1 else 0 end) as sale_lines_without_usd,
        sum(case when event_type = 'sale' then gross_revenue_usd - discount_usd end) as sales_usd,
        sum(case when event_type = 'refund' then 1 else 0 end) as refund_lines,
        sum(case when event_type = 'refund' and refunded_revenue_usd is null then 1 else 0 end)
            as refund_lines_without_usd,
        sum(case when event_type = 'refund' then -quantity else 0 end) as refunded_units,
        sum(case when event_type = 'refund' and is_restocked then -quantity else 0 end) as restocked_units,
        sum(case when event_type = 'refund' and is_restocked is null then -quantity else 0 end)
            as restock_unknown_units,
        sum(case when event_type = 'refund' then refunded_revenue_usd end) as refunded_revenue_usd,
        sum(case when event_type = 'refund' then -tax_usd end) as refunded_tax_usd,
        sum(case when event_type = 'refund' then -shipping_charged_usd end) as refunded_shipping_usd
    from transactions
    group by 1, 2
),

by_sale_cohort as (
    select
        cast({{ dbt.date_trunc('month', 'sale_lines.event_date') }} as date) as month_start_date,
        refunds.channel_key,
        count(*) as cohort_refund_lines,
        sum(case when refunds.refunded_revenue_usd is null then 1 else 0 end) as cohort_refund_lines_without_usd,
        sum(refunds.refunded_revenue_usd) as cohort_refunded_revenue_usd
    from transactions as refunds
    inner join sale_lines on refunds.refunded_line_event_id = sale_lines.line_event_id
    where refunds.event_type = 'refund'
    group by 1, 2
),

grid as (
    select
        months.month_start_date,
        months.first_day,
        months.last_day,
        channels.channel_key,
        channels.channel
    from months
    cross join channels
    where channels.channel <> 'unknown'
),

-- a month and channel without lines of a kind shows 0 for them; with lines, what they sum to
-- (null when none has a USD amount: usd_total_of_lines)
combined as (
    select
        grid.month_start_date,
        grid.first_day,
        grid.last_day,
        grid.channel_key,
        grid.channel,
        coalesce(by_event_month.sale_lines, 0) as sale_lines,
        coalesce(by_event_month.sale_lines_without_usd, 0) as sale_lines_without_usd,
        {{ usd_total_of_lines(
            'by_event_month.sales_usd',
            'coalesce(by_event_month.sale_lines, 0)',
            'coalesce(by_event_month.sale_lines_without_usd, 0)'
        ) }} as sales_usd,
        coalesce(by_event_month.refund_lines, 0) as refund_lines,
        coalesce(by_event_month.refund_lines_without_usd, 0) as refund_lines_without_usd,
        coalesce(by_event_month.refunded_units, 0) as refunded_units,
        coalesce(by_event_month.restocked_units, 0) as restocked_units,
        coalesce(by_event_month.restock_unknown_units, 0) as restock_unknown_units,
        {% for column in ['refunded_revenue_usd', 'refunded_tax_usd', 'refunded_shipping_usd'] -%}
            {{ usd_total_of_lines(
                'by_event_month.' ~ column,
                'coalesce(by_event_month.refund_lines, 0)',
                'coalesce(by_event_month.refund_lines_without_usd, 0)'
            ) }} as {{ column }},
        {% endfor -%}
        coalesce(by_sale_cohort.cohort_refund_lines, 0) as cohort_refund_lines,
        coalesce(by_sale_cohort.cohort_refund_lines_without_usd, 0) as cohort_refund_lines_without_usd,
        {{ usd_total_of_lines(
            'by_sale_cohort.cohort_refunded_revenue_usd',
            'coalesce(by_sale_cohort.cohort_refund_lines, 0)',
            'coalesce(by_sale_cohort.cohort_refund_lines_without_usd, 0)'
        ) }} as cohort_refunded_revenue_usd
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
        {% for column, alias in [('refunded_revenue_usd', 'refunded_revenue_6m_usd'), ('sales_usd', 'sales_6m_usd'),
            ('refund_lines', 'refund_lines_6m'), ('refund_lines_without_usd', 'refund_lines_without_usd_6m'),
            ('sale_lines_without_usd', 'sale_lines_without_usd_6m')] -%}
            sum({{ column }}) over (
                partition by channel_key order by month_start_date rows between 5 preceding and current row
            ) as {{ alias }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from combined
)

select
    month_start_date,
    first_day,
    last_day,
    channel_key,
    channel,
    cast(sale_lines as bigint) as sale_lines,
    cast(sale_lines_without_usd as bigint) as sale_lines_without_usd,
    cast(sales_usd as {{ converted_money_type() }}) as sales_usd,
    cast(refund_lines as bigint) as refund_lines,
    cast(refund_lines_without_usd as bigint) as refund_lines_without_usd,
    cast(refunded_units as bigint) as refunded_units,
    cast(restocked_units as bigint) as restocked_units,
    cast(restock_unknown_units as bigint) as restock_unknown_units,
    cast(refunded_revenue_usd as {{ converted_money_type() }}) as refunded_revenue_usd,
    cast(refunded_tax_usd as {{ converted_money_type() }}) as refunded_tax_usd,
    cast(refunded_shipping_usd as {{ converted_money_type() }}) as refunded_shipping_usd,
    case
        when sale_lines_without_usd = 0 and refund_lines_without_usd = 0
            then {{ safe_divide('refunded_revenue_usd', 'sales_usd') }}
    end as refund_rate,
    -- the window's known refunds; null when it has refund lines and none has a USD amount
    cast(
        {{ usd_total_of_lines('refunded_revenue_6m_usd', 'refund_lines_6m', 'refund_lines_without_usd_6m') }}
        as {{ converted_money_type() }}
    ) as refunded_revenue_6m_usd,
    cast(refund_lines_6m as bigint) as refund_lines_6m,
    cast(refund_lines_without_usd_6m as bigint) as refund_lines_without_usd_6m,
    case
        when sale_lines_without_usd_6m = 0 and refund_lines_without_usd_6m = 0
            then {{ safe_divide('refunded_revenue_6m_usd', 'sales_6m_usd') }}
    end as refund_rate_6m,
    cast(cohort_refund_lines as bigint) as cohort_refund_lines,
    cast(cohort_refund_lines_without_usd as bigint) as cohort_refund_lines_without_usd,
    cast(cohort_refunded_revenue_usd as {{ converted_money_type() }}) as cohort_refunded_revenue_usd,
    case
        when sale_lines_without_usd = 0 and cohort_refund_lines_without_usd = 0
            then {{ safe_divide('cohort_refunded_revenue_usd', 'sales_usd') }}
    end as cohort_return_rate
from six_month_totals
