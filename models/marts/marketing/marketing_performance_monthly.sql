-- Marketing performance by month and campaign in the reporting currency. Grain: one row per
-- month and campaign with spend or attributed orders.
--   attributed revenue: net revenue at sale of the orders credited to the campaign (docs/decisions.md)
--   ROAS = attributed revenue / spend;  CAC = spend / new customers (first orders credited to it)
--   CTR = clicks / impressions;  CPC = spend / clicks
-- Unknown is not zero (decision log §6): spend or an attributed order without a USD amount (no
-- rate for its currency) is counted, left out of the USD sums, and makes the ratios it enters null;
-- a sum none of whose rows has one is null (decision log §5), whatever the other feed holds.
-- A month with a day (of the P&L's, the days the warehouse has data for) outside the dates the
-- spend feed covers (decision log §3) does not know its spend in full: spend_usd is the spend
-- delivered, days_outside_spend_feed counts the days, and ROAS and CAC are null.
-- A month with a day of the P&L outside the dates the transactions feed covers (a day of spend
-- only, before the first line or after the last: decision log §3) does not know its credited
-- orders and new customers in full: days_outside_transactions_feed counts the days, and ROAS and
-- CAC are null (they divided a part's revenue, or its new customers, by the month's spend).
-- New customers are first orders in the data: an account opened before the transactions feed's
-- first day (or whose opening date the customers feed does not give) may have ordered before it,
-- so new_customers_opened_before_data counts those of new_customers, and the readers say that new
-- customers may be overstated, and CAC understated, by them (decision log §6).
-- A month the warehouse's data (the P&L's days) starts or ends inside holds only its days from
-- first_day to last_day (decision log §3: its sums are a part's, and the dashboards say so).
{#- a USD sum is what a ratio may divide only when no row of it lacks a USD amount -#}
{% set spend_known = 'case when monthly.spend_rows_without_usd = 0 then monthly.spend_usd end' %}
{% set spend_known_for_the_month -%}
    case
        when monthly.spend_rows_without_usd = 0 and coalesce(uncovered.days_outside_spend_feed, 0) = 0
            then monthly.spend_usd
    end
{%- endset %}
{% set orders_known_for_the_month = 'coalesce(uncovered.days_outside_transactions_feed, 0) = 0' %}
{% set revenue_known = 'case when monthly.attributed_orders_without_usd = 0 then monthly.attributed_revenue_usd end' %}
with spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where attributed_campaign_id is not null
),

campaigns as (
    select * from {{ ref('dim_campaign') }}
),

customers as (
    {{ account_opening_dates() }}
),

-- the P&L's days, and whether the transactions feed speaks for each (the P&L's rule, §3)
pnl_days as (
    select
        date_day,
        max(case when transactions_unknown_reason is null then 0 else 1 end) as is_outside_transactions_feed
    from {{ ref('pnl_daily_by_channel') }}
    group by date_day
),

spend_feed_dates as (
    {{ spend_feed_dates('spend') }}
),

-- the first and last day the warehouse has data for: a month they fall inside holds only its part
held as (
    select
        min(date_day) as first_held,
        max(date_day) as last_held
    from pnl_days
),

-- the first day the transactions feed covers: an account opened before it may have ordered before
first_covered as (
    select min(case when is_outside_transactions_feed = 0 then date_day end) as first_covered_day
    from pnl_days
),

-- the days of each month that the warehouse has data for and the spend feed, or the
-- transactions feed, does not cover
uncovered as (
    select
        cast({{ dbt.date_trunc('month', 'pnl_days.date_day') }} as date) as month_start_date,
        sum(case when coalesce({{ within_spend_feed_dates('pnl_days.date_day') }}, false) then 0 else 1 end)
            as days_outside_spend_feed,
        sum(pnl_days.is_outside_transactions_feed) as days_outside_transactions_feed
    from pnl_days
    cross join spend_feed_dates
    group by month_start_date
),

activity as (
    select
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as month_start_date,
        campaign_key,
        spend_usd,
        impressions,
        clicks,
        1 as spend_rows,
        case when spend_usd is null then 1 else 0 end as spend_rows_without_usd,
        0 as attributed_orders,
        cast(0 as {{ converted_money_type() }}) as attributed_revenue_usd,
        0 as attributed_orders_without_usd,
        0 as new_customers,
        0 as new_customers_opened_before_data
    from spend
    union all
    select
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as month_start_date,
        orders.campaign_key,
        0 as spend_usd,
        0 as impressions,
        0 as clicks,
        0 as spend_rows,
        0 as spend_rows_without_usd,
        1 as attributed_orders,
        orders.net_sales_usd as attributed_revenue_usd,
        case when orders.net_sales_usd is null then 1 else 0 end as attributed_orders_without_usd,
        case when orders.is_first_order then 1 else 0 end as new_customers,
        case
            when
                orders.is_first_order
                and {{ opened_before_data('customers.created_at', 'first_covered.first_covered_day') }}
                then 1
            else 0
        end as new_customers_opened_before_data
    from orders
    left join customers on orders.customer_id = customers.customer_id
    cross join first_covered
),

monthly as (
    select
        month_start_date,
        campaign_key,
        sum(spend_usd) as spend_usd,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend_rows) as spend_rows,
        sum(spend_rows_without_usd) as spend_rows_without_usd,
        sum(attributed_orders) as attributed_orders,
        sum(attributed_revenue_usd) as attributed_revenue_usd,
        sum(attributed_orders_without_usd) as attributed_orders_without_usd,
        sum(new_customers) as new_customers,
        sum(new_customers_opened_before_data) as new_customers_opened_before_data
    from activity
    group by month_start_date, campaign_key
)

select
    monthly.month_start_date,
    {{ month_days_held('monthly.month_start_date', 'held.first_held', 'held.last_held') }},
    monthly.campaign_key,
    campaigns.campaign_id,
    campaigns.campaign_name,
    campaigns.platform,
    campaigns.target_channel,
    {#- null when no row of it has a USD amount: the other feed's zeros are not its sum -#}
    cast(
        {{ usd_total_of_lines('monthly.spend_usd', 'monthly.spend_rows', 'monthly.spend_rows_without_usd') }}
        as {{ converted_money_type() }}
    ) as spend_usd,
    cast(monthly.spend_rows as bigint) as spend_rows,
    cast(monthly.spend_rows_without_usd as bigint) as spend_rows_without_usd,
    cast(monthly.impressions as bigint) as impressions,
    cast(monthly.clicks as bigint) as clicks,
    {{ safe_divide('monthly.clicks', 'monthly.impressions') }} as click_through_rate,
    {{ safe_divide(spend_known, 'monthly.clicks') }} as cost_per_click_usd,
    cast(monthly.attributed_orders as bigint) as attributed_orders,
    cast(
        {{ usd_total_of_lines(
            'monthly.attributed_revenue_usd', 'monthly.attributed_orders', 'monthly.attributed_orders_without_usd'
        ) }}
        as {{ converted_money_type() }}
    ) as attributed_revenue_usd,
    cast(monthly.attributed_orders_without_usd as bigint) as attributed_orders_without_usd,
    cast(coalesce(uncovered.days_outside_spend_feed, 0) as bigint) as days_outside_spend_feed,
    cast(coalesce(uncovered.days_outside_transactions_feed, 0) as bigint) as days_outside_transactions_feed,
    {{ safe_divide(
        'case when ' ~ orders_known_for_the_month ~ ' then ' ~ revenue_known ~ ' end', spend_known_for_the_month
    ) }} as return_on_ad_spend,
    cast(monthly.new_customers as bigint) as new_customers,
    cast(monthly.new_customers_opened_before_data as bigint) as new_customers_opened_before_data,
    {{ safe_divide(
        'case when ' ~ orders_known_for_the_month ~ ' then ' ~ spend_known_for_the_month ~ ' end',
        'monthly.new_customers',
        2
    ) }} as customer_acquisition_cost_usd
from monthly
inner join campaigns on monthly.campaign_key = campaigns.campaign_key
cross join held
left join uncovered on monthly.month_start_date = uncovered.month_start_date
