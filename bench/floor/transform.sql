-- The floor, step 2 of 2: the project's core transformations as plain DuckDB SQL, from the raw
-- tables read.sql filled to the facts and marts finance reads. Each statement names the model
-- whose definition it follows (docs/decisions.md); types and casts are the models' own
-- (money numeric(18, 2), rates numeric(18, 8), a converted amount numeric(18, 6) per line or
-- order and numeric(28, 6) summed), so the totals tie out to the cent and beyond. What it leaves
-- out: tests, reconciliation, snapshots and dimension keys, account groups, local-currency COGS,
-- products and marketing marts.
-- `{{ seeds }}` is the project's seeds folder; bench/bench_warehouse.py fills it in.

-- Staging (stg_raw__*, dedupe_latest + delivery_order()): the latest delivery of every key wins.
create table stg_transactions as
select
    line_event_id,
    event_type,
    order_id,
    line_number,
    cast(timezone('UTC', event_ts) as timestamp) as event_at,
    cast(cast(timezone('UTC', event_ts) as timestamp) as date) as event_date,
    channel,
    store_id,
    currency as currency_code,
    customer_id,
    sku,
    quantity,
    unit_price,
    line_discount,
    line_tax,
    shipping_charged,
    shipping_cost,
    platform_fee,
    campaign_id,
    order_total as reported_order_total,
    refunded_line_event_id,
    refund_amount,
    refund_reason,
    restocked as is_restocked
from raw_transactions
qualify row_number() over (partition by line_event_id order by filename desc) = 1;

create table stg_fx_rates as
select rate_date, currency as currency_code, rate_to_usd
from raw_fx_rates
qualify row_number() over (partition by rate_date, currency order by filename desc) = 1;

create table stg_cogs as
select sku, effective_from, unit_cost, currency as currency_code
from raw_cogs
qualify row_number() over (partition by sku, effective_from order by filename desc) = 1;

create table stg_marketing_spend as
select
    platform,
    campaign_id,
    campaign_name,
    target_channel,
    spend_date,
    impressions,
    clicks,
    spend,
    currency as currency_code
from raw_marketing_spend
qualify row_number() over (partition by platform, campaign_id, spend_date order by filename desc) = 1;

-- Masters: the latest updated_at, the delivery order breaking ties.
create table stg_customers as
select
    customer_id,
    customer_name,
    country_code,
    region,
    segment as customer_segment,
    loyalty_tier,
    parent_customer_id,
    cast(timezone('UTC', created_at) as timestamp) as created_at
from raw_customers
qualify row_number() over (partition by customer_id order by updated_at desc nulls last, filename desc) = 1;

create table ref_channels as
select channel from read_csv('{{ seeds }}/channels.csv', header = true, columns = {
    'channel': 'varchar', 'channel_name': 'varchar', 'channel_group': 'varchar', 'fee_model': 'varchar'
});

-- The calendar from the data (int_calendar_days_bounded): January 1 of the first event's year to
-- December 31 of the last event's year.
create table calendar_days as
with event_dates as (
    select event_date from stg_transactions
    union all
    select spend_date from stg_marketing_spend
),

span as (
    select
        cast(date_trunc('year', min(event_date)) as timestamp) as first_day,
        cast(date_trunc('year', max(event_date)) as timestamp) + interval 1 year - interval 1 day as last_day
    from event_dates
)

select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as date_day
from span;

-- FX fill forward (int_fx_rates_filled): per currency and day, the latest rate published on or
-- before it, for at most max_fx_staleness_days (4) days; USD is 1 on every calendar day.
create table fx_rates_filled as
with bounds as (
    select
        cast(min(rate_date) as timestamp) as first_day,
        cast(max(rate_date) + 4 as timestamp) as last_day
    from stg_fx_rates
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as date_day
    from bounds
),

grid as (
    select days.date_day, currencies.currency_code
    from days
    cross join (select distinct currency_code from stg_fx_rates where currency_code <> 'USD') as currencies
),

foreign_rates as (
    select grid.date_day, grid.currency_code, rates.rate_to_usd, rates.rate_date as published_on
    from grid
    asof inner join stg_fx_rates as rates
        on grid.currency_code = rates.currency_code and grid.date_day >= rates.rate_date
    where grid.date_day - rates.rate_date <= 4
)

select date_day, currency_code, rate_to_usd, published_on from foreign_rates
union all
select date_day, 'USD', cast(1 as decimal(18, 8)), date_day from calendar_days;

-- COGS as-of (int_sale_lines_costed): the cost version with the latest effective date on or
-- before the sale date, in USD at the cost currency's rate of that date.
create table sale_lines_costed as
select
    sales.*,
    costs.effective_from is not null as has_unit_cost,
    cast(costs.unit_cost * cost_fx.rate_to_usd as decimal(18, 8)) as unit_cost_usd
from (select * from stg_transactions where event_type = 'sale') as sales
asof left join stg_cogs as costs
    on sales.sku = costs.sku and sales.event_date >= costs.effective_from
left join fx_rates_filled as cost_fx
    on costs.currency_code = cost_fx.currency_code and sales.event_date = cost_fx.date_day;

-- Refunds at the grain of the sale line (int_refund_lines_allocated): an order-level refund (no
-- sale line named) returning 0 or all of the order's units is split over the order's sale lines,
-- each amount pro rata to the lines' goods after discount in whole cents rounded down, the
-- remainder on the order's first line; every other refund passes through as delivered.
create table refund_lines_allocated as
with refund_lines as (
    select * from stg_transactions where event_type = 'refund'
),

sale_lines as (
    select
        order_id,
        line_event_id,
        line_number,
        sku,
        quantity,
        cast(round((quantity * unit_price - line_discount) * 100) as bigint) as goods_cents
    from stg_transactions
    where event_type = 'sale'
),

orders as (
    select
        order_id,
        sum(quantity) as units,
        sum(goods_cents) as goods_cents,
        count(*) as line_count,
        min(line_number) as first_line_number
    from sale_lines
    group by order_id
),

order_level as (
    select
        refund_lines.*,
        cast(round(refund_lines.refund_amount * 100) as bigint) as refund_amount_c,
        cast(round(refund_lines.line_discount * 100) as bigint) as line_discount_c,
        cast(round(refund_lines.line_tax * 100) as bigint) as line_tax_c,
        cast(round(refund_lines.shipping_charged * 100) as bigint) as shipping_charged_c,
        cast(round(refund_lines.shipping_cost * 100) as bigint) as shipping_cost_c,
        cast(round(refund_lines.platform_fee * 100) as bigint) as platform_fee_c
    from refund_lines
    inner join orders on refund_lines.order_id = orders.order_id
    where refund_lines.refunded_line_event_id is null
        and (refund_lines.quantity = 0 or refund_lines.quantity = orders.units)
),

shares as (
    select
        order_level.line_event_id as delivered_line_event_id,
        sale_lines.line_event_id as sale_line_event_id,
        sale_lines.line_number,
        sale_lines.sku,
        case when order_level.quantity = 0 then 0 else sale_lines.quantity end as quantity,
        sale_lines.line_number = orders.first_line_number as is_first_line,
        case when orders.goods_cents = 0 then 1 else sale_lines.goods_cents end as weight,
        case when orders.goods_cents = 0 then orders.line_count else orders.goods_cents end as total_weight
    from order_level
    inner join orders on order_level.order_id = orders.order_id
    inner join sale_lines on order_level.order_id = sale_lines.order_id
),

cents as (
    select
        shares.*,
        order_level.refund_amount_c * shares.weight // shares.total_weight as refund_amount_c,
        order_level.line_discount_c * shares.weight // shares.total_weight as line_discount_c,
        order_level.line_tax_c * shares.weight // shares.total_weight as line_tax_c,
        order_level.shipping_charged_c * shares.weight // shares.total_weight as shipping_charged_c,
        order_level.shipping_cost_c * shares.weight // shares.total_weight as shipping_cost_c,
        order_level.platform_fee_c * shares.weight // shares.total_weight as platform_fee_c
    from shares
    inner join order_level on shares.delivered_line_event_id = order_level.line_event_id
),

remainders as (
    select
        cents.delivered_line_event_id,
        max(order_level.refund_amount_c) - sum(cents.refund_amount_c) as refund_amount_r,
        max(order_level.line_discount_c) - sum(cents.line_discount_c) as line_discount_r,
        max(order_level.line_tax_c) - sum(cents.line_tax_c) as line_tax_r,
        max(order_level.shipping_charged_c) - sum(cents.shipping_charged_c) as shipping_charged_r,
        max(order_level.shipping_cost_c) - sum(cents.shipping_cost_c) as shipping_cost_r,
        max(order_level.platform_fee_c) - sum(cents.platform_fee_c) as platform_fee_r
    from cents
    inner join order_level on cents.delivered_line_event_id = order_level.line_event_id
    group by cents.delivered_line_event_id
),

parts as (
    select
        order_level.line_event_id || ':' || cents.sale_line_event_id as line_event_id,
        order_level.line_event_id as delivered_line_event_id,
        order_level.order_id,
        cents.line_number,
        order_level.event_at,
        order_level.event_date,
        order_level.channel,
        order_level.store_id,
        order_level.currency_code,
        order_level.customer_id,
        cents.sku,
        cents.quantity,
        cast((cents.line_discount_c + case when cents.is_first_line then remainders.line_discount_r else 0 end)
            * 0.01 as decimal(18, 2)) as line_discount,
        cast((cents.line_tax_c + case when cents.is_first_line then remainders.line_tax_r else 0 end)
            * 0.01 as decimal(18, 2)) as line_tax,
        cast((cents.shipping_charged_c + case when cents.is_first_line then remainders.shipping_charged_r else 0 end)
            * 0.01 as decimal(18, 2)) as shipping_charged,
        cast((cents.shipping_cost_c + case when cents.is_first_line then remainders.shipping_cost_r else 0 end)
            * 0.01 as decimal(18, 2)) as shipping_cost,
        cast((cents.platform_fee_c + case when cents.is_first_line then remainders.platform_fee_r else 0 end)
            * 0.01 as decimal(18, 2)) as platform_fee,
        order_level.campaign_id,
        cents.sale_line_event_id as refunded_line_event_id,
        cast((cents.refund_amount_c + case when cents.is_first_line then remainders.refund_amount_r else 0 end)
            * 0.01 as decimal(18, 2)) as refund_amount,
        order_level.refund_reason,
        order_level.is_restocked
    from cents
    inner join order_level on cents.delivered_line_event_id = order_level.line_event_id
    inner join remainders on cents.delivered_line_event_id = remainders.delivered_line_event_id
),

as_delivered as (
    select
        line_event_id,
        line_event_id as delivered_line_event_id,
        order_id,
        line_number,
        event_at,
        event_date,
        channel,
        store_id,
        currency_code,
        customer_id,
        sku,
        quantity,
        line_discount,
        line_tax,
        shipping_charged,
        shipping_cost,
        platform_fee,
        campaign_id,
        refunded_line_event_id,
        refund_amount,
        refund_reason,
        is_restocked
    from refund_lines
    where line_event_id not in (select line_event_id from order_level)
)

select * from parts
union all
select * from as_delivered;

-- Signed lines in local currency and USD (fct_transactions):
-- net revenue = quantity x unit price - discount - refunded goods, refunds on their own date; a
-- restocked return gives back its units' cost at the sale's unit cost, an unknown sale cost stays
-- unknown; every amount converts at the rate of its event date, and a line without a rate is in
-- no USD total, its COGS included.
create table fct_transactions as
with lines as (
    select
        line_event_id,
        line_event_id as delivered_line_event_id,
        'sale' as event_type,
        order_id,
        line_number,
        event_at,
        event_date,
        channel,
        store_id,
        currency_code,
        customer_id,
        sku,
        campaign_id,
        cast(null as varchar) as refunded_line_event_id,
        cast(null as varchar) as refund_reason,
        cast(null as boolean) as is_restocked,
        reported_order_total,
        has_unit_cost,
        quantity,
        cast(quantity * unit_price as decimal(18, 2)) as gross_revenue,
        line_discount as discount,
        cast(0 as decimal(18, 2)) as refunded_revenue,
        line_tax as tax,
        shipping_charged,
        shipping_cost,
        platform_fee,
        cast(quantity * unit_cost_usd as decimal(18, 6)) as cost_usd
    from sale_lines_costed
    union all
    select
        refunds.line_event_id,
        refunds.delivered_line_event_id,
        'refund',
        refunds.order_id,
        refunds.line_number,
        refunds.event_at,
        refunds.event_date,
        refunds.channel,
        refunds.store_id,
        refunds.currency_code,
        refunds.customer_id,
        refunds.sku,
        refunds.campaign_id,
        refunds.refunded_line_event_id,
        refunds.refund_reason,
        refunds.is_restocked,
        null,
        sales.has_unit_cost,
        -refunds.quantity,
        cast(0 as decimal(18, 2)),
        cast(0 as decimal(18, 2)),
        refunds.refund_amount,
        cast(-refunds.line_tax as decimal(18, 2)),
        cast(-refunds.shipping_charged as decimal(18, 2)),
        refunds.shipping_cost,
        cast(-refunds.platform_fee as decimal(18, 2)),
        cast(
            case
                when sales.unit_cost_usd is null then null
                when refunds.is_restocked then -refunds.quantity * sales.unit_cost_usd
                else 0
            end as decimal(18, 6)
        )
    from refund_lines_allocated as refunds
    left join sale_lines_costed as sales on refunds.refunded_line_event_id = sales.line_event_id
),

converted as (
    select
        lines.*,
        fx.rate_to_usd,
        fx.rate_to_usd is not null as has_fx_rate,
        cast(lines.gross_revenue - lines.discount - lines.refunded_revenue as decimal(18, 2)) as net_revenue
    from lines
    left join fx_rates_filled as fx
        on lines.currency_code = fx.currency_code and lines.event_date = fx.date_day
),

usd as (
    select
        converted.* exclude (cost_usd),
        cast(case when rate_to_usd is not null then cost_usd end as decimal(18, 6)) as cogs_usd,
        cast(gross_revenue * rate_to_usd as decimal(18, 6)) as gross_revenue_usd,
        cast(discount * rate_to_usd as decimal(18, 6)) as discount_usd,
        cast(refunded_revenue * rate_to_usd as decimal(18, 6)) as refunded_revenue_usd,
        cast(net_revenue * rate_to_usd as decimal(18, 6)) as net_revenue_usd,
        cast(tax * rate_to_usd as decimal(18, 6)) as tax_usd,
        cast(shipping_charged * rate_to_usd as decimal(18, 6)) as shipping_charged_usd,
        cast(shipping_cost * rate_to_usd as decimal(18, 6)) as shipping_cost_usd,
        cast(platform_fee * rate_to_usd as decimal(18, 6)) as platform_fee_usd
    from converted
)

select
    *,
    cast(net_revenue_usd - cogs_usd as decimal(18, 6)) as gross_margin_usd,
    cast(net_revenue_usd - cogs_usd - platform_fee_usd - shipping_cost_usd + shipping_charged_usd as decimal(18, 6))
        as contribution_margin_usd
from usd;

-- Marketing spend in USD at the rate of the spend date (fct_marketing_spend).
create table fct_marketing_spend as
select
    spend.*,
    fx.rate_to_usd,
    cast(spend.spend * fx.rate_to_usd as decimal(18, 6)) as spend_usd
from stg_marketing_spend as spend
left join fx_rates_filled as fx
    on spend.currency_code = fx.currency_code and spend.spend_date = fx.date_day;

-- Daily P&L by channel with marketing spend allocated to the channel the campaign targets
-- (pnl_daily_by_channel); a channel outside the channels seed is 'unknown'. Margins sum the lines
-- with a known cost, contribution the lines' own; a day of spend only has 0 COGS, not unknown.
create table pnl_daily_by_channel as
with activity as (
    select
        lines.event_date as date_day,
        coalesce(ref_channels.channel, 'unknown') as channel,
        lines.gross_revenue_usd,
        lines.discount_usd,
        lines.refunded_revenue_usd,
        lines.net_revenue_usd,
        lines.cogs_usd,
        lines.gross_margin_usd,
        lines.platform_fee_usd,
        lines.shipping_charged_usd,
        lines.shipping_cost_usd,
        lines.contribution_margin_usd as contribution_before_marketing_usd,
        cast(0 as decimal(28, 6)) as marketing_spend_usd,
        case when lines.cogs_usd is not null then lines.net_revenue_usd end as net_revenue_with_cost_usd,
        case when lines.cogs_usd is null and lines.net_revenue_usd is not null then 1 else 0 end as lines_without_cost,
        case when lines.net_revenue_usd is null then 1 else 0 end as lines_without_usd,
        1 as transaction_lines
    from fct_transactions as lines
    left join ref_channels on lines.channel = ref_channels.channel
    union all
    select
        spend.spend_date,
        coalesce(ref_channels.channel, 'unknown'),
        0, 0, 0, 0, null, null, 0, 0, 0, null,
        spend.spend_usd,
        null, 0, 0, 0
    from fct_marketing_spend as spend
    left join ref_channels on spend.target_channel = ref_channels.channel
),

daily as (
    select
        date_day,
        channel,
        cast(sum(gross_revenue_usd) as decimal(28, 6)) as gross_revenue_usd,
        cast(sum(discount_usd) as decimal(28, 6)) as discount_usd,
        cast(sum(refunded_revenue_usd) as decimal(28, 6)) as refunded_revenue_usd,
        cast(sum(net_revenue_usd) as decimal(28, 6)) as net_revenue_usd,
        cast(sum(cogs_usd) as decimal(28, 6)) as cogs_usd,
        cast(sum(gross_margin_usd) as decimal(28, 6)) as gross_margin_usd,
        cast(sum(platform_fee_usd) as decimal(28, 6)) as platform_fee_usd,
        cast(sum(shipping_charged_usd) as decimal(28, 6)) as shipping_charged_usd,
        cast(sum(shipping_cost_usd) as decimal(28, 6)) as shipping_cost_usd,
        cast(sum(contribution_before_marketing_usd) as decimal(28, 6)) as contribution_before_marketing_usd,
        cast(sum(marketing_spend_usd) as decimal(28, 6)) as marketing_spend_usd,
        cast(sum(net_revenue_with_cost_usd) as decimal(28, 6)) as net_revenue_with_cost_usd,
        sum(transaction_lines) as transaction_lines,
        sum(lines_without_cost) as lines_without_cost,
        sum(lines_without_usd) as lines_without_usd
    from activity
    group by date_day, channel
),

-- spend is known only inside the dates the spend feed covers (decision log §3)
spend_feed_dates as (
    select
        min(spend_date) as first_spend_date,
        max(spend_date) as last_spend_date
    from fct_marketing_spend
),

covered as (
    select
        daily.*,
        case
            when daily.date_day between spend_feed_dates.first_spend_date and spend_feed_dates.last_spend_date
                then daily.marketing_spend_usd
        end as known_marketing_spend_usd
    from daily
    cross join spend_feed_dates
)

select
    date_day,
    channel,
    gross_revenue_usd,
    discount_usd,
    refunded_revenue_usd,
    net_revenue_usd,
    cast(case when transaction_lines = 0 then 0 else cogs_usd end as decimal(28, 6)) as cogs_usd,
    cast(case when transaction_lines = 0 then 0 else gross_margin_usd end as decimal(28, 6)) as gross_margin_usd,
    platform_fee_usd,
    shipping_charged_usd,
    shipping_cost_usd,
    known_marketing_spend_usd as marketing_spend_usd,
    cast(case when transaction_lines = 0 then 0 else contribution_before_marketing_usd end as decimal(28, 6))
        as contribution_before_marketing_usd,
    cast(
        case when transaction_lines = 0 then 0 else contribution_before_marketing_usd end - known_marketing_spend_usd
        as decimal(28, 6)
    ) as contribution_margin_usd,
    cast(case when transaction_lines = 0 then 0 else net_revenue_with_cost_usd end as decimal(28, 6))
        as net_revenue_with_cost_usd,
    cast(lines_without_cost as bigint) as lines_without_cost,
    cast(lines_without_usd as bigint) as lines_without_usd
from covered;

-- One row per order (fct_orders): its sale lines summed, what
-- has been refunded on it to date, the campaign credited if the spend feed knows it, and whether
-- it is the customer's first order.
create table fct_orders as
with known_campaigns as (
    select distinct campaign_id from stg_marketing_spend
),

sale_orders as (
    select
        order_id,
        min(event_at) as ordered_at,
        min(event_date) as order_date,
        max(customer_id) as customer_id,
        max(channel) as channel,
        max(store_id) as store_id,
        max(currency_code) as currency_code,
        max(campaign_id) as campaign_id,
        max(rate_to_usd) as rate_to_usd,
        cast(count(*) as bigint) as line_count,
        cast(sum(quantity) as bigint) as units,
        cast(sum(gross_revenue) as decimal(18, 2)) as gross_revenue,
        cast(sum(discount) as decimal(18, 2)) as discount,
        cast(sum(net_revenue) as decimal(18, 2)) as net_sales,
        cast(sum(tax) as decimal(18, 2)) as tax,
        cast(sum(shipping_charged) as decimal(18, 2)) as shipping_charged,
        cast(max(reported_order_total) as decimal(18, 2)) as reported_order_total,
        cast(sum(gross_revenue_usd) as decimal(18, 6)) as gross_revenue_usd,
        cast(sum(net_revenue_usd) as decimal(18, 6)) as net_sales_usd,
        cast(sum(cogs_usd) as decimal(18, 6)) as cogs_usd,
        cast(sum(gross_margin_usd) as decimal(18, 6)) as gross_margin_usd,
        cast(sum(contribution_margin_usd) as decimal(18, 6)) as contribution_margin_usd,
        cast(sum(case when cogs_usd is null and net_revenue_usd is not null then 1 else 0 end) as bigint)
            as lines_without_cost,
        cast(sum(case when net_revenue_usd is null then 1 else 0 end) as bigint) as lines_without_usd
    from fct_transactions
    where event_type = 'sale'
    group by order_id
),

refunds as (
    select
        order_id,
        cast(count(*) as bigint) as refund_line_count,
        cast(-sum(quantity) as bigint) as refunded_units,
        cast(sum(refunded_revenue) as decimal(18, 2)) as refunded_revenue,
        cast(sum(refunded_revenue_usd) as decimal(18, 6)) as refunded_revenue_usd
    from fct_transactions
    where event_type = 'refund'
    group by order_id
)

select
    sale_orders.* exclude (campaign_id),
    sale_orders.campaign_id as reported_campaign_id,
    case when known_campaigns.campaign_id is not null then sale_orders.campaign_id end as attributed_campaign_id,
    cast(sale_orders.net_sales + sale_orders.tax + sale_orders.shipping_charged as decimal(18, 2))
        as computed_order_total,
    coalesce(refunds.refund_line_count, 0) as refund_line_count,
    coalesce(refunds.refunded_units, 0) as refunded_units,
    cast(coalesce(refunds.refunded_revenue, 0) as decimal(18, 2)) as refunded_revenue,
    cast(coalesce(refunds.refunded_revenue_usd, 0) as decimal(18, 6)) as refunded_revenue_usd,
    case
        when sale_orders.customer_id is null then false
        else row_number() over (
            partition by sale_orders.customer_id order by sale_orders.ordered_at, sale_orders.order_id
        ) = 1
    end as is_first_order
from sale_orders
left join refunds on sale_orders.order_id = refunds.order_id
left join known_campaigns on sale_orders.campaign_id = known_campaigns.campaign_id;

-- One row per customer account (customer_360): current attributes, lifetime orders, net sales and
-- net revenue after refunds, margins over the lines with a known cost, acquisition, recency and
-- tenure to the last event date, value quartile and RFM scores.
create table customer_rollup as
with as_of as (
    select max(event_date) as as_of_date from fct_transactions
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
    from fct_orders
    where customer_id is not null
    group by customer_id
),

line_totals as (
    select
        customer_id,
        sum(refunded_revenue_usd) as refunded_revenue_usd,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(case when cogs_usd is not null then net_revenue_usd end) as net_revenue_with_cost_usd,
        sum(gross_margin_usd) as gross_margin_usd,
        sum(contribution_margin_usd) as contribution_margin_usd
    from fct_transactions
    where customer_id is not null
    group by customer_id
),

first_orders as (
    select
        customer_id,
        channel as acquisition_channel,
        attributed_campaign_id as acquisition_campaign_id,
        cast(date_trunc('month', order_date) as date) as acquisition_month
    from fct_orders
    where is_first_order
),

-- the master's accounts and those the lines name that it lacks (customer_360's accounts)
accounts as (
    select * from stg_customers
    union all by name
    select line_totals.customer_id
    from line_totals
    anti join stg_customers on line_totals.customer_id = stg_customers.customer_id
),

profiles as (
    select
        customers.*,
        order_totals.first_order_at,
        order_totals.last_order_at,
        coalesce(order_totals.orders, 0) as orders,
        coalesce(order_totals.units, 0) as units,
        coalesce(order_totals.gross_revenue_usd, 0) as gross_revenue_usd,
        coalesce(order_totals.net_sales_usd, 0) as net_sales_usd,
        coalesce(line_totals.refunded_revenue_usd, 0) as refunded_revenue_usd,
        coalesce(line_totals.net_revenue_usd, 0) as net_revenue_usd,
        case when line_totals.customer_id is null then 0 else line_totals.gross_margin_usd end as gross_margin_usd,
        case when line_totals.customer_id is null then 0 else line_totals.contribution_margin_usd end
            as contribution_margin_usd,
        case when line_totals.customer_id is null then 0 else line_totals.net_revenue_with_cost_usd end
            as net_revenue_with_cost_usd,
        first_orders.acquisition_channel,
        first_orders.acquisition_campaign_id,
        first_orders.acquisition_month,
        as_of.as_of_date - cast(customers.created_at as date) as tenure_days,
        as_of.as_of_date - cast(order_totals.last_order_at as date) as recency_days
    from accounts as customers
    cross join as_of
    left join order_totals on customers.customer_id = order_totals.customer_id
    left join line_totals on customers.customer_id = line_totals.customer_id
    left join first_orders on customers.customer_id = first_orders.customer_id
)

select
    *,
    case when orders > 0 then ntile(4) over (
        partition by orders > 0 order by net_revenue_usd desc nulls last, customer_id
    ) end as value_quartile,
    case when orders > 0 then ntile(5) over (
        partition by orders > 0 order by recency_days desc nulls last, customer_id
    ) end as recency_score,
    case when orders > 0 then ntile(5) over (partition by orders > 0 order by orders, customer_id) end
        as frequency_score,
    case when orders > 0 then ntile(5) over (partition by orders > 0 order by net_revenue_usd, customer_id) end
        as monetary_score
from profiles;
