-- Daily P&L by channel in the reporting currency. Grain: one row per day and channel with any
-- activity. Days are UTC calendar days of the event; refunds count on their own date (a P&L by
-- event date, not by sale cohort). Marketing spend is allocated to the channel its campaign
-- targets. Not rounded: sum it over any period, round when you present it.
-- Unknown is not zero: COGS and the margins sum the lines whose cost is known, and are null on a
-- day whose lines all lack one; net_revenue_with_cost_usd is the net revenue they cover (gross
-- margin = it - COGS), and lines_without_cost / lines_without_usd count what is left out.
with transactions as (
    select * from {{ ref('fct_transactions') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

activity as (
    select
        event_date as date_day,
        channel_key,
        gross_revenue_usd,
        discount_usd,
        refunded_revenue_usd,
        net_revenue_usd,
        cogs_usd,
        gross_margin_usd,
        platform_fee_usd,
        shipping_charged_usd,
        shipping_cost_usd,
        cast(0 as {{ converted_money_type() }}) as marketing_spend_usd,
        {% for column, expression in margin_coverage().items() -%}
            {{ expression }} as {{ column }},
        {% endfor -%}
        1 as transaction_lines
    from transactions
    union all
    select
        spend_date as date_day,
        channel_key,
        0 as gross_revenue_usd,
        0 as discount_usd,
        0 as refunded_revenue_usd,
        0 as net_revenue_usd,
        null as cogs_usd,
        null as gross_margin_usd,
        0 as platform_fee_usd,
        0 as shipping_charged_usd,
        0 as shipping_cost_usd,
        spend_usd as marketing_spend_usd,
        null as net_revenue_with_cost_usd,
        0 as lines_without_cost,
        0 as lines_without_usd,
        0 as transaction_lines
    from spend
),

daily as (
    select
        date_day,
        channel_key,
        cast(sum(gross_revenue_usd) as {{ converted_money_type() }}) as gross_revenue_usd,
        cast(sum(discount_usd) as {{ converted_money_type() }}) as discount_usd,
        cast(sum(refunded_revenue_usd) as {{ converted_money_type() }}) as refunded_revenue_usd,
        cast(sum(net_revenue_usd) as {{ converted_money_type() }}) as net_revenue_usd,
        cast(sum(cogs_usd) as {{ converted_money_type() }}) as cogs_usd,
        cast(sum(gross_margin_usd) as {{ converted_money_type() }}) as gross_margin_usd,
        cast(sum(platform_fee_usd) as {{ converted_money_type() }}) as platform_fee_usd,
        cast(sum(shipping_charged_usd) as {{ converted_money_type() }}) as shipping_charged_usd,
        cast(sum(shipping_cost_usd) as {{ converted_money_type() }}) as shipping_cost_usd,
        cast(sum(marketing_spend_usd) as {{ converted_money_type() }}) as marketing_spend_usd,
        cast(sum(net_revenue_with_cost_usd) as {{ converted_money_type() }}) as net_revenue_with_cost_usd,
        sum(transaction_lines) as transaction_lines,
        sum(lines_without_cost) as lines_without_cost,
        sum(lines_without_usd) as lines_without_usd
    from activity
    group by date_day, channel_key
)

select
    daily.date_day,
    daily.channel_key,
    channels.channel,
    daily.gross_revenue_usd,
    daily.discount_usd,
    daily.refunded_revenue_usd,
    daily.net_revenue_usd,
    {#- a day with spend and no line has nothing to cost: zero, not unknown -#}
    cast(case when daily.transaction_lines = 0 then 0 else daily.cogs_usd end as {{ converted_money_type() }})
        as cogs_usd,
    cast(case when daily.transaction_lines = 0 then 0 else daily.gross_margin_usd end as {{ converted_money_type() }})
        as gross_margin_usd,
    daily.platform_fee_usd,
    daily.shipping_charged_usd,
    daily.shipping_cost_usd,
    daily.marketing_spend_usd,
    cast(
        {{ contribution_margin(
            'case when daily.transaction_lines = 0 then 0 else daily.gross_margin_usd end',
            'daily.platform_fee_usd', 'daily.shipping_cost_usd', 'daily.shipping_charged_usd',
            marketing_spend='daily.marketing_spend_usd'
        ) }}
        as {{ converted_money_type() }}
    ) as contribution_margin_usd,
    cast(
        case when daily.transaction_lines = 0 then 0 else daily.net_revenue_with_cost_usd end
        as {{ converted_money_type() }}
    ) as net_revenue_with_cost_usd,
    cast(daily.lines_without_cost as bigint) as lines_without_cost,
    cast(daily.lines_without_usd as bigint) as lines_without_usd
from daily
inner join channels on daily.channel_key = channels.channel_key
