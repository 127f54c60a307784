-- One row per customer account: current attributes from the SCD2 history, lifetime order and
-- refund figures in the reporting currency, acquisition, value tier and RFM segment.
--   accounts: every account of the customer master, and every account a transaction line names
--            that the master lacks (the customers feed never delivered, or a gap the build fails
--            on: dimension_members), its attributes unknown and profile_unknown_reason saying why
--            (decision log §8): a sale is never left out of its account's figures
--   as-of date: the last event date in the warehouse (recency and tenure count to it)
--   return rate: refunded goods / net sales (after discounts, before refunds)
--   margins: over the lines with a known cost (unknown, null, when none has one); the coverage
--            columns say what they cover, as in the P&L
--   value tier: quartile of lifetime net revenue after refunds among accounts with orders
--   RFM: quintiles of recency, order count and net revenue; the segment rules are below
with customers as (
    select * from {{ ref('dim_customer') }}
    where is_current and customer_id <> 'unknown'
),

-- orders is read twice, a few columns each: inlined, not stored.
orders as {{ not_materialized() }} (
    select * from {{ ref('fct_orders') }}
    where customer_id is not null
),

lines as (
    select * from {{ ref('fct_transactions') }}
    where customer_id is not null
),

marketing as (
    select * from {{ ref('marketing_performance_monthly') }}
),

as_of as (
    select max(event_date) as as_of_date from {{ ref('fct_transactions') }}
),

transactions_feed_dates as (
    {{ transactions_feed_dates(ref('fct_transactions')) }}
),

opened as (
    {{ account_opening_dates() }}
),

order_totals as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as orders,
        sum(units) as units,
        sum(gross_revenue_usd) as gross_revenue_usd,
        sum(net_sales_usd) as net_sales_usd
    from orders
    group by customer_id
),

line_totals as (
    select
        customer_id,
        sum(refunded_revenue_usd) as refunded_revenue_usd,
        {% for column, expression in line_kind_counts(kinds=['refund']).items() -%}
            sum({{ expression }}) as {{ column }},
        {% endfor -%}
        sum(net_revenue_usd) as net_revenue_usd,
        {% for column, expression in margin_coverage().items() -%}
            sum({{ expression }}) as {{ column }},
        {% endfor -%}
        sum(gross_margin_usd) as gross_margin_usd,
        sum(contribution_margin_usd) as contribution_margin_usd
    from lines
    group by customer_id
),

delivered as (
    {{ recon_delivered_feeds() }}
),

-- the master's accounts, and the accounts the lines name that it lacks: their own group, no
-- attribute known
accounts as (
    select
        customer_id,
        customer_key,
        customer_name,
        email,
        country_code,
        region,
        customer_segment,
        loyalty_tier,
        account_group_id,
        created_at,
        cast(null as {{ string_type(128) }}) as profile_unknown_reason
    from customers
    union all
    select
        line_totals.customer_id,
        {{ unknown_key() }} as customer_key,
        cast(null as {{ string_type(256) }}) as customer_name,
        cast(null as {{ string_type(320) }}) as email,
        cast(null as {{ string_type(2) }}) as country_code,
        cast(null as {{ string_type(128) }}) as region,
        cast(null as {{ string_type(32) }}) as customer_segment,
        cast(null as {{ string_type(32) }}) as loyalty_tier,
        line_totals.customer_id as account_group_id,
        cast(null as timestamp) as created_at,
        case
            when delivered.customers then 'not in the customers feed as loaded (missing, or its row quarantined)'
            else 'the customers feed has never been delivered'
        end as profile_unknown_reason
    from line_totals
    cross join delivered
    left join customers on line_totals.customer_id = customers.customer_id
    where customers.customer_id is null
),

first_orders as (
    select
        customer_id,
        channel as acquisition_channel,
        attributed_campaign_id as acquisition_campaign_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as acquisition_month
    from orders
    where is_first_order
),

profiles as (
    select
        accounts.customer_id,
        accounts.customer_key,
        accounts.customer_name,
        accounts.email,
        accounts.country_code,
        accounts.region,
        accounts.customer_segment,
        accounts.loyalty_tier,
        accounts.account_group_id,
        accounts.created_at,
        accounts.profile_unknown_reason,
        order_totals.first_order_at,
        order_totals.last_order_at,
        coalesce(order_totals.orders, 0) as orders,
        coalesce(order_totals.units, 0) as units,
        {#- no order or line: nothing sold, 0; orders none of which has a USD amount: unknown, null -#}
        case when order_totals.customer_id is null then 0 else order_totals.gross_revenue_usd end
            as gross_revenue_usd,
        case when order_totals.customer_id is null then 0 else order_totals.net_sales_usd end as net_sales_usd,
        {#- refunds are of the refund lines: unknown when none of them has a USD amount, 0 without
            one, not the sale lines' 0 (decision log §5) -#}
        {%- set refund_lines, refund_lines_without_usd = usd_total_counts()['refunded_revenue_usd'] %}
        coalesce(line_totals.{{ refund_lines }}, 0) as {{ refund_lines }},
        coalesce(line_totals.{{ refund_lines_without_usd }}, 0) as {{ refund_lines_without_usd }},
        {{ usd_total_of_lines(
            'line_totals.refunded_revenue_usd',
            'coalesce(line_totals.' ~ refund_lines ~ ', 0)',
            'line_totals.' ~ refund_lines_without_usd,
        ) }} as refunded_revenue_usd,
        case when line_totals.customer_id is null then 0 else line_totals.net_revenue_usd end as net_revenue_usd,
        {#- no line: nothing to cover, 0; lines none of which has a cost: unknown, null -#}
        case when line_totals.customer_id is null then 0 else line_totals.gross_margin_usd end as gross_margin_usd,
        case
            when line_totals.customer_id is null then 0 else line_totals.contribution_margin_usd
        end as contribution_margin_usd,
        case
            when line_totals.customer_id is null then 0 else line_totals.net_revenue_with_cost_usd
        end as net_revenue_with_cost_usd,
        coalesce(line_totals.lines_without_cost, 0) as lines_without_cost,
        coalesce(line_totals.lines_without_usd, 0) as lines_without_usd,
        first_orders.acquisition_channel,
        first_orders.acquisition_campaign_id,
        marketing.customer_acquisition_cost_usd as acquisition_cost_usd,
        -- only an account with a first order in the data has one that may not be its first
        case
            when first_orders.customer_id is not null
                then {{ opened_before_data('opened.created_at', 'transactions_feed_dates.first_event_date') }}
        end as is_opened_before_data,
        -- dbt.datediff renders past the line length on DuckDB.
        {{ dbt.datediff('cast(accounts.created_at as date)', 'as_of.as_of_date', 'day') }} as tenure_days, -- noqa: LT05
        {{ dbt.datediff('cast(order_totals.last_order_at as date)', 'as_of.as_of_date', 'day') }} as recency_days -- noqa: LT05
    from accounts
    cross join as_of
    cross join transactions_feed_dates
    left join opened on accounts.customer_id = opened.customer_id
    left join order_totals on accounts.customer_id = order_totals.customer_id
    left join line_totals on accounts.customer_id = line_totals.customer_id
    left join first_orders on accounts.customer_id = first_orders.customer_id
    left join marketing
        on first_orders.acquisition_campaign_id = marketing.campaign_id
            and first_orders.acquisition_month = marketing.month_start_date
),

-- The four ranks sort only the customers who ordered, a few columns wide; the profiles join
-- back after (sorting every profile column four times took most of the model's time). Value and
-- monetary rank only the accounts whose net revenue is known: one without a USD amount takes no
-- share of a bucket (it is ranked apart, and its rank dropped).
ranked_inputs as (
    select
        customer_id,
        net_revenue_usd,
        recency_days,
        orders
    from profiles
    where orders > 0
),

ranks as (
    select
        customer_id,
        case
            when net_revenue_usd is not null
                then ntile(4) over (
                        partition by case when net_revenue_usd is null then 1 else 0 end
                        order by net_revenue_usd desc nulls last, customer_id asc
                    )
        end as value_quartile,
        ntile(5) over (order by recency_days desc nulls last, customer_id asc) as recency_score,
        ntile(5) over (order by orders asc, customer_id asc) as frequency_score,
        case
            when net_revenue_usd is not null
                then ntile(5) over (
                        partition by case when net_revenue_usd is null then 1 else 0 end
                        order by net_revenue_usd asc nulls last, customer_id asc
                    )
        end as monetary_score
    from ranked_inputs
),

scored as (
    select
        profiles.*,
        ranks.value_quartile,
        ranks.recency_score,
        ranks.frequency_score,
        ranks.monetary_score
    from profiles
    left join ranks on profiles.customer_id = ranks.customer_id
)

select
    customer_id,
    customer_key,
    customer_name,
    email,
    country_code,
    region,
    customer_segment,
    loyalty_tier,
    account_group_id,
    created_at,
    profile_unknown_reason,
    first_order_at,
    last_order_at,
    cast(orders as bigint) as orders,
    cast(units as bigint) as units,
    cast(gross_revenue_usd as {{ converted_money_type() }}) as gross_revenue_usd,
    cast(net_sales_usd as {{ converted_money_type() }}) as net_sales_usd,
    cast(refunded_revenue_usd as {{ converted_money_type() }}) as refunded_revenue_usd,
    cast(net_revenue_usd as {{ converted_money_type() }}) as net_revenue_usd,
    cast(gross_margin_usd as {{ converted_money_type() }}) as gross_margin_usd,
    cast(contribution_margin_usd as {{ converted_money_type() }}) as contribution_margin_usd,
    cast(net_revenue_with_cost_usd as {{ converted_money_type() }}) as net_revenue_with_cost_usd,
    cast(lines_without_cost as bigint) as lines_without_cost,
    cast(lines_without_usd as bigint) as lines_without_usd,
    cast(refund_lines as bigint) as refund_lines,
    cast(refund_lines_without_usd as bigint) as refund_lines_without_usd,
    {#- a rate over sums that leave a line out is unknown (decision log §5, as refunds_monthly) #}
    case
        when lines_without_usd = 0 then {{ safe_divide('refunded_revenue_usd', 'net_sales_usd') }}
    end as return_rate,
    {{ safe_divide('net_sales_usd', 'orders', 2) }} as average_order_value_usd,
    cast(tenure_days as integer) as tenure_days,
    cast(recency_days as integer) as recency_days,
    acquisition_channel,
    acquisition_campaign_id,
    acquisition_cost_usd,
    is_opened_before_data,
    case
        when orders = 0 then 'no orders'
        when value_quartile = 1 then 'top quartile'
        when value_quartile = 2 then 'second quartile'
        when value_quartile = 3 then 'third quartile'
        when value_quartile = 4 then 'bottom quartile'
        else 'unknown: no USD amount'
    end as value_tier,
    cast(recency_score as integer) as recency_score,
    cast(frequency_score as integer) as frequency_score,
    cast(monetary_score as integer) as monetary_score,
    case
        when orders = 0 then 'prospect'
        when recency_score >= 4 and frequency_score >= 4 then 'champion'
        when recency_score >= 4 and orders = 1 then 'new'
        when frequency_score >= 4 then 'loyal'
        when recency_score <= 2 and frequency_score >= 3 then 'at risk'
        when recency_score <= 2 then 'hibernating'
        else 'promising'
    end as rfm_segment
from scored
-- Stored by group, then account: a group's accounts (and an account, whose group is most often
-- itself) sit in a few row groups, so a lookup by either reads only those.
order by account_group_id asc nulls last, customer_id asc nulls last
