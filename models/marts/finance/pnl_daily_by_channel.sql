-- Daily P&L by channel in the reporting currency. Grain: one row per day and channel, every day
-- from the first to the last with any activity and every channel with any: a day and channel
-- without activity is a row of zeros, whose spend is 0 only inside the dates the spend feed
-- covers (so a period of a channel without sales after the feed's last day says so). Days are
-- UTC calendar days of the event; refunds count on their own date (a P&L by event date, not by
-- sale cohort). Marketing spend is allocated to the channel its campaign targets. Not rounded:
-- sum it over any period, round when you present it.
-- Unknown is not zero: revenue, fees and shipping are null on a day and channel none of whose
-- lines has a USD amount, spend or not (decision log §5), and gross sales and discounts when none
-- of its sale lines has one, refunds when none of its refund lines has one (sale_lines,
-- refund_lines and their *_without_usd count them, for readers adding days); COGS and the margins sum the lines whose
-- cost is known, and are null on a day whose lines all lack one; net_revenue_with_cost_usd is the
-- net revenue they cover (gross margin = it - COGS), and lines_without_cost / lines_without_usd
-- count what is left out.
-- Contribution before marketing covers the same lines: the sum of the fact lines' own
-- contribution, so a line without a cost leaves out its fees and shipping with its margin.
-- Marketing spend is unknown too (decision log §3): while the marketing_spend feed has never been
-- delivered, on a day outside the dates its rows cover (before its first spend date or after its
-- last: no row there is not a known 0), and on a day and channel with a spend row that has no USD
-- amount. Then
-- contribution after marketing is null and marketing_spend_unknown_reason says why;
-- contribution_before_marketing_usd stays.
-- A day outside the dates the transactions feed covers (before its first line or after its last:
-- a day of spend only, outside the export) is not a day of zero sales (decision log §3): its
-- revenue, fees, shipping, COGS and margins are null, transactions_unknown_reason says why, and
-- its spend stays (so contribution after marketing is null there too).
{% set lines_known = 'known.transactions_unknown_reason is null' -%}
with transactions as (
    select * from {{ ref('fct_transactions') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

delivered as (
    {{ recon_delivered_feeds() }}
),

-- the days the spend feed speaks for: a day between its first and last spend date without a row
-- is a known 0; a day before or after them is not known at all
spend_feed_dates as (
    {{ spend_feed_dates('spend') }}
),

-- the days the transactions feed speaks for: a day between its first and last line without a
-- line has revenue 0; a day before or after them (spend only) is not known at all
transactions_feed_dates as (
    {{ transactions_feed_dates('transactions') }}
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
        contribution_margin_usd as contribution_before_marketing_usd,
        cast(0 as {{ converted_money_type() }}) as marketing_spend_usd,
        {% for column, expression in margin_coverage().items() -%}
            {{ expression }} as {{ column }},
        {% endfor -%}
        0 as spend_rows,
        0 as spend_rows_without_usd,
        {% for column, expression in line_kind_counts().items() -%}
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
        null as contribution_before_marketing_usd,
        spend_usd as marketing_spend_usd,
        null as net_revenue_with_cost_usd,
        0 as lines_without_cost,
        0 as lines_without_usd,
        1 as spend_rows,
        case when spend_usd is null then 1 else 0 end as spend_rows_without_usd,
        {% for column in line_kind_counts() -%}
            0 as {{ column }},
        {% endfor -%}
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
        cast(sum(contribution_before_marketing_usd) as {{ converted_money_type() }})
            as contribution_before_marketing_usd,
        cast(sum(marketing_spend_usd) as {{ converted_money_type() }}) as marketing_spend_usd,
        cast(sum(net_revenue_with_cost_usd) as {{ converted_money_type() }}) as net_revenue_with_cost_usd,
        sum(transaction_lines) as transaction_lines,
        sum(lines_without_cost) as lines_without_cost,
        sum(lines_without_usd) as lines_without_usd,
        sum(spend_rows) as spend_rows,
        sum(spend_rows_without_usd) as spend_rows_without_usd,
        sum(sale_lines) as sale_lines,
        sum(sale_lines_without_usd) as sale_lines_without_usd,
        sum(refund_lines) as refund_lines,
        sum(refund_lines_without_usd) as refund_lines_without_usd
    from activity
    group by date_day, channel_key
),

span as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from daily
),

channel_keys as (
    select distinct channel_key from daily
),

-- every day from the first to the last of the P&L, for every channel it has
grid as (
    select
        dates.date_day,
        channel_keys.channel_key
    from dates
    inner join span on dates.date_day between span.first_day and span.last_day
    cross join channel_keys
),

-- a day and channel without activity: zeros (no line to cost, no spend row)
dense as (
    select
        daily.date_day,
        daily.channel_key,
        daily.gross_revenue_usd,
        daily.discount_usd,
        daily.refunded_revenue_usd,
        daily.net_revenue_usd,
        daily.cogs_usd,
        daily.gross_margin_usd,
        daily.platform_fee_usd,
        daily.shipping_charged_usd,
        daily.shipping_cost_usd,
        daily.contribution_before_marketing_usd,
        daily.marketing_spend_usd,
        daily.net_revenue_with_cost_usd,
        daily.transaction_lines,
        daily.lines_without_cost,
        daily.lines_without_usd,
        daily.spend_rows,
        daily.spend_rows_without_usd,
        daily.sale_lines,
        daily.sale_lines_without_usd,
        daily.refund_lines,
        daily.refund_lines_without_usd
    from daily
    union all
    select
        grid.date_day,
        grid.channel_key,
        cast(0 as {{ converted_money_type() }}) as gross_revenue_usd,
        cast(0 as {{ converted_money_type() }}) as discount_usd,
        cast(0 as {{ converted_money_type() }}) as refunded_revenue_usd,
        cast(0 as {{ converted_money_type() }}) as net_revenue_usd,
        cast(null as {{ converted_money_type() }}) as cogs_usd,
        cast(null as {{ converted_money_type() }}) as gross_margin_usd,
        cast(0 as {{ converted_money_type() }}) as platform_fee_usd,
        cast(0 as {{ converted_money_type() }}) as shipping_charged_usd,
        cast(0 as {{ converted_money_type() }}) as shipping_cost_usd,
        cast(null as {{ converted_money_type() }}) as contribution_before_marketing_usd,
        cast(0 as {{ converted_money_type() }}) as marketing_spend_usd,
        cast(null as {{ converted_money_type() }}) as net_revenue_with_cost_usd,
        cast(0 as bigint) as transaction_lines,
        cast(0 as bigint) as lines_without_cost,
        cast(0 as bigint) as lines_without_usd,
        cast(0 as bigint) as spend_rows,
        cast(0 as bigint) as spend_rows_without_usd,
        cast(0 as bigint) as sale_lines,
        cast(0 as bigint) as sale_lines_without_usd,
        cast(0 as bigint) as refund_lines,
        cast(0 as bigint) as refund_lines_without_usd
    from grid
    left join daily on grid.date_day = daily.date_day and grid.channel_key = daily.channel_key
    where daily.date_day is null
),

-- unknown is not zero (decision log §3): spend is unknown while its feed has never been
-- delivered and on a day outside the dates it covers; a day's spend of which no row has a USD
-- amount is null; a day with some rows without one sums the rest, and its contribution after
-- marketing is unknown
known as (
    select
        dense.*,
        case
            when not delivered.marketing_spend
                then 'the marketing_spend feed has never been delivered'
            when spend_feed_dates.first_spend_date is null
                then 'the marketing_spend feed holds no spend row'
            when not ({{ within_spend_feed_dates('dense.date_day') }})
                then 'a day outside the dates the marketing_spend feed covers ('
                    || cast(spend_feed_dates.first_spend_date as varchar(10)) || ' to '
                    || cast(spend_feed_dates.last_spend_date as varchar(10)) || ')'
            when dense.spend_rows_without_usd > 0
                then 'spend without a USD amount (no rate for its currency on the day)'
        end as marketing_spend_unknown_reason,
        {{ transactions_unknown_reason('dense.date_day') }} as transactions_unknown_reason,
        case
            when delivered.marketing_spend and {{ within_spend_feed_dates('dense.date_day') }}
                then {{ usd_total_of_lines(
                    'dense.marketing_spend_usd', 'dense.spend_rows', 'dense.spend_rows_without_usd'
                ) }}
        end as known_marketing_spend_usd,
        case when dense.transaction_lines = 0 then 0 else dense.gross_margin_usd end as known_gross_margin_usd,
        case
            when dense.transaction_lines = 0 then 0 else dense.contribution_before_marketing_usd
        end as known_contribution_before_marketing_usd
    from dense
    cross join delivered
    cross join spend_feed_dates
    cross join transactions_feed_dates
)

select
    known.date_day,
    known.channel_key,
    channels.channel,
    {#- a USD total of lines none of which has a USD amount is unknown, spend row (whose zeros made
        it 0) or not, and 0 without a line: gross sales and discounts are of the sale lines,
        refunds of the refund lines, net revenue of both (a sum of one kind's lines is not made
        known by the other kind's zeros) -#}
    {% for column in ('gross_revenue_usd', 'discount_usd', 'refunded_revenue_usd', 'net_revenue_usd') -%}
        cast(
            case when {{ lines_known }} then {{ usd_total_of_its_lines('known', column) }} end
            as {{ converted_money_type() }}
        ) as {{ column }},
    {% endfor -%}
    {#- a day with spend and no line, inside the transactions feed's dates, has nothing to cost:
        zero, not unknown #}
    cast(
        case
            when not ({{ lines_known }}) then null
            when known.transaction_lines = 0 then 0
            else known.cogs_usd
        end
        as {{ converted_money_type() }}
    ) as cogs_usd,
    cast(case when {{ lines_known }} then known.known_gross_margin_usd end as {{ converted_money_type() }})
        as gross_margin_usd,
    {% for column in ('platform_fee_usd', 'shipping_charged_usd', 'shipping_cost_usd') -%}
        cast(
            case when {{ lines_known }} then {{ usd_total_of_its_lines('known', column) }} end
            as {{ converted_money_type() }}
        ) as {{ column }},
    {% endfor -%}
    cast(known.known_marketing_spend_usd as {{ converted_money_type() }}) as marketing_spend_usd,
    cast(
        case when {{ lines_known }} then known.known_contribution_before_marketing_usd end
        as {{ converted_money_type() }}
    ) as contribution_before_marketing_usd,
    cast(
        case
            when known.marketing_spend_unknown_reason is null and {{ lines_known }}
                then known.known_contribution_before_marketing_usd - known.known_marketing_spend_usd
        end
        as {{ converted_money_type() }}
    ) as contribution_margin_usd,
    cast(
        case
            when not ({{ lines_known }}) then null
            when known.transaction_lines = 0 then 0
            else known.net_revenue_with_cost_usd
        end
        as {{ converted_money_type() }}
    ) as net_revenue_with_cost_usd,
    cast(known.transaction_lines as bigint) as transaction_lines,
    cast(known.lines_without_cost as bigint) as lines_without_cost,
    cast(known.lines_without_usd as bigint) as lines_without_usd,
    cast(known.sale_lines as bigint) as sale_lines,
    cast(known.sale_lines_without_usd as bigint) as sale_lines_without_usd,
    cast(known.refund_lines as bigint) as refund_lines,
    cast(known.refund_lines_without_usd as bigint) as refund_lines_without_usd,
    cast(known.spend_rows_without_usd as bigint) as spend_rows_without_usd,
    known.marketing_spend_unknown_reason,
    known.transactions_unknown_reason
from known
inner join channels on known.channel_key = channels.channel_key
