-- 5. The margin identities hold at every grain: per line, net revenue - COGS = gross margin and
-- gross margin - fees - shipping cost + shipping charged = contribution (local and USD); the
-- daily P&L summed over days, the orders, the product mart and the customer 360s equal the
-- fact totals.
{% set tol = var('reconciliation_tolerance') %}
{#- A known customer is an account with a member in dim_customer: an account the master lacks
    is a dimension_members exception (a failure, or a warning while no customer master was
    ever delivered), and has no 360 row to tie to. -#}
{% set known_customer = 'customer_id is not null and customer_key <> ' ~ unknown_key() %}
with lines as (
    select * from {{ ref('fct_transactions') }}
),

line_checks as (
    select
        line_event_id,
        currency_code,
        'net revenue - cogs = gross margin (' || currency_code || ')' as identity,
        gross_margin as expected,
        net_revenue - cogs as actual
    from lines
    where cogs is not null
    union all
    select
        line_event_id,
        'USD',
        'net revenue - cogs = gross margin (USD)',
        gross_margin_usd,
        net_revenue_usd - cogs_usd
    from lines
    where cogs_usd is not null and net_revenue_usd is not null
    union all
    select
        line_event_id,
        'USD',
        'gross margin - fees - shipping cost + shipping charged = contribution (USD)',
        contribution_margin_usd,
        gross_margin_usd - platform_fee_usd - shipping_cost_usd + shipping_charged_usd
    from lines
    where contribution_margin_usd is not null
),

fact_by_channel as (
    select
        channel_key,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(cogs_usd) as cogs_usd,
        sum(gross_margin_usd) as gross_margin_usd,
        sum(platform_fee_usd) as platform_fee_usd,
        sum(shipping_cost_usd) as shipping_cost_usd,
        sum(shipping_charged_usd) as shipping_charged_usd
    from lines
    group by channel_key
),

spend_by_channel as (
    select
        channel_key,
        sum(spend_usd) as spend_usd
    from {{ ref('fct_marketing_spend') }}
    group by channel_key
),

pnl_by_channel as (
    select
        channel_key,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(cogs_usd) as cogs_usd,
        sum(gross_margin_usd) as gross_margin_usd,
        sum(platform_fee_usd) as platform_fee_usd,
        sum(shipping_cost_usd) as shipping_cost_usd,
        sum(shipping_charged_usd) as shipping_charged_usd,
        sum(marketing_spend_usd) as marketing_spend_usd,
        sum(contribution_margin_usd) as contribution_margin_usd
    from {{ ref('pnl_daily_by_channel') }}
    group by channel_key
),

pnl_checks as (
    {% for measure in ['net_revenue_usd', 'cogs_usd', 'gross_margin_usd', 'platform_fee_usd', 'shipping_cost_usd', 'shipping_charged_usd'] -%}
        select
            coalesce(pnl.channel_key, fact.channel_key) as channel_key,
            'P&L {{ measure }} summed over days = fact total' as identity,
            coalesce(fact.{{ measure }}, 0) as expected,
            coalesce(pnl.{{ measure }}, 0) as actual
        from pnl_by_channel as pnl full outer join fact_by_channel as fact on pnl.channel_key = fact.channel_key
        union all
    {% endfor -%}
    select
        coalesce(pnl.channel_key, spend.channel_key),
        'P&L marketing spend summed over days = fct_marketing_spend',
        coalesce(spend.spend_usd, 0),
        coalesce(pnl.marketing_spend_usd, 0)
    from pnl_by_channel as pnl full outer join spend_by_channel as spend on pnl.channel_key = spend.channel_key
    union all
    select
        channel_key,
        'P&L contribution = gross margin - fees - shipping cost + shipping charged - marketing',
        gross_margin_usd - platform_fee_usd - shipping_cost_usd + shipping_charged_usd - marketing_spend_usd,
        contribution_margin_usd
    from pnl_by_channel
),

totals as (
    select
        'fct_orders net sales = sale lines' as identity,
        (
            select sum(net_revenue_usd) from lines
            where event_type = 'sale'
        ) as expected,
        (select sum(net_sales_usd) from {{ ref('fct_orders') }}) as actual
    union all
    select
        'fct_orders refunds to date = refund lines',
        (
            select sum(refunded_revenue_usd) from lines
            where event_type = 'refund'
        ),
        (select sum(refunded_revenue_usd) from {{ ref('fct_orders') }})
    union all
    select
        'product_performance_monthly gross margin = fact total',
        (select sum(gross_margin_usd) from lines),
        (select sum(gross_margin_usd) from {{ ref('product_performance_monthly') }})
    union all
    select
        'customer_360 net revenue = fact total of known customers',
        (
            select sum(net_revenue_usd) from lines
            where {{ known_customer }}
        ),
        (select sum(net_revenue_usd) from {{ ref('customer_360') }})
    union all
    select
        'customer_360 gross margin = fact total of known customers',
        (
            select sum(gross_margin_usd) from lines
            where {{ known_customer }}
        ),
        (select sum(gross_margin_usd) from {{ ref('customer_360') }})
    union all
    select
        'customer_groups_360 net revenue = customer_360',
        (select sum(net_revenue_usd) from {{ ref('customer_360') }}),
        (select sum(net_revenue_usd) from {{ ref('customer_groups_360') }})
    union all
    select
        'refunds_monthly refunded revenue = refund lines',
        (select sum(refunded_revenue_usd) from lines),
        (select sum(refunded_revenue_usd) from {{ ref('refunds_monthly') }})
    union all
    select
        'marketing_performance_monthly spend = fct_marketing_spend',
        (select sum(spend_usd) from {{ ref('fct_marketing_spend') }}),
        (select sum(spend_usd) from {{ ref('marketing_performance_monthly') }})
),



{#- An empty set sums to zero on both sides: a shop with no refunds yet, or no identified
    customers, has nothing to tie out, which is not an exception. -#}
null_safe_totals as (
    select
        identity,
        coalesce(expected, 0) as expected,
        coalesce(actual, 0) as actual
    from totals
)

{#- (checks, what a row is about, its id, the currency of expected and actual) -#}
{%- set grains = [
    ('line_checks', "'line'", 'line_event_id', 'currency_code'),
    ('pnl_checks', "'channel'", 'channel_key', "'USD'"),
    ('null_safe_totals', "'mart'", 'identity', "'USD'"),
] %}
{% for checks, object_type, object_id, currency in grains -%}
    select
    {{ recon_columns('margin_identities', object_type, object_id, currency, 'expected', 'actual',
        'identity', recon_beyond_tolerance('expected', 'actual')) }}
    from {{ checks }}
    where {{ recon_differs('expected', 'actual') }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
