-- 1. For every order, the lines' net amounts + tax + shipping charged equal the order total the
-- source reported, in the order's currency; every line carries the same reported total, and names
-- the same customer, channel, store and campaign: fct_orders keeps one of each for the order, so a
-- line naming another would put its money under another channel or account in the order marts
-- than in the P&L (found by a helper's audit, 2026-12-07: 225.98 USD moved between channels in
-- orders_daily, one line counted in two accounts' figures in customer_360, and the build passed).
-- One pass over the sale lines tests both; the attributes are compared by a hash of the four.
{%- set attributes = ['customer_id', 'channel', 'store_id', 'campaign_id'] %}
with sale_orders as (
    select
        order_id,
        max(currency_code) as currency_code,
        min(reported_order_total) as lowest_reported_total,
        max(reported_order_total) as highest_reported_total,
        min({{ row_hash(attributes) }}) as lowest_attributes,
        max({{ row_hash(attributes) }}) as highest_attributes
    from {{ ref('int_transaction_lines_deduplicated') }}
    where event_type = 'sale'
    group by order_id
    -- two different values: the same as count(distinct) > 1 (min and max ignore nulls), without
    -- a distinct per order
    having
        min(reported_order_total) <> max(reported_order_total)
        or min({{ row_hash(attributes) }}) <> max({{ row_hash(attributes) }})
)

select
    {{ recon_columns('order_arithmetic', "'order'", 'order_id', 'currency_code',
        'reported_order_total', 'computed_order_total',
        "'lines: net revenue + tax + shipping charged; expected: the order total the source reported'",
        recon_beyond_tolerance('reported_order_total', 'computed_order_total')) }}
from {{ ref('fct_orders') }}
where {{ recon_differs('reported_order_total', 'computed_order_total') }}
union all
select
    {{ recon_columns('order_arithmetic', "'order'", 'order_id', 'currency_code',
        'lowest_reported_total', 'highest_reported_total',
        "'the lines of the order carry different order totals'", 'true') }}
from sale_orders
where lowest_reported_total <> highest_reported_total
union all
select
    {{ recon_columns('order_arithmetic', "'order'", 'order_id', 'currency_code', 'null', 'null',
        "'the lines of the order name different customers, channels, stores or campaigns: the order marts "
        ~ "keep one of each, the P&L each line''s'", 'true') }}
from sale_orders
where lowest_attributes <> highest_attributes
