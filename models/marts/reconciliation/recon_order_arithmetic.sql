-- 1. For every order, the lines' net amounts + tax + shipping charged equal the order total the
-- source reported, in the order's currency; every line carries the same reported total.
select
    {{ recon_columns('order_arithmetic', "'order'", 'order_id', 'currency_code',
        'reported_order_total', 'computed_order_total',
        "'lines: net revenue + tax + shipping charged; expected: the order total the source reported'",
        recon_beyond_tolerance('reported_order_total', 'computed_order_total')) }}
from {{ ref('fct_orders') }}
where {{ recon_differs('reported_order_total', 'computed_order_total') }}
union all
select
    {{ recon_columns('order_arithmetic', "'order'", 'order_id', 'max(currency_code)',
        'min(reported_order_total)', 'max(reported_order_total)',
        "'the lines of the order carry different order totals'", 'true') }}
from {{ ref('int_transaction_lines_deduplicated') }}
where event_type = 'sale'
group by order_id
-- two different totals: the same as count(distinct) > 1 (both ignore nulls), without a distinct per order
having min(reported_order_total) <> max(reported_order_total)
